import glob
import json
import os.path as osp

import cv2
import numpy as np
import pytest

from tests.conftest import ROOT, data_options, load_tool

CAMVID_UPERNET = osp.join(
    ROOT, 'configs', 'gss', 'camvid',
    'upernet-balanced_effnet-lite0_256x256_2k_camvid.py')


@pytest.fixture(scope='module')
def tool():
    return load_tool('class_weights')


def test_frequencies_and_weights_by_hand(tool):
    ignore = 255
    labels = [
        np.array([[0, 0], [1, ignore]]),  # class 0: 2 px, class 1: 1 px
        np.array([[0, 2], [2, 2]]),  # class 0: 1 px, class 2: 3 px
    ]
    counts, freq = tool.class_frequencies(labels, 3, ignore)
    np.testing.assert_array_equal(counts, [3, 1, 3])
    # pixels of the images that hold the class, ignored pixels included
    np.testing.assert_allclose(freq, [3 / 8, 1 / 4, 3 / 4])
    median = 3 / 8
    np.testing.assert_allclose(
        tool.median_frequency_weights(freq, power=1.0),
        [1.0, median / (1 / 4), median / (3 / 4)])
    np.testing.assert_allclose(
        tool.median_frequency_weights(freq, power=0.5),
        [1.0, 1.5**0.5, 0.5**0.5])


def test_out_of_range_label_and_absent_class_are_refused(tool):
    with pytest.raises(ValueError, match=r'class id 3, outside \[0, 3\)'):
        tool.class_frequencies([np.array([[0, 3]])], 3)
    _, freq = tool.class_frequencies([np.array([[0, 2]])], 3)
    with pytest.raises(ValueError, match=r"classes \['b'\] never appear"):
        tool.median_frequency_weights(freq, class_names=['a', 'b', 'c'])


def test_cli_counts_the_labels_as_the_dataset_reads_them(
        tool, street_data, tmp_path, capsys):
    out = tmp_path / 'weights.json'
    weights = tool.main([
        CAMVID_UPERNET, '--power', '1', '--out',
        str(out), '--cfg-options', *data_options(street_data)
    ])
    # by hand from the PNGs: void (11) is ignored, SegNet ids are classes
    counts = np.zeros(11)
    image_pixels = np.zeros(11)
    for path in sorted(glob.glob(osp.join(street_data, 'trainannot',
                                          '*.png'))):
        label = cv2.imread(path, cv2.IMREAD_UNCHANGED)
        bins = np.bincount(label.ravel(), minlength=12)[:11]
        counts += bins
        image_pixels += (bins > 0) * label.size
    assert (counts > 0).all(), 'the generated scenes hold every class'
    freq = counts / image_pixels
    np.testing.assert_allclose(weights, np.median(freq) / freq)
    saved = json.loads(out.read_text())
    assert saved['pixels'] == counts.astype(int).tolist()
    assert saved['class_weight'] == [round(w, 3) for w in weights]
    printed = capsys.readouterr().out
    assert f"class_weight={saved['class_weight']}" in printed


def test_camvid_configs_use_the_weights_the_tool_prints(tool):
    """The list the class-balanced CamVid configs take is what the tool
    computes on CamVid's train labels, in the dataset's class order (needs
    the shared data)."""
    from mmcv import Config
    camvid = osp.join(ROOT, '..', 'shared', 'data', 'camvid')
    if not osp.isdir(osp.join(camvid, 'trainannot')):
        pytest.skip('CamVid is not in ../shared/data/camvid')
    cfg = Config.fromfile(
        osp.join(ROOT, 'configs', 'gss', '_base_', 'datasets',
                 'camvid_class_weight.py'))
    weights = tool.main([
        CAMVID_UPERNET, '--cfg-options', f'data.train.data_root={camvid}'
    ])
    assert cfg.class_weight == [round(float(w), 3) for w in weights]
