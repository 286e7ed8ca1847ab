"""GSS's datasets return their metrics as mmseg's tables print them."""
import numpy as np
from mmseg.datasets import CustomDataset, build_dataset

from gss.datasets import CamVidDataset, MSegDataset
from gss.datasets.rounded_metrics import RoundedMetricsMixin


def test_metrics_are_python_floats_rounded_as_mmseg_prints_them(street_data):
    """mmseg rounds to two decimals of a percentage but returns float32:
    0.8803 became 0.880299985408783 in logs and JSON."""
    dataset = build_dataset(
        dict(type='SyntheticStreetDataset', data_root=street_data,
             img_dir='val', ann_dir='valannot', pipeline=[]))
    results = []
    for idx in range(len(dataset)):
        gt = dataset.get_gt_seg_map_by_idx(idx)
        results += dataset.pre_eval([np.roll(gt, 3, axis=1)], [idx])
    metric = dataset.evaluate(results, metric='mIoU', logger='silent')
    raw = CustomDataset.evaluate(dataset, results, metric='mIoU',
                                 logger='silent')
    assert metric.keys() == raw.keys()
    assert isinstance(raw['mIoU'], np.float32)
    assert any(len(repr(float(v))) > 8 for v in raw.values())  # the noise
    for key, value in metric.items():
        assert type(value) is float, key
        assert value == round(float(raw[key]), 4), key
        assert abs(value - raw[key]) < 1e-6, key


def test_every_gss_dataset_rounds():
    for dataset in (CamVidDataset, MSegDataset):
        assert issubclass(dataset, RoundedMetricsMixin), dataset
