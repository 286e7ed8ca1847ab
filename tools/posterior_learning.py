"""Generate a maximal-distance maskige palette (GSS posterior learning, X).

Prints one colour per class and, as the last line,
``min_distance=<float> mean_nn_distance=<float>`` (0..255 RGB units).

Examples::

    python tools/posterior_learning.py --num-classes 150
    # the shipped palettes were made with:
    python tools/posterior_learning.py --num-classes 150 --name ade20k \\
        --out gss/maskige/palettes/ade20k.json
    python tools/posterior_learning.py --num-classes 194 --name mseg \\
        --out gss/maskige/palettes/mseg.json
    python tools/posterior_learning.py --num-classes 11 --avoid-gray \\
        --name camvid --out gss/maskige/palettes/camvid.json
    # blend-aware: mixes of the classes that touch most in the training
    # labels (each pair > 3% of all class boundaries) decode to no third class
    python tools/posterior_learning.py --num-classes 11 --avoid-gray \\
        --avoid-blends adjacent --labels data/camvid/trainannot \\
        --min-share 0.03 --name camvid-blendsafe \\
        --out gss/maskige/palettes/camvid-blendsafe.json
"""
import argparse
import glob
import os.path as osp
import sys

sys.path.insert(0, osp.dirname(osp.dirname(osp.abspath(__file__))))


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        description='Generate a palette whose colours are maximally far '
        'apart in RGB space (the maximal-distance assumption of GSS).')
    parser.add_argument('--num-classes', type=int, required=True,
                        help='number of class colours K')
    parser.add_argument('--seed', type=int, default=0,
                        help='seed of the farthest-point initialisation')
    parser.add_argument('--avoid-gray', action='store_true',
                        help='keep colours away from the grey axis r=g=b')
    parser.add_argument('--iters', type=int, default=1000,
                        help='maximin refinement iterations')
    parser.add_argument('--ignore-color', type=int, nargs=3,
                        default=(0, 0, 0), metavar=('R', 'G', 'B'),
                        help='colour of the ignore label; class colours '
                        'keep away from it (default: black)')
    parser.add_argument('--avoid-blends', choices=('all', 'adjacent'),
                        help='also keep blends of pairs of colours from '
                        'decoding to a third class: all pairs, or the '
                        'pairs that touch in --labels')
    parser.add_argument('--labels', help='folder of PNG label maps (ids '
                        '>= --num-classes count as ignore) for '
                        '--avoid-blends adjacent')
    parser.add_argument('--min-share', type=float, default=0.03,
                        help='--avoid-blends adjacent keeps pairs holding '
                        'more than this share of all class boundaries')
    parser.add_argument('--name', help='palette name stored in the JSON')
    parser.add_argument('--out', help='write the palette to this JSON file')
    args = parser.parse_args(argv)
    if args.num_classes < 1:
        parser.error(f'--num-classes must be >= 1, got {args.num_classes}')
    if (args.avoid_blends == 'adjacent') != (args.labels is not None):
        parser.error('--avoid-blends adjacent and --labels go together')
    return args


if __name__ == '__main__':
    parse_args()  # answers --help and usage errors before the imports below

import gss  # noqa: E402,F401,I001  (must precede any mmseg import)
from gss.maskige import (Palette, adjacent_pairs,  # noqa: E402
                         class_adjacency, generate_palette,
                         palette_distances)


def label_pairs(folder, num_classes, min_share):
    """Class pairs (index K = ignore) that touch in a folder's label maps.

    Args:
        folder (str): Folder of ``*.png`` label maps.
        num_classes (int): K; larger ids count as ignore.
        min_share (float): See :func:`adjacent_pairs`.

    Returns:
        np.ndarray: (P, 2) int pairs.
    """
    import mmcv
    files = sorted(glob.glob(osp.join(folder, '*.png')))
    if not files:
        raise FileNotFoundError(f'no *.png label maps in {folder}')
    maps = (mmcv.imread(f, flag='unchanged') for f in files)
    return adjacent_pairs(class_adjacency(maps, num_classes), min_share)


def main(argv=None):
    args = parse_args(argv)
    avoid_blends = args.avoid_blends
    if avoid_blends == 'adjacent':
        avoid_blends = label_pairs(args.labels, args.num_classes,
                                   args.min_share)
        print(f'{len(avoid_blends)} neighbouring class pairs')
    colors = generate_palette(
        args.num_classes,
        seed=args.seed,
        avoid_gray=args.avoid_gray,
        iters=args.iters,
        ignore_color=args.ignore_color,
        avoid_blends=avoid_blends)
    palette = Palette(
        colors,
        ignore_color=args.ignore_color,
        name=args.name,
        seed=args.seed,
        avoid_gray=args.avoid_gray)
    for k, (r, g, b) in enumerate(palette.colors.tolist()):
        print(f'{k:4d}: ({r:3d}, {g:3d}, {b:3d})')
    if args.out:
        palette.to_json(args.out)
        print(f'wrote {args.out}')
    min_distance, mean_nn = palette_distances(palette.colors)
    print(f'min_distance={min_distance:.3f} mean_nn_distance={mean_nn:.3f}')


if __name__ == '__main__':
    main()
