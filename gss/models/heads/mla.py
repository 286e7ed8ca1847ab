"""Multi-level aggregation (MLA): fuse backbone levels at one resolution.

Also the shifted-window attention step both GSS heads apply to a map.

Both GSS heads aggregate the backbone pyramid the same way: a 1×1
ConvModule per level, resizing every level to one target level, concat and
a 1×1 fusion ConvModule. The layers are returned as plain modules so the
heads keep the attribute names of the released GSS checkpoints (``convs`` /
``fusion_conv`` and ``convs_pixel`` / ``fusion_conv_pixel``).
"""
import torch
import torch.nn as nn
from mmcv.cnn import ConvModule
from mmseg.ops import resize


def build_mla(in_channels, channels, out_channels, conv_cfg=None,
              norm_cfg=None, act_cfg=dict(type='ReLU')):
    """Build the layers of one multi-level aggregation.

    Args:
        in_channels (Sequence[int]): Channels of each backbone level.
        channels (int): Channels of each level after its 1×1 conv.
        out_channels (int): Channels after fusion.

    Returns:
        tuple[nn.ModuleList, ConvModule]: per-level convs and the fusion conv.
    """
    convs = nn.ModuleList(
        ConvModule(c, channels, 1, conv_cfg=conv_cfg, norm_cfg=norm_cfg,
                   act_cfg=act_cfg) for c in in_channels)
    fusion = ConvModule(
        channels * len(in_channels), out_channels, 1, conv_cfg=conv_cfg,
        norm_cfg=norm_cfg, act_cfg=act_cfg)
    return convs, fusion


def mla_forward(inputs, convs, fusion, target_index, align_corners=False):
    """Run a multi-level aggregation.

    Args:
        inputs (list[Tensor]): Backbone levels, (B, C_i, H_i, W_i).
        convs (nn.ModuleList): Per-level 1×1 convs from :func:`build_mla`.
        fusion (ConvModule): Fusion conv from :func:`build_mla`.
        target_index (int): Level whose resolution the output has.

    Returns:
        Tensor: (B, out_channels, H_t, W_t).
    """
    size = inputs[target_index].shape[2:]
    feats = [
        resize(conv(x), size=size, mode='bilinear',
               align_corners=align_corners)
        for conv, x in zip(convs, inputs)
    ]
    return fusion(torch.cat(feats, dim=1))


def windowed_attention(x, blocks, norm):
    """Shifted-window transformer blocks + LayerNorm on a feature map.

    Args:
        x (Tensor): (B, C, H, W).
        blocks (SwinBlockSequence): Blocks of width C.
        norm (nn.LayerNorm): LayerNorm over C.

    Returns:
        Tensor: (B, C, H, W).
    """
    b, c, h, w = x.shape
    x = blocks(x.flatten(2).transpose(1, 2), (h, w))[0]
    return norm(x).transpose(1, 2).reshape(b, c, h, w)
