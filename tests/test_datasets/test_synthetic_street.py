import glob
import importlib.util
import os.path as osp

import cv2
import numpy as np
import pytest
from conftest import DATASET_CONFIGS, REPO_ROOT
from mmcv import Config
from mmseg.datasets import build_dataset

from gss.datasets import CamVidDataset
from gss.datasets.street_scenes import (generate_street_scenes,
                                        render_street_scene)


def read_tree(root):
    """All files under ``root`` as {relative path: bytes}."""
    files = sorted(glob.glob(osp.join(str(root), '**', '*'), recursive=True))
    return {
        osp.relpath(f, str(root)): open(f, 'rb').read()
        for f in files if osp.isfile(f)
    }


def test_layout_and_determinism(tmp_path):
    kwargs = dict(num_train=3, num_val=2, height=48, width=64)
    written = generate_street_scenes(tmp_path / 'a', seed=1, **kwargs)
    assert written == {
        'train': [f'train_{i:05d}.png' for i in range(3)],
        'val': [f'val_{i:05d}.png' for i in range(2)]
    }
    generate_street_scenes(tmp_path / 'b', seed=1, **kwargs)
    generate_street_scenes(tmp_path / 'c', seed=2, **kwargs)
    a, b, c = (read_tree(tmp_path / d) for d in 'abc')
    assert sorted(a) == [
        'train.txt', 'train/train_00000.png', 'train/train_00001.png',
        'train/train_00002.png', 'trainannot/train_00000.png',
        'trainannot/train_00001.png', 'trainannot/train_00002.png', 'val.txt',
        'val/val_00000.png', 'val/val_00001.png', 'valannot/val_00000.png',
        'valannot/val_00001.png'
    ]
    assert a == b
    assert all(a[k] != c[k] for k in a if k.endswith('.png'))
    assert a['val.txt'] == (b'val/val_00000.png valannot/val_00000.png\n'
                            b'val/val_00001.png valannot/val_00001.png\n')


def test_render_shapes_and_class_coverage():
    seen = set()
    for i in range(12):
        img, label = render_street_scene(
            np.random.default_rng([0, 0, i]), 96, 128)
        assert img.shape == (96, 128, 3) and img.dtype == np.uint8
        assert label.shape == (96, 128) and label.dtype == np.uint8
        assert label.max() <= 11
        seen |= set(np.unique(label).tolist())
    assert seen == set(range(12))  # the 11 CamVid classes and void


def test_classes_have_distinct_but_noisy_colours():
    img, label = render_street_scene(np.random.default_rng(3), 96, 128)
    sky = img[label == 0].astype(float)
    road = img[label == 3].astype(float)
    assert abs(sky.mean() - road.mean()) > 20
    # Textured, not flat fills.
    assert sky.std(axis=0).min() > 2 and road.std(axis=0).min() > 2


def test_bad_arguments(tmp_path):
    with pytest.raises(ValueError, match='height'):
        generate_street_scenes(tmp_path, height=8)
    with pytest.raises(ValueError, match='num_train'):
        generate_street_scenes(tmp_path, num_train=-1)


def test_tool_and_config_read_the_scenes(tmp_path, capsys):
    path = osp.join(REPO_ROOT, 'tools', 'make_synthetic_dataset.py')
    spec = importlib.util.spec_from_file_location('make_synthetic', path)
    tool = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(tool)
    out = tmp_path / 'synthetic_street'
    tool.main([str(out), '--num-train', '4', '--num-val', '2'])
    assert 'Wrote 4 train, 2 val images' in capsys.readouterr().out

    cfg = Config.fromfile(osp.join(DATASET_CONFIGS, 'synthetic.py'))
    cfg.data.train.data_root = cfg.data.val.data_root = str(out)
    train = build_dataset(cfg.data.train)
    assert isinstance(train, CamVidDataset) and len(train) == 4
    sample = train[0]
    assert sample['img'].data.shape == (3, 64, 64)
    labels = set(np.unique(sample['gt_semantic_seg'].data).tolist())
    assert labels <= set(range(11)) | {255}

    val = build_dataset(cfg.data.val, dict(test_mode=True))
    assert val[0]['img'][0].shape == (3, 96, 128)  # native size
    raw = cv2.imread(
        str(out / 'valannot' / 'val_00000.png'), cv2.IMREAD_UNCHANGED)
    np.testing.assert_array_equal(
        val.get_gt_seg_map_by_idx(0), np.where(raw == 11, 255, raw))
