"""The DALL·E discrete VAE (Ramesh et al., 2021) as a maskige tokenizer.

GSS uses OpenAI's released dVAE, frozen, as the latent posterior: the encoder
turns a maskige into an 8x-downsampled grid of 8192-way tokens and the
decoder turns tokens back into a maskige.

The modules below are written for this project but keep the parameter names
of OpenAI's ``dall_e`` package (``blocks.input.w``,
``blocks.group_1.block_1.res_path.conv_1.w``, ...), so the official weights
and the ``d_vae.*`` entries of released GSS checkpoints load by prefix.
"""
import math
import os.path as osp
from collections import OrderedDict

import torch
import torch.nn as nn
import torch.nn.functional as F
from mmseg.models.builder import MODELS

from ..utils import UNSAFE_ENV, UnsafeCheckpointError, safe_load
from ..utils.checkpoint import (module_prefixes, module_state,
                                unsafe_load_allowed)
from .base import BaseTokenizer, autocast_off

#: The dVAE models pixels with a logit-Laplace distribution on
#: ``[eps, 1 - eps]``; inputs are squeezed into that range and outputs
#: stretched back.
LOGIT_LAPLACE_EPS = 0.1

DEFAULT_CHECKPOINT = 'ckp/dalle_dvae.pth'
DOWNLOAD_HINT = (
    'Download OpenAI\'s encoder.pkl/decoder.pkl and convert them with '
    '`bash tools/download_pretrain_vqvae.sh`, or convert files you already '
    'have with `python tools/model_converters/dalle2gss.py --encoder '
    'ckp/encoder.pkl --decoder ckp/decoder.pkl --out ckp/dalle_dvae.pth`.')


def map_pixels(x):
    """Squeeze pixels from ``[0, 1]`` to ``[eps, 1 - eps]`` (dVAE input)."""
    return (1 - 2 * LOGIT_LAPLACE_EPS) * x + LOGIT_LAPLACE_EPS


def unmap_pixels(x):
    """Invert :func:`map_pixels` and clamp to ``[0, 1]`` (dVAE output)."""
    return torch.clamp((x - LOGIT_LAPLACE_EPS) / (1 - 2 * LOGIT_LAPLACE_EPS),
                       0, 1)


class DalleConv2d(nn.Module):
    """A 'same'-padded convolution with DALL·E's parameter names ``w``/``b``.

    Args:
        in_channels (int): Input channels.
        out_channels (int): Output channels.
        kernel_size (int): Odd square kernel size.
        force_fp32 (bool): Always compute in float32, also under autocast.
            DALL·E keeps the vocabulary-sized layers (encoder logits, decoder
            token input) in full precision.

    Attributes:
        fp16_devices (tuple[str]): Device types on which the convolution
            computes in float16 (input, weight and bias cast to half; the
            output stays half), as ``dall_e``'s ``Conv2d`` does on CUDA.
            Ignored with ``force_fp32``. Set by :class:`DalleDVAE`.
    """

    def __init__(self, in_channels, out_channels, kernel_size,
                 force_fp32=False):
        super().__init__()
        if kernel_size < 1 or kernel_size % 2 == 0:
            raise ValueError(f'kernel_size must be odd, got {kernel_size}')
        self.padding = (kernel_size - 1) // 2
        self.force_fp32 = force_fp32
        self.fp16_devices = ()
        self.w = nn.Parameter(
            torch.empty(out_channels, in_channels, kernel_size, kernel_size))
        self.b = nn.Parameter(torch.zeros(out_channels))
        # Same initialisation as DALL·E: unit-variance outputs at the start.
        nn.init.normal_(self.w,
                        std=1 / math.sqrt(in_channels * kernel_size**2))

    def forward(self, x):
        """(B, in_channels, H, W) -> (B, out_channels, H, W)."""
        if self.force_fp32:
            with autocast_off(x.device):
                return F.conv2d(x.float(), self.w.float(), self.b.float(),
                                padding=self.padding)
        if self.w.device.type in self.fp16_devices:
            with autocast_off(x.device):
                return F.conv2d(x.half(), self.w.half(), self.b.half(),
                                padding=self.padding)
        if (x.dtype != self.w.dtype and not (
                torch.amp.is_autocast_available(x.device.type)
                and torch.is_autocast_enabled(x.device.type))):
            # e.g. a half-precision model fed float32 pixels.
            x = x.to(self.w.dtype)
        return F.conv2d(x, self.w, self.b, padding=self.padding)


