"""The published GSS configs: paper hyper-parameters, and tiny versions of
their models training and testing on random batches."""
import os
import os.path as osp

import numpy as np
import pytest
import torch
from mmcv.runner import RUNNERS, build_optimizer
from mmseg.datasets.pipelines import Compose

from gss.apis import SafeIterBasedRunner
from gss.utils.checkpoint import is_ftw_inverse_key
from tests.test_configs.tiny_gss import PUBLISHED, batch, build_tiny, load

# The authors' values (../shared/fidelity/configs.json, also checked
# wholesale below when that folder is present).
# FF config: (lr, max_iters, crop, samples_per_gpu, swin_depth,
# num_classes, palette, checkpoint/eval interval, test window or None).
FF = {
    'gss-ff_r101_768x768_80k_cityscapes':
    (1.5e-3, 80000, (768, 768), 2, 6, 19, 'cityscapes', (8000, 8000),
     ((768, 768), (512, 512))),
    'gss-ff_swin-l_768x768_80k_cityscapes':
    (1.5e-3, 80000, (768, 768), 2, 2, 19, 'cityscapes', (8000, 8000),
     ((768, 768), (512, 512))),
    'gss-ff_swin-l_512x512_160k_ade20k':
    (1.2e-4, 160000, (512, 512), 4, 2, 150, 'ade20k', (16000, 16000),
     None),
    'gss-ff_hrnet-w48_512x512_160k_mseg':
    (1.2e-4, 160000, (512, 512), 4, 6, 194, 'mseg', (16000, 16000),
     ((768, 768), (512, 512))),
    'gss-ff_swin-l_512x512_160k_mseg':
    (1.2e-4, 160000, (512, 512), 4, 2, 194, 'mseg', (8000, 40000),
     ((768, 768), (512, 512))),
}
# FT-W config → (its FF config, lr, max_iters, samples_per_gpu,
# post_swin_depth, checkpoint/eval interval, X⁻¹ loss weights).
FTW = {
    'gss-ft-w_r101_768x768_80k_40k_cityscapes':
    ('gss-ff_r101_768x768_80k_cityscapes', 1.5e-3, 80000, 2, 1,
     (8000, 8000), [1.0]),
    'gss-ft-w_swin-l_768x768_80k_40k_cityscapes':
    ('gss-ff_swin-l_768x768_80k_cityscapes', 7.5e-4, 40000, 1, 1,
     (8000, 8000), [1.0]),
    'gss-ft-w_swin-l_512x512_160k_ade20k':
    ('gss-ff_swin-l_512x512_160k_ade20k', 1.5e-3, 40000, 2, 2,
     (8000, 8000), [1.0]),
    'gss-ft-w_hrnet-w48_512x512_160k_40k_mseg':
    ('gss-ff_hrnet-w48_512x512_160k_mseg', 1.2e-4, 160000, 4, 2,
     (4000, 8000), [0.8, 0.2]),
    'gss-ft-w_swin-l_512x512_160k_40k_mseg':
    ('gss-ff_swin-l_512x512_160k_mseg', 1.5e-3, 40000, 4, 2,
     (10000, 20000), [1.0]),
}
# Reconstruction config → (palette, num_classes, label upsampling).
RECON = {
    'dalle_reconstruction_cityscapes': ('cityscapes', 19, 1),
    'dalle_reconstruction-2x_cityscapes': ('cityscapes', 19, 2),
    'dalle_reconstruction_ade20k': ('ade20k', 150, 1),
    'dalle_reconstruction-2x_ade20k': ('ade20k', 150, 2),
    'dalle_reconstruction_mseg': ('mseg', 194, 1),
}
FTW_KEYS = dict(
    type='GSSFTWHead',
    pixel_head=None,
    post_seg_channel=128,
    post_swin_num_heads=4,
    post_swin_window_size=7,
    post_swin_mlp_ratio=2,
    frozen_mode='train')
