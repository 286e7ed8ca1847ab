"""Shrink the models of the published GSS configs for fast CPU tests.

Only widths, depths and the vocabulary change: the segmentor, backbone,
head and tokenizer types and every other setting (freezing, losses,
palette, test mode, ...) stay as configured.
"""
import glob
import os.path as osp

import mmcv
import torch
from mmcv.cnn.utils import revert_sync_batchnorm
from mmseg.models import build_segmentor

from tests.conftest import ROOT

CONFIG_DIR = osp.join(ROOT, 'configs', 'gss')
#: Published configs: dataset folder → config names.
PUBLISHED = {
    'cityscapes': [
        'gss-ff_r101_768x768_80k_cityscapes',
        'gss-ff_swin-l_768x768_80k_cityscapes',
        'gss-ft-w_r101_768x768_80k_40k_cityscapes',
        'gss-ft-w_swin-l_768x768_80k_40k_cityscapes',
        'dalle_reconstruction_cityscapes',
        'dalle_reconstruction-2x_cityscapes',
    ],
    'ade20k': [
        'gss-ff_swin-l_512x512_160k_ade20k',
        'gss-ft-w_swin-l_512x512_160k_ade20k',
        'dalle_reconstruction_ade20k',
        'dalle_reconstruction-2x_ade20k',
    ],
    'mseg': [
        'gss-ff_hrnet-w48_512x512_160k_mseg',
        'gss-ff_swin-l_512x512_160k_mseg',
        'gss-ft-w_hrnet-w48_512x512_160k_40k_mseg',
        'gss-ft-w_swin-l_512x512_160k_40k_mseg',
        'dalle_reconstruction_mseg',
    ],
}
TINY_DVAE = dict(
    type='DalleDVAE',
    group_count=4,
    n_hid=8,
    n_blk_per_group=1,
    vocab_size=32,
    n_init=8,
    checkpoint=None)


def config_path(name):
    """Path of a published config from its name."""
    (path, ) = glob.glob(osp.join(CONFIG_DIR, '*', f'{name}.py'))
    return path


def load(name):
    return mmcv.Config.fromfile(config_path(name))


def _tiny_backbone(backbone):
    """Shrink a backbone config in place; return its level widths."""
    kind = backbone['type']
    if kind == 'ResNetV1c':
        backbone.update(depth=18, stem_channels=8, base_channels=8)
        return [8, 16, 32, 64]
    if kind == 'SwinTransformer':
        backbone.update(
            embed_dims=8,
            depths=[1, 1, 1, 1],
            num_heads=[1, 1, 1, 1],
            window_size=2,
            init_cfg=None)
        return [8, 16, 32, 64]
    if kind == 'HRNet':
        widths = (4, 8, 16, 32)
        extra = backbone['extra']
        extra['stage1'].update(num_blocks=(1, ), num_channels=(4, ))
        for i, stage in enumerate(('stage2', 'stage3', 'stage4'), start=2):
            extra[stage].update(
                num_modules=1, num_blocks=(1, ) * i, num_channels=widths[:i])
        return list(widths)
    raise ValueError(f'no tiny version of backbone {kind}')


def shrink(cfg, keep_tokenizer=False):
    """Make the model of a published config tiny, in place.

    Args:
        cfg (mmcv.Config): A published config.
        keep_tokenizer (bool): Keep the config's tokenizer (without its
            checkpoint) instead of a tiny dVAE: the maskige VQ-VAE of the
            GSS-FF-lean configs is small already. A factorised token
            classifier shrinks to rank 8.

    Returns:
        mmcv.Config: ``cfg``.
    """
    model = cfg.model
    if model.type == 'MaskigeAutoencoder':
        model.tokenizer = TINY_DVAE
        return cfg
    model.pretrained = None
    head = model.decode_head
    widths = _tiny_backbone(model.backbone)
    head.update(
        in_channels=[widths[i] for i in head.in_index],
        channels=8,
        fusion_channels=16,
        classifier_channels=16,
        swin_depth=1,
        swin_num_heads=2)
    if keep_tokenizer:
        head.tokenizer.checkpoint = None
    else:
        head.tokenizer = TINY_DVAE
    if head.get('token_classifier_rank') is not None:
        head.token_classifier_rank = 8
    if head.type == 'GSSFTWHead':
        head.update(post_seg_channel=8, post_swin_num_heads=2)
    return cfg


def build_tiny(name, keep_tokenizer=False):
    """Config and tiny model (SyncBN → BN, as on one CPU process).

    Args:
        name (str): Config name.
        keep_tokenizer (bool): See :func:`shrink`.

    Returns:
        tuple[mmcv.Config, nn.Module]: the shrunk config and its model as
        ``tools/train.py`` hands it to DDP: built, not yet switched to
        train mode (some backbones freeze stages only in ``train()``), with
        torch's default initialisation (``init_weights`` would only log a
        page per model).
    """
    cfg = shrink(load(name), keep_tokenizer)
    return cfg, revert_sync_batchnorm(build_segmentor(cfg.model))


def batch(num_classes, size=64, dataset_name=None, seed=0):
    """A random batch of two images with labels (some ignored).

    Returns:
        dict: ``img`` (2, 3, size, size), ``img_metas`` and
        ``gt_semantic_seg`` (2, 1, size, size) long.
    """
    gen = torch.Generator().manual_seed(seed)
    img = torch.randn(2, 3, size, size, generator=gen)
    gt = torch.randint(num_classes, (2, 1, size, size), generator=gen)
    gt[:, :, :size // 8] = 255
    shape = (size, size, 3)
    meta = dict(
        ori_shape=shape,
        img_shape=shape,
        pad_shape=shape,
        scale_factor=1.0,
        flip=False,
        flip_direction='horizontal')
    if dataset_name is not None:
        meta['dataset_name'] = dataset_name
    return dict(img=img, img_metas=[dict(meta), dict(meta)],
                gt_semantic_seg=gt)