class DalleResBlock(nn.Module):
    """DALL·E residual block: ``id_path(x) + post_gain * res_path(x)``.

    The residual path is four ReLU-conv pairs through ``out_channels // 4``
    hidden channels; ``post_gain = 1 / n_layers**2`` keeps the sum of all
    blocks' residuals small at initialisation.

    Args:
        in_channels (int): Input channels.
        out_channels (int): Output channels, a multiple of 4.
        n_layers (int): Total number of residual blocks in the network.
        kernel_sizes (tuple[int]): Kernel sizes of ``conv_1`` .. ``conv_4``:
            ``(3, 3, 3, 1)`` in the encoder, ``(1, 3, 3, 3)`` in the decoder.
    """

    def __init__(self, in_channels, out_channels, n_layers, kernel_sizes):
        super().__init__()
        if out_channels % 4:
            raise ValueError('out_channels must be a multiple of 4, got '
                             f'{out_channels}')
        hidden = out_channels // 4
        self.post_gain = 1 / n_layers**2
        self.id_path = (
            DalleConv2d(in_channels, out_channels, 1)
            if in_channels != out_channels else nn.Identity())
        channels = [in_channels, hidden, hidden, hidden, out_channels]
        layers = []
        for i, kernel_size in enumerate(kernel_sizes):
            layers.append((f'relu_{i + 1}', nn.ReLU()))
            layers.append((f'conv_{i + 1}',
                           DalleConv2d(channels[i], channels[i + 1],
                                       kernel_size)))
        self.res_path = nn.Sequential(OrderedDict(layers))

    def forward(self, x):
        """(B, in_channels, H, W) -> (B, out_channels, H, W)."""
        return self.id_path(x) + self.post_gain * self.res_path(x)


def _group(blocks, resample=None):
    """A ``group_i`` stage: named residual blocks then optional resampling."""
    layers = [(f'block_{i + 1}', block) for i, block in enumerate(blocks)]
    if resample is not None:
        layers.append(resample)
    return nn.Sequential(OrderedDict(layers))


class DalleEncoder(nn.Module):
    """DALL·E dVAE encoder: pixels to per-token vocabulary logits.

    A 7x7 input convolution, ``group_count`` groups of residual blocks of
    width ``n_hid * 2**g`` with 2x max-pooling between groups, then ReLU and
    a 1x1 convolution to ``vocab_size`` logits.

    Args:
        group_count (int): Number of groups; downsampling is
            ``2**(group_count - 1)``.
        n_hid (int): Width of the first group.
        n_blk_per_group (int): Residual blocks per group.
        in_channels (int): Image channels.
        vocab_size (int): Number of tokens.
    """

    def __init__(self, group_count=4, n_hid=256, n_blk_per_group=2,
                 in_channels=3, vocab_size=8192):
        super().__init__()
        n_layers = group_count * n_blk_per_group
        layers = [('input', DalleConv2d(in_channels, n_hid, 7))]
        width = n_hid
        for g in range(group_count):
            out_width = n_hid * 2**g
            blocks = [
                DalleResBlock(width if i == 0 else out_width, out_width,
                              n_layers, (3, 3, 3, 1))
                for i in range(n_blk_per_group)
            ]
            pool = (('pool', nn.MaxPool2d(kernel_size=2))
                    if g < group_count - 1 else None)
            layers.append((f'group_{g + 1}', _group(blocks, pool)))
            width = out_width
        layers.append(('output', nn.Sequential(OrderedDict([
            ('relu', nn.ReLU()),
            ('conv', DalleConv2d(width, vocab_size, 1, force_fp32=True)),
        ]))))
        self.blocks = nn.Sequential(OrderedDict(layers))

    def forward(self, x):
        """(B, in_channels, H, W) mapped pixels -> (B, vocab_size, h, w)."""
        return self.blocks(x)


