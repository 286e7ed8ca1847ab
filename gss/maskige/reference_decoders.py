"""Hard X^-1 decoders for tests, benchmarks and analysis tools.

The model decodes maskiges with :meth:`MaskigeCodec.one_hot` and
:meth:`MaskigeCodec.scores` (:mod:`gss.maskige.codec`); this module holds
the label decoders that only reference checks need, among them a 256^3
lookup table and the paper's least-squares form, so that ``import gss``
does not load them. ``benchmarks/bench_maskige.py`` compares the methods.
"""
import functools

import torch

from .checks import check_colors, check_maskige
from .linear_argmin import CHUNK_ELEMENTS, linear_argmin

_DECODE_METHODS = ('auto', 'matmul', 'lut', 'lstsq')


def maskige_to_labels(maskige,
                      colors,
                      method='auto',
                      ignore_color=None,
                      ignore_index=255):
    """Hard inverse X^-1: nearest palette colour of every pixel.

    Methods:

    * ``'matmul'``: argmin of ``||c||^2 - 2 x.c`` over pixel chunks, so
      extra memory is O(H*W) (blocks of at most ``CHUNK_ELEMENTS``
      scores) rather than O(K*H*W). Exact on float input.
    * ``'lut'``: a 256^3 RGB -> class lookup table (16 MB, uint8 when
      K + 1 <= 256), built once per palette and device and cached. Float
      input is first rounded to 8 bits, so it may differ from ``'matmul'``
      only for pixels within half a grey level of a Voronoi boundary.
      Needs integer colours.
    * ``'lstsq'``: the paper's least-squares inverse
      ``c = x beta^T (beta beta^T)^+`` followed by argmax over classes.
      ``beta beta^T`` is K x K of rank <= 3, so ``c`` is only the
      minimum-norm mixture reproducing ``x``: exact when the colours are
      linearly independent (K <= 3), but for larger palettes some pure
      class colours decode to another class. Kept for reference.
    * ``'auto'``: ``'lut'`` for integer palettes (fastest on CPU in
      ``benchmarks/bench_maskige.py`` once the table is cached), otherwise
      ``'matmul'``.

    Args:
        maskige (Tensor): (B, 3, H, W) float in [0, 1] or uint8.
        colors (Tensor): (K, 3) palette, uint8 or float in 0..255.
        method (str): One of ``'auto'``, ``'matmul'``, ``'lut'``,
            ``'lstsq'``.
        ignore_color (Tensor, optional): (3,) ignore colour; pixels
            nearest to it decode to ``ignore_index``.
        ignore_index (int): Label for ignored pixels. Default: 255.

    Returns:
        Tensor: (B, H, W) long labels.
    """
    if method not in _DECODE_METHODS:
        raise ValueError(f'method must be one of {_DECODE_METHODS}, got '
                         f'{method!r}')
    check_maskige(maskige)
    table = check_colors(colors, maskige.device)
    num_classes = len(table)
    if 0 <= ignore_index < num_classes:
        raise ValueError(f'ignore_index={ignore_index} is a class id (K='
                         f'{num_classes}): use a value outside 0..K-1')
    if ignore_color is not None:
        table = torch.cat([
            table,
            check_colors(torch.as_tensor(ignore_color).reshape(1, 3),
                          maskige.device)
        ])
    integral = bool((table == table.round()).all())
    if method == 'lut' and not integral:
        raise ValueError("method='lut' needs integer 0..255 colours; use "
                         "method='matmul' for fractional colours")
    if method == 'auto':
        method = 'lut' if integral else 'matmul'

    if method == 'lut':
        labels = _decode_lut(maskige, table)
    else:
        if maskige.dtype == torch.uint8:
            maskige = maskige.float() / 255
        beta = table / 255
        if method == 'matmul':
            # argmin_k ||x - b_k||^2 = argmin_k (||b_k||^2 - 2 b_k.x)
            weight, bias = -2 * beta, (beta * beta).sum(dim=1)
        else:
            # argmax_k (x beta^T (beta beta^T)^+)_k, as an argmin.
            weight = -torch.linalg.pinv(beta @ beta.T) @ beta
            bias = torch.zeros(len(beta), dtype=beta.dtype,
                               device=beta.device)
        labels = linear_argmin(maskige, weight.to(maskige.dtype),
                                bias.to(maskige.dtype))
    if ignore_color is not None:
        labels = labels.masked_fill_(labels == num_classes, ignore_index)
    return labels