SYNC_BN = dict(type='SyncBN', requires_grad=True)
SWIN_URL = ('https://download.openmmlab.com/mmsegmentation/v0.5/pretrain/'
            'swin/swin_large_patch4_window12_384_22k_20220412-6580f57d.pth')


def test_every_published_config_is_checked():
    assert sorted(n for names in PUBLISHED.values() for n in names) == \
        sorted([*FF, *FTW, *RECON])


def check_backbone(model):
    backbone, head = model.backbone, model.decode_head
    assert head.in_index == [1, 0, 2, 3]  # the authors' level order
    if backbone.type == 'ResNetV1c':
        assert model.pretrained == 'open-mmlab://resnet101_v1c'
        assert backbone.depth == 101 and backbone.norm_cfg == SYNC_BN
        # Dilated: output stride 8.
        assert (backbone.strides, backbone.dilations) == ((1, 2, 1, 1),
                                                          (1, 1, 2, 4))
        assert head.in_channels == [512, 256, 1024, 2048]
    elif backbone.type == 'SwinTransformer':
        assert (backbone.embed_dims, backbone.depths, backbone.num_heads,
                backbone.window_size, backbone.pretrain_img_size) == \
            (192, [2, 2, 18, 2], [6, 12, 24, 48], 12, 384)
        assert backbone.init_cfg == dict(type='Pretrained',
                                         checkpoint=SWIN_URL)
        assert head.in_channels == [384, 192, 768, 1536]
    else:
        assert backbone.type == 'HRNet'
        assert model.pretrained == 'open-mmlab://msra/hrnetv2_w48'
        assert backbone.extra.stage4.num_channels == (48, 96, 192, 384)
        assert backbone.norm_cfg == SYNC_BN
        assert head.in_channels == [96, 48, 192, 384]


@pytest.mark.parametrize('name', FF)
def test_ff_hyper_parameters(name):
    (lr, max_iters, crop, per_gpu, depth, num_classes, palette, intervals,
     window) = FF[name]
    cfg = load(name)
    assert cfg.optimizer.type == 'AdamW'
    assert cfg.optimizer.lr == pytest.approx(lr)
    assert cfg.optimizer.weight_decay == 0.01
    no_decay = cfg.optimizer.paramwise_cfg.custom_keys
    assert all(no_decay[k].decay_mult == 0 for k in
               ('norm', 'relative_position_bias_table', 'absolute_pos_embed'))
    assert (cfg.lr_config.policy, cfg.lr_config.warmup,
            cfg.lr_config.warmup_iters) == ('poly', 'linear', 1500)
    assert cfg.runner == dict(type='IterBasedRunner', max_iters=max_iters)
    # gss registers its atomic, exact-resume runner under mmcv's name
    assert RUNNERS.get(cfg.runner.type) is SafeIterBasedRunner
    assert (cfg.checkpoint_config.interval,
            cfg.evaluation.interval) == intervals
    assert cfg.data.samples_per_gpu == per_gpu
    train = cfg.data.train
    pipeline = (train[0].dataset if isinstance(train, list) else
                train).pipeline
    (random_crop, ) = [t for t in pipeline if t.type == 'RandomCrop']
    assert random_crop.crop_size == crop
    head = cfg.model.decode_head
    assert head.type == 'GSSFFHead'
    assert (head.channels, head.fusion_channels, head.classifier_channels,
            head.swin_num_heads, head.swin_window_size, head.swin_depth,
            head.swin_mlp_ratio, head.token_level_index,
            head.dropout_ratio) == (384, 512, 2048, 16, 7, depth, 2, 1, 0.1)
    assert (head.num_classes, head.palette) == (num_classes, palette)
    assert (head.inverse_scores, head.inverse_resolution) == ('one_hot',
                                                              'decoded')
    # Tiled decoding: the outputs of whole windows (test_token_tiles.py).
    assert head.decode_tile_size == 96
    assert head.tokenizer == dict(
        type='DalleDVAE', checkpoint='ckp/dalle_dvae.pth')
    assert head.loss_token.loss_weight == 0.8
    assert head.loss_decode.loss_weight == 0.2
    assert head.loss_token.avg_non_ignore and head.loss_decode.avg_non_ignore
    assert head.norm_cfg == SYNC_BN
    check_backbone(cfg.model)
    test_cfg = cfg.model.test_cfg
    if window is None:
        assert test_cfg == dict(mode='whole')
    else:
        assert (test_cfg.mode, test_cfg.crop_size,
                test_cfg.stride) == ('slide', *window)
    mseg = palette == 'mseg'
    assert cfg.model.type == ('MultiDomainEncoderDecoder'
                              if mseg else 'GSSEncoderDecoder')
    assert head.pixel_head == ('shared' if mseg else 'separate')


