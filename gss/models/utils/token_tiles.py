"""Decode a token grid tile by tile, with the context each tile needs.

Decoding the DALL·E dVAE's tokens dominates a GSS model's test-time memory:
a 192×192 token grid (one 768² window) decodes through 256-channel maps of
1536×1536 pixels. Every layer of the decoder and of the training-free or
windowed X⁻¹ is local, so a tile of the output only reads the tokens within
a known radius of it. Decoding each tile with that much context and keeping
its interior gives the whole grid's outputs, with a peak set by the tile.
"""
import math


def _spans(length, tile, halo):
    """(start, stop, context start, context stop) of each tile along one
    axis, in tokens."""
    for start in range(0, length, tile):
        stop = min(start + tile, length)
        yield start, stop, max(start - halo, 0), min(stop + halo, length)


def map_token_tiles(fn, tokens, tile, halo, scale, align=1):
    """Run ``fn`` on overlapping tiles of a token grid and stitch its outputs.

    Each tile of ``tile``×``tile`` tokens is given to ``fn`` with ``halo``
    tokens of context on each side (fewer at the grid's border, where the
    whole grid has none either); the part of ``fn``'s outputs that belongs to
    the tile is written into the whole-grid outputs. If every output pixel of
    ``fn`` depends only on the tokens within ``halo`` of it, and ``fn``'s
    computation is the same at any offset that is a multiple of ``align``
    tokens (window attention partitions its input from its top-left
    corner), the outputs are those of ``fn(tokens)``.

    Args:
        fn (callable): (B, h', w') long tokens → tuple of tensors, each
            (B, C_i, scale·h', scale·w').
        tokens (Tensor): (B, h, w) long token ids.
        tile (int): Tile side in tokens; rounded up to a multiple of
            ``align``.
        halo (int): Context on each side in tokens; rounded up to a
            multiple of ``align`` so that every tile's context starts at
            one.
        scale (int): Output pixels per token side.
        align (int): The offset, in tokens, at which ``fn`` is invariant.

    Returns:
        tuple[Tensor]: (B, C_i, scale·h, scale·w) each.
    """
    if tile < 1 or halo < 0 or align < 1:
        raise ValueError(f'need tile >= 1, halo >= 0 and align >= 1, got '
                         f'tile={tile}, halo={halo}, align={align}')
    tile = math.ceil(tile / align) * align
    halo = math.ceil(halo / align) * align
    b, h, w = tokens.shape
    outputs = None
    for top, bottom, ctx_top, ctx_bottom in _spans(h, tile, halo):
        for left, right, ctx_left, ctx_right in _spans(w, tile, halo):
            parts = fn(tokens[:, ctx_top:ctx_bottom, ctx_left:ctx_right])
            if outputs is None:
                outputs = tuple(
                    part.new_empty((b, part.shape[1], scale * h, scale * w))
                    for part in parts)
            rows = slice((top - ctx_top) * scale, (bottom - ctx_top) * scale)
            cols = slice((left - ctx_left) * scale,
                         (right - ctx_left) * scale)
            for out, part in zip(outputs, parts):
                out[:, :, scale * top:scale * bottom,
                    scale * left:scale * right] = part[:, :, rows, cols]
            del parts  # the next tile's peak starts from the stitched maps
    return outputs

