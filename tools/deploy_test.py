"""Evaluate an exported ONNX model on a config's test dataset.

Usage mirrors mmsegmentation 0.x::

    python tools/deploy_test.py CONFIG MODEL.onnx --backend onnxruntime \\
        --eval mIoU [--show-dir DIR] [--cfg-options model.test_cfg.mode=slide]

The graph (from ``tools/pytorch2onnx.py``) replaces backbone and heads of an
``EncoderDecoder``; whole or sliding-window inference, flipping and
rescaling follow the config's ``test_cfg`` as in ``tools/test.py``. Sliding
windows and multi-scale tests need a graph exported with
``--dynamic-export`` (or at the crop size). A graph exported from another
config (classes, palette, normalisation, segmentor or head type, as
recorded in its metadata) is refused, as is a test size a static graph
does not take.
"""
import argparse
import json
import os.path as osp
import sys

from _cli import LazyDictAction, add_cfg_options, load_config

sys.path.insert(0, osp.dirname(osp.dirname(osp.abspath(__file__))))

BACKENDS = ('onnxruntime', )


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        description='mmseg backend test (and eval) of an exported model')
    parser.add_argument('config', help='test config file path')
    parser.add_argument('model', help='ONNX file')
    parser.add_argument('--backend', choices=BACKENDS, default='onnxruntime',
                        help='inference backend')
    parser.add_argument('--out', help='output result file in pickle format')
    parser.add_argument(
        '--eval', type=str, nargs='+',
        help='evaluation metrics, e.g. "mIoU" "mDice" "mFscore"')
    parser.add_argument('--show', action='store_true', help='show results')
    parser.add_argument('--show-dir',
                        help='directory where painted images will be saved')
    parser.add_argument('--opacity', type=float, default=0.5,
                        help='opacity of painted segmentation maps, (0, 1]')
    add_cfg_options(parser)
    parser.add_argument('--eval-options', nargs='+', action=LazyDictAction,
                        help='custom options for evaluation')
    args = parser.parse_args(argv)
    if not (args.out or args.eval or args.show or args.show_dir):
        parser.error('give at least one of --out, --eval, --show, '
                     '--show-dir')
    if args.out is not None and not args.out.endswith(('.pkl', '.pickle')):
        parser.error('--out must be a .pkl file')
    return args


if __name__ == '__main__':
    parse_args()  # answers --help and usage errors before the imports below

import gss  # noqa: E402,F401  (mmcv compatibility + registries, first)
import mmcv  # noqa: E402
from mmcv.parallel import MMDataParallel  # noqa: E402
from mmseg.apis import single_gpu_test  # noqa: E402
from mmseg.datasets import build_dataloader, build_dataset  # noqa: E402

from gss.deploy import build_onnx_segmentor  # noqa: E402


def main(argv=None):
    """Run the test; returns the metrics of ``--eval`` (else None)."""
    args = parse_args(argv)
    cfg = load_config(args)
    cfg.data.test.test_mode = True

    dataset = build_dataset(cfg.data.test)
    data_loader = build_dataloader(
        dataset,
        samples_per_gpu=1,
        workers_per_gpu=cfg.data.get('workers_per_gpu', 2),
        dist=False,
        shuffle=False,
        persistent_workers=False)

    model = build_onnx_segmentor(args.model, cfg)
    for note in model.identity_notes:
        print(f'[gss] {note}')
    model.CLASSES = dataset.CLASSES
    model.PALETTE = dataset.PALETTE
    results = single_gpu_test(
        MMDataParallel(model, device_ids=[0]),
        data_loader,
        args.show,
        args.show_dir,
        False,
        args.opacity,
        pre_eval=bool(args.eval))

    if args.out:
        print(f'\nwriting results to {args.out}')
        mmcv.dump(results, args.out)
    if not args.eval:
        return None
    eval_kwargs = dict(args.eval_options or {}, metric=args.eval)
    metric = dataset.evaluate(results, **eval_kwargs)
    print('\n' + json.dumps({k: round(float(v), 4)
                             for k, v in metric.items()
                             if not hasattr(v, '__len__')}))
    return metric


if __name__ == '__main__':
    main()
