"""Count the parameters and FLOPs of a GSS (or any mmseg 0.x) model.

Usage::

    python tools/get_flops.py CONFIG [--shape H [W]] [--cfg-options ...]

One inference forward of a ``(1, 3, H, W)`` input is measured: for an
``EncoderDecoder`` (GSS-FF/FT-W) that is ``forward_dummy`` — backbone, token
classifier, dVAE decoding of the predicted tokens and X⁻¹ — i.e. one window
of sliding-window testing; for a ``MaskigeAutoencoder`` (stage I) it is the
tokenizer's encoding and decoding of an ``H×W`` label map and the
training-free X⁻¹ of the result. The default shape is the
sliding-window crop of the config (else its training crop).

Two counts are printed, both in mmseg's convention (one multiply-add = one
FLOP):

* mmcv's ``get_model_complexity_info``, which hooks ``nn`` modules
  (convolutions, linear, norm, activation and pooling layers) and therefore
  misses the attention matrix products of Swin blocks (q·kᵀ and attn·v), the
  DALL·E dVAE's convolutions (``DalleConv2d`` calls ``F.conv2d``) and other
  functional operations;
* torch's operator-level ``FlopCounterMode``, which sees every convolution
  and matrix product (but no element-wise, norm or activation operations),
  with a per-part breakdown. This is the number to report for GSS.

Weights are not loaded (FLOPs and parameter counts do not depend on them),
so nothing is downloaded. By default the forward runs on the ``meta``
device: tensors carry shapes but no data, so no arithmetic is done and even
the full-size models are counted in about a second (the checks that read
values, such as the token-id range, are switched off on every device by
``gss.deploy.shape_only``). ``--device cpu`` (or
``cuda``) runs the forward for real, which also times it.
"""
import argparse
import functools
import os.path as osp
import sys
import time

from _cli import add_cfg_options, load_config

sys.path.insert(0, osp.dirname(osp.dirname(osp.abspath(__file__))))

MMCV_NOTE = (
    'mmcv counter: nn.Conv/Linear/norm/activation/pooling modules only; it '
    'misses Swin attention products (q·kᵀ, attn·v), the DALL·E dVAE '
    'convolutions (functional F.conv2d) and other functional ops.')
ATEN_NOTE = (
    'operator counter: every convolution and matrix product, including '
    'attention and the dVAE; no element-wise/norm/activation ops.')


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        description='Count the parameters and FLOPs of a segmentor')
    parser.add_argument('config', help='config file path')
    parser.add_argument(
        '--shape',
        type=int,
        nargs='+',
        help='input height [width] (default: the config\'s sliding-window '
        'crop, else its training crop)')
    parser.add_argument(
        '--device',
        default='meta',
        help='device of the forward (default: meta, shapes only)')
    parser.add_argument(
        '--per-layer',
        action='store_true',
        help='also print mmcv\'s per-layer table')
    add_cfg_options(parser)
    return parser.parse_args(argv)


if __name__ == '__main__':
    parse_args()  # answers --help and usage errors before the imports below

import gss  # noqa: E402,F401  (mmcv compatibility + registries, first)
import torch  # noqa: E402
from mmcv.cnn import get_model_complexity_info  # noqa: E402
from mmcv.cnn.utils import revert_sync_batchnorm  # noqa: E402
from mmseg.models import build_segmentor  # noqa: E402
from torch.utils.flop_counter import FlopCounterMode  # noqa: E402

from gss.deploy import shape_only  # noqa: E402
from gss.models.segmentors import MaskigeAutoencoder  # noqa: E402


def input_size(cfg, shape=None):
    """The (H, W) to measure at.

    Args:
        cfg (Config): The config.
        shape (list[int], optional): ``[H]`` or ``[H, W]`` from the command
            line.

    Returns:
        tuple[int, int]: Input height and width.
    """
    if shape:
        if len(shape) > 2:
            raise ValueError(f'--shape takes H or H W, got {shape}')
        return (shape[0], shape[-1])
    test_cfg = cfg.model.get('test_cfg') or {}
    if test_cfg.get('mode') == 'slide':
        return tuple(test_cfg['crop_size'])
    if cfg.get('crop_size') is not None:
        return tuple(cfg.crop_size)
    raise ValueError(f'{cfg.filename} has no sliding-window or training crop '
                     'size: give the input size with --shape H W')


