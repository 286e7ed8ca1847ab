"""One label-range check (gss.datasets.label_range) on every path that loads
a label map: training pipeline, stage-I test pipeline, evaluation ground
truth (pre_eval, get_gt_seg_maps, the --show-dir panels) and tools/test.py
--eval mIoU."""
import os.path as osp
import shutil

import cv2
import mmcv
import numpy as np
import pytest
from conftest import write_pair
from mmcv.runner import save_checkpoint
from mmseg.datasets import build_dataset
from mmseg.models import build_segmentor

from gss.datasets import LabelRangeError
from tests.conftest import ROOT, load_tool

CFG = osp.join(ROOT, 'tests', 'configs', 'tiny_fcn.py')
BAD_ID = 40


@pytest.fixture
def bad_street(street_data, tmp_path):
    """The street scenes with id 40 painted into one train and one val
    label map of the 11-class data."""
    root = tmp_path / 'street'
    shutil.copytree(street_data, root)
    bad = {}
    for split in ('trainannot', 'valannot'):
        path = sorted((root / split).glob('*.png'))[1]
        label = cv2.imread(str(path), cv2.IMREAD_UNCHANGED)
        label[5:9, 5:9] = BAD_ID
        cv2.imwrite(str(path), label)
        bad[split] = str(path)
    return str(root), bad


def street_cfg(root, split):
    cfg = mmcv.Config.fromfile(CFG)
    dataset_cfg = cfg.data[split]
    dataset_cfg.data_root = root
    return dataset_cfg


def test_training_pipeline_names_file_and_ids(bad_street):
    root, bad = bad_street
    dataset = build_dataset(street_cfg(root, 'train'))
    dataset[0]  # a good map passes
    with pytest.raises(LabelRangeError) as err:
        dataset[1]
    message = str(err.value)
    assert message.startswith(bad['trainannot'])
    assert f'label ids [{BAD_ID}]' in message
    assert 'outside the 11 classes of SyntheticStreetDataset' in message
    assert 'num_classes' in message  # the fix


def test_evaluation_ground_truth_is_checked(bad_street):
    """pre_eval and get_gt_seg_maps (tools/test.py --eval) and
    get_gt_seg_map_by_idx (the --show-dir panels) read the same loader."""
    root, bad = bad_street
    dataset = build_dataset(street_cfg(root, 'val'), dict(test_mode=True))
    good = dataset.get_gt_seg_map_by_idx(0)
    assert good.max() < 11 or good.max() == 255
    for load in (lambda: dataset.get_gt_seg_map_by_idx(1),
                 lambda: list(dataset.get_gt_seg_maps()),
                 lambda: dataset.pre_eval([good], [1])):
        with pytest.raises(LabelRangeError, match=bad['valannot']):
            load()


def test_stage1_test_pipeline_is_checked(bad_street):
    root, bad = bad_street
    cfg = street_cfg(root, 'val')
    cfg.pipeline = [
        dict(type='LoadImageFromFile'),
        dict(type='LoadTestAnnotations')
    ]
    dataset = build_dataset(cfg, dict(test_mode=True))
    with pytest.raises(LabelRangeError, match=f'label ids \\[{BAD_ID}\\]'):
        dataset[1]


def test_test_tool_stops_instead_of_a_wrong_miou(bad_street, tmp_path):
    root, bad = bad_street
    cfg = mmcv.Config.fromfile(CFG)
    checkpoint = str(tmp_path / 'model.pth')
    save_checkpoint(build_segmentor(cfg.model), checkpoint)
    with pytest.raises(LabelRangeError, match=bad['valannot']):
        load_tool('test').main([
            CFG, checkpoint, '--eval', 'mIoU', '--work-dir',
            str(tmp_path), '--cfg-options',
            *[f'data.{s}.data_root={root}' for s in ('train', 'val', 'test')]
        ])


def _ade_dataset(tmp_path, label, pipeline):
    write_pair(tmp_path, 'img/a.jpg', 'ann/a.png', label)
    return build_dataset(
        dict(type='ADE20KDataset', data_root=str(tmp_path), img_dir='img',
             ann_dir='ann', pipeline=pipeline))


@pytest.mark.parametrize('top, ok', [(150, True), (151, False)])
def test_reduce_zero_label_is_accounted_for(tmp_path, top, ok):
    """ADE20K's 150 classes are stored as 1..150 (0 = ignore): 150 is valid,
    151 is not, in the training pipeline (reduced while loading) as in
    evaluation (reduced later by mmseg's metric)."""
    label = np.zeros((8, 8), np.uint8)
    label[0, :3] = (1, 7, top)
    dataset = _ade_dataset(tmp_path, label, [
        dict(type='LoadImageFromFile'),
        dict(type='LoadAnnotations', reduce_zero_label=True)
    ])
    loads = (lambda: dataset[0], lambda: dataset.get_gt_seg_map_by_idx(0))
    for load in loads:
        if ok:
            load()
        else:
            with pytest.raises(LabelRangeError, match=r'label ids \[151\]'):
                load()


def test_one_based_labels_get_the_reduce_zero_label_hint(tmp_path):
    label = np.arange(1, 151, dtype=np.uint8)[None].repeat(2, 0)
    dataset = _ade_dataset(tmp_path, label, [
        dict(type='LoadImageFromFile'),
        dict(type='LoadAnnotations')  # reduce_zero_label forgotten
    ])
    with pytest.raises(LabelRangeError, match=r'look 1-based \(1..150\): '
                       'set reduce_zero_label=True'):
        dataset[0]


def test_mseg_checks_relabeled_ids_on_disk(tmp_path):
    label = np.zeros((8, 8), np.uint8)
    label[0, 0] = 21  # cityscapes-19's relabeled ids are 0..20
    write_pair(tmp_path, 'img/a.jpg', 'ann/a.png', label)
    dataset = build_dataset(
        dict(type='MSegDataset', dataset_name='cityscapes-19',
             data_root=str(tmp_path), img_dir='img', ann_dir='ann',
             pipeline=[dict(type='LoadImageFromFile'),
                       dict(type='LoadAnnotations'),
                       dict(type='MapLabelsToUniversal')]))
    with pytest.raises(LabelRangeError,
                       match=r'a.png: label ids \[21\] are outside the 21 '):
        dataset[0]
