import os.path as osp

import pytest
from conftest import DATASET_CONFIGS
from mmcv import Config


def _by_type(pipeline):
    return {t.type: t for t in pipeline}


@pytest.mark.parametrize('name, data_root, scale, crop', [
    # The authors' Cityscapes training scale is one pixel larger.
    ('cityscapes_768x768.py', 'data/cityscapes', (2049, 1025), (768, 768)),
    ('ade20k_512x512.py', 'data/ade/ADEChallengeData2016', (2048, 512),
     (512, 512)),
    ('camvid.py', 'data/camvid', (480, 360), (256, 256)),
    ('synthetic.py', 'data/synthetic_street', (128, 96), (64, 64)),
])
def test_gss_training_settings(name, data_root, scale, crop):
    cfg = Config.fromfile(osp.join(DATASET_CONFIGS, name))
    assert cfg.data_root == data_root and cfg.crop_size == crop
    assert cfg.data.train.data_root == data_root
    steps = _by_type(cfg.data.train.pipeline)
    assert steps['Resize'].img_scale == scale
    assert steps['Resize'].ratio_range == (0.5, 2.0)
    assert steps['RandomCrop'].crop_size == crop
    assert steps['RandomCrop'].cat_max_ratio == 0.75
    assert steps['RandomFlip'].prob == 0.5
    assert 'PhotoMetricDistortion' in steps
    assert steps['Pad'].size == crop and steps['Pad'].seg_pad_val == 255
    assert steps['Normalize'].mean == [123.675, 116.28, 103.53]
    assert steps['Normalize'].to_rgb


def test_cityscapes_and_ade20k_specifics():
    cityscapes = Config.fromfile(
        osp.join(DATASET_CONFIGS, 'cityscapes_768x768.py'))
    assert cityscapes.data.samples_per_gpu == 2
    assert cityscapes.data.test.pipeline[1].img_scale == (2048, 1024)
    assert cityscapes.data.train.ann_dir == 'gtFine/train'
    ade = Config.fromfile(osp.join(DATASET_CONFIGS, 'ade20k_512x512.py'))
    assert _by_type(ade.data.train.pipeline)['LoadAnnotations'] \
        .reduce_zero_label
    assert ade.data.val.img_dir == 'images/validation'
