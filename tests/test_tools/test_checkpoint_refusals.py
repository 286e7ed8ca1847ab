"""Checkpoints that would give a wrong answer with exit code 0, and files
that are no checkpoint, are refused with one clear line: whoever loads into
a GSS segmentor (mmcv's non-strict load_checkpoint, as mmseg's own and the
authors' tools/test.py call it), --resume-from, --load-from."""
import os.path as osp

import mmcv
import pytest
import torch
from mmcv.runner import load_checkpoint as mmcv_load_checkpoint
from mmseg.models import build_segmentor

from gss.utils import (CheckpointFileError, CheckpointMismatchError,
                       partial_load, safe_load)
from tests.conftest import ROOT, data_options, load_tool
from tests.test_configs.tiny_gss import build_tiny
from tests.test_models.test_segmentors.test_strict_loading import FF, FTW

TINY_FCN = osp.join(ROOT, 'tests', 'configs', 'tiny_fcn.py')
STAGE_ONE = 'dalle_reconstruction_cityscapes'


def save(state_dict, path, **meta):
    torch.save(dict(state_dict=state_dict, meta=meta), path)
    return str(path)


def stage_one_state(model):
    """A stage-I checkpoint: the tokenizer of ``model``'s GSS head."""
    return {
        k[len('decode_head.'):]: v
        for k, v in model.state_dict().items()
        if k.startswith('decode_head.tokenizer.')
    }


def test_mmcv_loader_refuses_a_stage_one_checkpoint_for_gss_ff(tmp_path):
    """What mmseg's tools/test.py does: load_checkpoint(model, ckpt,
    map_location='cpu'), non-strict; at 187fe31 the FF model stayed mostly
    random and the test went on."""
    _, model = build_tiny(FF)
    ckpt = save(stage_one_state(model), tmp_path / 'stage1.pth')
    _, fresh = build_tiny(FF)
    before = {k: v.clone() for k, v in fresh.state_dict().items()}
    with pytest.raises(CheckpointMismatchError) as err:
        mmcv_load_checkpoint(fresh, ckpt, map_location='cpu')
    message = str(err.value)
    assert 'stage-I tokenizer checkpoint' in message
    assert 'GSSEncoderDecoder' in message and '--allow-partial-load' in message
    for key, value in fresh.state_dict().items():  # refused before loading
        assert torch.equal(value, before[key]), key


@pytest.mark.parametrize('source, target', [(FF, FTW), (FF, STAGE_ONE)])
def test_mmcv_loader_refuses_checkpoints_of_other_gss_models(
        source, target, tmp_path):
    """FF into FT-W (its inverse is missing), GSS-FF into a stage-I
    MaskigeAutoencoder (backbone and head are unexpected)."""
    ckpt = save(build_tiny(source)[1].state_dict(), tmp_path / 'other.pth')
    _, model = build_tiny(target)
    with pytest.raises(CheckpointMismatchError, match='does not fit'):
        mmcv_load_checkpoint(model, ckpt, map_location='cpu')


def test_fitting_and_explicitly_partial_loads_still_work(tmp_path):
    _, ff = build_tiny(FF)
    ckpt = save(ff.state_dict(), tmp_path / 'ff.pth')
    _, same = build_tiny(FF)
    mmcv_load_checkpoint(same, ckpt, map_location='cpu')  # fits: loads
    for key, value in ff.state_dict().items():
        assert torch.equal(same.state_dict()[key], value), key
    # FF into FT-W on purpose: through torch's strict=False ...
    _, ftw = build_tiny(FTW)
    result = ftw.load_state_dict(ff.state_dict(), strict=False)
    assert any(k.startswith('decode_head.projection') for k in
               result.missing_keys)
    assert torch.equal(ftw.state_dict()['backbone.stem.0.weight'],
                       ff.state_dict()['backbone.stem.0.weight'])
    # ... or mmcv's loader inside partial_load().
    _, ftw = build_tiny(FTW)
    with partial_load():
        mmcv_load_checkpoint(ftw, ckpt, map_location='cpu')
    assert torch.equal(ftw.state_dict()['backbone.stem.0.weight'],
                       ff.state_dict()['backbone.stem.0.weight'])
    with pytest.raises(RuntimeError, match='does not fit'):
        build_tiny(FTW)[1].load_state_dict(ff.state_dict())  # strict


