"""demo/image_demo.py with a tiny, randomly initialised GSS-FF model."""
import importlib.util
import os
import os.path as osp

import mmcv
import numpy as np
import pytest
import torch
from mmcv.runner import save_checkpoint
from mmseg.models import build_segmentor

from gss.datasets import CamVidDataset
from gss.visualization import TITLE_HEIGHT
from tests.conftest import ROOT

TINY_GSS = """
_base_ = ['{root}/configs/gss/_base_/datasets/synthetic.py']
custom_imports = dict(imports=['gss'], allow_failed_imports=False)
norm_cfg = dict(type='SyncBN', requires_grad=True)
model = dict(
    type='{segmentor}',
    backbone=dict(
        type='ResNetV1c', depth=18, stem_channels=8, base_channels=8,
        num_stages=4, out_indices=(0, 1, 2, 3), norm_cfg=norm_cfg,
        contract_dilation=True),
    decode_head=dict(
        type='{head}', in_channels=[8, 16, 32, 64], in_index=[0, 1, 2, 3],{extra}
        channels=16, fusion_channels=32, classifier_channels=32,
        swin_depth=2, swin_num_heads=2, num_classes=11, norm_cfg=norm_cfg,
        align_corners=False, palette='camvid',
        tokenizer=dict(
            type='MaskigeVQVAE', channels=16, num_res_blocks=1,
            quantizer=dict(type='EMAVectorQuantizer', num_codes=64))),
    train_cfg=dict(),
    test_cfg=dict(mode='{mode}', crop_size=(48, 48), stride=(32, 32)))
data = dict(samples_per_gpu=1, workers_per_gpu=0, persistent_workers=False)
"""


#: Tiny learnable X⁻¹ of GSS-FT-W.
FTW_ARGS = """
        post_seg_channel=16, post_swin_num_heads=2, post_swin_window_size=4,
"""


def make_tiny_gss(tmp_dir, segmentor='GSSEncoderDecoder', mode='whole',
                  head='GSSFFHead'):
    """Write a tiny GSS config and a checkpoint of its random weights.

    Args:
        tmp_dir (pathlib.Path): Output folder.
        segmentor (str): Segmentor type.
        mode (str): ``test_cfg.mode``.
        head (str): ``'GSSFFHead'`` or ``'GSSFTWHead'``.

    Returns:
        tuple[str, str]: Config and checkpoint paths.
    """
    name = f'tiny_{head}_{segmentor}_{mode}'
    config = tmp_dir / f'{name}.py'
    config.write_text(TINY_GSS.format(
        root=ROOT, segmentor=segmentor, mode=mode, head=head,
        extra=FTW_ARGS if head == 'GSSFTWHead' else ''))
    cfg = mmcv.Config.fromfile(str(config))
    torch.manual_seed(0)
    model = build_segmentor(cfg.model)
    model.init_weights()
    checkpoint = str(tmp_dir / f'{name}.pth')
    save_checkpoint(model, checkpoint, meta=dict(
        CLASSES=CamVidDataset.CLASSES, PALETTE=CamVidDataset.PALETTE))
    return str(config), checkpoint


def load_demo():
    spec = importlib.util.spec_from_file_location(
        'gss_image_demo', osp.join(ROOT, 'demo', 'image_demo.py'))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope='module')
def tiny_gss(tmp_path_factory):
    return make_tiny_gss(tmp_path_factory.mktemp('tiny_gss'))


@pytest.fixture
def street_image(street_data):
    return osp.join(street_data, 'val',
                    sorted(os.listdir(osp.join(street_data, 'val')))[0])


def test_demo_overlay(tiny_gss, street_image, tmp_path):
    out_file = str(tmp_path / 'seg.png')
    load_demo().main([street_image, *tiny_gss, '--device', 'cpu',
                      '--out-file', out_file, '--opacity', '1'])
    image = mmcv.imread(street_image)
    out = mmcv.imread(out_file)
    assert out.shape == image.shape
    # Opacity 1 paints every pixel with a CamVid colour (BGR on disk).
    colours = {tuple(c[::-1]) for c in CamVidDataset.PALETTE}
    assert {tuple(p) for p in out.reshape(-1, 3)} <= colours


def test_demo_panel_with_ground_truth(tiny_gss, street_image, tmp_path):
    out_file = str(tmp_path / 'panel.png')
    gt_file = street_image.replace('/val/', '/valannot/')
    load_demo().main([street_image, *tiny_gss, '--device', 'cpu',
                      '--out-file', out_file, '--panel', '--gt', gt_file])
    height, width = mmcv.imread(street_image).shape[:2]
    panel = mmcv.bgr2rgb(mmcv.imread(out_file))
    assert panel.shape[1] == 6 * width
    # The ground-truth column, in the CamVid colours where labelled.
    gt = mmcv.imread(gt_file, 'unchanged')
    labelled = gt < 11  # 11 is void
    gt_tile = panel[TITLE_HEIGHT:TITLE_HEIGHT + height, width:2 * width]
    np.testing.assert_array_equal(
        gt_tile[labelled],
        np.array(CamVidDataset.PALETTE, dtype=np.uint8)[gt[labelled]])