@pytest.mark.parametrize('name', FTW)
def test_ftw_is_ff_with_learned_inverse_and_frozen_backbone(name):
    ff_name, lr, max_iters, per_gpu, depth, intervals, weights = FTW[name]
    cfg, ff = load(name), load(ff_name)
    head, backbone = cfg.model.decode_head, cfg.model.backbone
    assert {k: head[k] for k in FTW_KEYS} == FTW_KEYS
    assert head.post_swin_depth == depth
    losses = head.loss_decode if isinstance(head.loss_decode, list) else [
        head.loss_decode
    ]
    assert [loss.loss_weight for loss in losses] == weights
    assert all(loss.avg_non_ignore for loss in losses)
    # Everything else is the FF model.
    changed = {*FTW_KEYS, 'post_swin_depth', 'loss_decode'}
    assert {k: v for k, v in head.items() if k not in changed} == {
        k: v for k, v in ff.model.decode_head.items() if k not in changed
    }
    assert backbone.frozen_stages == 4
    assert not backbone.get('norm_eval', False)  # as the authors'
    unchanged = {k: v for k, v in backbone.items()
                 if k not in ('frozen_stages', 'init_cfg')}
    assert unchanged == {k: v for k, v in ff.model.backbone.items()
                         if k != 'init_cfg'}
    # The backbone weights come from the FF checkpoint.
    if backbone.type == 'SwinTransformer':
        assert backbone.init_cfg is None
    else:
        assert cfg.model.pretrained is None
    assert cfg.load_from == f'work_dirs/{ff_name}/latest.pth'
    assert cfg.optimizer.lr == pytest.approx(lr)
    assert cfg.runner.max_iters == max_iters
    assert cfg.data.samples_per_gpu == per_gpu
    assert (cfg.checkpoint_config.interval,
            cfg.evaluation.interval) == intervals
    assert cfg.lr_config == ff.lr_config
    assert cfg.model.test_cfg == ff.model.test_cfg
    assert cfg.data.train == ff.data.train


@pytest.mark.parametrize('name', RECON)
def test_reconstruction_configs(name):
    cfg = load(name)
    palette, num_classes, upsample = RECON[name]
    assert cfg.model == dict(
        type='MaskigeAutoencoder',
        tokenizer=dict(type='DalleDVAE', checkpoint='ckp/dalle_dvae.pth'),
        palette=palette,
        num_classes=num_classes,
        upsample_factor=upsample,
        inverse_scores='one_hot',
        test_resize='stretch')
    tests = cfg.data.test if isinstance(cfg.data.test, list) else [
        cfg.data.test
    ]
    for dataset in tests:
        steps = [t.type for t in dataset.pipeline]
        assert steps[1] == 'LoadTestAnnotations'
        transforms = dataset.pipeline[-1].transforms
        assert dict(type='ToTensor', keys=['gt_semantic_seg']) in transforms
        assert transforms[-1] == dict(
            type='Collect', keys=['img', 'gt_semantic_seg'])
    assert cfg.data.val == cfg.data.test


