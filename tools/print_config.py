"""Print the whole (merged) config of a GSS (or any mmseg 0.x) model.

Usage::

    python tools/print_config.py CONFIG [--cfg-options k=v ...] [--graph]
        [--dump OUT.py]

``--graph`` also builds the model (without loading any weights, so nothing
is downloaded) and prints its module tree; full-size models take a few
seconds and a few GB of RAM to build on the CPU.
"""
import argparse
import os.path as osp
import sys

from _cli import add_cfg_options, load_config

sys.path.insert(0, osp.dirname(osp.dirname(osp.abspath(__file__))))


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description='Print the whole config')
    parser.add_argument('config', help='config file path')
    parser.add_argument(
        '--graph', action='store_true', help='also print the model graph')
    parser.add_argument(
        '--dump', help='also write the merged config to this file')
    add_cfg_options(parser)
    return parser.parse_args(argv)


if __name__ == '__main__':
    parse_args()  # answers --help and usage errors before the imports below

import gss  # noqa: E402,F401  (mmcv compatibility + registries, first)
from mmseg.models import build_segmentor  # noqa: E402


def main(argv=None):
    args = parse_args(argv)
    cfg = load_config(args)
    print(f'Config:\n{cfg.pretty_text}')
    if args.dump:
        cfg.dump(args.dump)
        print(f'Config written to {args.dump}')
    if args.graph:
        # Build from the merged config (with --cfg-options applied); weights
        # load in init_weights(), which is not called.
        model = build_segmentor(
            cfg.model,
            train_cfg=cfg.get('train_cfg'),
            test_cfg=cfg.get('test_cfg'))
        print(f'Model graph:\n{model}')


if __name__ == '__main__':
    main()