def train(street_data, work_dir, *args):
    load_tool('train').main([
        TINY_FCN, '--work-dir', str(work_dir), *args, '--cfg-options',
        'runner.max_iters=2', 'checkpoint_config.interval=2',
        *data_options(street_data)
    ])


def other_fcn_state():
    """A checkpoint of an FCN with other widths: no tensor of tiny_fcn's
    decode head fits."""
    cfg = mmcv.Config.fromfile(TINY_FCN)
    cfg.model.decode_head.channels = 8
    cfg.model.backbone.base_channels = 16
    return build_segmentor(cfg.model).state_dict()


def test_resume_from_another_model_is_refused(street_data, tmp_path):
    """At 187fe31: "resumed from iter 1" and a random model trained on."""
    ckpt = save(other_fcn_state(), tmp_path / 'other.pth', iter=1, epoch=0)
    with pytest.raises(CheckpointMismatchError, match='shapes differ'):
        train(street_data, tmp_path / 'work', '--resume-from', ckpt)
    assert not osp.exists(tmp_path / 'work' / 'iter_2.pth')


def test_resume_from_weights_without_iteration_is_refused(street_data,
                                                         tmp_path):
    cfg = mmcv.Config.fromfile(TINY_FCN)
    ckpt = str(tmp_path / 'weights.pth')
    torch.save(dict(state_dict=build_segmentor(cfg.model).state_dict()),
               ckpt)
    with pytest.raises(CheckpointMismatchError,
                       match='records no training iteration.*--load-from'):
        train(street_data, tmp_path / 'work', '--resume-from', ckpt)


def test_load_from_that_loads_nothing_is_refused(street_data, tmp_path):
    """At 187fe31: one INFO line, then training from scratch."""
    ckpt = save(stage_one_state(build_tiny(FF)[1]), tmp_path / 'stage1.pth')
    with pytest.raises(CheckpointMismatchError,
                       match="loads none of the model's .* tensors"):
        train(street_data, tmp_path / 'work', '--load-from', ckpt)
    assert not osp.exists(tmp_path / 'work' / 'iter_2.pth')


@pytest.mark.parametrize('kind, message', [
    ('empty', r'is empty \(0 bytes\).*copy or download it again'),
    ('text', r"is not a PyTorch checkpoint \(it starts with b'iter,mIoU"),
    ('truncated', r'is not a PyTorch checkpoint'),
    ('directory', r'is a directory, not a checkpoint file.*latest\.pth'),
])
def test_unreadable_checkpoint_files_say_what_they_are(kind, message,
                                                       tmp_path):
    """At 187fe31: EOFError, KeyError: 105, 'does not exist', an ORT-like
    'PytorchStreamReader failed' with no file named."""
    path = tmp_path / 'model.pth'
    if kind == 'empty':
        path.write_bytes(b'')
    elif kind == 'text':
        path.write_text('iter,mIoU\n8000,0.7\n')
    elif kind == 'truncated':
        torch.save(dict(state_dict=dict(w=torch.ones(1000))), path)
        path.write_bytes(path.read_bytes()[:300])
    else:
        path.mkdir()
    with pytest.raises((CheckpointFileError, FileNotFoundError),
                       match=message) as err:
        safe_load(str(path))
    assert str(path) in str(err.value)
    # The same error through mmcv's loader (tools, init_segmentor, hooks).
    with pytest.raises(type(err.value), match=message):
        mmcv_load_checkpoint(build_tiny(FF)[1], str(path))