def build_model(cfg):
    """Build the segmentor of ``cfg`` in eval mode, without loading weights.

    SyncBN becomes BN: it runs without a process group and mmcv's counter
    only recognises plain BN layers. Tokens decode as one grid.
    """
    cfg.model.pretrained = None
    cfg.model.train_cfg = None
    head = cfg.model.get('decode_head')
    if isinstance(head, dict) and head.get('decode_tile_size') is not None:
        # Tiled decoding recomputes each tile's halo to bound memory
        # (docs/memory.md gives its time cost): count the model's arithmetic.
        head.decode_tile_size = None
    model = build_segmentor(cfg.model, test_cfg=cfg.get('test_cfg'))
    return revert_sync_batchnorm(model).eval()


def dummy_forward(model):
    """The function that one inference forward of ``model`` goes through.

    Args:
        model (nn.Module): An ``EncoderDecoder`` or ``MaskigeAutoencoder``.

    Returns:
        callable: Maps a (B, 3, H, W) image batch to the model's output.
    """
    if isinstance(model, MaskigeAutoencoder):
        # Stage I looks at labels only; the image fixes their size. Labels →
        # maskige is a table lookup (no multiply-adds), so counting starts
        # from what the tokenizer reads (labels or their maskige) at the
        # encoded size, which also works on meta.
        def reconstruct(img):
            tokenizer = model.tokenizer
            s = model.upsample_factor
            size = (img.shape[0], img.shape[2] * s, img.shape[3] * s)
            inputs = img.new_zeros(size, dtype=torch.long) \
                if tokenizer.input_kind == 'labels' else \
                img.new_zeros(size[0], 3, *size[1:])
            recon = tokenizer.decode(tokenizer.encode(inputs))
            return model.class_logits(recon)

        return reconstruct
    if not hasattr(model, 'forward_dummy'):
        raise NotImplementedError(
            f'{type(model).__name__} has no forward_dummy: get_flops supports '
            'EncoderDecoder-like segmentors and MaskigeAutoencoder')
    return model.forward_dummy


def count_params(module, trainable=False):
    return sum(p.numel() for p in module.parameters()
               if p.requires_grad or not trainable)


#: Parts reported separately: (name, module path, methods whose operator
#: FLOPs are the part's). The decode head includes its tokenizer until
#: :func:`complexity` subtracts it.
TOKENIZER_METHODS = ('encode', 'decode', 'decode_probs')
PARTS = (('backbone', 'backbone', ('forward', )),
         ('decode head', 'decode_head', ('forward_test', 'forward')),
         ('tokenizer', 'decode_head.tokenizer', TOKENIZER_METHODS),
         ('tokenizer', 'tokenizer', TOKENIZER_METHODS))


class PartCounter:
    """Operator FLOPs (multiply-adds) spent inside methods of one module.

    Module names cannot attribute them: the head and the tokenizer run
    through methods other than ``forward`` (``forward_test``, ``encode``,
    ``decode``), which module hooks do not see. The methods are wrapped on
    the instance until :meth:`remove`; nested calls count once.

    Args:
        module (nn.Module): The part.
        methods (Sequence[str]): Its entry points.
    """

    def __init__(self, module, methods):
        self.module = module
        self.methods = [name for name in methods if hasattr(module, name)]
        self.flops = 0
        self._active = False
        for name in self.methods:
            setattr(module, name, self._wrap(getattr(module, name)))

    def _wrap(self, method):

        @functools.wraps(method)
        def counted(*args, **kwargs):
            if self._active:
                return method(*args, **kwargs)
            self._active = True
            try:
                with FlopCounterMode(display=False) as counter:
                    out = method(*args, **kwargs)
            finally:
                self._active = False
            self.flops += counter.get_total_flops() / 2
            return out

        return counted

    def remove(self):
        for name in self.methods:
            delattr(self.module, name)


