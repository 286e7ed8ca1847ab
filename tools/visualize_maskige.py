"""Draw GSS panels: input, ground truth, GT maskige, predicted maskige,
prediction and error map, one PNG per image.

Examples::

    # The first 8 images of the config's val split
    python tools/visualize_maskige.py CONFIG CKPT --out-dir vis/
    # Chosen images of another folder pair
    python tools/visualize_maskige.py CONFIG CKPT --img-dir data/x/img \\
        --ann-dir data/x/ann --indices 0 5 9 --out-dir vis/

Works for GSS-FF and GSS-FT-W models (a ``GSSEncoderDecoder`` with a GSS
decode head, whose test path returns the predicted maskige); see
:mod:`gss.visualization` for the layout.
"""
import argparse
import os.path as osp
import sys

from _cli import add_cfg_options, add_unsafe_load, load_config

sys.path.insert(0, osp.dirname(osp.dirname(osp.abspath(__file__))))


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        description='Draw GSS maskige panels of a model on a dataset split')
    parser.add_argument('config', help='config file')
    parser.add_argument('checkpoint', help='checkpoint file')
    parser.add_argument('--out-dir', required=True,
                        help='folder for the panels (<image name>.png)')
    parser.add_argument(
        '--split', default='val', choices=['train', 'val', 'test'],
        help='config split whose dataset is drawn (default: %(default)s)')
    parser.add_argument(
        '--img-dir', help="image folder, replacing the split's (paths as "
        'given, not under data_root)')
    parser.add_argument(
        '--ann-dir', help='label folder matching --img-dir (without it the '
        'ground-truth columns are placeholders)')
    group = parser.add_mutually_exclusive_group()
    group.add_argument('--num', type=int, default=8,
                       help='draw the first NUM images (default: '
                       '%(default)s)')
    group.add_argument('--indices', type=int, nargs='+',
                       help='dataset indices to draw')
    parser.add_argument(
        '--scale', type=float, default=1.0,
        help='resize the panel by this factor (nearest neighbour, so '
        'palette colours stay exact), e.g. 0.5 for README figures')
    parser.add_argument('--device', default='cpu',
                        help='device (default: %(default)s)')
    add_cfg_options(parser)
    add_unsafe_load(parser)
    args = parser.parse_args(argv)
    if args.ann_dir and not args.img_dir:
        parser.error('--ann-dir needs --img-dir')
    if args.num < 1:
        parser.error(f'--num must be positive, got {args.num}')
    return args


if __name__ == '__main__':
    parse_args()  # answers --help and usage errors before the imports below

import gss  # noqa: E402,F401,I001  (mmcv compatibility + registries, first)
import mmcv  # noqa: E402
from mmcv.cnn.utils import revert_sync_batchnorm  # noqa: E402
from mmseg.apis import init_segmentor  # noqa: E402
from mmseg.datasets import build_dataset  # noqa: E402

from gss.visualization import is_gss_model, model_panel  # noqa: E402


def build_split(cfg, args):
    """The dataset to draw: the config split, or --img-dir/--ann-dir."""
    data_cfg = cfg.data[args.split].copy()
    if args.img_dir:
        data_cfg.update(data_root=None, img_dir=args.img_dir,
                        ann_dir=args.ann_dir)
    data_cfg.test_mode = True
    return build_dataset(data_cfg)


def main(argv=None):
    args = parse_args(argv)
    cfg = load_config(args)
    model = revert_sync_batchnorm(
        init_segmentor(cfg, args.checkpoint, device=args.device))
    if not is_gss_model(model):
        sys.exit(f'error: {args.config} builds a {type(model).__name__} '
                 f'with a {type(model.decode_head).__name__} decode head; '
                 "panels need type='GSSEncoderDecoder' with a GSS head "
                 '(GSSFFHead or GSSFTWHead)')
    dataset = build_split(cfg, args)
    # Ground truth by file name; MSeg models also take the taxonomy from it.
    model.set_show_dataset(dataset)
    indices = args.indices or range(min(args.num, len(dataset)))
    bad = [i for i in indices if not 0 <= i < len(dataset)]
    if bad:
        sys.exit(f'error: indices {bad} are outside the {len(dataset)} '
                 'images of the dataset')
    for index in indices:
        info = dataset.img_infos[index]
        gt = (dataset.get_gt_seg_map_by_idx(index)
              if dataset.ann_dir is not None else None)
        panel = model_panel(model, osp.join(dataset.img_dir,
                                            info['filename']), gt,
                            palette=dataset.PALETTE)
        if args.scale != 1.0:
            panel = mmcv.imrescale(panel, args.scale,
                                   interpolation='nearest')
        out_file = osp.join(args.out_dir,
                            osp.splitext(info['filename'])[0] + '.png')
        mmcv.imwrite(mmcv.rgb2bgr(panel), out_file)
        print(f'wrote {out_file}')


if __name__ == '__main__':
    main()
