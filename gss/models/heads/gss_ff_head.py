"""GSS-FF: latent prior learning with the training-free X⁻¹ (stage II)."""
import math

import torch
import torch.nn as nn
import torch.nn.functional as F
from mmseg.models.builder import HEADS, build_loss
from mmseg.models.decode_heads.decode_head import BaseDecodeHead
from mmseg.models.losses import accuracy
from mmseg.ops import resize
from mmcv.cnn import ConvModule, build_norm_layer
from mmcv.utils import deprecated_api_warning

from ...maskige import (DEFAULT_INVERSE_SCORES,
                        DEFAULT_NEIGHBOURHOOD_TOLERANCE,
                        DEFAULT_NEIGHBOURHOOD_WINDOW, DEFAULT_TEMPERATURE,
                        MaskigeCodec, TrainingFreeInverse, upsample_labels)
from ...tokenizers import build_tokenizer
from ...utils import argmax
from ...utils.checkpoint import upgrade_state_dict
from ..utils import (FastSwinBlockSequence, cell_class_weights,
                     map_token_tiles, mixed_cells)
from .mla import build_mla, mla_forward, windowed_attention

#: Where X⁻¹ runs: on the decoded maskige, or on it resized to the input.
INVERSE_RESOLUTIONS = ('decoded', 'input')
#: Constructor arguments renamed from the authors' names: old → new. The old
#: names still work, with a DeprecationWarning naming the new one.
DEPRECATED_ARGUMENTS = dict(
    indice_channel_index='token_level_index',
    indice_seg_channel='fusion_channels',
    indice_cls_channel='classifier_channels')


