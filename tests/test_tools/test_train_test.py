"""tools/train.py and tools/test.py end to end on a tiny EncoderDecoder."""
import glob
import json
import os
import os.path as osp
import subprocess
import sys

import mmcv
import numpy as np
import pytest
import torch

from tests.conftest import ROOT, data_options, load_tool

CFG = osp.join(ROOT, 'tests', 'configs', 'tiny_fcn.py')
DET_CFG = osp.join(ROOT, 'tests', 'configs', 'tiny_fcn_deterministic.py')
DIST_CFG = osp.join(ROOT, 'tests', 'configs', 'tiny_fcn_dist.py')


@pytest.fixture(scope='module')
def trained(street_data, tmp_path_factory):
    work_dir = str(tmp_path_factory.mktemp('train'))
    load_tool('train').main([
        CFG, '--work-dir', work_dir, '--seed', '0', '--cfg-options',
        *data_options(street_data)
    ])
    return work_dir


def test_train_writes_checkpoints_atomically(trained):
    assert osp.realpath(osp.join(trained, 'latest.pth')) == \
        osp.join(trained, 'iter_4.pth')
    assert not glob.glob(osp.join(trained, '*.tmp'))
    ckpt = torch.load(osp.join(trained, 'iter_4.pth'), weights_only=False)
    assert ckpt['meta']['iter'] == 4
    assert ckpt['meta']['CLASSES'][2] == 'Pole'
    assert 'optimizer' in ckpt


def hand_miou(street_data, checkpoint):
    """mIoU computed with numpy from the model's own predictions."""
    from mmcv.cnn.utils import revert_sync_batchnorm
    from mmseg.apis import inference_segmentor, init_segmentor
    cfg = mmcv.Config.fromfile(CFG)
    model = revert_sync_batchnorm(
        init_segmentor(cfg, checkpoint, device='cpu'))
    inter = np.zeros(11)
    union = np.zeros(11)
    for img in sorted(glob.glob(osp.join(street_data, 'val', '*.png'))):
        pred = inference_segmentor(model, img)[0]
        gt = mmcv.imread(img.replace('/val/', '/valannot/'), 'unchanged')
        valid = gt != 11  # void
        for c in range(11):
            p, g = (pred == c) & valid, (gt == c) & valid
            inter[c] += (p & g).sum()
            union[c] += (p | g).sum()
    with np.errstate(invalid='ignore'):
        return np.nanmean(inter / np.where(union > 0, union, np.nan))


def test_test_tool_reports_hand_checked_miou(trained, street_data, tmp_path,
                                             capsys):
    load_tool('test').main([
        CFG,
        osp.join(trained, 'latest.pth'), '--eval', 'mIoU', '--work-dir',
        str(tmp_path), '--cfg-options', *data_options(street_data)
    ])
    out = capsys.readouterr().out
    assert 'mIoU' in out and 'Pole' in out  # the per-class table
    (json_file, ) = glob.glob(str(tmp_path / 'eval_single_scale_*.json'))
    metric = json.load(open(json_file))['metric']
    expected = hand_miou(street_data, osp.join(trained, 'latest.pth'))
    assert metric['mIoU'] == pytest.approx(expected, abs=1e-4)


def test_resume_is_exact(street_data, tmp_path):
    full, part = str(tmp_path / 'full'), str(tmp_path / 'part')
    train = load_tool('train')
    opts = ['--seed', '0', '--cfg-options', *data_options(street_data)]
    train.main([DET_CFG, '--work-dir', full, *opts])
    train.main([
        DET_CFG, '--work-dir', part, '--resume-from',
        osp.join(full, 'iter_2.pth'), *opts
    ])
    a = torch.load(osp.join(full, 'iter_4.pth'), weights_only=False)
    b = torch.load(osp.join(part, 'iter_4.pth'), weights_only=False)
    assert b['meta']['iter'] == 4
    assert not osp.exists(osp.join(part, 'iter_2.pth'))  # continued at 2
    for key, value in a['state_dict'].items():
        torch.testing.assert_close(b['state_dict'][key], value, rtol=0,
                                   atol=1e-6, msg=key)
    state_a, state_b = a['optimizer']['state'], b['optimizer']['state']
    assert state_a.keys() == state_b.keys()
    for idx in state_a:
        torch.testing.assert_close(state_b[idx]['exp_avg'],
                                   state_a[idx]['exp_avg'], rtol=0,
                                   atol=1e-6)
        assert int(state_b[idx]['step']) == int(state_a[idx]['step']) == 4


def test_dist_train_two_processes_gloo(street_data, tmp_path):
    work_dir = str(tmp_path)
    env = dict(os.environ, PORT='29571', PYTHON=sys.executable,
               CUDA_VISIBLE_DEVICES='')
    proc = subprocess.run([
        'bash',
        osp.join(ROOT, 'tools', 'dist_train.sh'), DIST_CFG, '2',
        '--work-dir', work_dir, '--seed', '0', '--cfg-options',
        *data_options(street_data)
    ], cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    ranks = [
        torch.load(osp.join(work_dir, f'params_rank{r}.pth'))
        for r in range(2)
    ]
    assert [r['world_size'] for r in ranks] == [2, 2]
    init = torch.load(osp.join(work_dir, 'iter_2.pth'), weights_only=False)
    changed = 0
    for name, p0 in ranks[0]['params'].items():
        # Each rank saw different images; equal weights mean the gradients
        # were all-reduced.
        torch.testing.assert_close(ranks[1]['params'][name], p0, msg=name)
        changed += not torch.equal(
            p0, init['state_dict'][name])
    assert changed > 0


def test_dist_test_two_processes_gloo(trained, street_data, tmp_path):
    """``tools/dist_test.sh`` splits the val set over two processes and
    gathers the results: the same mIoU as the hand computation."""
    env = dict(os.environ, PORT='29573', PYTHON=sys.executable,
               CUDA_VISIBLE_DEVICES='')
    checkpoint = osp.join(trained, 'latest.pth')
    proc = subprocess.run([
        'bash',
        osp.join(ROOT, 'tools', 'dist_test.sh'), CFG, checkpoint, '2',
        '--eval', 'mIoU', '--work-dir', str(tmp_path), '--cfg-options',
        *data_options(street_data)
    ], cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    (json_file, ) = glob.glob(str(tmp_path / 'eval_single_scale_*.json'))
    metric = json.load(open(json_file))['metric']
    expected = hand_miou(street_data, checkpoint)
    assert metric['mIoU'] == pytest.approx(expected, abs=1e-4)
