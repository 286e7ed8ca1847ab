"""The interface every maskige tokenizer (latent posterior) implements."""
import contextlib
import logging
from abc import ABCMeta, abstractmethod

import torch
from mmcv.runner import BaseModule

from ..maskige.checks import check_class_ids, check_labels

#: ``BaseTokenizer.input_kind`` of a tokenizer that reads maskiges:
#: (B, 3, H, W) float in [0, 1] (an RGB image tokenizer such as DALL·E).
MASKIGE_INPUT = 'maskige'
#: ``BaseTokenizer.input_kind`` of a tokenizer that reads label maps:
#: (B, H, W) long class ids, any id outside [0, K) an unlabelled pixel.
LABEL_INPUT = 'labels'


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
    """A discrete autoencoder that turns label maps or their maskiges into
    tokens, and tokens into maskiges.

    GSS only relies on this contract, so the DALL·E dVAE and the project's own
    maskige VQ-VAE are interchangeable in every config
    (``tokenizer=dict(type=..., checkpoint=...)``).

    What :meth:`encode` reads is the tokenizer's ``input_kind``:

    * ``'maskige'`` (:data:`MASKIGE_INPUT`, the default): the RGB maskige
      X(labels), (B, 3, H, W) float in [0, 1]. For an RGB image tokenizer
      (the DALL·E dVAE, the conv maskige VQ-VAE) the maskige is the method.
    * ``'labels'`` (:data:`LABEL_INPUT`): the label map itself, (B, H, W)
      long; ids outside ``[0, K)`` (the ignore index) are unlabelled. A
      tokenizer that works on classes (the class-pattern maskige VQ-VAE)
      would otherwise paint colours only to read the classes back.

    Callers that hold labels give them through :meth:`encoder_inputs`,
    which makes whichever of the two the tokenizer reads. Decoding always
    returns a maskige: it is the interface of X⁻¹.

    Subclasses set ``num_tokens`` (vocabulary size), ``downsample`` (input
    pixels per token side) and, if they read labels, ``input_kind``, and
    implement :meth:`encode` and :meth:`decode_probs`. A convolutional
    decoder also gives its ``decode_halo`` so that maskiges can be decoded
    tile by tile (:func:`~gss.models.utils.map_token_tiles`).

    Args:
        num_tokens (int): Vocabulary size.
        downsample (int): Spatial reduction from maskige to token grid.
        frozen (bool): If True the tokenizer is put in eval mode, its
            parameters get ``requires_grad=False`` and :meth:`train` keeps it
            in eval mode. Stage II and FT-W use frozen tokenizers.
        init_cfg (dict, optional): mmcv initialisation config.
    """

    input_kind = MASKIGE_INPUT
    #: Tokens of context on each side that decoding a token reads (its
    #: decoder's receptive radius on the token grid); None: not known, so
    #: the tokenizer only decodes whole grids.
    decode_halo = None
    #: Whether ``encode(inputs, floor=True)`` takes sizes that are not
    #: multiples of ``downsample`` and floors the token grid (DALL·E's
    #: max-pooling encoder does).
    floors_input_size = False

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

    def log_loaded(self, source):
        """Log, in one line, the weights loaded and the vocabulary size.

        Goes to mmseg's logger as the tools set it up (console and log file);
        unlike ``get_root_logger()`` it never initialises that logger itself.

        Args:
            source (str): The weights file(s).
        """
        logging.getLogger('mmseg').info(
            f'tokenizer: {type(self).__name__} loaded from {source} '
            f'({self.num_tokens} codes, one per {self.downsample}x'
            f'{self.downsample} pixels)')

    def encoder_inputs(self, labels, codec):
        """What :meth:`encode` reads, made from label maps.

        Args:
            labels (Tensor): (B, H, W) long class ids in ``[0, K)`` or
                ``codec.ignore_index``.
            codec (MaskigeCodec): The model's palette; paints the maskige
                of a tokenizer that reads maskiges.

        Returns:
            Tensor: ``labels`` (checked) for ``input_kind == 'labels'``,
            else the maskige X(labels), (B, 3, H, W) float in [0, 1].
        """
        if self.input_kind == LABEL_INPUT:
            check_labels(labels)
            check_class_ids(labels, codec.num_classes, codec.ignore_index)
            return labels.long()
        return codec.encode(labels)

    def check_input_size(self, inputs, floor=False):
        """Raise a clear error if ``inputs`` (of this tokenizer's
        ``input_kind``) are not a batch that tiles into tokens (with
        ``floor``: that holds at least one token)."""
        if self.input_kind == LABEL_INPUT:
            if inputs.dim() != 3 or inputs.dtype.is_floating_point:
                raise ValueError(
                    f'{type(self).__name__} reads label maps: a (B, H, W) '
                    f'integer tensor, got {inputs.dtype} of shape '
                    f'{tuple(inputs.shape)} (make them from labels with '
                    'encoder_inputs(labels, codec))')
        elif inputs.dim() != 4 or inputs.shape[1] != 3:
            raise ValueError('a maskige must be a (B, 3, H, W) tensor, got '
                             f'shape {tuple(inputs.shape)}')
        h, w = inputs.shape[-2:]
        if floor:
            if min(h, w) < self.downsample:
                raise ValueError(
                    f'{self.input_kind} size {h}x{w} is smaller than one '
                    f'token ({self.downsample}x{self.downsample})')
        elif h % self.downsample or w % self.downsample:
            raise ValueError(
                f'{self.input_kind} size {h}x{w} is not divisible by the '
                f'tokenizer downsample factor {self.downsample}: pad or crop '
                f'the input to a multiple of {self.downsample} (e.g. set '
                'crop_size / the Pad transform in the config).')

    @abstractmethod
    def encode(self, inputs):
        """Tokenize maskiges or label maps (see ``input_kind``).

        Args:
            inputs (Tensor): (B, 3, H, W) float maskige in [0, 1], or
                (B, H, W) long labels for ``input_kind == 'labels'``.

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

    def check_tokens(self, tokens):
        """Raise unless ``tokens`` are token ids of this tokenizer: a
        (B, h, w) long tensor, its values in ``[0, num_tokens)``.

        The one check of every :meth:`decode`; the value part is
        :meth:`check_token_values`, which graph export and shape-only FLOP
        counting switch off (``gss.deploy.export_friendly``).

        Args:
            tokens (Tensor): What :meth:`decode` was given.
        """
        if tokens.dtype != torch.long or tokens.dim() != 3:
            raise ValueError('tokens must be a (B, h, w) long tensor, got '
                             f'{tokens.dtype} of shape {tuple(tokens.shape)}')
        self.check_token_values(tokens)

    def check_token_values(self, tokens):
        """Raise unless every id of ``tokens`` is in ``[0, num_tokens)``."""
        if tokens.numel() and (tokens.min() < 0
                               or tokens.max() >= self.num_tokens):
            raise ValueError(f'token ids must be in [0, {self.num_tokens}), '
                             f'got [{tokens.min()}, {tokens.max()}]')

    def decode(self, tokens):
        """Decode token ids to maskiges.

        Args:
            tokens (Tensor): (B, h, w) long token ids.

        Returns:
            Tensor: (B, 3, h * downsample, w * downsample) float in [0, 1].
        """
        self.check_tokens(tokens)
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