@pytest.mark.parametrize('name', RECON)
def test_reconstruction_test_pipeline_collects_labels(name, street_data):
    """The test pipeline on a generated image/label pair (labels 0..11)."""
    cfg = load(name)
    tests = cfg.data.test if isinstance(cfg.data.test, list) else [
        cfg.data.test
    ]
    stem = sorted(os.listdir(osp.join(street_data, 'val')))[0]
    results = dict(
        img_info=dict(filename=stem, ann=dict(seg_map=stem)),
        img_prefix=osp.join(street_data, 'val'),
        seg_prefix=osp.join(street_data, 'valannot'),
        seg_fields=[],
        dataset_name='cityscapes-19')
    out = Compose(tests[0].pipeline)(results)
    gt = out['gt_semantic_seg'][0]
    assert gt.shape[-2:] == out['img'][0].shape[-2:]
    assert set(np.unique(gt.numpy())) <= set(range(RECON[name][1])) | {255}


def train_two_steps(cfg, model, data):
    optimizer = build_optimizer(model, cfg.optimizer)
    model.train()  # as the runner does, after DDP wrapped the model
    for _ in range(2):
        outputs = model.train_step(data, optimizer)
        optimizer.zero_grad()
        outputs['loss'].backward()
        optimizer.step()
        assert torch.isfinite(outputs['loss'])
    return outputs['log_vars']


def trainable_for_ddp(model):
    """The parameters DDP registers: those that need gradients when
    tools/train.py wraps the model, i.e. after ``model.train()`` applied
    the backbone's ``frozen_stages``."""
    model.train()
    return {n for n, p in model.named_parameters() if p.requires_grad}


def check_ddp_ready(cfg, model, trainable):
    """No published config sets find_unused_parameters (it costs a graph
    walk every iteration): every parameter DDP registers needs a
    gradient."""
    assert not cfg.get('find_unused_parameters', False)
    missing = [n for n, p in model.named_parameters()
               if n in trainable and p.grad is None]
    assert not missing, missing[:5]


@pytest.mark.parametrize('name', FF)
def test_tiny_ff_trains_and_tests(name):
    cfg, model = build_tiny(name)
    trainable = trainable_for_ddp(model)
    k = cfg.model.decode_head.num_classes
    log_vars = train_two_steps(cfg, model, batch(k))
    assert {'decode.loss_token', 'decode.loss_pixel'} <= log_vars.keys()
    check_ddp_ready(cfg, model, trainable)
    model.eval()
    data = batch(k, dataset_name='camvid-11')
    with torch.no_grad():
        preds = model(img=[data['img']], img_metas=[data['img_metas']],
                      return_loss=False)
    classes = 11 if cfg.model.type == 'MultiDomainEncoderDecoder' else k
    assert len(preds) == 2 and preds[0].shape == (64, 64)
    assert preds[0].max() < classes


@pytest.mark.parametrize('name', FTW)
def test_tiny_ftw_trains_only_the_learned_inverse(name):
    cfg, model = build_tiny(name)
    trainable = trainable_for_ddp(model)
    before = {k: v.clone() for k, v in model.state_dict().items()}
    k = cfg.model.decode_head.num_classes
    log_vars = train_two_steps(cfg, model, batch(k))
    assert 'decode.loss_ce' in log_vars
    check_ddp_ready(cfg, model, trainable)
    params = {n for n, _ in model.named_parameters()}
    for key, value in model.state_dict().items():
        inverse = is_ftw_inverse_key(key)
        if key.endswith('.weight') and inverse:
            assert not torch.equal(value, before[key]), key
        elif not inverse and key in params:
            assert torch.equal(value, before[key]), key
    # The frozen head runs in train mode, as the authors': its BN layers
    # use batch statistics and update their running statistics.
    assert not torch.equal(
        model.state_dict()['decode_head.fusion_conv.bn.running_mean'],
        before['decode_head.fusion_conv.bn.running_mean'])


@pytest.mark.parametrize('name', RECON)
def test_tiny_reconstruction_tests(name):
    cfg, model = build_tiny(name)
    model.eval()
    data = batch(cfg.model.num_classes)
    with torch.no_grad():
        preds = model(img=[data['img']], img_metas=[data['img_metas']],
                      return_loss=False,
                      gt_semantic_seg=[data['gt_semantic_seg']])
    assert len(preds) == 2 and preds[0].shape == (64, 64)
