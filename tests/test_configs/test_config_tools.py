"""tools/print_config.py, tools/get_flops.py and tools/merge_checkpoints.py."""
import os
import os.path as osp
import subprocess
import sys

import mmcv
import pytest
import torch

from gss.utils import (CheckpointMismatchError, UnsafeCheckpointError,
                       load_checkpoint)
from gss.utils.checkpoint import is_ftw_inverse_key
from tests.conftest import ROOT, load_tool
from tests.test_configs.tiny_gss import build_tiny, config_path

FF = 'gss-ff_r101_768x768_80k_cityscapes'
FTW = 'gss-ft-w_r101_768x768_80k_40k_cityscapes'
# The R101 FF config shrunk from the command line.
TINY_OPTIONS = [
    'model.backbone.depth=18',
    'model.backbone.stem_channels=8',
    'model.backbone.base_channels=8',
    'model.decode_head.in_channels=[16,8,32,64]',  # in in_index order
    'model.decode_head.channels=8',
    'model.decode_head.fusion_channels=16',
    'model.decode_head.classifier_channels=16',
    'model.decode_head.swin_depth=1',
    'model.decode_head.swin_num_heads=2',
    'model.decode_head.tokenizer.n_hid=8',
    'model.decode_head.tokenizer.n_blk_per_group=1',
    'model.decode_head.tokenizer.vocab_size=32',
    'model.decode_head.tokenizer.n_init=8'
]



def test_print_config_prints_merged_config():
    out = subprocess.run(
        [
            sys.executable,
            osp.join(ROOT, 'tools', 'print_config.py'),
            config_path(FTW), '--cfg-options', 'optimizer.lr=0.002'
        ],
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT).stdout
    assert out.startswith('Config:\n')
    assert "type='GSSFTWHead'" in out and 'lr=0.002' in out
    assert "load_from = 'work_dirs/gss-ff_r101_768x768_80k_cityscapes/" \
        "latest.pth'" in out


def test_print_config_graph_and_dump(tmp_path, capsys):
    dump = str(tmp_path / 'merged.py')
    load_tool('print_config').main([
        config_path(FF), '--graph', '--dump', dump, '--cfg-options',
        *TINY_OPTIONS
    ])
    out = capsys.readouterr().out
    assert 'Model graph:\nGSSEncoderDecoder(' in out
    assert 'GSSFFHead' in out and 'DalleDVAE' in out
    assert 'depth=18' in open(dump).read()


def test_get_flops_counts_what_mmcv_misses(capsys):
    get_flops = load_tool('get_flops')
    result = get_flops.main(
        [config_path(FF), '--shape', '64', '--cfg-options', *TINY_OPTIONS])
    out = capsys.readouterr().out
    assert 'Input shape: (1, 3, 64, 64)' in out and 'mmcv counter' in out
    parts = result['parts']
    assert set(parts) == {'backbone', 'decode head', 'tokenizer'}
    # Parts tile the model, for parameters and operator FLOPs.
    assert sum(p['params'] for p in parts.values()) == result['params']
    assert sum(p['aten_flops'] for p in parts.values()) == pytest.approx(
        result['aten_flops'])
    # The backbone is nn convolutions: both counters about agree on it
    # (mmcv adds BN/ReLU/pooling); mmcv misses the dVAE's functional ones.
    assert parts['backbone']['aten_flops'] == pytest.approx(
        parts['backbone']['mmcv_flops'], rel=0.05)
    assert parts['tokenizer']['mmcv_flops'] < \
        0.1 * parts['tokenizer']['aten_flops']
    # The frozen dVAE is not trainable.
    assert result['trainable_params'] == \
        result['params'] - parts['tokenizer']['params']


def test_get_flops_default_shape_and_stage_one_models():
    get_flops = load_tool('get_flops')
    cfg = mmcv.Config.fromfile(config_path(FF))
    assert get_flops.input_size(cfg) == (768, 768)  # one slide window
    assert get_flops.input_size(cfg, [32, 48]) == (32, 48)
    assert get_flops.parse_args([config_path(FF)]).device == 'meta'
    _, model = build_tiny('dalle_reconstruction_ade20k')
    result = get_flops.complexity(model.eval(), (32, 32))
    assert set(result['parts']) == {'tokenizer'}
    assert result['parts']['tokenizer']['aten_flops'] > 0
    # Besides the dVAE: the training-free X⁻¹, one 3-channel dot product per
    # class and pixel of the 2× upsampled label map.
    s = model.upsample_factor
    assert result['aten_flops'] - result['parts']['tokenizer'][
        'aten_flops'] == (32 * s)**2 * len(model.codec.colors) * 3


@pytest.mark.parametrize('stage_one', [False, True])
def test_get_flops_meta_device_counts_like_cpu(stage_one):
    """The default meta-device forward (shapes only) counts what a real CPU
    forward counts, parameters, FLOPs and parts alike."""
    get_flops = load_tool('get_flops')
    results = {}
    for device in ('meta', 'cpu'):
        if stage_one:
            _, model = build_tiny('dalle_reconstruction_ade20k')
            results[device] = get_flops.complexity(
                model.eval(), (32, 48), device=device)
        else:
            results[device] = get_flops.main([
                config_path(FTW), '--shape', '64', '--device', device,
                '--cfg-options', *TINY_OPTIONS
            ])
    meta, cpu = results['meta'], results['cpu']
    assert meta['aten_flops'] > 0
    for key in ('params', 'trainable_params', 'aten_flops', 'mmcv_flops'):
        assert meta[key] == cpu[key], key
    assert meta['parts'] == cpu['parts']


