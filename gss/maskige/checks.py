"""Argument checks shared by the maskige transforms and decoders.

Each raises ``ValueError`` with a message that says what was expected and,
where a usual mistake explains the input, how to fix it.
"""
import torch


def check_labels(labels):
    """Raise unless ``labels`` is a (B, H, W) integer tensor."""
    if not isinstance(labels, torch.Tensor) or labels.dim() != 3:
        shape = tuple(labels.shape) if hasattr(labels, 'shape') else None
        raise ValueError(
            'labels must be a (B, H, W) integer tensor, got '
            f'{type(labels).__name__} of shape {shape} (for mmseg\'s '
            '(B, 1, H, W) gt_semantic_seg use labels.squeeze(1))')
    if labels.dtype.is_floating_point or labels.dtype.is_complex or (
            labels.dtype == torch.bool):
        raise ValueError(
            f'labels must be an integer tensor, got {labels.dtype}')


def check_class_ids(labels, num_classes, ignore_index):
    """Raise if labels hold ids outside [0, K) other than ignore_index."""
    if 0 <= ignore_index < num_classes:
        raise ValueError(f'ignore_index={ignore_index} is a class id (K='
                         f'{num_classes}): use a value outside 0..K-1')
    bad = ((labels < 0) | (labels >= num_classes)) & (labels != ignore_index)
    if bad.any():
        ids = torch.unique(labels[bad]).tolist()
        raise ValueError(
            f'labels contain ids {ids[:10]}{" ..." if len(ids) > 10 else ""}'
            f' outside the {num_classes} classes 0..{num_classes - 1} (and '
            f'not ignore_index={ignore_index}): check num_classes, the '
            "palette and the dataset's label mapping (e.g. "
            'reduce_zero_label)')


def check_colors(colors, device, check_values=True):
    """Return the (K, 3) palette as a float64 tensor on ``device``."""
    colors = torch.as_tensor(colors, device=device)
    if colors.dim() != 2 or colors.shape[1] != 3 or len(colors) == 0:
        raise ValueError('colors must be a (K, 3) palette in 0..255 units, '
                         f'got shape {tuple(colors.shape)}')
    colors = colors.to(torch.float64)
    if not check_values:
        return colors
    if colors.min() < 0 or colors.max() > 255:
        raise ValueError('colors must be in 0..255 units, got values from '
                         f'{colors.min().item()} to {colors.max().item()}')
    if colors.max() <= 1 and (colors != colors.round()).any():
        raise ValueError('colors must be in 0..255 units but look like 0..1 '
                         'values: multiply them by 255')
    return colors


def check_maskige(maskige, check_values=True):
    """Raise unless ``maskige`` is a (B, 3, H, W) float or uint8 tensor
    (float values in [0, 1] when ``check_values``)."""
    if not isinstance(maskige, torch.Tensor) or maskige.dim() != 4 or (
            maskige.shape[1] != 3):
        shape = tuple(maskige.shape) if hasattr(maskige, 'shape') else None
        raise ValueError('a maskige must be a (B, 3, H, W) tensor, got '
                         f'{type(maskige).__name__} of shape {shape}')
    if maskige.dtype != torch.uint8:
        if not maskige.dtype.is_floating_point:
            raise ValueError('a maskige must be float in [0, 1] or uint8, '
                             f'got {maskige.dtype}')
        # Noise may leave [0, 1] a little; 0..255 floats are a bug.
        if check_values and maskige.numel() and (
                maskige.detach().abs().max() > 2):
            raise ValueError('float maskige values must be in [0, 1] but '
                             'some exceed 2: divide 0..255 images by 255')