class DalleDecoder(nn.Module):
    """DALL·E dVAE decoder: token distributions to logit-Laplace parameters.

    A 1x1 convolution from ``vocab_size`` to ``n_init`` channels,
    ``group_count`` groups of residual blocks of width
    ``n_hid * 2**(group_count - 1 - g)`` with nearest 2x upsampling between
    groups, then ReLU and a 1x1 convolution to ``2 * out_channels`` channels
    (means, then log-scales).

    Args:
        group_count (int): Number of groups; upsampling is
            ``2**(group_count - 1)``.
        n_init (int): Channels of the token embedding.
        n_hid (int): Width of the last group.
        n_blk_per_group (int): Residual blocks per group.
        out_channels (int): Image channels.
        vocab_size (int): Number of tokens.
    """

    def __init__(self, group_count=4, n_init=128, n_hid=256,
                 n_blk_per_group=2, out_channels=3, vocab_size=8192):
        super().__init__()
        n_layers = group_count * n_blk_per_group
        layers = [('input',
                   DalleConv2d(vocab_size, n_init, 1, force_fp32=True))]
        width = n_init
        for g in range(group_count):
            out_width = n_hid * 2**(group_count - 1 - g)
            blocks = [
                DalleResBlock(width if i == 0 else out_width, out_width,
                              n_layers, (1, 3, 3, 3))
                for i in range(n_blk_per_group)
            ]
            upsample = (('upsample', nn.Upsample(scale_factor=2,
                                                 mode='nearest'))
                        if g < group_count - 1 else None)
            layers.append((f'group_{g + 1}', _group(blocks, upsample)))
            width = out_width
        layers.append(('output', nn.Sequential(OrderedDict([
            ('relu', nn.ReLU()),
            ('conv', DalleConv2d(width, 2 * out_channels, 1)),
        ]))))
        self.blocks = nn.Sequential(OrderedDict(layers))

    def forward(self, probs):
        """(B, vocab_size, h, w) -> (B, 2 * out_channels, H, W)."""
        return self.blocks(probs)

    @property
    def token_halo(self):
        """int: Receptive radius of an output pixel on the token grid.

        Walks the groups from the output back: each residual block adds the
        radii of its convolutions at its group's resolution, and each 2×
        upsampling before a group halves the radius (rounded up) on the way
        to the coarser grid. 12 tokens for the DALL·E decoder.
        """
        radius = 0
        groups = [m for name, m in self.blocks.named_children()
                  if name.startswith('group_')]
        for g, group in reversed(list(enumerate(groups))):
            # Residual blocks run in sequence; their 1×1 identity paths
            # (padding 0) read no context.
            radius += sum(module.padding for module in group.modules()
                          if isinstance(module, DalleConv2d))
            if g > 0:
                radius = -(-radius // 2)
        return radius

    def forward_tokens(self, tokens):
        """Decode token ids without building one-hot inputs.

        The input layer is a 1x1 convolution, so on a one-hot input it just
        picks one weight column per position: an embedding lookup. This
        avoids a (B, vocab_size, h, w) tensor and gives the same result.

        Args:
            tokens (Tensor): (B, h, w) long token ids.

        Returns:
            Tensor: (B, 2 * out_channels, H, W).
        """
        conv = self.blocks.input
        with autocast_off(tokens.device):
            table = conv.w.float().flatten(1).t()  # (vocab_size, n_init)
            x = F.embedding(tokens, table).permute(0, 3, 1, 2)
            # Contiguous NCHW so later layers run exactly as on the conv path.
            x = x.contiguous() + conv.b.float().view(1, -1, 1, 1)
        return self.blocks[1:](x)


@MODELS.register_module()
class DalleDVAE(BaseTokenizer):
    """OpenAI's DALL·E dVAE as a maskige tokenizer (8192 tokens, 8x down).

    Weights are loaded by :meth:`init_weights` (called by ``tools/train.py``
    through the segmentor) or :meth:`load_pretrained`, not on construction:
    testing from a full GSS checkpoint, which holds the tokenizer weights
    too, does not need the file.

    Args:
        group_count (int): Groups in encoder and decoder; the token grid is
            ``2**(group_count - 1)`` times smaller than the maskige.
        n_hid (int): Base width of encoder and decoder.
        n_blk_per_group (int): Residual blocks per group.
        vocab_size (int): Number of tokens.
        n_init (int): Decoder token-embedding channels.
        checkpoint (str, optional): A converted state dict (see
            ``tools/model_converters/dalle2gss.py``) with ``encoder.*`` and
            ``decoder.*`` keys, optionally under a common prefix such as
            ``d_vae.`` (a released GSS checkpoint also works). Loaded
            weights-only. ``None`` keeps the random initialisation.
            Defaults to ``'ckp/dalle_dvae.pth'``.
        encoder_pkl (str, optional): OpenAI's pickled ``encoder.pkl``. Needs
            ``checkpoint=None``, ``decoder_pkl``, the ``dall_e`` package and
            ``GSS_UNSAFE_LOAD=1`` (unpickling runs code from the file).
        decoder_pkl (str, optional): OpenAI's pickled ``decoder.pkl``.
        frozen (bool): Freeze the tokenizer (default; GSS never trains it).
        fp16_devices (Sequence[str]): Device types on which the
            convolutions compute in float16, all but the encoder's output
            and the decoder's input, which stay float32: the authors'
            precision, that of ``dall_e``, whose convolutions run in half
            precision on CUDA. Default ``('cuda',)``; ``()`` computes in
            float32 everywhere (opt-in). See :meth:`set_fp16_devices`.
        init_cfg (dict, optional): mmcv initialisation config.
    """

    def __init__(self, group_count=4, n_hid=256, n_blk_per_group=2,
                 vocab_size=8192, n_init=128, checkpoint=DEFAULT_CHECKPOINT,
                 encoder_pkl=None, decoder_pkl=None, frozen=True,
                 fp16_devices=('cuda', ), init_cfg=None):
        super().__init__(num_tokens=vocab_size,
                         downsample=2**(group_count - 1), frozen=frozen,
                         init_cfg=init_cfg)
        if (encoder_pkl is None) != (decoder_pkl is None):
            raise ValueError('encoder_pkl and decoder_pkl must be given '
                             'together')
        if encoder_pkl is not None and checkpoint is not None:
            raise ValueError(
                'give either checkpoint or encoder_pkl/decoder_pkl; set '
                'checkpoint=None to load the official pickles')
        self.arch = dict(group_count=group_count, n_hid=n_hid,
                         n_blk_per_group=n_blk_per_group,
                         vocab_size=vocab_size, n_init=n_init)
        self.checkpoint = checkpoint
        self.encoder_pkl = encoder_pkl
        self.decoder_pkl = decoder_pkl
        self.encoder = DalleEncoder(group_count, n_hid, n_blk_per_group,
                                    in_channels=3, vocab_size=vocab_size)
        self.decoder = DalleDecoder(group_count, n_init, n_hid,
                                    n_blk_per_group, out_channels=3,
                                    vocab_size=vocab_size)
        self.set_fp16_devices(fp16_devices)
        if frozen:
            self.freeze()

    @property
    def decode_halo(self):
        return self.decoder.token_halo

    def set_fp16_devices(self, device_types):
        """Choose the device types on which the convolutions DALL·E runs in
        half precision compute in float16.

        Args:
            device_types (Sequence[str]): e.g. ``('cuda',)`` (the authors'
                precision) or ``()`` (float32 everywhere).
        """
        if isinstance(device_types, str):
            raise TypeError('fp16_devices must be a sequence of device '
                            f"types such as ('cuda',), got {device_types!r}")
        self.fp16_devices = tuple(device_types)
        for module in self.modules():
            if isinstance(module, DalleConv2d) and not module.force_fp32:
                module.fp16_devices = self.fp16_devices

    def init_weights(self):
        """Apply ``init_cfg`` if any, then load the pretrained weights."""
        if self.init_cfg is not None:
            super().init_weights()
        if self.checkpoint is not None or self.encoder_pkl is not None:
            self.load_pretrained()

    def load_pretrained(self):
        """Load the weights named by ``checkpoint`` or the ``*_pkl`` pair.

        Raises:
            FileNotFoundError: A weights file is missing.
            UnsafeCheckpointError: ``*_pkl`` given without unsafe loading.
            ValueError: The file is not a matching DALL·E dVAE checkpoint.
        """
        if self.encoder_pkl is not None:
            state_dict = official_state_dict(
                _load_official_pickle(self.encoder_pkl),
                _load_official_pickle(self.decoder_pkl))
            source = f'{self.encoder_pkl} + {self.decoder_pkl}'
        else:
            if not osp.isfile(self.checkpoint):
                raise FileNotFoundError(
                    f'DALL-E dVAE weights not found at {self.checkpoint}. '
                    + DOWNLOAD_HINT)
            state_dict = _extract_state_dict(safe_load(self.checkpoint),
                                             self.checkpoint)
            source = self.checkpoint
        self._check_state_dict(state_dict, source)
        self.load_state_dict(state_dict)
        self.log_loaded(source)

    def _check_state_dict(self, state_dict, source):
        """Raise a readable error unless keys and shapes match this model."""
        expected = self.state_dict()
        missing = [k for k in expected if k not in state_dict]
        unexpected = [k for k in state_dict if k not in expected]
        mismatched = [
            f'{k} {tuple(state_dict[k].shape)} (expected '
            f'{tuple(v.shape)})' for k, v in expected.items()
            if k in state_dict and state_dict[k].shape != v.shape
        ]
        problems = []
        for name, items in (('missing', missing), ('unexpected', unexpected),
                            ('wrong shape', mismatched)):
            if items:
                problems.append(f'{name} ({len(items)}): '
                                + ', '.join(items[:5])
                                + (', ...' if len(items) > 5 else ''))
        if problems:
            arch = ', '.join(f'{k}={v}' for k, v in self.arch.items())
            raise ValueError(
                f'{source} is not a DALL-E dVAE checkpoint matching this '
                f'model ({arch}): ' + '; '.join(problems)
                + '. Expected keys like encoder.blocks.input.w and '
                'decoder.blocks.input.w. ' + DOWNLOAD_HINT)

    floors_input_size = True

    @torch.no_grad()
    def encode(self, maskige, floor=False):
        """Tokenize maskiges with the encoder's most likely tokens.

        Args:
            maskige (Tensor): (B, 3, H, W) float in [0, 1], H and W multiples
                of ``downsample`` unless ``floor``.
            floor (bool): Take any size of at least 8x8: the encoder's 2x
                max-pools drop a last odd row or column, as DALL·E's do, so
                the whole maskige is read and the grid is floored.

        Returns:
            Tensor: (B, floor(H / 8), floor(W / 8)) long token ids.
        """
        self.check_input_size(maskige, floor)
        if not maskige.is_floating_point():
            raise TypeError('maskige must be a float tensor in [0, 1], got '
                            f'{maskige.dtype}')
        return self.encoder(map_pixels(maskige)).argmax(dim=1)

    def decode_probs(self, probs):
        """Decode token distributions to maskiges.

        Args:
            probs (Tensor): (B, vocab_size, h, w) float.

        Returns:
            Tensor: (B, 3, 8h, 8w) float in [0, 1].
        """
        if probs.dim() != 4 or probs.shape[1] != self.num_tokens:
            raise ValueError(
                f'probs must be a (B, {self.num_tokens}, h, w) tensor, got '
                f'shape {tuple(probs.shape)}')
        # One NCHW layout so results do not depend on the caller's strides
        # (a permuted one-hot is channels-last) and match :meth:`decode`.
        return self._to_pixels(self.decoder(probs.contiguous()))

    def decode(self, tokens):
        """Decode token ids to maskiges (exactly ``decode_probs(one_hot)``).

        Args:
            tokens (Tensor): (B, h, w) long token ids.

        Returns:
            Tensor: (B, 3, 8h, 8w) float in [0, 1].
        """
        self.check_tokens(tokens)
        return self._to_pixels(self.decoder.forward_tokens(tokens))

    @staticmethod
    def _to_pixels(stats):
        """Logit-Laplace means (first 3 of 6 channels) to [0, 1] pixels."""
        means = stats[:, :3]
        if means.dtype == torch.float16:
            # The fp16 decoder's output, taken to float32 as the authors'
            # dVAE wrapper does before the sigmoid.
            means = means.float()
        return unmap_pixels(torch.sigmoid(means))


def _extract_state_dict(ckpt, source):
    """Return the ``encoder.*``/``decoder.*`` entries of a loaded file.

    Accepts ``{'state_dict': ...}`` or a bare state dict, and strips a common
    prefix in front of ``encoder.blocks.input.w`` (e.g. ``d_vae.`` in a
    released GSS checkpoint).
    """
    state_dict = ckpt.get('state_dict', ckpt) if isinstance(ckpt, dict) \
        else ckpt
    if not isinstance(state_dict, dict):
        raise ValueError(f'{source} is not a DALL-E dVAE checkpoint: expected '
                         f'a state dict, got {type(state_dict).__name__}. '
                         + DOWNLOAD_HINT)
    anchor = 'encoder.blocks.input.w'
    prefixes = module_prefixes(state_dict, anchor)
    if len(prefixes) > 1:
        raise ValueError(f'{source} holds several DALL-E dVAEs (key '
                         f'prefixes {prefixes}); extract one state dict')
    if not prefixes:
        found = ', '.join(list(state_dict)[:5]) or 'no keys'
        raise ValueError(
            f'{source} is not a DALL-E dVAE checkpoint: missing {anchor} '
            f'(found {found}{", ..." if len(state_dict) > 5 else ""}). '
            + DOWNLOAD_HINT)
    return {
        k: v
        for k, v in module_state(state_dict, prefixes[0]).items()
        if k.startswith(('encoder.', 'decoder.'))
    }


def official_state_dict(encoder, decoder):
    """Merge official ``dall_e`` Encoder/Decoder modules into our layout.

    Args:
        encoder (nn.Module): An unpickled ``dall_e.Encoder``.
        decoder (nn.Module): An unpickled ``dall_e.Decoder``.

    Returns:
        dict[str, Tensor]: float32 CPU tensors under ``encoder.`` and
        ``decoder.``, as in :class:`DalleDVAE`'s state dict.
    """
    state_dict = {}
    for part, module in (('encoder', encoder), ('decoder', decoder)):
        for key, value in module.state_dict().items():
            state_dict[f'{part}.{key}'] = value.detach().float().cpu().clone()
    return state_dict


def _load_official_pickle(path):
    """Unpickle an official ``dall_e`` module file (trusted files only)."""
    if not osp.isfile(path):
        raise FileNotFoundError(
            f'official DALL-E file {path} not found. ' + DOWNLOAD_HINT)
    if not unsafe_load_allowed():
        raise UnsafeCheckpointError(
            f'{path} is a pickled dall_e module; loading it runs code from '
            f'the file. Convert it once to a weights-only file with '
            f'`python tools/model_converters/dalle2gss.py --encoder ... '
            f'--decoder ... --out {DEFAULT_CHECKPOINT}` and use '
            f'checkpoint=..., or, if you trust the file, set {UNSAFE_ENV}=1 '
            '(--unsafe-load).')
    try:
        module = safe_load(path, weights_only=False)
    except ModuleNotFoundError as err:
        raise ModuleNotFoundError(
            f'unpickling {path} needs the official DALL-E package: '
            f'pip install DALL-E==0.1 attrs ({err})') from err
    if not isinstance(module, nn.Module):
        raise ValueError(f'{path} is not a pickled dall_e module (got '
                         f'{type(module).__name__}). ' + DOWNLOAD_HINT)
    return module
