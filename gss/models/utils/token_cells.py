"""Which token cells of a label map hold more than one class.

A token cell is the patch of labels one token encodes. Cells of one class
are the frequent layouts a token classifier learns first; cells of two or
more classes (boundaries, thin objects) are rare layouts, which is where
GSS loses to per-pixel heads (README, "CamVid"). The evaluation splits
token accuracy by this, and ``GSSFFHead(mixed_cell_weight=...)`` weights
their token loss.
"""
import torch


def mixed_cells(labels, grid_size, ignore_index):
    """Which token cells hold more than one labelled class.

    Args:
        labels (Tensor): (B, H, W) long labels tiled by the cells.
        grid_size (tuple[int]): (h, w) token grid; H, W are multiples.
        ignore_index (int): Unlabelled pixels, left out.

    Returns:
        Tensor: (B, h, w) bool.
    """
    b, height, width = labels.shape
    h, w = grid_size
    if height % h or width % w:
        raise ValueError(f'a {h}×{w} token grid does not tile labels of '
                         f'{height}×{width}')
    cells = labels.view(b, h, height // h, w, width // w).transpose(2, 3)
    cells = cells.reshape(b, h, w, -1)
    valid = cells != ignore_index
    # 2**62: larger than any class id, for the minimum over labelled pixels
    lowest = cells.masked_fill(~valid, 2**62).amin(-1)
    highest = cells.masked_fill(~valid, -1).amax(-1)
    return valid.any(-1) & (lowest != highest)