def _decode_lut(maskige, table):
    """Decode through the cached 256^3 lookup table of ``table``."""
    key = table.round().to(torch.uint8).cpu().numpy().tobytes()
    lut = _lookup_table(key, maskige.device)
    # index = (r * 256 + g) * 256 + b, one channel at a time.
    index = torch.zeros_like(maskige[:, 0], dtype=torch.int32)
    for channel in maskige.unbind(dim=1):
        if maskige.dtype != torch.uint8:
            channel = (channel * 255).round_().clamp_(0, 255)
        index.mul_(256).add_(channel.int())
    return lut[index].long()


@functools.lru_cache(maxsize=8)
def _lookup_table(key, device):
    """RGB -> nearest colour index table of 256^3 entries.

    The cube is cut into 8^3-value blocks. Every point of a block is within
    ``h`` (the block's half-diagonal) of its centre, so only colours with
    ``dist(centre, c) <= min_c' dist(centre, c') + 2h`` can be nearest to
    any of its points. Blocks with one candidate are filled directly (about
    half of them for K = 150); the others are evaluated against their
    candidates only (at most ~8 instead of K), grouped by candidate count.
    Scores are integers below 2^24 and hence exact in float32; ties go to
    the lowest colour index, as in ``'matmul'``.

    Args:
        key (bytes): (K, 3) uint8 palette as bytes (hashable cache key).
        device (torch.device): Where to build and keep the table.

    Returns:
        Tensor: (256^3,) uint8 (int16 if K > 256) colour indices.
    """
    table = torch.frombuffer(bytearray(key), dtype=torch.uint8).view(-1, 3)
    table = table.to(device=device, dtype=torch.float32)
    num = len(table)
    side = 8
    axis = torch.arange(0, 256, side, device=device, dtype=torch.float32)
    corners = torch.cartesian_prod(axis, axis, axis)  # (32^3, 3)
    half_diag = (side - 1) / 2 * 3**0.5
    # Exact (not matmul-based) distances; the +1 slack only adds
    # candidates, it can never drop the true nearest colour.
    center_dist = torch.cdist(corners + (side - 1) / 2, table,
                              compute_mode='donot_use_mm_for_euclid_dist')
    limit = center_dist.min(dim=1, keepdim=True).values + 2 * half_diag
    is_candidate = center_dist <= limit + 1
    count = is_candidate.sum(dim=1)
    # Candidate ids first, in ascending order (so argmin ties pick the
    # lowest id).
    ids = torch.where(is_candidate, torch.arange(num, device=device), num)
    ids = ids.sort(dim=1).values[:, :int(count.max())]
    sq_norm = (table * table).sum(dim=1)

    step = torch.arange(side, device=device, dtype=torch.float32)
    offsets = torch.cartesian_prod(step, step, step)  # (side^3, 3)
    lut_dtype = torch.uint8 if num <= 256 else torch.int16
    blocks = ids[:, :1].to(lut_dtype).repeat(1, len(offsets))
    for num_cand in torch.unique(count[count > 1]).tolist():
        group = torch.nonzero(count == num_cand)[:, 0]
        per_chunk = max(1, CHUNK_ELEMENTS // (len(offsets) * num_cand))
        for start in range(0, len(group), per_chunk):
            sel = group[start:start + per_chunk]
            cand = ids[sel, :num_cand]
            points = corners[sel, None] + offsets  # (n, side^3, 3)
            # ||c||^2 - 2 p.c for every point and its block's candidates.
            scores = torch.baddbmm(sq_norm[cand][:, None, :], points,
                                   table[cand].transpose(1, 2), alpha=-2)
            blocks[sel] = cand.gather(1, scores.argmin(dim=2)).to(lut_dtype)
    # (block r, g, b, offset r, g, b) -> (r, g, b) order.
    n = 256 // side
    return blocks.view(n, n, n, side, side, side).permute(
        0, 3, 1, 4, 2, 5).reshape(-1)
