"""GSS-FF: latent prior learning with the training-free X⁻¹ (stage II)."""
import torch
import torch.nn as nn
import torch.nn.functional as F
from mmseg.models.builder import HEADS, MODELS, build_loss
from mmseg.models.decode_heads.decode_head import BaseDecodeHead
from mmseg.models.losses import accuracy
from mmseg.ops import resize
from mmcv.cnn import ConvModule, build_norm_layer

from ...maskige import MaskigeCodec, upsample_labels
from ..utils import FastSwinBlockSequence
from .mla import build_mla, mla_forward, windowed_attention


@HEADS.register_module()
class GSSFFHead(BaseDecodeHead):
    """Predict maskige tokens from image features; decode them to classes.

    Training::

        GT labels ─(ignored pixels ← aux-head argmax)─ ×s upsample ─X→
            maskige ─tokenizer.encode→ target tokens (no grad)
        backbone levels ─MLA─ Swin blocks ─ LN ─ 1×1 convs → token logits
        loss = 0.8·CE(token logits, target tokens) + 0.2·CE(aux, GT)

    Inference: argmax tokens ─tokenizer.decode→ maskige ─X⁻¹→ class scores
    ``-‖x - palette_k‖² / T`` (softmax-able, so whole/slide/aug test of
    ``EncoderDecoder`` average them meaningfully).

    Token logits live on the grid of input level ``indice_channel_index``
    (stride ``token_stride``, 4 for the usual backbones); labels are
    upsampled by ``tokenizer.downsample / token_stride`` before encoding so
    that the token grid matches (2× for the 8× DALL·E dVAE, 1× for a 4×
    maskige VQ-VAE). A token whose whole input patch is ignored gets the
    ignore index ``num_tokens``.

    Args:
        tokenizer (dict): Tokenizer config; frozen here.
        palette (str | list | dict): Maskige palette (``Palette.build``).
        indice_channel_index (int): Input level the tokens are predicted at.
        token_stride (int): Stride of that level w.r.t. the input image.
        indice_seg_channel (int): Channels after the MLA fusion (Swin width).
        indice_cls_channel (int): Channels before the token classifier.
        swin_depth (int): Shifted-window blocks after the fusion.
        swin_num_heads (int): Attention heads of those blocks.
        swin_window_size (int): Window size of those blocks.
        pixel_head (str): ``'separate'``: the auxiliary pixel head has its
            own MLA; ``'shared'``: it reads the token branch's fusion output
            (the lighter variant of the authors' MSeg GSS-FF models).
        loss_token (dict): Token loss (weight 0.8 in GSS); its ignore index
            is the vocabulary size.
        loss_decode (dict): Auxiliary pixel-head loss (weight 0.2 in GSS).
        temperature (float): T of the training-free X⁻¹ scores.
        **kwargs: ``BaseDecodeHead`` arguments (``in_channels``,
            ``channels`` (per-level MLA width), ``num_classes``,
            ``in_index``, ``norm_cfg``, ...).
    """

    def __init__(self,
                 tokenizer,
                 palette,
                 indice_channel_index=0,
                 token_stride=4,
                 indice_seg_channel=512,
                 indice_cls_channel=2048,
                 swin_depth=2,
                 swin_num_heads=16,
                 swin_window_size=7,
                 pixel_head='separate',
                 loss_token=dict(
                     type='CrossEntropyLoss', loss_weight=0.8,
                     avg_non_ignore=True, loss_name='loss_token'),
                 loss_decode=dict(
                     type='CrossEntropyLoss', loss_weight=0.2,
                     avg_non_ignore=True, loss_name='loss_pixel'),
                 temperature=0.01,
                 **kwargs):
        kwargs.setdefault('input_transform', 'multiple_select')
        super().__init__(loss_decode=loss_decode, **kwargs)
        if pixel_head not in ('separate', 'shared'):
            raise ValueError("pixel_head must be 'separate' or 'shared', got "
                             f'{pixel_head!r}')
        self.tokenizer = MODELS.build(tokenizer)
        self.tokenizer.freeze()
        if self.tokenizer.downsample % token_stride:
            raise ValueError(
                f'tokenizer downsample {self.tokenizer.downsample} is not a '
                f'multiple of token_stride {token_stride}')
        self.label_upsample = self.tokenizer.downsample // token_stride
        self.token_stride = token_stride
        self.codec = MaskigeCodec(palette, self.num_classes,
                                  self.ignore_index)
        self.temperature = temperature
        self.indice_channel_index = indice_channel_index
        self.pixel_head = pixel_head
        self.loss_token = build_loss(loss_token)

        conv_kwargs = dict(conv_cfg=self.conv_cfg, norm_cfg=self.norm_cfg,
                           act_cfg=self.act_cfg)
        self.convs, self.fusion_conv = build_mla(
            self.in_channels, self.channels, indice_seg_channel,
            **conv_kwargs)
        self.transformer_block = FastSwinBlockSequence(
            embed_dims=indice_seg_channel,
            num_heads=swin_num_heads,
            feedforward_channels=4 * indice_seg_channel,
            depth=swin_depth,
            window_size=swin_window_size)
        self.swin_ln = build_norm_layer(dict(type='LN'),
                                        indice_seg_channel)[1]
        self.conv_before_seg = ConvModule(indice_seg_channel,
                                          indice_cls_channel, 1,
                                          **conv_kwargs)
        # Replaces BaseDecodeHead's K-way classifier: GSS classifies tokens.
        self.conv_seg = nn.Conv2d(indice_cls_channel,
                                  self.tokenizer.num_tokens, 1)
        if pixel_head == 'separate':
            self.convs_pixel, self.fusion_conv_pixel = build_mla(
                self.in_channels, self.channels, self.channels,
                **conv_kwargs)
            self.conv_seg_pixel = nn.Conv2d(self.channels, self.num_classes,
                                            1)
        else:
            self.conv_seg_pixel = nn.Conv2d(indice_seg_channel,
                                            self.num_classes, 1)

    def _load_from_state_dict(self, state_dict, prefix, *args, **kwargs):
        # Released GSS checkpoints keep the DALL·E dVAE under ``d_vae.``.
        old = prefix + 'd_vae.'
        for key in [k for k in state_dict if k.startswith(old)]:
            state_dict[prefix + 'tokenizer.' + key[len(old):]] = \
                state_dict.pop(key)
        super()._load_from_state_dict(state_dict, prefix, *args, **kwargs)

    def _fuse(self, inputs):
        return mla_forward(inputs, self.convs, self.fusion_conv,
                           self.indice_channel_index, self.align_corners)

    def token_logits(self, fused):
        """Token classifier on the fused features.

        Args:
            fused (Tensor): (B, indice_seg_channel, h, w).

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
        logits = F.linear(x.permute(0, 2, 3, 1),
                          self.conv_seg.weight.flatten(1), self.conv_seg.bias)
        return logits.permute(0, 3, 1, 2)

    def pixel_logits(self, inputs, fused):
        """Auxiliary per-pixel class logits (B, K, h, w)."""
        if self.pixel_head == 'shared':
            return self.conv_seg_pixel(fused)
        return self.conv_seg_pixel(
            mla_forward(inputs, self.convs_pixel, self.fusion_conv_pixel,
                        self.indice_channel_index, self.align_corners))

    def forward(self, inputs):
        """Token and auxiliary pixel logits.

        Args:
            inputs (list[Tensor]): Backbone levels.

        Returns:
            tuple[Tensor, Tensor]: token logits (B, num_tokens, h, w) and
            pixel logits (B, K, h, w) on the grid of the token level.
        """
        inputs = self._transform_inputs(inputs)
        fused = self._fuse(inputs)
        return self.token_logits(fused), self.pixel_logits(inputs, fused)

    @torch.no_grad()
    def token_targets(self, gt_semantic_seg, pixel_logits, grid_size):
        """Tokens of the ground-truth maskige.

        Args:
            gt_semantic_seg (Tensor): (B, 1, H, W) labels.
            pixel_logits (Tensor): (B, K, h', w') auxiliary logits; their
                argmax fills the ignored pixels before encoding.
            grid_size (tuple[int]): (h, w) of the token logits.

        Returns:
            Tensor: (B, h, w) long target tokens; ``num_tokens`` where the
            whole patch of a token is ignored.
        """
        labels = gt_semantic_seg[:, 0].long()
        h, w = grid_size
        size = (h * self.token_stride, w * self.token_stride)
        # Crop/pad the labels so that the token patches tile them exactly.
        labels = F.pad(labels, (0, max(size[1] - labels.shape[2], 0), 0,
                                max(size[0] - labels.shape[1], 0)),
                       value=self.ignore_index)[:, :size[0], :size[1]]
        ignored = labels == self.ignore_index
        if ignored.any():
            fill = resize(pixel_logits.float(), size=size, mode='bilinear',
                          align_corners=self.align_corners).argmax(1)
            labels = torch.where(ignored, fill, labels)
        if self.label_upsample > 1:
            labels = upsample_labels(labels, self.label_upsample,
                                     self.num_classes, self.ignore_index)
        tokens = self.tokenizer.encode(self.codec.encode(labels))
        patch_labelled = F.max_pool2d((~ignored).float()[:, None],
                                      self.token_stride)[:, 0] > 0
        return tokens.masked_fill(~patch_labelled, self.tokenizer.num_tokens)

    def forward_train(self, inputs, img_metas, gt_semantic_seg, train_cfg):
        token_logits, pixel_logits = self(inputs)
        targets = self.token_targets(gt_semantic_seg, pixel_logits,
                                     token_logits.shape[2:])
        losses = self.losses(pixel_logits, gt_semantic_seg)
        losses['acc_pixel'] = losses.pop('acc_seg')
        losses.update(self.token_losses(token_logits, targets))
        return losses

    def token_losses(self, token_logits, targets):
        """Cross-entropy and accuracy of the token classifier."""
        ignore = self.tokenizer.num_tokens
        # (B·h·w, num_tokens): a view of the channels-last logits.
        logits = token_logits.float().permute(0, 2, 3, 1).flatten(0, 2)
        targets = targets.flatten()
        return {
            self.loss_token.loss_name:
            self.loss_token(logits, targets, ignore_index=ignore),
            'acc_token':
            accuracy(logits, targets, ignore_index=ignore)
        }

    def decode_tokens(self, token_logits, size):
        """Decoded maskige of the most likely tokens.

        Args:
            token_logits (Tensor): (B, num_tokens, h, w).
            size (tuple[int]): Output size (the network input size).

        Returns:
            Tensor: (B, 3, *size) maskige in [0, 1].
        """
        maskige = self.tokenizer.decode(token_logits.argmax(1))
        # Resampling the 3-channel maskige (not K-channel scores) keeps the
        # memory of X⁻¹ at the input resolution.
        return resize(maskige, size=size, mode='bilinear',
                      align_corners=self.align_corners)

    def forward_test(self, inputs, img_metas, test_cfg):
        """Class scores (B, K, h·stride, w·stride) for ``EncoderDecoder``."""
        token_logits, _ = self(inputs)
        size = [s * self.token_stride for s in token_logits.shape[2:]]
        maskige = self.decode_tokens(token_logits, size)
        return self.codec.scores(maskige) / self.temperature
