"""Command-line arguments of the benchmarks that score one split of a
SegNet-layout dataset (CamVid): its root, the split, the results file.
Light to import: scripts read them before their heavy imports."""
import os.path as osp

RESULTS = osp.join(osp.dirname(osp.abspath(__file__)), 'results')


def add_split_arguments(parser, results_name):
    """Add ``--data``, ``--split`` and ``--out`` (default
    ``benchmarks/results/<results_name>.json``) to ``parser``."""
    parser.add_argument('--data', default='data/camvid',
                        help='dataset root: images in SPLIT/, labels in '
                        'SPLITannot/')
    parser.add_argument('--split', default='val')
    parser.add_argument('--out', default=osp.join(RESULTS,
                                                  f'{results_name}.json'))


def split_images(args):
    """``cfg.data.test`` settings that read ``args.split`` of
    ``args.data``."""
    return dict(data_root=args.data, img_dir=args.split,
                ann_dir=f'{args.split}annot')
