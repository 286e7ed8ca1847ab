"""Maskige tokenizers: discrete autoencoders between maskiges and tokens."""
from mmseg.models.builder import MODELS

from .base import BaseTokenizer
from .dalle import DalleDVAE
from .quantizers import EMAVectorQuantizer, FiniteScalarQuantizer
from .vqvae import MaskigeVQVAE


def build_tokenizer(cfg):
    """Build a tokenizer from a config dict such as ``dict(type='DalleDVAE')``.

    Args:
        cfg (dict): Config with a registered tokenizer ``type``.

    Returns:
        BaseTokenizer: The tokenizer (weights load in ``init_weights()``).
    """
    tokenizer = MODELS.build(cfg)
    if not isinstance(tokenizer, BaseTokenizer):
        raise TypeError(f'{cfg.get("type")} is not a tokenizer: it builds '
                        f'{type(tokenizer).__name__}, not a BaseTokenizer')
    return tokenizer


__all__ = [
    'BaseTokenizer', 'DalleDVAE', 'MaskigeVQVAE', 'FiniteScalarQuantizer',
    'EMAVectorQuantizer', 'build_tokenizer'
]
