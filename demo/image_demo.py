"""Segment one image with a GSS (or any mmseg 0.x) model.

Examples::

    python demo/image_demo.py demo/street.png CONFIG CKPT --device cpu \\
        --out-file street_seg.png
    # GSS models: the six-column panel (input, maskiges, prediction, ...)
    python demo/image_demo.py demo/street.png CONFIG CKPT --device cpu \\
        --panel --gt street_labels.png --out-file street_panel.png
"""
import argparse
import os
import os.path as osp
import sys

sys.path.insert(0, osp.dirname(osp.dirname(osp.abspath(__file__))))

import gss  # noqa: E402,F401,I001  (mmcv compatibility + registries, first)
import mmcv  # noqa: E402
import numpy as np  # noqa: E402
from mmcv.cnn.utils import revert_sync_batchnorm  # noqa: E402
from mmseg.apis import inference_segmentor, init_segmentor  # noqa: E402
from mmseg.models.segmentors.base import BaseSegmentor  # noqa: E402

from gss.utils import UNSAFE_ENV  # noqa: E402
from gss.visualization import is_gss_model, model_panel  # noqa: E402


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('img', help='image file')
    parser.add_argument('config', help='config file')
    parser.add_argument('checkpoint', help='checkpoint file')
    parser.add_argument('--device', default='cuda:0',
                        help='device, e.g. cpu or cuda:0 (default: '
                        '%(default)s)')
    parser.add_argument(
        '--out-file',
        help='output image (default: <image name>_seg.png, or _panel.png '
        'with --panel, in the current directory)')
    parser.add_argument('--opacity', type=float, default=0.5,
                        help='opacity of the painted segmentation, in '
                        '(0, 1] (default: %(default)s)')
    parser.add_argument(
        '--panel', action='store_true',
        help='draw the GSS panel (input, ground truth, GT maskige, '
        'predicted maskige, prediction, error) instead of an overlay')
    parser.add_argument(
        '--gt', help='label map of the image for --panel: class ids; other '
        "values (the ignore index, a dataset's void id) count as ignored")
    parser.add_argument(
        '--unsafe-load', action='store_true',
        help='allow checkpoints that need full unpickling (trusted files '
        'only; the default loads weights only)')
    args = parser.parse_args(argv)
    if not 0 < args.opacity <= 1:
        parser.error(f'--opacity must be in (0, 1], got {args.opacity}')
    if args.gt and not args.panel:
        parser.error('--gt is only drawn with --panel')
    if args.out_file is None:
        stem = osp.splitext(osp.basename(args.img))[0]
        args.out_file = f'{stem}_{"panel" if args.panel else "seg"}.png'
    return args


def main(argv=None):
    args = parse_args(argv)
    if args.unsafe_load:
        os.environ[UNSAFE_ENV] = '1'
    # SyncBN configs: SyncBatchNorm needs a process group (and CUDA).
    model = revert_sync_batchnorm(
        init_segmentor(args.config, args.checkpoint, device=args.device))
    if args.panel:
        if not is_gss_model(model):
            sys.exit(f'error: --panel needs a GSS model (GSSEncoderDecoder '
                     f'with a GSS head), but {args.config} builds a '
                     f'{type(model).__name__} with a '
                     f'{type(model.decode_head).__name__} decode head')
        gt = None
        if args.gt is not None:
            gt = mmcv.imread(args.gt, 'unchanged').astype(np.int64)
            head = model.decode_head
            gt[(gt < 0) | (gt >= head.num_classes)] = head.ignore_index
        image = mmcv.rgb2bgr(model_panel(model, args.img, gt))
        mmcv.imwrite(image, args.out_file)
    else:
        result = inference_segmentor(model, args.img)
        # mmseg's overlay, also for GSSEncoderDecoder (whose show_result
        # draws panels).
        BaseSegmentor.show_result(
            model, args.img, result, out_file=args.out_file,
            opacity=args.opacity)
    print(f'wrote {args.out_file}')


if __name__ == '__main__':
    main()
