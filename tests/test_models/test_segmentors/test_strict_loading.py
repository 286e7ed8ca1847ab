"""Checkpoints load strictly: released layouts load with no warning, and a
checkpoint that does not fit the model is an error naming keys and cause."""
import logging
import os.path as osp

import mmcv
import pytest
import torch
from mmseg.apis import init_segmentor

from gss.utils import CheckpointMismatchError, load_checkpoint
from tests.conftest import ROOT, load_tool
from tests.test_configs.tiny_gss import shrink, load

FF = 'gss-ff_r101_768x768_80k_cityscapes'
FTW = 'gss-ft-w_r101_768x768_80k_40k_cityscapes'
SYNTHETIC = osp.join(ROOT, 'configs', 'gss', '_base_', 'datasets',
                     'synthetic.py')


def tiny_config(name, street_data, tmp_path):
    """A shrunk published config tested on the generated street scenes."""
    cfg = shrink(load(name))
    cfg.model.pretrained = None
    cfg.model.decode_head.norm_cfg = dict(type='BN', requires_grad=True)
    cfg.model.backbone.norm_cfg = dict(type='BN', requires_grad=True)
    data = mmcv.Config.fromfile(SYNTHETIC).data
    data.test.data_root = street_data
    cfg.data.test = data.test
    cfg.data.workers_per_gpu = 0
    path = str(tmp_path / f'{name}.py')
    cfg.dump(path)
    return path


def released(model):
    """The model's weights in the authors' layout: dVAE under ``d_vae.``,
    no palette buffers."""
    return {
        k.replace('decode_head.tokenizer.', 'decode_head.d_vae.'): v
        for k, v in model.state_dict().items() if '.codec.' not in k
    }


def save(state_dict, path):
    torch.save(dict(state_dict=state_dict, meta={}), path)
    return str(path)


@pytest.fixture
def ff_config(street_data, tmp_path):
    return tiny_config(FF, street_data, tmp_path)


def build(config):
    from mmseg.models import build_segmentor
    torch.manual_seed(0)
    return build_segmentor(mmcv.Config.fromfile(config).model)


@pytest.mark.parametrize('name', [FF, FTW])
def test_released_layout_tests_end_to_end_without_key_warnings(
        name, ff_config, street_data, tmp_path, capsys, caplog):
    config = tiny_config(name, street_data, tmp_path)
    state = released(build(config))
    if name == FTW:  # the authors' merge keeps FF's auxiliary head
        state.update((k, v) for k, v in released(build(ff_config)).items()
                     if 'pixel' in k)
    ckpt = save(state, tmp_path / 'released.pth')
    with caplog.at_level(logging.INFO):
        load_tool('test').main([
            config, ckpt, '--eval', 'mIoU', '--work-dir',
            str(tmp_path / 'work')
        ])
    log = capsys.readouterr().out + capsys.readouterr().err + caplog.text
    assert 'mIoU' in log
    for noise in ('missing keys', 'unexpected key', 'size mismatch'):
        assert noise not in log


def test_test_tool_refuses_an_ff_checkpoint_for_ftw(street_data, ff_config,
                                                    tmp_path):
    ftw_config = tiny_config(FTW, street_data, tmp_path)
    ckpt = save(build(ff_config).state_dict(), tmp_path / 'ff.pth')
    with pytest.raises(CheckpointMismatchError) as err:
        load_tool('test').main([ftw_config, ckpt, '--eval', 'mIoU'])
    message = str(err.value)
    assert 'model keys are missing' in message
    assert 'decode_head.projection' in message
    assert 'GSS-FF checkpoint and the config is GSS-FT-W' in message
    assert '--allow-partial-load' in message


def test_allow_partial_load_is_explicit(street_data, ff_config, tmp_path,
                                        capsys):
    ftw_config = tiny_config(FTW, street_data, tmp_path)
    ckpt = save(build(ff_config).state_dict(), tmp_path / 'ff.pth')
    load_tool('test').main([
        ftw_config, ckpt, '--eval', 'mIoU', '--allow-partial-load',
        '--work-dir',
        str(tmp_path / 'work')
    ])
    out = capsys.readouterr().out
    assert 'not loaded' in out and 'decode_head.projection' in out
    assert 'mIoU' in out


@pytest.mark.parametrize('source', ['stage_one', 'fcn', 'other_classes'])
def test_init_segmentor_refuses_checkpoints_of_other_models(
        source, ff_config, tmp_path):
    model = build(ff_config)
    if source == 'stage_one':
        state = {k[len('decode_head.'):]: v
                 for k, v in model.state_dict().items()
                 if k.startswith('decode_head.tokenizer.')}
        cause = 'stage-I tokenizer checkpoint'
    elif source == 'fcn':
        fcn = mmcv.Config.fromfile(
            osp.join(ROOT, 'tests', 'configs', 'tiny_fcn.py'))
        from mmseg.models import build_segmentor
        state = build_segmentor(fcn.model).state_dict()
        cause = 'another'
    else:
        state = model.state_dict()
        state['decode_head.conv_seg_pixel.weight'] = torch.zeros(
            5, *state['decode_head.conv_seg_pixel.weight'].shape[1:])
        cause = 'shapes differ'
    ckpt = save(state, tmp_path / 'other.pth')
    with pytest.raises(CheckpointMismatchError, match=cause):
        init_segmentor(ff_config, ckpt, device='cpu')


def test_partial_load_summarises_in_one_line(ff_config, street_data,
                                             tmp_path, capsys):
    """What ``--load-from`` (the runner, non-strict) logs for FT-W."""
    ftw = build(tiny_config(FTW, street_data, tmp_path))
    ff = build(ff_config)
    ckpt = save(ff.state_dict(), tmp_path / 'ff.pth')
    load_checkpoint(ftw, ckpt, strict=False)
    out = capsys.readouterr().out
    assert 'missing keys in source state_dict' not in out  # mmcv's list
    lines = [line for line in out.splitlines() if 'not loaded' in line]
    assert len(lines) == 1
    assert 'missing' in lines[0] and 'decode_head.cls_segmap' in lines[0]
    # FF's auxiliary pixel head is dropped by the FT-W head, not reported.
    assert '0 unexpected' in lines[0]
    for key, value in ff.state_dict().items():
        if key in ftw.state_dict():
            assert torch.equal(ftw.state_dict()[key], value), key
