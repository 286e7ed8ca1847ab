"""Nearest palette colour as the argmin of a linear score, in pixel chunks.

Distances use ``||x - c||^2 = ||x||^2 - 2 x.c + ||c||^2``; ``||x||^2`` drops
out of the argmin, so nearest-colour decoding (and the paper's
least-squares inverse) is a per-pixel argmin of ``bias_k + weight_k . x``,
computed here without any (B, K, H, W) tensor.
"""
import torch

#: Upper bound on the elements of one (pixels x classes) score block of the
#: chunked decoders: their extra memory is O(H*W) plus one 1 MB block
#: (small enough to stay in cache, the fastest size on CPU).
CHUNK_ELEMENTS = 1 << 18


def linear_argmin(maskige, weight, bias):
    """Per-pixel ``argmin_k (bias_k + weight_k . x)`` in pixel chunks.

    Graph export swaps in a loop-free version in the model's decoding
    (``gss.deploy.export_friendly``).

    Args:
        maskige (Tensor): (B, 3, H, W) float.
        weight (Tensor): (K, 3).
        bias (Tensor): (K,).

    Returns:
        Tensor: (B, H, W) long.
    """
    batch, _, height, width = maskige.shape
    pixels = maskige.reshape(batch, 3, -1)
    out = torch.empty(batch, height * width, dtype=torch.long,
                      device=maskige.device)
    chunk = max(1, CHUNK_ELEMENTS // len(weight))
    for b in range(batch):
        for start in range(0, height * width, chunk):
            # (P, K) scores: argmin over the contiguous last dim is ~2x
            # faster than over K rows; the transposed view is not copied.
            scores = torch.addmm(bias, pixels[b, :, start:start + chunk].T,
                                 weight.T)
            out[b, start:start + chunk] = scores.argmin(dim=1)
    return out.view(batch, height, width)
