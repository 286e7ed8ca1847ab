"""Maskige tokenizers: discrete autoencoders between maskiges and tokens."""
import inspect

import torch
from mmseg.models.builder import MODELS

from .base import BaseTokenizer
from .dalle import DalleDVAE
from .quantizers import EMAVectorQuantizer, FiniteScalarQuantizer
from .vqvae import MaskigeVQVAE


def build_tokenizer(cfg, codec=None):
    """Build a tokenizer from a config dict such as ``dict(type='DalleDVAE')``.

    The palette and the number of classes are given once, to the model:
    a tokenizer that reads classes (one with ``palette``/``num_classes``
    arguments, e.g. the class-pattern ``MaskigeVQVAE``) takes the model's
    when its config leaves them out, and one configured with other colours
    is an error rather than tokens of the wrong classes.

    Args:
        cfg (dict): Config with a registered tokenizer ``type``.
        codec (MaskigeCodec, optional): The model's palette.

    Returns:
        BaseTokenizer: The tokenizer (weights load in ``init_weights()``).
    """
    cfg = dict(cfg)
    tokenizer_cls = MODELS.get(cfg.get('type'))
    if codec is not None and tokenizer_cls is not None and 'palette' in \
            inspect.signature(tokenizer_cls).parameters:
        cfg.setdefault('palette', codec.palette)
        cfg.setdefault('num_classes', codec.num_classes)
    tokenizer = MODELS.build(cfg)
    if not isinstance(tokenizer, BaseTokenizer):
        raise TypeError(f'{cfg.get("type")} is not a tokenizer: it builds '
                        f'{type(tokenizer).__name__}, not a BaseTokenizer')
    own = tokenizer.palette_codec
    if codec is not None and own is not None and not (
            own.num_classes == codec.num_classes
            and torch.equal(own.colors, codec.colors)
            and torch.equal(own.ignore_color, codec.ignore_color)):
        raise ValueError(
            f'the tokenizer reads maskiges with palette '
            f'{own.palette.name!r} ({own.num_classes} classes) but the '
            f'model paints them with {codec.palette.name!r} '
            f'({codec.num_classes} classes): drop palette/num_classes from '
            'the tokenizer config (it takes the model\'s) or make them '
            'equal')
    return tokenizer


__all__ = [
    'BaseTokenizer', 'DalleDVAE', 'MaskigeVQVAE', 'FiniteScalarQuantizer',
    'EMAVectorQuantizer', 'build_tokenizer'
]
