"""The project's own maskige VQ-VAE: a tokenizer small enough to train on a CPU."""
import torch
import torch.nn as nn
import torch.nn.functional as F
from mmseg.models.builder import MODELS

from ..utils import safe_load
from .base import BaseTokenizer


class ResBlock(nn.Module):
    """3×3 conv residual block; the residual branch starts near zero so deep
    stacks train stably without normalisation layers."""

    def __init__(self, channels):
        super().__init__()
        self.conv1 = nn.Conv2d(channels, channels, 3, padding=1)
        self.conv2 = nn.Conv2d(channels, channels, 3, padding=1)
        nn.init.zeros_(self.conv2.weight)
        nn.init.zeros_(self.conv2.bias)

    def forward(self, x):
        return x + self.conv2(F.relu(self.conv1(F.relu(x))))


@MODELS.register_module()
class MaskigeVQVAE(BaseTokenizer):
    """A VQ-VAE specialised for maskiges.

    A maskige is piecewise constant, so all the work happens on the token
    grid: the encoder folds each ``downsample``×``downsample`` cell into
    channels (pixel unshuffle) — the token sees exactly where boundaries
    fall inside its cell — and mixes neighbouring cells with 3×3 residual
    blocks; the decoder mirrors it, unfolds each token into its cell (pixel
    shuffle) and a light full-resolution 3×3 head smooths across cell
    borders. This costs a tiny fraction of the DALL·E dVAE's FLOPs for the
    same token grid (see ``benchmarks/bench_vqvae.py``).

    Args:
        downsample (int): Pixels per token side (4 or 8).
        channels (int): Width on the token grid.
        num_res_blocks (int): Residual blocks in the encoder and in the
            decoder.
        pixel_channels (int): Channels per pixel after unfolding a token.
        quantizer (dict): Quantiser config (``FiniteScalarQuantizer`` or
            ``EMAVectorQuantizer``).
        checkpoint (str, optional): Stage-I checkpoint loaded by
            ``init_weights()`` (a ``MaskigeAutoencoder`` checkpoint or a
            plain state dict).
        frozen (bool): Freeze (stage II / FT-W).
    """

    def __init__(self,
                 downsample=4,
                 channels=128,
                 num_res_blocks=2,
                 pixel_channels=16,
                 quantizer=dict(
                     type='FiniteScalarQuantizer', levels=(8, 8, 8, 5, 5)),
                 checkpoint=None,
                 frozen=False,
                 init_cfg=None):
        quantizer = MODELS.build(quantizer)
        super().__init__(quantizer.num_codes, downsample, frozen, init_cfg)
        if downsample not in (2, 4, 8, 16):
            raise ValueError(f'downsample must be a power of two in 2..16, '
                             f'got {downsample}')
        self.quantizer = quantizer
        cell = 3 * downsample * downsample
        self.encoder = nn.Sequential(
            nn.PixelUnshuffle(downsample), nn.Conv2d(cell, channels, 1),
            *[ResBlock(channels) for _ in range(num_res_blocks)], nn.ReLU(),
            nn.Conv2d(channels, quantizer.dim, 1))
        self.decoder = nn.Sequential(
            nn.Conv2d(quantizer.dim, channels, 1),
            *[ResBlock(channels) for _ in range(num_res_blocks)], nn.ReLU(),
            nn.Conv2d(channels, pixel_channels * downsample * downsample, 1),
            nn.PixelShuffle(downsample), nn.ReLU(),
            nn.Conv2d(pixel_channels, pixel_channels, 3, padding=1),
            nn.ReLU(), nn.Conv2d(pixel_channels, 3, 1))
        self.checkpoint = checkpoint
        if frozen:
            self.freeze()

    def load_checkpoint(self, filename):
        """Load weights from a stage-I checkpoint.

        Accepts a ``MaskigeAutoencoder`` checkpoint (keys under
        ``tokenizer.``), a GSS model checkpoint (``decode_head.tokenizer.``)
        or a bare state dict of this module.
        """
        try:
            ckpt = safe_load(filename, map_location='cpu')
        except FileNotFoundError:
            raise FileNotFoundError(
                f'maskige VQ-VAE checkpoint {filename} does not exist: train '
                'stage I first (e.g. `bash tools/dist_train.sh '
                'configs/gss/camvid/vqvae_camvid.py 1`) and point '
                'tokenizer.checkpoint at its work_dir/latest.pth') from None
        state = ckpt.get('state_dict', ckpt)
        for prefix in ('decode_head.tokenizer.', 'tokenizer.'):
            if any(k.startswith(prefix) for k in state):
                state = {
                    k[len(prefix):]: v
                    for k, v in state.items() if k.startswith(prefix)
                }
                break
        own = self.state_dict()
        missing = sorted(set(own) - set(state))
        bad = [
            f'{k}: {tuple(state[k].shape)} vs {tuple(v.shape)}'
            for k, v in own.items() if k in state and state[k].shape != v.shape
        ]
        if missing or bad:
            raise ValueError(
                f'{filename} does not match this MaskigeVQVAE config '
                f'(missing {missing[:5]}{"..." if len(missing) > 5 else ""}; '
                f'shape mismatches {bad[:5]}). Use the tokenizer settings the '
                'checkpoint was trained with.')
        self.load_state_dict({k: state[k] for k in own})

    def init_weights(self):
        # Loading here (not in __init__) lets tools/test.py build the model
        # from a full GSS checkpoint without the stage-I file being present.
        if self.checkpoint is None:
            super().init_weights()
        else:
            self.load_checkpoint(self.checkpoint)

    def _encode_latent(self, maskige):
        self.check_input_size(maskige)
        return self.encoder(maskige * 2 - 1)

    def _decode_latent(self, latent):
        return torch.sigmoid(self.decoder(latent))

    def forward(self, maskige):
        """Reconstruct maskiges (training path, straight-through codes).

        Args:
            maskige (Tensor): (B, 3, H, W) float in [0, 1].

        Returns:
            tuple: reconstruction (B, 3, H, W) in [0, 1], codes (B, h, w)
            long, dict of quantiser losses and usage statistics.
        """
        quantized, codes, stats = self.quantizer(self._encode_latent(maskige))
        return self._decode_latent(quantized), codes, stats

    def encode(self, maskige):
        return self.quantizer(self._encode_latent(maskige))[1]

    def decode(self, tokens):
        if tokens.dtype != torch.long or tokens.dim() != 3:
            raise ValueError('tokens must be a (B, h, w) long tensor, got '
                             f'{tokens.dtype} of shape {tuple(tokens.shape)}')
        return self._decode_latent(self.quantizer.codes_to_latent(tokens))

    def decode_probs(self, probs):
        return self._decode_latent(self.quantizer.probs_to_latent(probs))
