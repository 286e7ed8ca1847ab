import os.path as osp

import numpy as np
import pytest
from conftest import DATASET_CONFIGS, write_pair
from mmcv import Config
from mmseg.datasets import build_dataset

from gss.datasets import (TEST_DATASETS, TRAIN_DATASETS, MapLabelsToUniversal,
                          MSegDataset, MSegTestDataset, MSegTestSuite,
                          get_taxonomy, harmonic_mean)


@pytest.fixture(scope='module')
def taxonomy():
    return get_taxonomy()


def test_universal_classes(taxonomy):
    assert taxonomy.num_classes == 194
    assert taxonomy.classes[0] == 'backpack'  # first row of MSeg_master.tsv
    assert taxonomy.classes[-1] == 'window_blind'
    assert 'unlabeled' not in taxonomy.classes


def test_cityscapes_to_universal(taxonomy):
    # MSeg_master.tsv: 'sidewalk_pavement' (universal row 100) lists
    # cityscapes-19-relabeled 'sidewalk_pavement' = line 13 of the names.
    names = taxonomy.dataset_classes('cityscapes-19')
    assert names.index('sidewalk_pavement') == 12
    assert taxonomy.classes[100] == 'sidewalk_pavement'
    lut = taxonomy.to_universal_lut('cityscapes-19-relabeled')
    assert lut[12] == 100
    assert lut[255] == 255
    assert lut[len(names)] == -1  # not a class id


def test_camvid_round_trip(taxonomy):
    names = taxonomy.dataset_classes('camvid-11')
    assert names == ('Building', 'Tree', 'Sky', 'Car', 'SignSymbol', 'Road',
                     'Pedestrian', 'Fence', 'Column_Pole', 'Sidewalk',
                     'Bicyclist')
    to_test = taxonomy.universal_to_test('camvid-11')
    car = taxonomy.classes.index('car')
    assert car == 176 and to_test[car] == names.index('Car') == 3
    # Bicyclist is the union of the rider and the bicycle (rows 127, 175);
    # traffic lights are no CamVid class.
    groups = taxonomy.test_groups('camvid-11')
    assert groups[10] == [127, 175]
    assert groups[8] == [taxonomy.classes.index('pole')]
    assert to_test[taxonomy.classes.index('traffic_light')] == -1
    assert sum(map(len, groups)) == (to_test >= 0).sum()


def test_all_test_taxonomies(taxonomy):
    for name in TEST_DATASETS:
        groups = taxonomy.test_groups(name)
        assert len(groups) == len(taxonomy.dataset_classes(name))
        flat = sum(groups, [])
        assert len(flat) == len(set(flat))  # a universal class maps once
    # MSeg leaves two pascal-context-60 classes without universal classes.
    pcontext = taxonomy.dataset_classes('pascal-context-60')
    empty = [
        pcontext[k]
        for k, g in enumerate(taxonomy.test_groups('pascal-context-60'))
        if not g
    ]
    assert empty == ['flower', 'wood']
    with pytest.raises(ValueError, match='unknown MSeg test dataset'):
        taxonomy.test_groups('cityscapes-19')


def test_map_labels_to_universal(taxonomy):
    # cityscapes-19-relabeled ids: 0 bicycle, 2 building, 11 road.
    label = np.array([[0, 2], [255, 11]], np.uint8)
    results = MapLabelsToUniversal('cityscapes-19')(
        dict(gt_semantic_seg=label))
    expected = [[
        taxonomy.classes.index('bicycle'),
        taxonomy.classes.index('building')
    ], [255, taxonomy.classes.index('road')]]
    assert expected == [[175, 35], [255, 98]]
    np.testing.assert_array_equal(results['gt_semantic_seg'], expected)
    assert results['gt_semantic_seg'].dtype == np.uint8
    # The name may also come from the dataset (results['dataset_name']).
    results = MapLabelsToUniversal()(
        dict(gt_semantic_seg=label, dataset_name='cityscapes-19'))
    np.testing.assert_array_equal(results['gt_semantic_seg'], expected)