def _mmcv_flops(module):
    """FLOPs mmcv's counter left on the modules of ``module``."""
    return sum(getattr(m, '__flops__', 0) for m in module.modules())


def complexity(model, size, device='cpu', per_layer=False):
    """Measure one inference forward of ``model``.

    Args:
        model (nn.Module): A segmentor from :func:`build_model`.
        size (tuple[int, int]): Input (H, W).
        device (str): Device of the forward.
        per_layer (bool): Print mmcv's per-layer table.

    Returns:
        dict: ``params`` and ``trainable_params`` (counts), ``aten_flops``
        and ``mmcv_flops`` (multiply-adds), ``parts`` (name → dict of
        ``params``, ``aten_flops``, ``mmcv_flops``) and ``seconds``.
    """
    model = model.to(device)
    modules = dict(model.named_modules())
    counters = {
        name: PartCounter(modules[path], methods)
        for name, path, methods in PARTS if path in modules
    }
    # mmcv's counter calls model(batch): route that to the inference path.
    model.forward = dummy_forward(model)
    start = time.perf_counter()
    try:
        # Value checks are switched off: meta tensors have no values, and
        # the checks are not the model's arithmetic.
        with torch.no_grad(), shape_only(), FlopCounterMode(
                display=False) as total:
            mmcv_flops, _ = get_model_complexity_info(
                model, (3, *size),
                print_per_layer_stat=per_layer,
                as_strings=False)
    finally:
        del model.forward
        for counter in counters.values():
            counter.remove()
    result = dict(
        params=count_params(model),
        trainable_params=count_params(model, trainable=True),
        aten_flops=total.get_total_flops() / 2,
        mmcv_flops=mmcv_flops,
        parts={},
        seconds=time.perf_counter() - start)
    for name, counter in counters.items():
        result['parts'][name] = dict(
            params=count_params(counter.module),
            aten_flops=counter.flops,
            mmcv_flops=_mmcv_flops(counter.module))
    if 'decode head' in counters and 'tokenizer' in counters:
        head, tok = result['parts']['decode head'], result['parts'][
            'tokenizer']
        for key in head:
            head[key] -= tok[key]
    return result


def format_report(result, size, config=None):
    """Human-readable report of :func:`complexity` results."""

    def g(flops):
        return f'{flops / 1e9:.1f} GFLOPs'

    def m(params):
        return f'{params / 1e6:.2f} M'

    lines = ['=' * 72]
    if config is not None:
        lines.append(f'Config:      {config}')
    lines += [
        f'Input shape: (1, 3, {size[0]}, {size[1]})',
        f'Params:      {m(result["params"])} '
        f'(trainable in this stage: {m(result["trainable_params"])})',
        f'FLOPs:       {g(result["aten_flops"])} (operator counter)',
        f'             {g(result["mmcv_flops"])} (mmcv counter)',
    ]
    for name, part in result['parts'].items():
        lines.append(f'  {name:12s} params {m(part["params"]):>10s}  '
                     f'FLOPs {g(part["aten_flops"]):>15s} (mmcv '
                     f'{g(part["mmcv_flops"])})')
    if {'decode head', 'tokenizer'} <= result['parts'].keys():
        lines.append('  (the decode head is counted without its tokenizer)')
    lines += [
        f'Measured in {result["seconds"]:.1f} s.',
        'FLOPs count one multiply-add as one FLOP (mmseg convention).',
        ATEN_NOTE, MMCV_NOTE, '=' * 72
    ]
    return '\n'.join(lines)


def main(argv=None):
    args = parse_args(argv)
    cfg = load_config(args)
    size = input_size(cfg, args.shape)
    model = build_model(cfg)
    result = complexity(model, size, args.device, args.per_layer)
    print(format_report(result, size, args.config))
    return result


if __name__ == '__main__':
    main()
