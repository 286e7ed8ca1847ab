"""The GSS-FF-lean configs (docs/lean.md): full-size structure, the
stage-I tokenizer they load, and tiny versions training two iterations."""
import os.path as osp

import pytest
import torch
from mmcv.cnn.utils import revert_sync_batchnorm
from mmseg.models import build_segmentor

from tests.test_configs.test_published_configs import train_two_steps
from tests.test_configs.tiny_gss import batch, build_tiny, load

#: Lean config → (its UPerNet baseline, stage-I config, codebook size).
LEAN = {
    'gss-ff-lean_r101_768x768_80k_cityscapes':
    ('upernet_r101_768x768_80k_cityscapes', 'vqvae_cityscapes', 1024),
    'gss-ff-lean_swin-l_512x512_160k_ade20k':
    ('upernet_swin-l_512x512_160k_ade20k', 'vqvae_ade20k', 4096),
}
CAMVID_LEAN = 'gss-ff-lean_effnet-lite0_256x256_700_camvid'


@pytest.fixture(scope='module', params=list(LEAN))
def lean(request):
    """A lean config's name, config and full-size decode head (the whole
    model built, without weights: no backbone or tokenizer checkpoint)."""
    cfg = load(request.param)
    model_cfg = cfg.model.copy()
    model_cfg.pretrained = None
    model_cfg.backbone = dict(model_cfg.backbone, init_cfg=None)
    model_cfg.decode_head = dict(
        model_cfg.decode_head,
        tokenizer=dict(model_cfg.decode_head.tokenizer, checkpoint=None))
    return request.param, cfg, build_segmentor(model_cfg).decode_head


def test_lean_config_full_size(lean):
    """Same backbone as its UPerNet baseline; the maskige VQ-VAE on the
    stride-4 grid; a 2048 → 256 → codes token classifier."""
    name, cfg, head = lean
    upernet, _, codes = LEAN[name]
    assert cfg.model.backbone == load(upernet).model.backbone
    assert cfg.model.pretrained == load(upernet).model.pretrained
    assert type(head.tokenizer).__name__ == 'MaskigeVQVAE'
    assert head.tokenizer.num_tokens == codes
    assert head.tokenizer.downsample == head.token_stride == 4
    assert head.label_upsample == 1
    assert head.token_basis.weight.shape == (256, 2048, 1, 1)
    assert head.conv_seg.weight.shape == (codes, 256, 1, 1)
    assert head.decode_tile_size is None  # VQ-VAE tiles: equal to rounding


def test_lean_config_loads_its_stage_one_tokenizer(lean):
    """The checkpoint is where tools/train.py puts the stage-I config's
    model, and the stage-I tokenizer has the lean head's layout."""
    name, cfg, head = lean
    _, stage1, _ = LEAN[name]
    stage1_cfg = load(stage1)
    assert cfg.model.decode_head.tokenizer.checkpoint == osp.join(
        'work_dirs', stage1, 'latest.pth')
    trained = build_segmentor(stage1_cfg.model).tokenizer
    assert {k: v.shape for k, v in trained.state_dict().items()} == \
        {k: v.shape for k, v in head.tokenizer.state_dict().items()}
    assert (stage1_cfg.model.palette, stage1_cfg.model.num_classes) == (
        cfg.model.decode_head.palette, cfg.model.decode_head.num_classes)


@pytest.mark.parametrize('name', LEAN)
def test_tiny_lean_trains_and_tests(name):
    cfg, model = build_tiny(name, keep_tokenizer=True)
    k = cfg.model.decode_head.num_classes
    log_vars = train_two_steps(cfg, model, batch(k))
    assert {'decode.loss_token', 'decode.loss_pixel'} <= log_vars.keys()
    assert model.decode_head.token_basis.weight.grad is not None
    model.eval()
    data = batch(k)
    with torch.no_grad():
        preds = model(img=[data['img']], img_metas=[data['img_metas']],
                      return_loss=False)
    assert len(preds) == 2 and preds[0].shape == (64, 64)
    assert preds[0].max() < k


def test_camvid_lean_is_gss_ff_b_with_a_factorised_classifier():
    """Setting (b)'s GSS-FF-lean differs from GSS-FF (b) in the token
    classifier only, and trains two iterations at its real width."""
    cfg = load(CAMVID_LEAN)
    reference = load('gss-ff_effnet-lite0_256x256_700_camvid')
    assert cfg.model.decode_head.pop('token_classifier_rank') == 32
    assert cfg.model == reference.model
    for key in ('data', 'optimizer', 'lr_config', 'runner', 'crop_size'):
        assert cfg[key] == reference[key], key
    cfg = load(CAMVID_LEAN)
    cfg.model.backbone.pretrained = None
    cfg.model.decode_head.tokenizer.checkpoint = None
    torch.manual_seed(0)
    model = revert_sync_batchnorm(build_segmentor(cfg.model))
    log_vars = train_two_steps(cfg, model, batch(11))
    assert {'decode.loss_token', 'decode.loss_pixel'} <= log_vars.keys()
