"""Export a GSS (or any mmseg 0.x) model to ONNX; optionally verify it.

Usage mirrors mmsegmentation 0.x::

    python tools/pytorch2onnx.py CONFIG CKPT --output-file F.onnx \\
        [--shape H W] [--dynamic-export] [--verify [--input-img IMG]] \\
        [--opset-version N]

The graph maps the normalised image (B, 3, H, W) to class scores
(B, K, H, W) at the input size, GSS's token argmax, tokenizer decoder and
X⁻¹ included; a stage-I ``MaskigeAutoencoder`` maps label maps
(B, 1, H, W) to class probabilities. The checkpoint must fit the config
(strict loading). ``--verify`` runs ONNX Runtime against PyTorch on
``--input-img`` (else a fixed random input) and exits with status 1 if
more than ``--max-label-diff`` of the pixels get another class. The graph's
metadata records the config's identity (``gss.deploy.graph_identity``),
which ``tools/deploy_test.py`` checks.

Needs onnx and onnxruntime: ``pip install -r requirements/deploy.txt``.
"""
import argparse
import os.path as osp
import sys

from _cli import add_cfg_options

sys.path.insert(0, osp.dirname(osp.dirname(osp.abspath(__file__))))


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        description='Convert an mmseg/GSS model to ONNX')
    parser.add_argument('config', help='config file')
    parser.add_argument('checkpoint', help='checkpoint file')
    parser.add_argument('--output-file', default='tmp.onnx',
                        help='where to write the ONNX graph')
    parser.add_argument(
        '--shape', type=int, nargs='+', default=None,
        help='input height and width (one value: square); default: the '
        "test crop size in 'slide' mode, else 512 512")
    parser.add_argument('--dynamic-export', action='store_true',
                        help='dynamic batch, height and width')
    parser.add_argument('--verify', action='store_true',
                        help='compare ONNX Runtime with PyTorch')
    parser.add_argument(
        '--input-img',
        help='image (stage I: label map) for --verify; default: a fixed '
        'random input')
    parser.add_argument(
        '--max-label-diff', type=float, default=1e-3,
        help='--verify fails if a larger share of pixels differ in class')
    parser.add_argument(
        '--opset-version', type=int,
        help='ONNX opset (default: gss.deploy.onnx.DEFAULT_OPSET)')
    add_cfg_options(parser)
    args = parser.parse_args(argv)
    if args.shape is not None and len(args.shape) not in (1, 2):
        parser.error('--shape takes H W or one size')
    return args


if __name__ == '__main__':
    parse_args()  # answers --help and usage errors before the imports below

import gss  # noqa: E402,F401  (mmcv compatibility + registries, first)

from gss.deploy import (build_model, compare_outputs,  # noqa: E402
                        example_input, export_onnx, export_wrapper,
                        inference_session, load_input, write_identity)
from gss.deploy.onnx import DEFAULT_OPSET  # noqa: E402


def input_shape(cfg, shape):
    """(H, W) from ``--shape`` or the config."""
    if shape is not None:
        return (shape[0], shape[-1])
    test_cfg = cfg.model.get('test_cfg') or {}
    if test_cfg.get('mode') == 'slide':
        return tuple(test_cfg['crop_size'])
    return (512, 512)


def main(argv=None):
    """Export, and with ``--verify`` compare; returns the comparison."""
    args = parse_args(argv)
    cfg, model = build_model(args.config, args.checkpoint, args.cfg_options)
    wrapper = export_wrapper(model)
    shape = input_shape(cfg, args.shape)
    export_onnx(wrapper, args.output_file, shape,
                dynamic=args.dynamic_export,
                opset_version=args.opset_version or DEFAULT_OPSET)
    # deploy_test refuses the graph with a config other than this one.
    write_identity(args.output_file, cfg)
    kind = 'dynamic' if args.dynamic_export else 'static'
    print(f'Exported {type(model).__name__} ({wrapper.input_kind} input '
          f'{shape[0]}x{shape[1]}, {kind} shape) to {args.output_file}')
    if not args.verify:
        return None
    inputs = example_input(wrapper, shape) if args.input_img is None \
        else load_input(cfg, wrapper, args.input_img, shape)
    result = compare_outputs(wrapper, inference_session(args.output_file),
                             inputs)
    print(f'ONNX Runtime vs PyTorch on {args.input_img or "a random input"}'
          f': max abs diff of scores {result["max_abs_diff"]:.3g}, '
          f'identical labels {100 * result["label_agreement"]:.4f}%')
    if 1 - result['label_agreement'] > args.max_label_diff:
        print(f'FAILED: more than {100 * args.max_label_diff:g}% of the '
              'labels differ', file=sys.stderr)
        sys.exit(1)
    return result


if __name__ == '__main__':
    main()
