"""The whole GSS pipeline, CI-sized: stage I → GSS-FF → GSS-FT-W → test."""
import glob
import json
import os.path as osp

import pytest
import torch

from tests.conftest import ROOT, load_tool, run_options

pytestmark = pytest.mark.slow
CFG = osp.join(ROOT, 'configs', 'gss', 'synthetic')


def state(path, prefix):
    ckpt = torch.load(path, map_location='cpu', weights_only=False)
    return {k[len(prefix):]: v for k, v in ckpt['state_dict'].items()
            if k.startswith(prefix)}


def test_stage1_stage2_ftw_test(street_data, tmp_path):
    train, test = load_tool('train'), load_tool('test')
    w1, w2, w3 = (str(tmp_path / n) for n in ('vq', 'ff', 'ftw'))
    train.main([osp.join(CFG, 'vqvae_synthetic.py'), '--work-dir', w1,
                *run_options(street_data, 'runner.max_iters=6',
                      'checkpoint_config.interval=6',
                      'evaluation.interval=6')])
    stage1 = osp.join(w1, 'latest.pth')
    train.main([osp.join(CFG, 'gss-ff_r18_synthetic.py'), '--work-dir', w2,
                '--no-validate',
                *run_options(street_data, 'runner.max_iters=4',
                      'checkpoint_config.interval=4',
                      f'model.decode_head.tokenizer.checkpoint={stage1}')])
    ff = osp.join(w2, 'latest.pth')
    # Stage II trained against the stage-I tokenizer, frozen.
    tokenizer = state(stage1, 'tokenizer.')
    in_ff = state(ff, 'decode_head.tokenizer.')
    assert tokenizer.keys() == in_ff.keys() and tokenizer
    for key, value in tokenizer.items():
        assert torch.equal(in_ff[key], value), key

    train.main([osp.join(CFG, 'gss-ft-w_r18_synthetic.py'), '--work-dir', w3,
                '--load-from', ff, '--no-validate',
                *run_options(street_data, 'runner.max_iters=3',
                      'checkpoint_config.interval=3')])
    ftw = osp.join(w3, 'latest.pth')
    assert torch.equal(state(ftw, 'backbone.')['stem.0.weight'],
                       state(ff, 'backbone.')['stem.0.weight'])

    for config, ckpt in (('gss-ff_r18_synthetic.py', ff),
                         ('gss-ft-w_r18_synthetic.py', ftw)):
        out = tmp_path / config
        test.main([osp.join(CFG, config), ckpt, '--eval', 'mIoU',
                   '--work-dir', str(out), '--show-dir', str(out / 'show'),
                   *run_options(street_data)])
        (result, ) = glob.glob(str(out / 'eval_*.json'))
        metric = json.load(open(result))['metric']
        assert 0.0 <= metric['mIoU'] <= 1.0 and 'IoU.Pole' in metric
        assert len(glob.glob(str(out / 'show' / '*.png'))) == 4
