"""Maximal-distance palette generation and the posterior_learning tool."""
import json
import os.path as osp
import subprocess
import sys

import gss  # noqa: F401,I001  (must precede any mmseg import)
import numpy as np
import pytest

from gss.maskige import (Palette, adjacent_pairs, blend_distance,
                         blend_margins, class_adjacency, generate_palette,
                         palette_distances)

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
TOOL = osp.join(REPO, 'tools', 'posterior_learning.py')


def test_palette_distances_by_hand():
    colors = [[0, 0, 0], [3, 4, 0], [0, 0, 10]]
    # Pairs: 5 (0-1), 10 (0-2), sqrt(9 + 16 + 100) (1-2).
    min_distance, mean_nn = palette_distances(colors)
    assert min_distance == 5
    assert mean_nn == pytest.approx((5 + 5 + 10) / 3)
    assert palette_distances([[1, 2, 3]]) == (float('inf'), float('inf'))


def test_blend_distance_and_margins_by_hand():
    # Colour 2 sits 3 above the midpoint of the 10-long segment 0-1.
    colors = np.array([[0, 0, 0], [10, 0, 0], [5, 3, 0]], dtype=float)
    assert blend_distance(colors) == (pytest.approx(3), (2, 0, 1))
    margin, t = blend_margins(colors, np.array([[0, 1]]))
    # At the midpoint colour 2 is 3 away, the pair's colours 5: -2.
    assert margin[0, 2] == pytest.approx(-2) and t[0, 2] == 0.5
    assert np.isinf(margin[0, :2]).all()
    assert blend_distance(colors[:2]) == (float('inf'), (-1, -1, -1))


def test_class_adjacency_and_pairs_by_hand():
    labels = np.array([[0, 0, 1],
                       [2, 2, 9]], dtype=np.uint8)  # 9 >= K: void (3)
    adjacency = class_adjacency([labels], num_classes=3)
    expected = np.zeros((4, 4), dtype=np.int64)
    for i, j, n in ((0, 1, 1), (0, 2, 2), (1, 3, 1), (2, 3, 1)):
        expected[i, j] = expected[j, i] = n
    assert np.array_equal(adjacency, expected)
    assert adjacent_pairs(adjacency).tolist() == [[0, 1], [0, 2], [1, 3],
                                                  [2, 3]]
    assert adjacent_pairs(adjacency, min_share=0.3).tolist() == [[0, 2]]
    with pytest.raises(ValueError, match='non-negative integers'):
        class_adjacency([labels.astype(float)], 3)


def test_avoid_blends_keeps_pair_mixes_decoding_to_the_pair():
    # Pairs of classes, and class 0 with the ignore colour (index K = 6).
    pairs = np.array([[0, 1], [1, 2], [2, 3], [0, 6]])

    def margin(colors):
        colors = np.concatenate([colors, [[0, 0, 0]]]).astype(float)
        return blend_margins(colors, pairs)[0].min()

    plain = generate_palette(6, iters=300, ignore_color=(0, 0, 0))
    blend_safe = generate_palette(6, iters=300, ignore_color=(0, 0, 0),
                                  avoid_blends=pairs)
    assert margin(plain) < 0 < margin(blend_safe)
    assert np.array_equal(blend_safe, generate_palette(
        6, iters=300, ignore_color=(0, 0, 0), avoid_blends=pairs))


def test_camvid_blendsafe_palette_keeps_blends_further_away():
    """The shipped blend-aware CamVid palette against the plain one: a
    larger colour-to-blend distance, and the Road/Pavement mix (the most
    frequent boundary after Sky/Tree/void) no longer passes Bicyclist."""
    plain, safe = (Palette.from_name(name)
                   for name in ('camvid', 'camvid-blendsafe'))
    with_void = [np.concatenate([p.colors, p.ignore_color[None]]).astype(
        float) for p in (plain, safe)]
    assert blend_distance(with_void[1])[0] > blend_distance(with_void[0])[0]
    road_pavement = np.array([[3, 4]])
    assert blend_margins(with_void[0], road_pavement)[0][0, 10] < 0
    assert blend_margins(with_void[1], road_pavement)[0].min() > 0
    assert palette_distances(safe.colors)[0] > 100


def test_avoid_blends_refuses_what_cannot_be_kept_apart():
    with pytest.raises(ValueError, match='larger min_share'):
        generate_palette(11, iters=100, ignore_color=(0, 0, 0),
                         avoid_blends='all')
    with pytest.raises(ValueError, match='in 0..10'):
        generate_palette(11, iters=10, avoid_blends=[[0, 11]])
    with pytest.raises(ValueError, match="'all'"):
        generate_palette(11, iters=10, avoid_blends='adjacent')


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


def test_cli_avoid_blends_of_adjacent_classes(tmp_path):
    import mmcv
    labels = np.zeros((8, 8), dtype=np.uint8)
    labels[:, 4:] = 1
    labels[6:] = 2
    labels[0, 0] = 255  # void counts as the ignore colour
    mmcv.imwrite(labels, str(tmp_path / 'labels' / 'a.png'))
    out = str(tmp_path / 'pal.json')
    result = subprocess.run(
        [sys.executable, TOOL, '--num-classes', '3', '--iters', '200',
         '--avoid-blends', 'adjacent', '--labels', str(tmp_path / 'labels'),
         '--min-share', '0', '--out', out],
        capture_output=True, text=True, check=True, cwd=str(tmp_path))
    assert '4 neighbouring class pairs' in result.stdout
    palette = Palette.build(out, num_classes=3)
    colors = np.concatenate([palette.colors, palette.ignore_color[None]])
    pairs = adjacent_pairs(class_adjacency([labels], 3))
    assert blend_margins(colors.astype(float), pairs)[0].min() > 0
    bad = subprocess.run([sys.executable, TOOL, '--num-classes', '3',
                          '--avoid-blends', 'adjacent'],
                         capture_output=True, text=True)
    assert bad.returncode == 2 and 'go together' in bad.stderr
