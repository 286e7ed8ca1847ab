"""Export-friendly versions of code whose forward bakes input sizes or
reads tensor values, swapped in around a graph export or a shape-only
FLOP count, so that the model code itself has no export or FLOP branches.

``torch.onnx.export`` (TorchScript tracing) records tensor operations only:
a Python ``int()``, ``math.ceil`` or ``if`` on a size is evaluated once, on
the example input, and the graph then holds that constant. mmseg's
shifted-window attention (``int(B)`` in ``window_reverse``, ``if pad_r > 0``)
and adaptive padding (``math.ceil``, ``max``), and adaptive average pooling
(which the exporter only converts for a static input size) would therefore
give a graph that is wrong or fails at any other height, width or batch;
so would GSS's nearest-colour X⁻¹, whose pixel-chunk loop would be unrolled
for the example's size.

The functions below compute the same numbers with size arithmetic the
tracer records (always pad/crop, by zero where nothing is needed; pooling as
two averaging matrices built from the traced size; X⁻¹ in one block). They
are swapped in for the duration of an export only, so the normal path is
unchanged: over mmseg's and torch's code by
:func:`gss.compat.use_export_friendly_layers` (only ``gss.compat`` changes
upstream code), over GSS's own by :func:`export_friendly`;
:func:`gss.deploy.export_onnx` enters both.
``tests/test_deploy/test_export_friendly.py`` checks them against the
normal ones on sizes that need and do not need padding.

Checks and statistics that read tensor values (token ids in range, codebook
usage) would be frozen to the example's values in a graph, and ``meta``
tensors, on which ``tools/get_flops.py`` counts FLOPs from shapes alone,
have no values: :data:`VALUE_READERS` lists them, and both
:func:`export_friendly` and :func:`shape_only` switch them off.
"""
import contextlib

import torch
import torch.nn.functional as F
from mmseg.models.utils.embed import AdaptivePadding

from ..maskige import codec
from ..models.segmentors import GSSEncoderDecoder
from ..tokenizers import quantizers
from ..tokenizers.base import BaseTokenizer

#: Mask value of mmseg's shifted windows for pairs of different regions.
_MASK_VALUE = -100.0


def _shift_region_ids(length, window_size, shift_size, device):
    """Region of each position along one axis of the cyclic-shift mask.

    mmseg fills the (padded) map with the slices ``[0, L - ws)``,
    ``[L - ws, L - shift)`` and ``[L - shift, L)``: ids 0, 1, 2.

    Returns:
        Tensor: (length,) float32 region ids.
    """
    pos = torch.arange(length, device=device)
    return ((pos >= length - window_size).float() +
            (pos >= length - shift_size).float())


