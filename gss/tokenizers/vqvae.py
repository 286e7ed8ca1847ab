"""The project's own maskige VQ-VAE: a tokenizer small enough to train on a CPU."""
import torch
import torch.nn as nn
import torch.nn.functional as F
from mmseg.models.builder import MODELS

from ..utils import argmax, safe_load
from ..utils.checkpoint import module_prefixes, module_state
from .base import LABEL_INPUT, BaseTokenizer, autocast_off
from .class_patterns import ClassPatternEncoder


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
    grid. Two encoders:

    * ``'class_patterns'`` (default): no parameters; reads label maps
      (``input_kind == 'labels'``). Each cell becomes its
      exact one-hot class layout (:class:`ClassPatternEncoder`) and an
      :class:`EMAVectorQuantizer` clusters the layouts (online k-means,
      dead codes re-seeded on the worst-served cells). With 1,024 codes
      it reconstructs CamVid val at 95.3 mIoU, far above a learned
      encoder for the same budget (``benchmarks/bench_quantizers.py``).
      Needs ``palette`` and ``num_classes``.
    * ``'conv'``: learned and palette-agnostic; reads maskiges. Per-pixel
      1×1 layers, a
      fold of each cell into channels (pixel unshuffle), 3×3 residual
      blocks and a 1×1 projection to the quantiser's latent; works with
      either quantiser.

    The decoder mirrors the conv encoder: 1×1 and 3×3 residual blocks on
    the token grid (neighbouring tokens refine where boundaries fall), an
    unfold of each token into its cell (pixel shuffle) and a light
    full-resolution 3×3 head. This costs a tiny fraction of the DALL·E
    dVAE's FLOPs for the same token grid (``benchmarks/bench_vqvae.py``).

    Codes and decoding run in float32 also under autocast (AMP training):
    stage II must be trained on exactly the tokens stage I gives, and the
    model is too small for half precision to save anything.

    Args:
        downsample (int): Pixels per token side (4 or 8).
        encoder (str): ``'class_patterns'`` or ``'conv'``.
        palette, num_classes: The dataset's maskige palette and K
            (``'class_patterns'`` only).
        channels (int): Width on the token grid.
        num_res_blocks (int): Residual blocks in the decoder (and in the
            conv encoder).
        pixel_channels (int): Channels per pixel after the decoder unfolds a
            token (and of the conv encoder's per-pixel embedding).
        quantizer (dict): ``EMAVectorQuantizer`` (its ``dim`` defaults to
            the class-pattern size) or, with the conv encoder,
            ``FiniteScalarQuantizer``.
        checkpoint (str, optional): Stage-I checkpoint loaded by
            ``init_weights()`` (a ``MaskigeAutoencoder`` checkpoint or a
            plain state dict).
        frozen (bool): Freeze (stage II / FT-W).
    """

    def __init__(self,
                 downsample=4,
                 encoder='class_patterns',
                 palette=None,
                 num_classes=None,
                 channels=64,
                 num_res_blocks=2,
                 pixel_channels=16,
                 quantizer=dict(type='EMAVectorQuantizer', num_codes=1024),
                 checkpoint=None,
                 frozen=False,
                 init_cfg=None):
        if downsample not in (2, 4, 8, 16):
            raise ValueError(f'downsample must be a power of two in 2..16, '
                             f'got {downsample}')
        quantizer = dict(quantizer)
        if encoder == 'class_patterns':
            pattern_encoder = ClassPatternEncoder(palette, num_classes,
                                                  downsample)
            if quantizer['type'] != 'EMAVectorQuantizer':
                raise ValueError(
                    "the 'class_patterns' encoder has no parameters to shape "
                    f"its latent for {quantizer['type']}: use "
                    "EMAVectorQuantizer, or encoder='conv'")
            quantizer.setdefault('dim', pattern_encoder.dim)
            if quantizer['dim'] != pattern_encoder.dim:
                raise ValueError(
                    f"quantizer dim {quantizer['dim']} != the class-pattern "
                    f'size K·d² = {pattern_encoder.dim}: leave dim unset')
        elif encoder != 'conv':
            raise ValueError("encoder must be 'class_patterns' or 'conv', "
                             f'got {encoder!r}')
        quantizer = MODELS.build(quantizer)
        super().__init__(quantizer.num_codes, downsample, frozen, init_cfg)
        self.quantizer = quantizer
        if encoder == 'class_patterns':
            self.encoder = pattern_encoder
            self.input_kind = LABEL_INPUT
        else:
            cell = pixel_channels * downsample * downsample
            # Per-pixel 1×1 layers turn colours into class-like features
            # before folding: which class a colour is is not linear in RGB.
            self.encoder = nn.Sequential(
                nn.Conv2d(3, pixel_channels, 1), nn.ReLU(),
                nn.Conv2d(pixel_channels, pixel_channels, 1), nn.ReLU(),
                nn.PixelUnshuffle(downsample), nn.Conv2d(cell, channels, 1),
                *[ResBlock(channels) for _ in range(num_res_blocks)],
                nn.ReLU(), nn.Conv2d(channels, quantizer.dim, 1))
        self.decoder = nn.Sequential(
            nn.Conv2d(quantizer.dim, channels, 1),
            *[ResBlock(channels) for _ in range(num_res_blocks)], nn.ReLU(),
            nn.Conv2d(channels, pixel_channels * downsample * downsample, 1),
            nn.PixelShuffle(downsample), nn.ReLU(),
            nn.Conv2d(pixel_channels, pixel_channels, 3, padding=1),
            nn.ReLU(), nn.Conv2d(pixel_channels, 3, 1))
        if encoder == 'class_patterns':
            # Start from the codewords' own layouts (see _layout_logits).
            nn.init.zeros_(self.decoder[-1].weight)
            nn.init.zeros_(self.decoder[-1].bias)
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
                'configs/gss/camvid/vqvae-1k_128x128_2k_camvid.py 1`) and '
                'point tokenizer.checkpoint at its work_dir/latest.pth'
            ) from None
        state = ckpt.get('state_dict', ckpt)
        own = self.state_dict()
        prefixes = module_prefixes(state, next(iter(own)))
        if len(prefixes) == 1:
            state = module_state(state, prefixes[0])
        bad = [
            f'{k}: {tuple(state[k].shape)} vs {tuple(v.shape)}'
            for k, v in own.items() if k in state and state[k].shape != v.shape
        ]
        missing = []
        if not bad:
            # the modules' load hooks fill what older layouts lack
            missing = sorted(self.load_state_dict(
                {k: state[k] for k in own if k in state},
                strict=False).missing_keys)
        if missing or bad:
            raise ValueError(
                f'{filename} does not match this MaskigeVQVAE config '
                f'(missing {missing[:5]}{"..." if len(missing) > 5 else ""}; '
                f'shape mismatches {bad[:5]}). Use the tokenizer settings the '
                'checkpoint was trained with.')
        self.log_loaded(filename)

    @property
    def palette_codec(self):
        if isinstance(self.encoder, ClassPatternEncoder):
            return self.encoder.codec
        return None

    def init_weights(self):
        # Loading here (not in __init__) lets tools/test.py build the model
        # from a full GSS checkpoint without the stage-I file being present.
        if self.checkpoint is None:
            super().init_weights()
        else:
            self.load_checkpoint(self.checkpoint)

    @property
    def decode_halo(self):
        # Two 3×3 convolutions per residual block on the token grid, then
        # one 3×3 convolution on pixels: at most one more token.
        return 2 * sum(isinstance(m, ResBlock) for m in self.decoder) + 1

    def _encode_latent(self, inputs):
        self.check_input_size(inputs)
        if self.input_kind == LABEL_INPUT:
            return self.encoder(inputs.long())
        with autocast_off(inputs.device):
            return self.encoder(inputs.float())

    def _decode_latent(self, latent):
        # float32 under autocast, like the codes: X⁻¹ reads exact colours.
        with autocast_off(latent.device):
            latent = latent.float()
            logits = self.decoder(latent)
            if isinstance(self.encoder, ClassPatternEncoder):
                logits = logits + self._layout_logits(latent)
            return torch.sigmoid(logits)

    def _layout_logits(self, latent):
        """The codeword's own class layout as maskige logits.

        A class-pattern codeword is a (soft) class layout of its cell, so
        painting each pixel in the colour of its most likely class already
        reconstructs the cell; the learned decoder (whose last layer starts
        at zero) only adds the corrections that neighbouring tokens imply.

        Args:
            latent (Tensor): (B, K·d², h, w) codewords.

        Returns:
            Tensor: (B, 3, d·h, d·w) logits of the layout colours.
        """
        layout = argmax(F.pixel_shuffle(latent, self.downsample), 1)
        colors = self.encoder.codec.colors.to(latent.dtype) / 255
        rgb = colors[layout].permute(0, 3, 1, 2)
        # Clamped: exact 0/255 channels would be infinite logits.
        return torch.logit(rgb.clamp(0.02, 0.98))

    def forward(self, inputs):
        """Reconstruct maskiges (training path, straight-through codes).

        Args:
            inputs (Tensor): (B, 3, H, W) float maskige in [0, 1], or
                (B, H, W) long labels for the class-pattern encoder (see
                :meth:`encoder_inputs`).

        Returns:
            tuple: reconstruction (B, 3, H, W) in [0, 1], codes (B, h, w)
            long, dict of quantiser losses and usage statistics.
        """
        quantized, codes, stats = self.quantizer(self._encode_latent(inputs))
        return self._decode_latent(quantized), codes, stats

    def encode(self, inputs):
        if self.input_kind == LABEL_INPUT and not self.training:
            # Each distinct cell is quantised once (same codes; a frozen
            # codebook only, as a training quantiser counts every cell).
            self.check_input_size(inputs)
            latent, index = self.encoder.unique_cells(inputs.long())
            return self.quantizer(latent)[1].flatten()[index]
        return self.quantizer(self._encode_latent(inputs))[1]

    def decode(self, tokens):
        self.check_tokens(tokens)
        return self._decode_latent(self.quantizer.codes_to_latent(tokens))

    def decode_probs(self, probs):
        return self._decode_latent(self.quantizer.probs_to_latent(probs))