def test_map_labels_to_universal_errors():
    with pytest.raises(ValueError, match='unknown MSeg training dataset'):
        MapLabelsToUniversal('camvid-11')
    with pytest.raises(KeyError, match='dataset_name'):
        MapLabelsToUniversal()(dict(gt_semantic_seg=np.zeros((1, 1))))
    with pytest.raises(ValueError, match='relabeled class ids'):
        MapLabelsToUniversal('bdd')(
            dict(gt_semantic_seg=np.array([[21]], np.uint8)))


def test_harmonic_mean():
    # 3 / (1/0.5 + 1/0.25 + 1/1.0) = 3 / 7
    assert harmonic_mean([0.5, 0.25, 1.0]) == pytest.approx(3 / 7)
    assert harmonic_mean([0.4, 0.4]) == pytest.approx(0.4)
    assert harmonic_mean([0.3, 0.0]) == 0.0
    with pytest.raises(ValueError):
        harmonic_mean([])
    with pytest.raises(ValueError):
        harmonic_mean([0.5, -0.1])


def test_training_dataset_from_pair_list(tmp_path, load_pipeline):
    # An mseg-api style list: "<image> <label>" relative to data_root.
    write_pair(tmp_path,
               'BDD/images/train/a.jpg', 'BDD/labels_relabeled/train/a.png',
               np.array([[0, 2], [255, 11]]))
    (tmp_path / 'lists').mkdir()
    (tmp_path / 'lists' / 'train.txt'
     ).write_text('BDD/images/train/a.jpg BDD/labels_relabeled/train/a.png\n')
    pipeline = load_pipeline + [dict(type='MapLabelsToUniversal')]
    dataset = MSegDataset(
        dataset_name='bdd',
        pipeline=pipeline,
        data_root=str(tmp_path),
        split='lists/train.txt')
    assert len(dataset.CLASSES) == 194
    results = dataset[0]
    assert results['dataset_name'] == 'bdd'
    # bdd-relabeled shares cityscapes-19-relabeled's names.
    np.testing.assert_array_equal(results['gt_semantic_seg'],
                                  [[175, 35], [255, 98]])
    # Evaluation scores against the same universal ids as the pipeline.
    np.testing.assert_array_equal(dataset.get_gt_seg_map_by_idx(0),
                                  [[175, 35], [255, 98]])
    pred = np.array([[175, 35], [0, 0]])
    area = dataset.pre_eval([pred], [0])[0]
    # 2 of the 3 labelled pixels hit; the miss is on universal class 98.
    assert area[0].sum() == 2 and area[3][98] == 1
    with pytest.raises(ValueError, match='MapLabelsToUniversal'):
        MSegDataset(
            dataset_name='bdd',
            pipeline=load_pipeline,
            data_root=str(tmp_path),
            split='lists/train.txt')


def test_mseg_train_config():
    cfg = Config.fromfile(osp.join(DATASET_CONFIGS, 'mseg_512x512.py'))
    assert cfg.crop_size == (512, 512)
    times = {
        d.dataset.dataset_name: d.times
        for d in cfg.data.train if d.type == 'RepeatDataset'
    }
    assert times == {
        'ade20k-150': 6,
        'bdd': 17,
        'cityscapes-19': 40,
        'coco-panoptic-133': 1,
        'idd-39': 17,
        'mapillary-public65': 7,
        'sunrgbd-37': 24
    }
    assert times == TRAIN_DATASETS
    for d in cfg.data.train:
        types = [t.type for t in d.dataset.pipeline]
        # After the crop, as the authors' ToUniversalLabel.
        assert types.index('MapLabelsToUniversal') == types.index('Pad') + 1
    assert cfg.data.test.type == 'MSegTestSuite'
    assert [d.dataset_name
            for d in cfg.data.test.datasets] == list(TEST_DATASETS)


