"""benchmarks/bench_cell_grid.py: pixels of each class in mixed cells."""
import json
import os.path as osp

import pytest
import torch

from tests.conftest import ROOT


def test_counts_match_a_hand_count():
    from benchmarks.bench_cell_grid import count_mixed
    # 4×8 labels: class 0 on the left half, class 1 on the right, a
    # one-pixel class-2 "pole" at (0, 4), an unlabelled pixel at (3, 0)
    labels = torch.zeros(4, 8, dtype=torch.long)
    labels[:, 4:] = 1
    labels[0, 4] = 2
    labels[3, 0] = 255
    pixels, mixed, cells = count_mixed(labels, 4, 3, 255)
    assert pixels.tolist() == [15, 15, 1]
    assert mixed.tolist() == [0, 15, 1]  # the right cell holds 1 and 2
    assert cells.tolist() == [2, 1]
    pixels, mixed, cells = count_mixed(labels, 2, 3, 255)
    assert mixed.tolist() == [0, 3, 1]  # only the 2×2 cell at (0, 4)
    assert cells.tolist() == [8, 1]
    # a cell of unlabelled pixels only is not a labelled cell
    labels[2:, :2] = 255
    assert count_mixed(labels, 2, 3, 255)[2].tolist() == [7, 1]


def test_finer_cells_leave_fewer_pixels_mixed(street_data, tmp_path):
    from benchmarks import bench_cell_grid
    out = tmp_path / 'grid.json'
    rows = bench_cell_grid.main([
        osp.join(ROOT, 'configs/gss/synthetic/gss-ff_r18_synthetic.py'),
        '--data', street_data, '--cells', '2', '4', '--out', str(out)])
    fine, coarse = rows
    assert (fine['cell'], coarse['cell']) == (2, 4)
    # 64×64 labels: 4× the cells at half the side
    assert fine['cells_per_image'] == pytest.approx(
        4 * coarse['cells_per_image'], rel=0.05)
    assert 0 < fine['mixed_pixels'] < coarse['mixed_pixels'] < 1
    for name, share in fine['mixed_pixels_per_class'].items():
        assert share <= coarse['mixed_pixels_per_class'][name]
    assert json.load(open(out))['rows'] == rows
