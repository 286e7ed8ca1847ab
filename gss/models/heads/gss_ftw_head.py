"""GSS-FT-W: a learnable X⁻¹ on top of a frozen GSS-FF model (stage I')."""
import torch
import torch.nn as nn
from mmcv.cnn import ConvModule, build_norm_layer
from mmseg.models.builder import HEADS

from ...utils.checkpoint import FTW_INVERSE_MODULES
from ..utils import FastSwinBlockSequence
from .gss_ff_head import GSSFFHead
from .mla import windowed_attention

#: How the frozen GSS-FF part runs while X⁻¹ trains.
FROZEN_MODES = ('train', 'eval')


@HEADS.register_module()
class GSSFTWHead(GSSFFHead):
    """GSS-FF whose maskige→class map is learned (the paper's FT-W).

    Everything inherited from :class:`GSSFFHead` (MLA, token classifier,
    tokenizer) is frozen: it runs without gradients, and the backbone must
    be frozen in the config (``frozen_stages``). Only the learnable X⁻¹
    (the modules named in ``gss.utils.checkpoint.FTW_INVERSE_MODULES``)
    trains, on maskiges decoded from the *predicted* tokens, at the
    resolution the tokenizer decodes them (2× the input for DALL·E)::

        1×1 ConvModule 3→C ─ shifted-window block(s) ─ LN ─ 1×1 conv → K

    There is no auxiliary pixel head: ``loss_decode`` is the loss of the
    learnable X⁻¹, taken after resizing its logits to the ground truth.
    Start from a GSS-FF checkpoint with ``--load-from``.

    Args:
        post_seg_channel (int): Width C of the learnable X⁻¹.
        post_swin_depth (int): Its shifted-window blocks (1 for Cityscapes,
            2 for ADE20K and MSeg in the authors' models).
        post_swin_num_heads (int): Attention heads (4 in GSS).
        post_swin_window_size (int): Window size (7 in GSS).
        post_swin_mlp_ratio (int): FFN width over C (2 in GSS).
        frozen_mode (str): ``'train'`` (the authors'): the frozen part
            follows the model's mode, so during training its BN layers use
            batch statistics (and update their running statistics) and its
            dropout is active, still without gradients; ``'eval'``: it
            always runs as at test time.
        residual (bool): False (the authors'): the learnable X⁻¹ alone
            gives the class logits. True (this project's variant, GSS-FT-W
            residual): it learns a correction of the training-free X⁻¹,
            ``logits = GSSFFHead.inverse(maskige) + learned(maskige)``, with
            ``cls_segmap`` zero-initialised, so training starts from
            GSS-FF's predictions (with ``inverse_scores='soft'``, GSS-FF's
            exact logits) instead of from a random map.
        loss_decode (dict | list[dict]): Loss(es) of the learnable X⁻¹
            (CE, weight 1.0).
        **kwargs: :class:`GSSFFHead` arguments; ``pixel_head`` must be
            None (left out, it defaults to None here).
    """

    def __init__(self,
                 post_seg_channel=128,
                 post_swin_depth=1,
                 post_swin_num_heads=4,
                 post_swin_window_size=7,
                 post_swin_mlp_ratio=2,
                 frozen_mode='train',
                 residual=False,
                 loss_decode=dict(
                     type='CrossEntropyLoss', loss_weight=1.0,
                     avg_non_ignore=True, loss_name='loss_ce'),
                 pixel_head=None,
                 **kwargs):
        if pixel_head is not None:
            raise ValueError(
                'GSS-FT-W has no auxiliary pixel head: set '
                f'decode_head.pixel_head=None (got {pixel_head!r})')
        if frozen_mode not in FROZEN_MODES:
            raise ValueError(f'frozen_mode must be one of {FROZEN_MODES}, '
                             f'got {frozen_mode!r}')
        super().__init__(pixel_head=None, loss_decode=loss_decode, **kwargs)
        self.frozen_mode = frozen_mode
        self.residual = residual
        self.projection = ConvModule(
            3, post_seg_channel, 1, conv_cfg=self.conv_cfg,
            norm_cfg=self.norm_cfg, act_cfg=self.act_cfg)
        self.post_transformer_block = FastSwinBlockSequence(
            embed_dims=post_seg_channel,
            num_heads=post_swin_num_heads,
            feedforward_channels=post_swin_mlp_ratio * post_seg_channel,
            depth=post_swin_depth,
            window_size=post_swin_window_size)
        self.post_swin_ln = build_norm_layer(dict(type='LN'),
                                             post_seg_channel)[1]
        # The classifier of the learnable X⁻¹; released FT-W checkpoints
        # store it as ``cls_segmap``.
        self.cls_segmap = ConvModule(
            post_seg_channel, self.num_classes, 1, act_cfg=None)
        for name, param in self.named_parameters():
            if name.split('.')[0] not in FTW_INVERSE_MODULES:
                param.requires_grad = False

    def init_weights(self):
        super().init_weights()
        if self.residual:
            # A zero correction: the untrained head is GSS-FF. (Done here,
            # after ConvModule.init_weights has drawn its own weights.)
            nn.init.zeros_(self.cls_segmap.conv.weight)
            nn.init.zeros_(self.cls_segmap.conv.bias)

    def inverse_modules(self):
        """The modules of the learnable X⁻¹ (the only ones that train)."""
        return [getattr(self, name) for name in FTW_INVERSE_MODULES]

    def train(self, mode=True):
        super().train(mode and self.frozen_mode == 'train')
        for module in self.inverse_modules():
            module.train(mode)
        self.training = mode
        return self

    def inverse_context(self):
        # Each shifted-window block reads at most one window further; the
        # windows are laid from the map's top-left corner.
        window = self.post_transformer_block.blocks[0].attn.window_size
        halo = len(self.post_transformer_block.blocks) * window
        if self.residual:
            halo += super().inverse_context()[0]
        return halo, window

    def inverse(self, maskige):
        """Learnable X⁻¹: (B, 3, H, W) maskige → (B, K, H, W) logits."""
        x = windowed_attention(self.projection(maskige),
                               self.post_transformer_block, self.post_swin_ln)
        logits = self.cls_segmap(x)
        if self.residual:
            logits = super().inverse(maskige) + logits
        return logits

    def forward_train(self, inputs, img_metas, gt_semantic_seg, train_cfg):
        with torch.no_grad():
            maskige = self.decoded_maskige(inputs)
        return self.losses(self.inverse(maskige), gt_semantic_seg)
