import os.path as osp

import gss  # noqa: F401,I001  (mmcv compatibility + registries, first)
import cv2
import numpy as np
import pytest

REPO_ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
DATASET_CONFIGS = osp.join(REPO_ROOT, 'configs', 'gss', '_base_', 'datasets')


def write_pair(root, img_rel, label_rel, label, seed=0):
    """Write a random RGB image and ``label`` (uint8) under ``root``.

    Returns:
        np.ndarray: the image as BGR, the way mmcv loads it.
    """
    img = np.random.default_rng(seed).integers(
        0, 256, label.shape + (3, ), dtype=np.uint8)
    for rel, array in ((img_rel, img), (label_rel, label.astype(np.uint8))):
        path = osp.join(str(root), rel)
        root.joinpath(osp.dirname(rel)).mkdir(parents=True, exist_ok=True)
        assert cv2.imwrite(path, array)
    return img


@pytest.fixture
def load_pipeline():
    return [dict(type='LoadImageFromFile'), dict(type='LoadAnnotations')]
