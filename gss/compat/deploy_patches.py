"""Patches applied only while a model is exported (see :mod:`gss.compat`)."""
from .registry import scoped_compat_patch


@scoped_compat_patch('mmseg 0.30 ShiftWindowMSA / AdaptivePadding / '
                     'EncoderDecoder.simple_test, torch 2.x '
                     'adaptive_avg_pool2d, as torch.onnx.export traces them')
def use_export_friendly_layers():
    """Run mmseg's shifted-window attention and adaptive padding, and
    torch's ``F.adaptive_avg_pool2d``, through the traceable functions of
    :mod:`gss.deploy.export_friendly` inside the block, and make mmseg's
    ``EncoderDecoder.simple_test`` return mmseg's exported (1, B, H, W)
    label tensor. Traced as they are, the layers' Python size arithmetic
    is recorded as constants of the example input, so the exported graph
    is wrong or fails at any other height, width or batch. Used around
    ``torch.onnx.export`` only, with
    :func:`gss.deploy.export_friendly.export_friendly` for GSS's own code;
    the previous functions are restored on exit, also after an error."""
    import torch.nn.functional as F
    from mmseg.models.backbones.swin import ShiftWindowMSA
    from mmseg.models.segmentors import EncoderDecoder
    from mmseg.models.utils.embed import AdaptivePadding

    from ..deploy.export_friendly import (adaptive_avg_pool2d,
                                          adaptive_padding,
                                          exported_simple_test,
                                          shift_window_attention)
    saved = (ShiftWindowMSA.forward, AdaptivePadding.forward,
             F.adaptive_avg_pool2d, EncoderDecoder.simple_test)
    ShiftWindowMSA.forward = shift_window_attention
    AdaptivePadding.forward = adaptive_padding
    F.adaptive_avg_pool2d = adaptive_avg_pool2d
    EncoderDecoder.simple_test = exported_simple_test
    try:
        yield
    finally:
        (ShiftWindowMSA.forward, AdaptivePadding.forward,
         F.adaptive_avg_pool2d, EncoderDecoder.simple_test) = saved
