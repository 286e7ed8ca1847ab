"""Data files that used to be trained or tested on wrongly, or failed far
from their name, are refused naming the file (gss.datasets.file_checks):
a label map of another size than its image, a corrupt image or label PNG,
a 1×1 image, an empty image folder at test."""
import os.path as osp
import shutil

import cv2
import mmcv
import numpy as np
import pytest
from mmseg.datasets import build_dataset

from gss.datasets import DataFileError
from tests.conftest import ROOT, data_options, load_tool

CFG = osp.join(ROOT, 'tests', 'configs', 'tiny_fcn.py')
STAGE_ONE_PIPELINE = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadTestAnnotations')
]


@pytest.fixture
def street(street_data, tmp_path):
    """A private copy of the street scenes to damage."""
    root = tmp_path / 'street'
    shutil.copytree(street_data, root)
    return root


def dataset(root, split='train', pipeline=None):
    cfg = mmcv.Config.fromfile(CFG).data[split]
    cfg.data_root = str(root)
    if pipeline is not None:
        cfg.pipeline = pipeline
    return build_dataset(cfg, dict(test_mode=split != 'train'))


def second(root, folder):
    return sorted((root / folder).glob('*.png'))[1]


@pytest.mark.parametrize('stage', ['II', 'I'])
def test_label_map_of_another_size_is_refused(street, stage):
    """At 187fe31 the training pipeline rescaled and cropped both and
    trained on labels shifted against the image (stage I: reconstructed a
    map that belongs to no image), exit code 0."""
    label_file = second(street, 'trainannot')
    label = cv2.imread(str(label_file), cv2.IMREAD_UNCHANGED)
    cv2.imwrite(str(label_file), cv2.resize(
        label, (48, 64), interpolation=cv2.INTER_NEAREST))
    data = dataset(street, 'train', None if stage == 'II' else
                   STAGE_ONE_PIPELINE)
    if stage == 'I':
        data.test_mode = True  # LoadTestAnnotations reads img_info['ann']
    data[0]  # a matching pair passes
    with pytest.raises(DataFileError) as err:
        data[1]
    message = str(err.value)
    assert message.startswith(str(label_file))
    assert 'the label map is 48×64 pixels but its image' in message
    assert 'is 64×64' in message and 'seg_map_suffix' in message


@pytest.mark.parametrize('folder, kind', [('train', 'image'),
                                          ('trainannot', 'label map')])
def test_corrupt_png_names_the_file(street, folder, kind):
    """At 187fe31: "'NoneType' object has no attribute 'shape'" for an
    image, Pillow's "cannot identify image file <_io.BytesIO ...>" for a
    label map: no file named."""
    path = second(street, folder)
    path.write_bytes(path.read_bytes()[:40])  # a truncated download
    data = dataset(street)
    with pytest.raises(DataFileError) as err:
        data[1]
    assert str(err.value).startswith(
        f'{path} is not a readable {kind} (40 bytes')
    assert 're-copy or re-extract it' in str(err.value)


def test_one_pixel_image_is_refused(street):
    """At 187fe31 a 1×1 image failed inside the augmentation pipeline."""
    image, label = second(street, 'train'), second(street, 'trainannot')
    cv2.imwrite(str(image), np.zeros((1, 1, 3), np.uint8))
    cv2.imwrite(str(label), np.zeros((1, 1), np.uint8))
    with pytest.raises(DataFileError,
                       match=f'{image}: the image is 1×1 pixels, too small'):
        dataset(street)[1]


def test_empty_image_folder_at_test_is_refused(street, tmp_path):
    """At 187fe31 tools/test.py printed an all-NaN mIoU table, rc 0."""
    (street / 'empty').mkdir()
    with pytest.raises(DataFileError) as err:
        load_tool('test').main([
            CFG, '/nonexistent/checkpoint.pth', '--eval', 'mIoU',
            '--cfg-options', *data_options(street), 'data.test.img_dir=empty'
        ])
    assert str(err.value).startswith(
        f'data.test (SyntheticStreetDataset) has no .png image in '
        f'{street}/empty')
