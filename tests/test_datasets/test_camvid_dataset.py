import os.path as osp

import numpy as np
import pytest
from conftest import DATASET_CONFIGS, REPO_ROOT, write_pair
from mmcv import Config
from mmseg.datasets import build_dataset

from gss.datasets import CamVidDataset

REAL_CAMVID = osp.join(REPO_ROOT, '..', 'shared', 'data', 'camvid')

# Two 2x4 frames: 11 is void. Predictions below are made by hand.
GT = [
    np.array([[0, 0, 3, 3], [11, 8, 8, 3]]),
    np.array([[5, 5, 11, 11], [5, 1, 1, 1]]),
]
PRED = [
    np.array([[0, 3, 3, 3], [0, 8, 0, 3]]),
    np.array([[5, 1, 0, 0], [5, 1, 1, 5]]),
]


@pytest.fixture
def segnet_root(tmp_path):
    images = []
    for i, label in enumerate(GT):
        images.append(
            write_pair(
                tmp_path, f'val/f{i}.png', f'valannot/f{i}.png', label,
                seed=i))
    return tmp_path, images


def make_dataset(root, pipeline, **kwargs):
    return CamVidDataset(
        pipeline=pipeline,
        data_root=str(root),
        img_dir='val',
        ann_dir='valannot',
        **kwargs)


def test_classes_and_palette():
    assert CamVidDataset.CLASSES == ('Sky', 'Building', 'Pole', 'Road',
                                     'Pavement', 'Tree', 'SignSymbol', 'Fence',
                                     'Car', 'Pedestrian', 'Bicyclist')
    assert len(CamVidDataset.PALETTE) == 11
    assert CamVidDataset.PALETTE[3] == [128, 64, 128]  # Road


def test_pipeline_reads_pixels_and_ignores_void(segnet_root, load_pipeline):
    root, images = segnet_root
    dataset = make_dataset(root, load_pipeline)
    assert len(dataset) == 2
    for i in range(2):
        results = dataset[i]
        np.testing.assert_array_equal(results['img'], images[i])
        expected = np.where(GT[i] == 11, 255, GT[i])
        np.testing.assert_array_equal(results['gt_semantic_seg'], expected)


def test_gt_for_evaluation_ignores_void(segnet_root, load_pipeline):
    root, _ = segnet_root
    dataset = make_dataset(root, load_pipeline, test_mode=True)
    gt = dataset.get_gt_seg_map_by_idx(0)
    np.testing.assert_array_equal(gt, np.where(GT[0] == 11, 255, GT[0]))
    assert [11 in g for g in dataset.get_gt_seg_maps()] == [False, False]


def test_evaluate_hand_computed_miou(segnet_root, load_pipeline):
    root, _ = segnet_root
    dataset = make_dataset(root, load_pipeline, test_mode=True)
    # Frame 0: Sky IoU 1/3, Road 3/4, Car 1/2. Frame 1: Tree gt {00,01,10}
    # vs pred {00,10,13} -> 2/4, Building gt {11,12,13} vs pred {01,11,12}
    # -> 2/4. Predictions on void pixels (Sky in both frames) do not count.
    ious = {0: 1 / 3, 3: 3 / 4, 8: 1 / 2, 5: 2 / 4, 1: 2 / 4}
    miou = sum(ious.values()) / len(ious)
    # Correct valid pixels: frame 0 5 of 7, frame 1 4 of 6.
    aacc = 9 / 13
    for results in (list(PRED),
                    sum((dataset.pre_eval(p, i) for i, p in enumerate(PRED)),
                        [])):
        metrics = dataset.evaluate(results, metric='mIoU')
        assert metrics['mIoU'] == pytest.approx(miou, abs=1e-4)
        assert metrics['aAcc'] == pytest.approx(aacc, abs=1e-4)
        assert metrics['IoU.Road'] == pytest.approx(0.75, abs=1e-4)


def test_custom_classes_drop_to_ignore(segnet_root, load_pipeline):
    root, _ = segnet_root
    dataset = make_dataset(
        root, load_pipeline, classes=('Sky', 'Road'), test_mode=True)
    gt = dataset.get_gt_seg_map_by_idx(0)
    np.testing.assert_array_equal(gt, [[0, 0, 1, 1], [255, 255, 255, 1]])


def test_camvid_config_builds(segnet_root):
    root, _ = segnet_root
    cfg = Config.fromfile(osp.join(DATASET_CONFIGS, 'camvid.py'))
    assert cfg.crop_size == (256, 256)
    assert cfg.data.persistent_workers is True
    full = Config.fromfile(osp.join(DATASET_CONFIGS, 'camvid_full.py'))
    assert full.crop_size == (360, 480)
    assert full.data.train.pipeline[3].crop_size == (360, 480)
    cfg.data.val.data_root = str(root)
    sample = build_dataset(cfg.data.val, dict(test_mode=True))[0]
    # The 2x4 test frame is rescaled to fit 480x360, keeping its ratio.
    assert sample['img'][0].shape == (3, 240, 480)
    assert sample['img_metas'][0].data['ori_shape'][:2] == (2, 4)


@pytest.mark.skipif(
    not osp.isdir(REAL_CAMVID), reason='real CamVid not available')
def test_real_camvid_labels():
    cfg = Config.fromfile(osp.join(DATASET_CONFIGS, 'camvid.py'))
    cfg.data.train.data_root = REAL_CAMVID
    dataset = build_dataset(cfg.data.train)
    assert len(dataset) == 367
    allowed = set(range(11)) | {255}
    for i in (0, 100, 200):
        sample = dataset[i]
        assert sample['img'].data.shape == (3, 256, 256)
        labels = set(np.unique(sample['gt_semantic_seg'].data).tolist())
        assert labels <= allowed
        gt = dataset.get_gt_seg_map_by_idx(i)
        assert gt.shape == (360, 480)
        assert set(np.unique(gt).tolist()) <= allowed
