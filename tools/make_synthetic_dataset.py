"""Write the generated street-scene dataset (CamVid-11 classes, SegNet layout).

Usage::

    python tools/make_synthetic_dataset.py data/synthetic_street \
        [--num-train 80] [--num-val 20] [--height 96] [--width 128] [--seed 0]

The result is read by ``configs/gss/_base_/datasets/synthetic.py``.
"""
import argparse
import os.path as osp
import sys
import time

sys.path.insert(0, osp.dirname(osp.dirname(osp.abspath(__file__))))


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        description='Generate street scenes labelled with CamVid-11 classes')
    parser.add_argument(
        'out_dir', help='output folder, e.g. '
        'data/synthetic_street')
    parser.add_argument('--num-train', type=int, default=80)
    parser.add_argument('--num-val', type=int, default=20)
    parser.add_argument('--height', type=int, default=96)
    parser.add_argument('--width', type=int, default=128)
    parser.add_argument('--seed', type=int, default=0)
    return parser.parse_args(argv)


if __name__ == '__main__':
    parse_args()  # answers --help and usage errors before the imports below

import gss  # noqa: E402,F401  (mmcv compatibility + registries, first)
from gss.datasets.street_scenes import generate_street_scenes  # noqa: E402,E501


def main(argv=None):
    args = parse_args(argv)
    start = time.time()
    try:
        written = generate_street_scenes(
            args.out_dir,
            num_train=args.num_train,
            num_val=args.num_val,
            height=args.height,
            width=args.width,
            seed=args.seed)
    except ValueError as e:
        sys.exit(f'error: {e}')
    counts = ', '.join(f'{len(v)} {k}' for k, v in written.items())
    print(f'Wrote {counts} images ({args.height}x{args.width}) to '
          f'{args.out_dir} in {time.time() - start:.1f}s')


if __name__ == '__main__':
    main()
