"""Palette loading, building, validation and JSON round trips."""
import json

import gss  # noqa: F401,I001  (must precede any mmseg import)
import numpy as np
import pytest

from gss.maskige import Palette, list_palettes, palette_distances

SHIPPED = {'cityscapes': 19, 'ade20k': 150, 'mseg': 194, 'camvid': 11}


def test_shipped_palettes():
    assert set(SHIPPED) <= set(list_palettes())
    for name, num_classes in SHIPPED.items():
        palette = Palette.from_name(name)
        assert palette.name == name
        assert palette.num_classes == num_classes
        assert palette.colors.shape == (num_classes, 3)
        assert palette.colors.dtype == np.uint8
        assert palette.ignore_color.dtype == np.uint8
        assert palette.ignore_index == 255


def test_cityscapes_colours():
    palette = Palette.from_name('cityscapes')
    # road, sky, car, bicycle: the standard trainId colours.
    assert palette.colors[0].tolist() == [128, 64, 128]
    assert palette.colors[10].tolist() == [70, 130, 180]
    assert palette.colors[13].tolist() == [0, 0, 142]
    assert palette.colors[18].tolist() == [119, 11, 32]
    assert palette.ignore_color.tolist() == [0, 0, 0]


def test_generated_palettes_are_far_apart():
    # The original release's jittered grids reach only ~20 (150) / ~19 (194).
    assert palette_distances(
        Palette.from_name('ade20k-maxdist').colors)[0] >= 40
    assert palette_distances(
        Palette.from_name('mseg-maxdist').colors)[0] >= 38
    camvid = Palette.from_name('camvid')
    assert camvid.avoid_gray
    colors = camvid.colors.astype(float)
    gray_distance = np.linalg.norm(colors - colors.mean(1, keepdims=True),
                                   axis=1)
    assert gray_distance.min() >= 64


def test_build_from_every_spec(tmp_path):
    colors = [[255, 0, 0], [0, 255, 0], [0, 0, 255]]
    palette = Palette.build(colors)
    assert palette.num_classes == 3
    assert palette.ignore_color.tolist() == [0, 0, 0]
    assert Palette.build(palette) is palette
    assert Palette.build(np.array(colors)).colors.tolist() == colors
    assert Palette.build('cityscapes', num_classes=19).num_classes == 19

    from_dict = Palette.build(
        dict(colors=colors, ignore_color=[9, 9, 9], ignore_index=-1,
             name='rgb'))
    assert from_dict.ignore_color.tolist() == [9, 9, 9]
    assert from_dict.ignore_index == -1

    path = str(tmp_path / 'rgb.json')
    from_dict.to_json(path)
    data = json.load(open(path))
    assert data['colors'] == colors
    assert data['min_distance'] == pytest.approx(255 * 2**0.5, abs=1e-3)
    loaded = Palette.build(path, num_classes=3)
    assert loaded.colors.tolist() == colors
    assert loaded.ignore_color.tolist() == [9, 9, 9]
    assert (loaded.name, loaded.ignore_index) == ('rgb', -1)


def test_shipped_json_round_trip(tmp_path):
    palette = Palette.from_name('ade20k')
    path = str(tmp_path / 'copy.json')
    palette.to_json(path)
    copy = Palette.from_json(path)
    assert np.array_equal(copy.colors, palette.colors)
    assert (copy.seed, copy.avoid_gray) == (palette.seed, palette.avoid_gray)


@pytest.mark.parametrize('spec, num_classes, message', [
    ([[1, 2, 3], [4, 5, 6]], 19, 'has 2 colours but num_classes=19'),
    ([[1, 2, 3], [4, 5, 6], [7, 8, 9], [4, 5, 6]], None,
     'classes [1, 3] are all (4, 5, 6)'),
    ([[1, 2, 3], [4, 5, 256]], None, 'RGB values in 0..255'),
    ([[1, 2, 3], [4, 5, -1]], None, 'RGB values in 0..255'),
    ([[1, 2], [3, 4]], None, 'shaped (3,) for one colour or (K, 3)'),
    ([[0.5, 0.2, 0.1]], None, 'multiply by 255'),
    ([[7, 7, 7], [0, 0, 0]], None, 'equals the colour of class 1'),
    (dict(colors=[[1, 2, 3]], ignore_index=0), None,
     'ignore_index=0 is a class id'),
    (dict(colors=[[1, 2, 3]], palette='x'), None, 'needs "colors"'),
    ('no_such_palette', None, "neither a shipped palette ['ade20k'"),
])
def test_validation_errors(spec, num_classes, message):
    with pytest.raises(ValueError) as err:
        Palette.build(spec, num_classes=num_classes)
    assert message in str(err.value)


def test_length_error_names_both_numbers_and_fix():
    colors = Palette.from_name('cityscapes').colors[:18]
    with pytest.raises(ValueError, match='palette has 18 colours but '
                       'num_classes=19: .*posterior_learning.py'):
        Palette.build(colors, num_classes=19)


def test_validate_catches_later_edits():
    palette = Palette([[1, 2, 3], [4, 5, 6]])
    palette.colors[1] = palette.colors[0]
    with pytest.raises(ValueError, match='duplicate'):
        palette.validate()


def test_bad_json(tmp_path):
    path = tmp_path / 'bad.json'
    path.write_text(json.dumps(dict(colors=[[1, 2, 3]], colour=[1, 2, 3])))
    with pytest.raises(ValueError, match="unknown keys \\['colour'\\]"):
        Palette.build(str(path))
    with pytest.raises(TypeError, match='got int'):
        Palette.build(3)
