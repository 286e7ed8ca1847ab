"""GSS-FT-W: a learnable X⁻¹ on top of a frozen GSS-FF model (stage I')."""
import torch
import torch.nn as nn
from mmcv.cnn import ConvModule, build_norm_layer
from mmseg.models.builder import HEADS, build_loss
from mmseg.models.losses import accuracy
from mmseg.ops import resize

from ..utils import FastSwinBlockSequence
from .gss_ff_head import GSSFFHead
from .mla import windowed_attention


@HEADS.register_module()
class GSSFTWHead(GSSFFHead):
    """GSS-FF whose maskige→class map is learned (the paper's FT-W).

    Everything inherited from :class:`GSSFFHead` (MLA, token classifier,
    auxiliary head, tokenizer) is frozen and kept in eval mode; the backbone
    must be frozen in the config (``frozen_stages``, ``norm_eval=True``).
    Only the learnable X⁻¹ trains, on maskiges decoded from the *predicted*
    tokens::

        1×1 ConvModule 3→C ─ shifted-window block(s) ─ LN ─ 1×1 conv → K

    Start from a GSS-FF checkpoint with ``--load-from``.

    Args:
        post_seg_channel (int): Width C of the learnable X⁻¹.
        post_swin_depth (int): Its shifted-window blocks (1 or 2 in GSS).
        post_swin_num_heads (int): Attention heads (4 in GSS).
        post_swin_window_size (int): Window size (7 in GSS).
        loss_inverse (dict): Loss of the learnable X⁻¹ (CE, weight 1.0).
        **kwargs: :class:`GSSFFHead` arguments.
    """

    def __init__(self,
                 post_seg_channel=128,
                 post_swin_depth=1,
                 post_swin_num_heads=4,
                 post_swin_window_size=7,
                 loss_inverse=dict(
                     type='CrossEntropyLoss', loss_weight=1.0,
                     avg_non_ignore=True, loss_name='loss_inverse'),
                 **kwargs):
        super().__init__(**kwargs)
        for param in self.parameters():
            param.requires_grad = False
        self.projection = ConvModule(
            3, post_seg_channel, 1, conv_cfg=self.conv_cfg,
            norm_cfg=self.norm_cfg, act_cfg=self.act_cfg)
        self.post_transformer_block = FastSwinBlockSequence(
            embed_dims=post_seg_channel,
            num_heads=post_swin_num_heads,
            feedforward_channels=4 * post_seg_channel,
            depth=post_swin_depth,
            window_size=post_swin_window_size)
        self.post_swin_ln = build_norm_layer(dict(type='LN'),
                                             post_seg_channel)[1]
        self.cls_segmap = nn.Conv2d(post_seg_channel, self.num_classes, 1)
        self.loss_inverse = build_loss(loss_inverse)

    def inverse_modules(self):
        """The modules of the learnable X⁻¹ (the only ones that train)."""
        return [self.projection, self.post_transformer_block,
                self.post_swin_ln, self.cls_segmap]

    def train(self, mode=True):
        # The frozen GSS-FF part keeps its BN statistics and dropout off.
        super().train(False)
        for module in self.inverse_modules():
            module.train(mode)
        self.training = mode
        return self

    def learned_inverse(self, maskige):
        """Learnable X⁻¹: (B, 3, H, W) maskige → (B, K, H, W) logits."""
        x = windowed_attention(self.projection(maskige),
                               self.post_transformer_block, self.post_swin_ln)
        return self.cls_segmap(x)

    @torch.no_grad()
    def predicted_maskige(self, inputs):
        """Maskige decoded from the frozen model's predicted tokens."""
        inputs = self._transform_inputs(inputs)
        token_logits = self.token_logits(self._fuse(inputs))
        size = [s * self.token_stride for s in token_logits.shape[2:]]
        return self.decode_tokens(token_logits, size)

    def forward_train(self, inputs, img_metas, gt_semantic_seg, train_cfg):
        logits = resize(
            self.learned_inverse(self.predicted_maskige(inputs)).float(),
            size=gt_semantic_seg.shape[2:], mode='bilinear',
            align_corners=self.align_corners)
        labels = gt_semantic_seg[:, 0].long()
        return {
            self.loss_inverse.loss_name:
            self.loss_inverse(logits, labels, ignore_index=self.ignore_index),
            'acc_seg':
            accuracy(logits, labels, ignore_index=self.ignore_index)
        }

    def forward_test(self, inputs, img_metas, test_cfg):
        return self.learned_inverse(self.predicted_maskige(inputs))