@HEADS.register_module()
class GSSFFHead(BaseDecodeHead):
    """Predict maskige tokens from image features; decode them to classes.

    Training::

        GT labels ─×s upsample─ (ignored pixels ← aux-head argmax) ─X→
            maskige ─tokenizer.encode→ target tokens (no grad)
        backbone levels ─MLA─ Swin blocks ─ LN ─ 1×1 convs → token logits
        loss = 0.8·CE(token logits, target tokens) + 0.2·CE(aux, GT ×s)

    A tokenizer that reads labels (``input_kind == 'labels'``, the
    class-pattern maskige VQ-VAE) is given the filled labels, without X.

    Inference: argmax tokens ─tokenizer.decode→ maskige ─X⁻¹→ class scores.
    As in the authors' code, X⁻¹ runs on the maskige at the resolution the
    tokenizer decodes it (``inverse_resolution='decoded'``: 2× the input
    for the 8× DALL·E dVAE) and returns the one-hot of the nearest palette
    colour (``inverse_scores='one_hot'``); ``EncoderDecoder`` then resizes
    and, in sliding-window mode, averages those one-hots.

    Token logits live on the grid of input level ``token_level_index``
    (stride ``token_stride``, 4 for the usual backbones); labels are
    upsampled by ``s = tokenizer.downsample / token_stride`` before encoding
    so that the token grid matches (2× for the 8× dVAE, 1× for a 4× maskige
    VQ-VAE); the auxiliary loss is taken at that resolution too. A token
    whose whole input patch is ignored gets the ignore index
    ``num_tokens``.

    Args:
        tokenizer (dict): Tokenizer config; frozen here. A tokenizer that
            reads classes takes ``palette`` and ``num_classes`` from here.
        palette (str | list | dict): Maskige palette (``Palette.build``).
        token_level_index (int): Index, in the transformed inputs, of the
            level the tokens are predicted at (the authors'
            ``indice_channel_index``).
        token_stride (int): Stride of that level w.r.t. the input image.
        fusion_channels (int): Channels after the MLA fusion, the width of
            the shifted-window blocks (the authors' ``indice_seg_channel``).
        classifier_channels (int): Channels of the 1×1 conv before the token
            classifier (the authors' ``indice_cls_channel``).
        swin_depth (int): Shifted-window blocks after the fusion.
        swin_num_heads (int): Attention heads of those blocks.
        swin_window_size (int): Window size of those blocks.
        swin_mlp_ratio (int): FFN width of those blocks over their width
            (2 in the authors' heads).
        pixel_head (str | None): ``'separate'``: the auxiliary pixel head
            has its own MLA; ``'shared'``: it reads the token branch's
            fusion output (the authors' MSeg GSS-FF models); None: no
            auxiliary head (GSS-FT-W, which does not train the FF part).
        loss_token (dict): Token loss (weight 0.8 in GSS); its ignore index
            is the vocabulary size.
        loss_decode (dict | list[dict]): Auxiliary pixel-head loss (weight
            0.2 in GSS).
        inverse_scores (str): The training-free X⁻¹:
            ``'one_hot'`` (the default, the authors'), ``'soft'`` or
            ``'neighbourhood'`` (:class:`~gss.maskige.TrainingFreeInverse`,
            which ``temperature`` and ``neighbourhood_*`` also configure).
        inverse_resolution (str): ``'decoded'`` (the authors') or
            ``'input'``: resize the decoded maskige to the network input
            first, so X⁻¹ holds K maps of the input size, not of 4× its
            area.
        temperature (float): T of the ``'soft'`` scores.
        token_classifier_rank (int | None): None (the published heads): the
            token classifier is one dense 1×1 conv ``classifier_channels →
            num_tokens`` (``conv_seg``). An int r factorises it into
            ``classifier_channels → r`` (``token_basis``, linear, no bias)
            and ``r → num_tokens`` (``conv_seg``): per cell
            ``r·(classifier_channels + num_tokens)`` multiply-adds instead of
            ``classifier_channels·num_tokens``. The GSS-FF-lean configs use
            it (``benchmarks/bench_token_classifier.py`` measures options).
        indice_channel_index, indice_seg_channel, indice_cls_channel:
            Deprecated names of ``token_level_index``, ``fusion_channels``
            and ``classifier_channels`` (:data:`DEPRECATED_ARGUMENTS`).
        neighbourhood_window (int): Window of the ``'neighbourhood'`` X⁻¹.
        neighbourhood_tolerance (float): Its purity threshold (0..255).
        mixed_cell_weight (float): Weight of the token loss of the cells
            whose labels hold two or more classes (boundaries and thin
            objects, :func:`~gss.models.utils.mixed_cells`); one-class
            cells weigh 1. 1.0 (the authors'): every cell alike. The loss
            stays a sum over cells divided by their number, as mmseg's
            weighted ``CrossEntropyLoss``.
        cell_class_weight (Sequence[float] | None): K class weights for the
            token loss, as mmseg's ``CrossEntropyLoss(class_weight=...)``
            for a per-pixel loss: each cell's token loss is weighted by the
            mean weight of its labelled pixels' classes (before the
            auxiliary fill), times ``mixed_cell_weight`` where that
            applies. None (the authors'): every cell alike. The auxiliary
            pixel loss takes its own ``class_weight`` in ``loss_decode``.
        decode_tile_size (int | None): None: at test time the whole token
            grid of a window is decoded and read by X⁻¹ at once. An int:
            in tiles of this many tokens a side, each decoded with the
            context the tokenizer's decoder and X⁻¹ read
            (``tokenizer.decode_halo``, :meth:`inverse_context`), so the
            outputs are the same and the peak memory is that of a tile
            (``benchmarks/bench_memory.py``). Needs
            ``inverse_resolution='decoded'``.
        **kwargs: ``BaseDecodeHead`` arguments (``in_channels``,
            ``channels`` (per-level MLA width), ``num_classes``,
            ``in_index``, ``norm_cfg``, ...).
    """

    @deprecated_api_warning(DEPRECATED_ARGUMENTS, cls_name='GSSFFHead')
    def __init__(self,
                 tokenizer,
                 palette,
                 token_level_index=0,
                 token_stride=4,
                 fusion_channels=512,
                 classifier_channels=2048,
                 swin_depth=2,
                 swin_num_heads=16,
                 swin_window_size=7,
                 swin_mlp_ratio=2,
                 pixel_head='separate',
                 loss_token=dict(
                     type='CrossEntropyLoss', loss_weight=0.8,
                     avg_non_ignore=True, loss_name='loss_token'),
                 loss_decode=dict(
                     type='CrossEntropyLoss', loss_weight=0.2,
                     avg_non_ignore=True, loss_name='loss_pixel'),
                 inverse_scores=DEFAULT_INVERSE_SCORES,
                 inverse_resolution='decoded',
                 temperature=DEFAULT_TEMPERATURE,
                 token_classifier_rank=None,
                 neighbourhood_window=DEFAULT_NEIGHBOURHOOD_WINDOW,
                 neighbourhood_tolerance=DEFAULT_NEIGHBOURHOOD_TOLERANCE,
                 mixed_cell_weight=1.0,
                 cell_class_weight=None,
                 decode_tile_size=None,
                 **kwargs):
        kwargs.setdefault('input_transform', 'multiple_select')
        super().__init__(loss_decode=loss_decode, **kwargs)
        if pixel_head not in ('separate', 'shared', None):
            raise ValueError("pixel_head must be 'separate', 'shared' or "
                             f'None, got {pixel_head!r}')
        if inverse_resolution not in INVERSE_RESOLUTIONS:
            raise ValueError(f'inverse_resolution must be one of '
                             f'{INVERSE_RESOLUTIONS}, got '
                             f'{inverse_resolution!r}')
        if token_classifier_rank is not None and (
                not isinstance(token_classifier_rank, int)
                or token_classifier_rank < 1):
            raise ValueError('token_classifier_rank must be None (a dense '
                             'token classifier) or a positive int, got '
                             f'{token_classifier_rank!r}')
        self.codec = MaskigeCodec(palette, self.num_classes,
                                  self.ignore_index)
        self.tokenizer = build_tokenizer(tokenizer, self.codec)
        self.tokenizer.freeze()
        if self.tokenizer.downsample % token_stride:
            raise ValueError(
                f'tokenizer downsample {self.tokenizer.downsample} is not a '
                f'multiple of token_stride {token_stride}')
        self.label_upsample = self.tokenizer.downsample // token_stride
        self.token_stride = token_stride
        self.free_inverse = TrainingFreeInverse(
            inverse_scores, temperature, neighbourhood_window,
            neighbourhood_tolerance)
        self.inverse_resolution = inverse_resolution
        self.token_level_index = token_level_index
        if mixed_cell_weight <= 0:
            raise ValueError('mixed_cell_weight must be positive, got '
                             f'{mixed_cell_weight!r}')
        self.mixed_cell_weight = mixed_cell_weight
        if cell_class_weight is not None:
            if len(cell_class_weight) != self.num_classes or min(
                    cell_class_weight) < 0:
                raise ValueError(
                    f'cell_class_weight must hold num_classes='
                    f'{self.num_classes} non-negative weights, got '
                    f'{list(cell_class_weight)!r}')
            # A plain tensor, not a buffer: mmcv's save_checkpoint writes
            # non-persistent buffers too, and the weights belong to the
            # config, not to the checkpoint.
            cell_class_weight = torch.tensor(cell_class_weight,
                                             dtype=torch.float32)
        self.cell_class_weight = cell_class_weight
        self.pixel_head = pixel_head
        self.loss_token = build_loss(loss_token)
        if decode_tile_size is not None:
            if not isinstance(decode_tile_size, int) or decode_tile_size < 1:
                raise ValueError('decode_tile_size must be None or a '
                                 f'positive int, got {decode_tile_size!r}')
            if inverse_resolution != 'decoded':
                raise ValueError(
                    'decode_tile_size needs inverse_resolution='
                    f"'decoded' (X⁻¹ on the decoded tiles), got "
                    f'{inverse_resolution!r}: set decode_tile_size=None')
            if self.tokenizer.decode_halo is None:
                raise ValueError(
                    f'{type(self.tokenizer).__name__} does not give its '
                    'decoder\'s receptive radius (decode_halo), so it cannot '
                    'decode in tiles: set decode_tile_size=None')
        self.decode_tile_size = decode_tile_size

        conv_kwargs = dict(conv_cfg=self.conv_cfg, norm_cfg=self.norm_cfg,
                           act_cfg=self.act_cfg)
        self.convs, self.fusion_conv = build_mla(
            self.in_channels, self.channels, fusion_channels,
            **conv_kwargs)
        self.transformer_block = FastSwinBlockSequence(
            embed_dims=fusion_channels,
            num_heads=swin_num_heads,
            feedforward_channels=swin_mlp_ratio * fusion_channels,
            depth=swin_depth,
            window_size=swin_window_size)
        self.swin_ln = build_norm_layer(dict(type='LN'),
                                        fusion_channels)[1]
        self.conv_before_seg = ConvModule(fusion_channels,
                                          classifier_channels, 1,
                                          **conv_kwargs)
        # The token classifier. It replaces BaseDecodeHead's K-way
        # classifier and keeps its name: released checkpoints store it as
        # ``conv_seg``.
        if token_classifier_rank is None:
            self.token_basis = None
            seg_in = classifier_channels
        else:
            self.token_basis = nn.Conv2d(classifier_channels,
                                         token_classifier_rank, 1,
                                         bias=False)
            seg_in = token_classifier_rank
        self.conv_seg = nn.Conv2d(seg_in, self.tokenizer.num_tokens, 1)
        if pixel_head == 'separate':
            self.convs_pixel, self.fusion_conv_pixel = build_mla(
                self.in_channels, self.channels, self.channels,
                **conv_kwargs)
            self.conv_seg_pixel = nn.Conv2d(self.channels, self.num_classes,
                                            1)
        elif pixel_head == 'shared':
            self.conv_seg_pixel = nn.Conv2d(fusion_channels,
                                            self.num_classes, 1)

    def _load_from_state_dict(self, state_dict, prefix, *args, **kwargs):
        # Released layouts (also GSSFTWHead's): gss.utils.checkpoint.
        upgrade_state_dict(self, state_dict, prefix)
        super()._load_from_state_dict(state_dict, prefix, *args, **kwargs)

    def _fuse(self, inputs):
        return mla_forward(inputs, self.convs, self.fusion_conv,
                           self.token_level_index, self.align_corners)

    def token_logits(self, fused):
        """Token classifier on the fused features.

        Args:
            fused (Tensor): (B, fusion_channels, h, w).

        Returns:
            Tensor: (B, num_tokens, h, w) token logits (a view of
            channels-last memory).
        """
        x = windowed_attention(fused, self.transformer_block, self.swin_ln)
        x = self.conv_before_seg(x)
        if self.dropout is not None:
            x = self.dropout(x)
        # conv_seg (1×1) as a matmul over channels-last pixels, returned as
        # an NCHW view: with thousands of tokens, softmax and cross-entropy
        # over a contiguous last dim are much cheaper than over NCHW
        # channels (same numbers; benchmarks/bench_token_classifier.py).
        pixels = x.permute(0, 2, 3, 1)  # (B, h, w, classifier_channels)
        if self.token_basis is not None:  # (B, h, w, rank)
            pixels = F.linear(pixels, self.token_basis.weight.flatten(1))
        logits = F.linear(pixels, self.conv_seg.weight.flatten(1),
                          self.conv_seg.bias)
        return logits.permute(0, 3, 1, 2)

    def pixel_logits(self, inputs, fused):
        """Auxiliary per-pixel class logits (B, K, h, w)."""
        if self.pixel_head == 'shared':
            return self.conv_seg_pixel(fused)
        return self.conv_seg_pixel(
            mla_forward(inputs, self.convs_pixel, self.fusion_conv_pixel,
                        self.token_level_index, self.align_corners))

    def forward(self, inputs):
        """Token and auxiliary pixel logits.

        Args:
            inputs (list[Tensor]): Backbone levels.

        Returns:
            tuple[Tensor, Tensor | None]: token logits (B, num_tokens, h, w)
            and pixel logits (B, K, h, w) on the grid of the token level
            (None without an auxiliary head).
        """
        inputs = self._transform_inputs(inputs)
        fused = self._fuse(inputs)
        pixel = None if self.pixel_head is None else self.pixel_logits(
            inputs, fused)
        return self.token_logits(fused), pixel

    def tokenizer_labels(self, gt_semantic_seg, grid_size):
        """Ground truth at the tokenizer's input resolution.

        Args:
            gt_semantic_seg (Tensor): (B, 1, H, W) labels.
            grid_size (tuple[int]): (h, w) of the token logits.

        Returns:
            Tensor: (B, s·h·token_stride, s·w·token_stride) long labels:
            cropped/padded (ignored) so that token patches tile them, then
            upsampled (one-hot, bilinear, argmax) by ``s``.
        """
        labels = gt_semantic_seg[:, 0].long()
        h, w = (n * self.token_stride for n in grid_size)
        labels = F.pad(labels, (0, max(w - labels.shape[2], 0), 0,
                                max(h - labels.shape[1], 0)),
                       value=self.ignore_index)[:, :h, :w]
        if self.label_upsample > 1:
            labels = upsample_labels(labels, self.label_upsample,
                                     self.num_classes, self.ignore_index)
        return labels

    @torch.no_grad()
    def token_targets(self, labels, pixel_logits):
        """Tokens of the ground truth: of its maskige for a tokenizer that
        reads maskiges, of the labels themselves for one that reads labels.

        Args:
            labels (Tensor): (B, H, W) labels at the tokenizer's input
                resolution (:meth:`tokenizer_labels`).
            pixel_logits (Tensor): (B, K, H, W) auxiliary logits at that
                resolution; their argmax fills the ignored pixels.

        Returns:
            Tensor: (B, H / d, W / d) long target tokens (d the tokenizer's
            downsampling); ``num_tokens`` where a token's whole patch is
            ignored.
        """
        ignored = labels == self.ignore_index
        if ignored.any():
            labels = torch.where(ignored, argmax(pixel_logits, 1), labels)
        tokens = self.tokenizer.encode(
            self.tokenizer.encoder_inputs(labels, self.codec))
        patch_labelled = F.max_pool2d(
            (~ignored).float()[:, None], self.tokenizer.downsample)[:, 0] > 0
        return tokens.masked_fill(~patch_labelled, self.tokenizer.num_tokens)

    def forward_train(self, inputs, img_metas, gt_semantic_seg, train_cfg):
        token_logits, pixel_logits = self(inputs)
        labels = self.tokenizer_labels(gt_semantic_seg,
                                       token_logits.shape[2:])
        pixel_logits = resize(pixel_logits, size=labels.shape[1:],
                              mode='bilinear',
                              align_corners=self.align_corners)
        losses = self.losses(pixel_logits, labels[:, None])
        losses['acc_pixel'] = losses.pop('acc_seg')
        targets = self.token_targets(labels, pixel_logits)
        weight = None
        if self.mixed_cell_weight != 1.0:
            mixed = mixed_cells(labels, targets.shape[1:], self.ignore_index)
            weight = 1 + (self.mixed_cell_weight - 1) * mixed.float()
        if self.cell_class_weight is not None:
            by_class = cell_class_weights(labels, targets.shape[1:],
                                          self.cell_class_weight.to(
                                              labels.device),
                                          self.ignore_index)
            weight = by_class if weight is None else weight * by_class
        losses.update(self.token_losses(token_logits, targets, weight))
        return losses

    def token_losses(self, token_logits, targets, weight=None):
        """Cross-entropy and accuracy of the token classifier.

        Args:
            token_logits (Tensor): (B, num_tokens, h, w).
            targets (Tensor): (B, h, w) long; ``num_tokens`` is ignored.
            weight (Tensor, optional): (B, h, w) token loss weights.

        Returns:
            dict[str, Tensor]: The loss and ``acc_token``.
        """
        ignore = self.tokenizer.num_tokens
        # (B·h·w, num_tokens): a view of the channels-last logits, in
        # float32 (as mmseg's force_fp32 losses) unless the loss reads
        # low precision itself (TokenCrossEntropyLoss).
        logits = token_logits.permute(0, 2, 3, 1).flatten(0, 2)
        if not getattr(self.loss_token, 'accepts_low_precision', False):
            logits = logits.float()
        targets = targets.flatten()
        if weight is not None:
            weight = weight.flatten()
        return {
            self.loss_token.loss_name:
            self.loss_token(logits, targets, weight=weight,
                            ignore_index=ignore),
            'acc_token':
            accuracy(logits, targets, ignore_index=ignore)
        }

    def predicted_tokens(self, inputs):
        """The most likely tokens; their logits are freed on return (a
        (B, 8192, h, w) map must not outlive the argmax while decoding).

        Args:
            inputs (list[Tensor]): Backbone levels.

        Returns:
            Tensor: (B, h, w) long token ids.
        """
        inputs = self._transform_inputs(inputs)
        return argmax(self.token_logits(self._fuse(inputs)), 1)

    def decoded_maskige(self, inputs):
        """Maskige decoded from the predicted tokens, where X⁻¹ reads it.

        Args:
            inputs (list[Tensor]): Backbone levels.

        Returns:
            Tensor: (B, 3, H, W) maskige in [0, 1], at the tokenizer's
            output resolution or, with ``inverse_resolution='input'``, at
            the network input's (token grid × ``token_stride``).
        """
        tokens = self.predicted_tokens(inputs)
        return self.inverse_input(self.tokenizer.decode(tokens),
                                  tokens.shape[1:])

    def inverse_input(self, maskige, grid_size):
        """A decoded maskige at the resolution X⁻¹ reads it.

        Args:
            maskige (Tensor): (B, 3, H, W) decoded from a token grid.
            grid_size (tuple[int]): (h, w) of that grid.

        Returns:
            Tensor: ``maskige`` itself (``inverse_resolution='decoded'``) or
            resized to the network input's size (grid × ``token_stride``).
        """
        if self.inverse_resolution == 'decoded':
            return maskige
        return resize(maskige,
                      size=[s * self.token_stride for s in grid_size],
                      mode='bilinear', align_corners=self.align_corners)

    def inverse_context(self):
        """What X⁻¹ (:meth:`inverse`) reads around an output pixel.

        Returns:
            tuple[int, int]: Its receptive radius in maskige pixels, and the
            offset in pixels at which it computes the same (1 for a
            per-pixel X⁻¹, the window size for window attention).
        """
        return self.free_inverse.context()

    def inverse(self, maskige):
        """Training-free X⁻¹: (B, 3, H, W) maskige → (B, K, H, W) scores."""
        return self.free_inverse(self.codec, maskige)

    def forward_test_with_maskige(self, inputs, img_metas, test_cfg):
        """Class scores beside the maskige they are read from.

        Args:
            inputs (list[Tensor]): Backbone levels.
            img_metas (list[dict]): Unused (``forward_test`` signature).
            test_cfg (dict): Unused (``forward_test`` signature).

        Returns:
            tuple[Tensor, Tensor]: (B, K, H, W) class scores, X⁻¹ of the
            (B, 3, H, W) maskige in [0, 1] decoded from the predicted tokens
            (:meth:`decoded_maskige`); both on one grid.
        """
        if self.decode_tile_size is None:
            maskige = self.decoded_maskige(inputs)
            return self.inverse(maskige), maskige

        def scores_and_maskige(tokens):
            maskige = self.tokenizer.decode(tokens)
            return self.inverse(maskige), maskige

        scale = self.tokenizer.downsample
        halo, align = self.inverse_context()
        return map_token_tiles(
            scores_and_maskige, self.predicted_tokens(inputs),
            self.decode_tile_size,
            self.tokenizer.decode_halo + math.ceil(halo / scale), scale,
            align // math.gcd(align, scale))

    def forward_test(self, inputs, img_metas, test_cfg):
        """Class scores (B, K, H, W) for ``EncoderDecoder``, which resizes
        them to the input."""
        return self.forward_test_with_maskige(inputs, img_metas, test_cfg)[0]
