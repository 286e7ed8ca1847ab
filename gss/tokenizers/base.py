"""The interface every maskige tokenizer (latent posterior) implements."""
import contextlib
from abc import ABCMeta, abstractmethod

import torch
from mmcv.runner import BaseModule


def autocast_off(device):
    """A context that disables autocast on ``device``; a no-op on devices
    without autocast (``meta``, used for shape-only FLOP counting).

    Tokenizers compute their codes under it: stage II's targets must be the
    tokens stage I produced, whatever precision the trainer runs in.
    """
    if torch.amp.is_autocast_available(device.type):
        return torch.autocast(device_type=device.type, enabled=False)
    return contextlib.nullcontext()


class BaseTokenizer(BaseModule, metaclass=ABCMeta):
    """A discrete image autoencoder that turns maskiges into tokens and back.

    GSS only relies on this contract, so the DALL·E dVAE and the project's own
    maskige VQ-VAE are interchangeable in every config
    (``tokenizer=dict(type=..., checkpoint=...)``).

    Subclasses set ``num_tokens`` (vocabulary size) and ``downsample`` (input
    pixels per token side) and implement :meth:`encode` and
    :meth:`decode_probs`.

    Args:
        num_tokens (int): Vocabulary size.
        downsample (int): Spatial reduction from maskige to token grid.
        frozen (bool): If True the tokenizer is put in eval mode, its
            parameters get ``requires_grad=False`` and :meth:`train` keeps it
            in eval mode. Stage II and FT-W use frozen tokenizers.
        init_cfg (dict, optional): mmcv initialisation config.
    """

    def __init__(self, num_tokens, downsample, frozen=False, init_cfg=None):
        super().__init__(init_cfg=init_cfg)
        self.num_tokens = int(num_tokens)
        self.downsample = int(downsample)
        self.frozen = frozen

    @property
    def palette_codec(self):
        """MaskigeCodec: the palette a tokenizer that reads classes from
        maskiges decodes them with; None for one that reads colours."""
        return None

    def check_input_size(self, maskige):
        """Raise a clear error if the maskige does not tile into tokens."""
        if maskige.dim() != 4 or maskige.shape[1] != 3:
            raise ValueError('a maskige must be a (B, 3, H, W) tensor, got '
                             f'shape {tuple(maskige.shape)}')
        h, w = maskige.shape[-2:]
        if h % self.downsample or w % self.downsample:
            raise ValueError(
                f'maskige size {h}x{w} is not divisible by the tokenizer '
                f'downsample factor {self.downsample}: pad or crop the input '
                f'to a multiple of {self.downsample} (e.g. set crop_size / '
                'the Pad transform in the config).')

    @abstractmethod
    def encode(self, maskige):
        """Tokenize maskiges.

        Args:
            maskige (Tensor): (B, 3, H, W) float in [0, 1].

        Returns:
            Tensor: (B, H / downsample, W / downsample) long token ids in
            ``[0, num_tokens)``.
        """

    @abstractmethod
    def decode_probs(self, probs):
        """Decode a (soft) distribution over tokens to maskiges.

        Args:
            probs (Tensor): (B, num_tokens, h, w) float; one-hot rows give the
                exact decoding of token ids.

        Returns:
            Tensor: (B, 3, h * downsample, w * downsample) float in [0, 1].
        """

    def decode(self, tokens):
        """Decode token ids to maskiges.

        Args:
            tokens (Tensor): (B, h, w) long token ids.

        Returns:
            Tensor: (B, 3, h * downsample, w * downsample) float in [0, 1].
        """
        if tokens.dtype != torch.long or tokens.dim() != 3:
            raise ValueError('tokens must be a (B, h, w) long tensor, got '
                             f'{tokens.dtype} of shape {tuple(tokens.shape)}')
        one_hot = torch.nn.functional.one_hot(tokens, self.num_tokens)
        dtype = next(self.parameters()).dtype
        return self.decode_probs(one_hot.permute(0, 3, 1, 2).to(dtype))

    def freeze(self):
        """Freeze all parameters and switch to eval mode."""
        self.frozen = True
        for param in self.parameters():
            param.requires_grad = False
        return super().train(False)

    def train(self, mode=True):
        """Keep a frozen tokenizer in eval mode whatever the parent does."""
        return super().train(mode and not self.frozen)
