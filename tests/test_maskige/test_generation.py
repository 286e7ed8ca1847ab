"""Maximal-distance palette generation and the posterior_learning tool."""
import json
import os.path as osp
import subprocess
import sys

import gss  # noqa: F401,I001  (must precede any mmseg import)
import numpy as np
import pytest

from gss.maskige import Palette, generate_palette, palette_distances

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
TOOL = osp.join(REPO, 'tools', 'posterior_learning.py')


def test_palette_distances_by_hand():
    colors = [[0, 0, 0], [3, 4, 0], [0, 0, 10]]
    # Pairs: 5 (0-1), 10 (0-2), sqrt(9 + 16 + 100) (1-2).
    min_distance, mean_nn = palette_distances(colors)
    assert min_distance == 5
    assert mean_nn == pytest.approx((5 + 5 + 10) / 3)
    assert palette_distances([[1, 2, 3]]) == (float('inf'), float('inf'))


def test_deterministic_for_a_seed():
    first = generate_palette(19, seed=3, iters=200)
    assert first.dtype == np.uint8 and first.shape == (19, 3)
    assert np.array_equal(first, generate_palette(19, seed=3, iters=200))
    assert not np.array_equal(first, generate_palette(19, seed=4,
                                                      iters=200))


@pytest.mark.parametrize('num_classes, original, target', [(150, 20, 40),
                                                           (194, 19, 38)])
def test_min_distance_targets(num_classes, original, target):
    """At least twice the min distance of the original jittered grids."""
    assert target == 2 * original
    colors = generate_palette(num_classes)
    assert len(np.unique(colors, axis=0)) == num_classes
    assert palette_distances(colors)[0] >= target


def test_refinement_improves_farthest_point_init():
    init = palette_distances(generate_palette(150, iters=0))[0]
    assert palette_distances(generate_palette(150))[0] > init + 5


def test_avoid_gray_keeps_colours_saturated():
    colors = generate_palette(30, avoid_gray=True, iters=300).astype(float)
    gray_distance = np.linalg.norm(colors - colors.mean(1, keepdims=True),
                                   axis=1)
    assert gray_distance.min() >= 64


def test_ignore_colour_is_kept_away():
    # Eight colours take the cube's corners, black included...
    assert [0, 0, 0] in generate_palette(8, iters=300).tolist()
    # ...unless black is reserved for the ignore label.
    colors = generate_palette(8, iters=300, ignore_color=(0, 0, 0))
    assert np.linalg.norm(colors.astype(float), axis=1).min() >= 100


def test_bad_arguments():
    with pytest.raises(ValueError, match='positive integer'):
        generate_palette(0)
    with pytest.raises(ValueError, match='lower grid_step'):
        generate_palette(100, grid_step=100)


def test_cli(tmp_path):
    out = str(tmp_path / 'pal.json')
    result = subprocess.run(
        [sys.executable, TOOL, '--num-classes', '11', '--avoid-gray',
         '--iters', '100', '--name', 'mine', '--out', out],
        capture_output=True, text=True, check=True, cwd=str(tmp_path))
    lines = result.stdout.strip().splitlines()
    assert len([ln for ln in lines if ln.strip()[:1].isdigit()]) == 11
    last = lines[-1]
    assert last.startswith('min_distance=')
    min_part, mean_part = last.split(' ')
    min_distance = float(min_part.split('=')[1])
    assert mean_part.startswith('mean_nn_distance=')
    float(mean_part.split('=')[1])

    palette = Palette.build(out, num_classes=11)
    assert palette.name == 'mine' and palette.avoid_gray
    assert json.load(open(out))['min_distance'] == pytest.approx(
        min_distance, abs=1e-3)
    assert palette_distances(palette.colors)[0] == pytest.approx(
        min_distance, abs=1e-3)
