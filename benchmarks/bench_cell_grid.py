"""How much of each class a token grid draws with mixed cells.

A token cell whose labels hold two or more classes (a boundary, a thin
object) is a rare layout: GSS-FF predicts the exact token of almost none
of them (docs/experiments/camvid.md). A finer grid shrinks those cells.
For each cell side (in label pixels), this counts, on a dataset's labels,
the share of every class's labelled pixels that lie in mixed cells, and
the share of mixed cells among the labelled cells: what a finer token grid
could recover, and how many more cells it would classify (the cells per
image grow with the square of the grid's refinement). Labels only: no
model is run.

    python benchmarks/bench_cell_grid.py CONFIG [--cells 2 4 8] \
        [--data data/camvid] [--split val] \
        [--out benchmarks/results/camvid_cell_grid.json]
"""
import argparse
import os.path as osp
import sys

sys.path.insert(0, osp.dirname(osp.dirname(osp.abspath(__file__))))

from benchmarks.split_arguments import (add_split_arguments,  # noqa: E402
                                        split_images)


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('config', help='a config whose test data to read')
    parser.add_argument('--cells', type=int, nargs='+', default=[2, 4, 8],
                        help='cell sides in label pixels')
    add_split_arguments(parser, 'camvid_cell_grid')
    return parser.parse_args(argv)


if __name__ == '__main__':
    parse_args()  # answers --help and usage errors before the imports below

import gss  # noqa: E402,F401
import mmcv  # noqa: E402
import torch  # noqa: E402
from mmseg.datasets import build_dataset  # noqa: E402

from benchmarks.results_file import write_results  # noqa: E402
from gss.models.utils import mixed_cells  # noqa: E402


def count_mixed(labels, cell, num_classes, ignore_index):
    """Pixels of each class, and those in mixed cells, of one label map.

    Args:
        labels (Tensor): (H, W) long labels; H and W multiples of ``cell``.
        cell (int): Cell side in pixels.
        num_classes (int): K.
        ignore_index (int): Unlabelled pixels, not counted.

    Returns:
        tuple[Tensor, Tensor, Tensor]: (K,) labelled pixels per class,
        (K,) of them in mixed cells, and (2,) labelled cells: [all, mixed].
    """
    height, width = labels.shape
    grid = (height // cell, width // cell)
    mixed = mixed_cells(labels[None], grid, ignore_index)[0]
    in_mixed = mixed.repeat_interleave(cell, 0).repeat_interleave(cell, 1)
    labelled = labels != ignore_index
    classes = labels[labelled]
    pixels = torch.bincount(classes, minlength=num_classes)
    mixed_pixels = torch.bincount(classes[in_mixed[labelled]],
                                  minlength=num_classes)
    cells_labelled = labelled.view(grid[0], cell, grid[1], cell).any(3).any(1)
    cells = torch.stack([cells_labelled.sum(), mixed.sum()])
    return pixels, mixed_pixels, cells


def main(argv=None):
    args = parse_args(argv)
    cfg = mmcv.Config.fromfile(args.config)
    cfg.data.test.update(split_images(args))
    dataset = build_dataset(cfg.data.test, dict(test_mode=True))
    classes = list(dataset.CLASSES)
    rows = []
    for cell in args.cells:
        pixels = torch.zeros(len(classes), dtype=torch.long)
        mixed_pixels = torch.zeros_like(pixels)
        cells = torch.zeros(2, dtype=torch.long)
        for idx in range(len(dataset)):
            labels = torch.from_numpy(
                dataset.get_gt_seg_map_by_idx(idx).astype('int64'))
            counts = count_mixed(labels, cell, len(classes),
                                 dataset.ignore_index)
            pixels += counts[0]
            mixed_pixels += counts[1]
            cells += counts[2]
        share = (mixed_pixels / pixels.clamp(min=1)).tolist()
        rows.append(dict(
            cell=cell, cells_per_image=int(cells[0]) / len(dataset),
            mixed_cells=float(cells[1] / cells[0]),
            mixed_pixels=float(mixed_pixels.sum() / pixels.sum()),
            mixed_pixels_per_class=dict(zip(classes, share))))
        print(f"{cell}×{cell} cells: {100 * rows[-1]['mixed_cells']:.2f}% "
              f"mixed, {100 * rows[-1]['mixed_pixels']:.2f}% of labelled "
              'pixels in them')
    write_results(args.out, config=args.config, images=len(dataset),
                  split=args.split, rows=rows)
    return rows


if __name__ == '__main__':
    main()
