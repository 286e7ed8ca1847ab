"""Token cells of a label map: which hold more than one class, and their
class weights.

A token cell is the patch of labels one token encodes. Cells of one class
are the frequent layouts a token classifier learns first; cells of two or
more classes (boundaries, thin objects) are rare layouts, which is where
GSS loses to per-pixel heads (docs/experiments/camvid.md). The evaluation
splits token accuracy by this, and ``GSSFFHead(mixed_cell_weight=...)`` weights
their token loss; ``GSSFFHead(cell_class_weight=...)`` weights each cell by
the classes it holds.
"""


def _cells(labels, grid_size):
    """(B, h, w, cell pixels) view of labels tiled by an (h, w) grid."""
    b, height, width = labels.shape
    h, w = grid_size
    if height % h or width % w:
        raise ValueError(f'a {h}×{w} token grid does not tile labels of '
                         f'{height}×{width}')
    cells = labels.view(b, h, height // h, w, width // w).transpose(2, 3)
    return cells.reshape(b, h, w, -1)


def mixed_cells(labels, grid_size, ignore_index):
    """Which token cells hold more than one labelled class.

    Args:
        labels (Tensor): (B, H, W) long labels tiled by the cells.
        grid_size (tuple[int]): (h, w) token grid; H, W are multiples.
        ignore_index (int): Unlabelled pixels, left out.

    Returns:
        Tensor: (B, h, w) bool.
    """
    cells = _cells(labels, grid_size)
    valid = cells != ignore_index
    # 2**62: larger than any class id, for the minimum over labelled pixels
    lowest = cells.masked_fill(~valid, 2**62).amin(-1)
    highest = cells.masked_fill(~valid, -1).amax(-1)
    return valid.any(-1) & (lowest != highest)


def cell_class_weights(labels, grid_size, class_weight, ignore_index):
    """Mean class weight of each token cell's labelled pixels.

    A cell's token then weighs what its pixels weigh in a class-weighted
    per-pixel cross-entropy (mmseg's ``class_weight``), on average.

    Args:
        labels (Tensor): (B, H, W) long labels tiled by the cells.
        grid_size (tuple[int]): (h, w) token grid; H, W are multiples.
        class_weight (Tensor): (K,) float weight of each class.
        ignore_index (int): Unlabelled pixels, left out.

    Returns:
        Tensor: (B, h, w) float; 0 for a cell with no labelled pixel.
    """
    cells = _cells(labels, grid_size)
    valid = cells != ignore_index
    pixel_weight = class_weight[cells.masked_fill(~valid, 0)] * valid
    return pixel_weight.sum(-1) / valid.sum(-1).clamp(min=1)