@pytest.fixture(scope='module')
def checkpoints(tmp_path_factory):
    """A tiny FF checkpoint and an FT-W checkpoint trained from it."""
    root = tmp_path_factory.mktemp('ckpts')
    _, ff = build_tiny(FF)
    _, ftw = build_tiny(FTW)
    ff_state = ff.state_dict()
    ftw.load_state_dict(ff_state, strict=False)
    with torch.no_grad():
        for module in ftw.decode_head.inverse_modules():
            for param in module.parameters():
                param.add_(1.0)  # "trained" X⁻¹
    paths = dict(ff=str(root / 'ff.pth'), ftw=str(root / 'ftw.pth'))
    torch.save(dict(meta=dict(iter=80000), state_dict=ff_state), paths['ff'])
    torch.save(
        dict(
            meta=dict(CLASSES=('road', ), iter=40000),
            state_dict=ftw.state_dict(),
            optimizer={}), paths['ftw'])
    return paths, ff_state, ftw.state_dict()


def test_merge_checkpoints(checkpoints, tmp_path, capsys):
    paths, ff_state, ftw_state = checkpoints
    out = str(tmp_path / 'sub' / 'merged.pth')
    load_tool('merge_checkpoints').main([paths['ff'], paths['ftw'], out])
    assert 'Warning' not in capsys.readouterr().out
    assert os.listdir(tmp_path / 'sub') == ['merged.pth']  # no temp file
    merged = torch.load(out, weights_only=True)
    assert set(merged) == {'meta', 'state_dict'}
    assert merged['meta']['CLASSES'] == ('road', )
    assert merged['meta']['merged_from'] == paths
    state = merged['state_dict']
    # It loads into the FT-W model as is.
    _, model = build_tiny(FTW)
    model.load_state_dict(state, strict=True)
    assert any(map(is_ftw_inverse_key, state))
    for key, value in state.items():
        source = ftw_state if is_ftw_inverse_key(key) else ff_state
        assert torch.equal(value, source[key]), key
    assert any(k.startswith('decode_head.tokenizer.') for k in state)


def test_ftw_trains_what_merge_and_load_errors_call_its_own(checkpoints,
                                                           tmp_path):
    """One FT-W module list: the parameters FT-W trains are exactly those
    the merge tool takes from the FT-W checkpoint, and what an FF
    checkpoint lacks for FT-W is what the load error calls FT-W's."""
    paths, ff_state, ftw_state = checkpoints
    _, model = build_tiny(FTW)
    model.train()  # backbones freeze their stages here
    trainable = {n for n, p in model.named_parameters() if p.requires_grad}
    assert trainable
    changed = {k: v + 1 for k, v in ftw_state.items()
               if v.is_floating_point()}
    merged, _ = load_tool('merge_checkpoints').merge(
        ff_state, dict(ftw_state, **changed))
    from_ftw = {k for k in changed if torch.equal(merged[k], changed[k])}
    assert from_ftw & dict(model.named_parameters()).keys() == trainable
    with pytest.raises(CheckpointMismatchError,
                       match='GSS-FF checkpoint and the config is GSS-FT-W'):
        load_checkpoint(model, paths['ff'])


def test_merge_warns_when_frozen_parts_differ(checkpoints, tmp_path,
                                              capsys):
    paths, ff_state, _ = checkpoints
    other = dict(ff_state)
    other['backbone.stem.0.weight'] = other['backbone.stem.0.weight'] + 1
    torch.save(dict(state_dict=other), str(tmp_path / 'other_ff.pth'))
    out = str(tmp_path / 'merged.pth')
    load_tool('merge_checkpoints').main(
        [str(tmp_path / 'other_ff.pth'), paths['ftw'], out])
    assert '1 frozen tensors' in capsys.readouterr().out
    state = torch.load(out, weights_only=True)['state_dict']
    assert torch.equal(state['backbone.stem.0.weight'],
                       other['backbone.stem.0.weight'])


class NotAWeight:
    pass


def test_merge_rejects_bad_inputs(checkpoints, tmp_path):
    paths, ff_state, _ = checkpoints
    merge = load_tool('merge_checkpoints').main
    out = str(tmp_path / 'merged.pth')
    with pytest.raises(ValueError, match='no learnable X'):
        merge([paths['ff'], paths['ff'], out])  # FF given as FT-W
    no_encoder = {
        k: v
        for k, v in ff_state.items() if not k.startswith('backbone.')
    }
    torch.save(dict(state_dict=no_encoder), str(tmp_path / 'head.pth'))
    with pytest.raises(ValueError, match='no image encoder'):
        merge([str(tmp_path / 'head.pth'), paths['ftw'], out])
    torch.save(
        dict(state_dict=ff_state, meta=dict(obj=NotAWeight())),
        str(tmp_path / 'unsafe.pth'))
    with pytest.raises(UnsafeCheckpointError):
        merge([str(tmp_path / 'unsafe.pth'), paths['ftw'], out])
    assert not osp.exists(out)