@pytest.fixture
def mseg_test_root(tmp_path):
    # camvid-11 ids: 0 Building, 2 Sky, 5 Road; kitti-19: 0 road, 10 sky.
    write_pair(tmp_path, 'Camvid/img/a.png', 'Camvid/lbl/a.png',
               np.array([[2, 2], [5, 255]]))
    write_pair(tmp_path, 'KITTI/img/b.png', 'KITTI/lbl/b.png',
               np.array([[10, 10], [0, 0]]))
    (tmp_path / 'camvid.txt').write_text('Camvid/img/a.png Camvid/lbl/a.png')
    (tmp_path / 'kitti.txt').write_text('KITTI/img/b.png KITTI/lbl/b.png')
    return tmp_path


def test_test_suite_from_config(mseg_test_root):
    cfg = Config.fromfile(osp.join(DATASET_CONFIGS, 'mseg_test.py'))
    test = cfg.data.test
    by_name = {d.dataset_name: d for d in test.datasets}
    test.datasets = [by_name['camvid-11'], by_name['kitti-19']]
    for d, split in zip(test.datasets, ('camvid.txt', 'kitti.txt')):
        d.data_root, d.split = str(mseg_test_root), split
    test.test_mode = True
    suite = build_dataset(test)
    assert isinstance(suite, MSegTestSuite) and len(suite) == 2
    assert len(suite.datasets[1].CLASSES) == 19
    metas = [suite[i]['img_metas'][0].data for i in range(2)]
    assert [m['dataset_name'] for m in metas] == ['camvid-11', 'kitti-19']

    # camvid: Sky IoU 1/2 (one of two sky pixels), Road 1/1, Building 0/1.
    # kitti: perfect. h.mean = 2 / (1 / mIoU_camvid + 1 / 1).
    preds = [np.array([[2, 0], [5, 7]]), np.array([[10, 10], [0, 0]])]
    metrics = suite.evaluate(preds, metric='mIoU')
    camvid = (1 / 2 + 1 + 0) / 3
    assert metrics['camvid-11.mIoU'] == pytest.approx(camvid, abs=1e-4)
    assert metrics['kitti-19.mIoU'] == pytest.approx(1.0)
    assert metrics['camvid-11.IoU.Road'] == pytest.approx(1.0)
    assert metrics['h.mean'] == pytest.approx(
        2 / (1 / metrics['camvid-11.mIoU'] + 1), abs=1e-6)
    # pre_eval results (as tools/test.py --eval produces) give the same.
    pre = sum((suite.pre_eval(p, i) for i, p in enumerate(preds)), [])
    assert suite.evaluate(
        pre, metric='mIoU') == pytest.approx(
            metrics, nan_ok=True)


def test_test_dataset_label_map_and_errors(mseg_test_root, load_pipeline):
    # SegNet-ordered CamVid labels read as camvid-11 (Sky 0 -> 2, Road 3 ->
    # 5, void 11 -> 255).
    write_pair(mseg_test_root, 'segnet/img/c.png', 'segnet/lbl/c.png',
               np.array([[0, 3], [11, 11]]))
    (mseg_test_root /
     'segnet.txt').write_text('segnet/img/c.png segnet/lbl/c.png')
    segnet_to_mseg = {
        0: 2,
        1: 0,
        2: 8,
        3: 5,
        4: 9,
        5: 1,
        6: 4,
        7: 7,
        8: 3,
        9: 6,
        10: 10,
        11: 255
    }
    dataset = MSegTestDataset(
        dataset_name='camvid-11',
        pipeline=load_pipeline,
        data_root=str(mseg_test_root),
        split='segnet.txt',
        label_map=segnet_to_mseg,
        test_mode=True)
    np.testing.assert_array_equal(
        dataset.get_gt_seg_map_by_idx(0), [[2, 5], [255, 255]])
    with pytest.raises(ValueError, match='unknown MSeg test dataset'):
        MSegTestDataset(
            dataset_name='bdd',
            pipeline=load_pipeline,
            data_root=str(mseg_test_root),
            split='segnet.txt')
    with pytest.raises(ValueError, match='distinct dataset_name'):
        MSegTestSuite([dataset, dataset])