def shift_window_attention(msa, query, hw_shape):
    """``ShiftWindowMSA.forward`` with traceable size arithmetic.

    Args:
        msa (ShiftWindowMSA): The attention layer (its weights and
            settings are used).
        query (Tensor): (B, H·W, C) tokens.
        hw_shape (tuple): (H, W).

    Returns:
        Tensor: (B, H·W, C), equal to ``msa(query, hw_shape)``.
    """
    batch, _, channels = query.shape
    height, width = hw_shape
    ws, shift = msa.window_size, msa.shift_size
    query = query.view(batch, height, width, channels)
    # Always pad and later crop (by 0 when the size tiles): the amounts stay
    # functions of the traced size instead of a branch taken once.
    pad_r = (ws - width % ws) % ws
    pad_b = (ws - height % ws) % ws
    query = F.pad(query, (0, 0, 0, pad_r, 0, pad_b))
    h_pad, w_pad = query.shape[1], query.shape[2]

    attn_mask = None
    if shift > 0:
        query = torch.roll(query, shifts=(-shift, -shift), dims=(1, 2))
        rows = _shift_region_ids(h_pad, ws, shift, query.device)
        cols = _shift_region_ids(w_pad, ws, shift, query.device)
        # mmseg numbers the 3×3 regions row-major: id = 3·row + col.
        regions = (rows[:, None] * 3 + cols[None, :])[None, :, :, None]
        mask_windows = msa.window_partition(regions).view(-1, ws * ws)
        diff = mask_windows.unsqueeze(1) - mask_windows.unsqueeze(2)
        attn_mask = torch.where(diff != 0, diff.new_tensor(_MASK_VALUE),
                                diff.new_tensor(0.0))

    windows = msa.window_partition(query).view(-1, ws * ws, channels)
    windows = msa.w_msa(windows, mask=attn_mask)
    # window_reverse with the batch taken from the input, not int().
    x = windows.view(batch, h_pad // ws, w_pad // ws, ws, ws, channels)
    x = x.permute(0, 1, 3, 2, 4, 5).reshape(batch, h_pad, w_pad, channels)
    if shift > 0:
        x = torch.roll(x, shifts=(shift, shift), dims=(1, 2))
    x = x[:, :height, :width, :].reshape(batch, height * width, channels)
    return msa.drop(x)


def adaptive_padding(pad, x):
    """``AdaptivePadding.forward`` with traceable pad amounts.

    The pad of a side of size ``n`` is ``(ceil(n / s) - 1)·s + (k - 1)·d +
    1 - n``, written with integer division; it is never negative when the
    kernel's extent is at least its stride (mmseg's patch embedding and
    merging), so mmseg's ``max(·, 0)`` and ``if pad > 0`` are dropped
    there. Other settings run mmseg's forward.

    Args:
        pad (AdaptivePadding): The padding layer.
        x (Tensor): (B, C, H, W).

    Returns:
        Tensor: (B, C, H', W'), equal to ``pad(x)``.
    """
    extents = [(k - 1) * d + 1 for k, d in zip(pad.kernel_size, pad.dilation)]
    if any(e < s for e, s in zip(extents, pad.stride)):
        return _ORIGINAL['adaptive_padding'](pad, x)
    amounts = [((n + s - 1) // s - 1) * s + e - n
               for n, s, e in zip(x.shape[-2:], pad.stride, extents)]
    pad_h, pad_w = amounts
    if pad.padding == 'corner':
        return F.pad(x, [0, pad_w, 0, pad_h])
    return F.pad(x, [pad_w // 2, pad_w - pad_w // 2, pad_h // 2,
                     pad_h - pad_h // 2])


def _pool_matrix(size, bins, like):
    """(bins, size) matrix averaging each adaptive-pooling bin.

    Bin ``i`` covers ``[floor(i·n / o), ceil((i + 1)·n / o))``, as in
    ``torch.nn.functional.adaptive_avg_pool2d``.
    """
    pos = torch.arange(size, device=like.device)
    index = torch.arange(bins, device=like.device)
    start = (index * size) // bins
    end = ((index + 1) * size + bins - 1) // bins
    inside = ((pos[None] >= start[:, None]) &
              (pos[None] < end[:, None])).to(like.dtype)
    return inside / inside.sum(dim=1, keepdim=True)


def adaptive_avg_pool2d(x, output_size):
    """``F.adaptive_avg_pool2d`` as two matrix products.

    Global pooling (output 1×1) and output sizes with ``None`` use torch's
    function, which the exporter converts for any size.

    Args:
        x (Tensor): (B, C, H, W).
        output_size (int | tuple[int]): (o_h, o_w).

    Returns:
        Tensor: (B, C, o_h, o_w), equal to ``F.adaptive_avg_pool2d`` up to
        float rounding (the sums run in another order).
    """
    out_h, out_w = (output_size, output_size) if isinstance(
        output_size, int) else tuple(output_size)
    if None in (out_h, out_w) or (out_h, out_w) == (1, 1):
        return _ORIGINAL['adaptive_avg_pool2d'](x, output_size)
    rows = _pool_matrix(x.shape[-2], out_h, x)
    cols = _pool_matrix(x.shape[-1], out_w, x)
    return torch.einsum('ih,bchw,jw->bcij', rows, x, cols)


def one_block_linear_argmin(maskige, weight, bias):
    """:func:`gss.maskige.linear_argmin.linear_argmin` in one block of all
    pixels.

    The normal version loops over pixel chunks, which tracing would unroll
    for the example's size and batch; this one makes the same (P, K)
    scores at once.

    Args:
        maskige (Tensor): (B, 3, H, W) float.
        weight (Tensor): (K, 3).
        bias (Tensor): (K,).

    Returns:
        Tensor: (B, H, W) long, equal to ``linear_argmin``'s.
    """
    batch, _, height, width = maskige.shape
    scores = torch.matmul(maskige.flatten(2).transpose(1, 2),
                          weight.T) + bias
    return scores.argmin(dim=2).reshape(batch, height, width)


def exported_simple_test(segmentor, img, img_meta, rescale=True):
    """``EncoderDecoder.simple_test`` as mmseg exports it.

    Args:
        segmentor (EncoderDecoder): The model.
        img (Tensor): (B, 3, H, W) normalised images.
        img_meta (list[dict]): Their metas.
        rescale (bool): Resize to the original image shape.

    Returns:
        Tensor: (1, B, H', W') long labels (one ArgMax node), instead of
        the list of arrays that GSS's faster CPU argmax and its maskige
        results (``gss.models.segmentors``) return.
    """
    return segmentor.inference(img, img_meta,
                               rescale).argmax(dim=1).unsqueeze(0)


def skip_token_values(tokenizer, tokens):
    """``BaseTokenizer.check_token_values`` without reading the values."""


def no_codebook_stats(codes, num_codes):
    """``gss.tokenizers.quantizers.codebook_stats`` without reading the
    codes: no statistics."""
    return {}


_ORIGINAL = dict(
    adaptive_padding=AdaptivePadding.forward,
    adaptive_avg_pool2d=F.adaptive_avg_pool2d)

#: What reads tensor values only to check or describe them: (owner,
#: attribute, value-free replacement).
VALUE_READERS = (
    (BaseTokenizer, 'check_token_values', skip_token_values),
    (quantizers, 'codebook_stats', no_codebook_stats),
)
#: What :func:`export_friendly` swaps in over GSS's own code (mmseg's and
#: torch's: :func:`gss.compat.use_export_friendly_layers`).
EXPORT_SWAPS = (
    (codec, 'linear_argmin', one_block_linear_argmin),
    (GSSEncoderDecoder, 'simple_test', exported_simple_test),
) + VALUE_READERS


@contextlib.contextmanager
def _swapped(swaps):
    """Set each ``(owner, attribute, replacement)``; restore the previous
    attributes on exit, also after an error."""
    previous = [(owner, name, getattr(owner, name))
                for owner, name, _ in swaps]
    for owner, name, replacement in swaps:
        setattr(owner, name, replacement)
    try:
        yield
    finally:
        for owner, name, value in reversed(previous):
            setattr(owner, name, value)


def export_friendly():
    """A context in which GSS's code traces into a graph that holds for
    every input size: :data:`EXPORT_SWAPS` swapped in.

    Used around ``torch.onnx.export`` only, together with
    :func:`gss.compat.use_export_friendly_layers`.
    """
    return _swapped(EXPORT_SWAPS)


def shape_only():
    """A context in which the model runs on tensors without values
    (``meta``, for FLOP counting): :data:`VALUE_READERS` switched off.
    The arithmetic is the model's own."""
    return _swapped(VALUE_READERS)
