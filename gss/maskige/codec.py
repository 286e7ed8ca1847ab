"""Label maps to maskiges (X) and back (X^-1).

A maskige is the (B, 3, H, W) RGB image of a label map: pixel of class k
gets the palette colour ``beta_k``, ignored pixels the ignore colour. The
inverse maps a (possibly noisy, VQ-VAE decoded) maskige back to classes by
nearest colour. Palettes are (K, 3) tensors in 0..255 units (uint8 or
float); maskiges are float in [0, 1] (colour / 255) or uint8.

Decoding never builds the (B, K, 3, H, W) difference tensor of the naive
``((maskige[:, None] - palette[..., None, None]) ** 2).sum(2)``: distances
use ``||x - c||^2 = ||x||^2 - 2 x.c + ||c||^2`` and ``||x||^2`` drops out of
the argmin. The hard label decoders that only tests and benchmarks use
(a 256^3 lookup table, the paper's least-squares form) are in
:mod:`gss.maskige.reference_decoders`.
"""
import torch
import torch.nn.functional as F
from torch import nn

from .checks import (check_class_ids, check_colors, check_labels,
                     check_maskige)
from .linear_argmin import linear_argmin
from .palette import Palette

#: Classes interpolated at once by :func:`upsample_labels`.
UPSAMPLE_CHUNK = 8


def labels_to_maskige(labels,
                      colors,
                      ignore_color,
                      ignore_index=255,
                      dtype=torch.float32):
    """Paint label maps with a palette (the maskige transform X).

    Args:
        labels (Tensor): (B, H, W) integer class ids in ``[0, K)`` or
            ``ignore_index``.
        colors (Tensor): (K, 3) palette, uint8 or float in 0..255.
        ignore_color (Tensor | None): (3,) colour of ignored pixels; may be
            None only if no pixel is ignored.
        ignore_index (int): Label of ignored pixels. Default: 255.
        dtype (torch.dtype): ``torch.uint8`` for 0..255 colours, or a float
            dtype for colour / 255 in [0, 1]. Default: torch.float32.

    Returns:
        Tensor: (B, 3, H, W) maskige of ``dtype`` on ``labels.device``.
    """
    check_labels(labels)
    if dtype != torch.uint8 and not dtype.is_floating_point:
        raise ValueError(f'dtype must be torch.uint8 or a float dtype, got '
                         f'{dtype}')
    table = check_colors(colors, labels.device)
    num_classes = len(table)
    check_class_ids(labels, num_classes, ignore_index)
    index = labels.long()
    ignored = labels == ignore_index
    if ignore_color is not None:
        # Appended whether or not a pixel is ignored: one path for every
        # input (a traced graph must paint the pixels its example lacked).
        ignore = check_colors(torch.as_tensor(ignore_color).reshape(1, 3),
                              labels.device)
        table = torch.cat([table, ignore])
        index = index.masked_fill(ignored, num_classes)
    elif ignored.any():
        raise ValueError(f'labels contain ignore_index={ignore_index} '
                         'but no ignore_color was given')
    table = table.round().to(dtype) if dtype == torch.uint8 else (
        table / 255).to(dtype)
    return table[index].permute(0, 3, 1, 2).contiguous()


def upsample_labels(labels, scale_factor=2, num_classes=None,
                    ignore_index=255):
    """Upsample label maps smoothly: one-hot, bilinear, argmax.

    Unlike nearest-neighbour upsampling this rounds staircase edges (from
    a scale of about 3 on; at scale 2 with ``align_corners=False`` the
    nearest input pixel always holds more than half the weight, so it
    equals nearest). Ignored pixels are one extra channel, so ignore
    regions stay ignore; ties go to the lower class id, ignore last.

    Memory: only the classes present in each image are interpolated,
    ``UPSAMPLE_CHUNK`` at a time, with a running max/argmax; peak extra
    memory is about ``(UPSAMPLE_CHUNK + 10) * sH * sW * 4`` bytes whatever
    K is (measured: 136 MB for 512 x 1024 -> 1024 x 2048 with all 194
    classes present), instead of the ``(K + 1) * sH * sW`` floats of a full
    one-hot (1.6 GB for K = 194).

    Args:
        labels (Tensor): (B, H, W) integer class ids.
        scale_factor (float): Output size is ``floor(H * s), floor(W * s)``.
        num_classes (int, optional): If given, labels must lie in
            ``[0, num_classes)`` or equal ``ignore_index``.
        ignore_index (int): Label of ignored pixels. Default: 255.

    Returns:
        Tensor: (B, sH, sW) long labels.
    """
    check_labels(labels)
    if not scale_factor > 0:
        raise ValueError(f'scale_factor must be > 0, got {scale_factor}')
    if num_classes is not None:
        check_class_ids(labels, num_classes, ignore_index)
    elif (labels < 0).any():
        raise ValueError('labels must be >= 0')
    out_size = (int(labels.shape[1] * scale_factor),
                int(labels.shape[2] * scale_factor))
    outputs = []
    for image in labels.long():
        ids = torch.unique(image).tolist()
        # Ignore goes last so that it loses ties against real classes.
        if ignore_index in ids:
            ids.remove(ignore_index)
            ids.append(ignore_index)
        best = torch.full(out_size, -1.0, device=labels.device)
        best_id = torch.empty(out_size, dtype=torch.long,
                              device=labels.device)
        for start in range(0, len(ids), UPSAMPLE_CHUNK):
            chunk = torch.tensor(ids[start:start + UPSAMPLE_CHUNK],
                                 device=labels.device)
            one_hot = (image[None] == chunk[:, None, None]).float()
            prob = F.interpolate(one_hot[None], size=out_size,
                                 mode='bilinear', align_corners=False)[0]
            value, index = prob.max(dim=0)
            del one_hot, prob  # free them before the updates' temporaries
            # Strictly greater: earlier (lower) ids keep ties.
            better = value > best
            torch.maximum(best, value, out=best)
            torch.where(better, chunk[index], best_id, out=best_id)
            del value, index, better  # and before the next interpolation
        outputs.append(best_id)
    return torch.stack(outputs)


def maskige_to_scores(maskige, colors, temperature=None):
    """Soft inverse X^-1: per-class scores from colour distances.

    Computes ``-||x - beta_k||^2`` in [0, 1] colour units through
    ``||x||^2 - 2 x.beta_k + ||beta_k||^2`` (one einsum, then in-place
    updates), so no (B, K, 3, H, W) tensor is made: the (B, K, H, W)
    result is the only K-sized allocation (two with a temperature).

    Only shapes and dtypes are checked: this runs inside training losses,
    where a value check would cost a device synchronisation.

    Args:
        maskige (Tensor): (B, 3, H, W) float in [0, 1].
        colors (Tensor): (K, 3) palette, uint8 or float in 0..255.
        temperature (float, optional): If given, return
            ``softmax(-d^2 / temperature)`` over classes.

    Returns:
        Tensor: (B, K, H, W) scores (higher is closer) or probabilities,
        in ``maskige.dtype``.
    """
    check_maskige(maskige, check_values=False)
    if not maskige.dtype.is_floating_point:
        raise ValueError('maskige_to_scores needs a float maskige in [0, 1]; '
                         'convert uint8 ones with maskige.float() / 255')
    if temperature is not None and not temperature > 0:
        raise ValueError(f'temperature must be > 0, got {temperature}')
    beta = (check_colors(colors, maskige.device, check_values=False) /
            255).to(maskige.dtype)
    sq_norm = (maskige * maskige).sum(dim=1, keepdim=True)
    neg_dist = torch.einsum('bchw,kc->bkhw', maskige, beta)
    neg_dist = neg_dist.mul_(2).sub_(sq_norm).sub_(
        (beta * beta).sum(dim=1)[None, :, None, None])
    # Rounding can make the squared distance of an exact colour -1e-7.
    neg_dist = neg_dist.clamp_(max=0)
    if temperature is None:
        return neg_dist
    return torch.softmax(neg_dist / temperature, dim=1)


def neighbourhood_nearest(maskige, colors, num_outputs=None, window=9,
                          tolerance=8.0):
    """Neighbourhood-constrained X^-1: nearest colour among those present.

    Where a decoder mixes two class colours at a boundary, the mix can lie
    nearer to a third colour (with CamVid's maximal-distance palette the
    Road/Pavement midpoint is 11.5 from Bicyclist), and plain nearest-colour
    decoding returns that third class. Here a class can only be returned
    where it is *present* nearby: a pixel is *pure* if its nearest colour is
    within ``tolerance`` of it, and the candidates of a pixel are the
    nearest colours of the pure pixels of its ``window x window``
    neighbourhood (a max-pool of their one-hot votes). The pixel gets the
    nearest of its candidates; a pixel without any (no pure pixel nearby)
    falls back to the plain nearest colour. On a clean maskige every pixel
    is pure and the result equals nearest-colour decoding.

    Memory: three (B, N, H, W) tensors (scores, votes, candidates).

    Args:
        maskige (Tensor): (B, 3, H, W) float in [0, 1].
        colors (Tensor): (N, 3) colours, uint8 or float in 0..255: the
            classes, optionally followed by the ignore colour (which then
            votes, so that class/void mixes stay class or void).
        num_outputs (int, optional): Only the first ``num_outputs`` colours
            are returned (e.g. the K classes, not the ignore colour);
            None: all N.
        window (int): Odd side of the neighbourhood, in maskige pixels.
        tolerance (float): Distance (0..255 RGB units) under which a pixel
            counts as pure. Keep it below the palette's blend distances:
            a mix that close to a colour is indistinguishable from it.

    Returns:
        Tensor: (B, H, W) long colour indices in ``[0, num_outputs)``.
    """
    if not isinstance(window, int) or window < 1 or window % 2 == 0:
        raise ValueError(f'window must be an odd positive int, got {window!r}')
    if not tolerance > 0:
        raise ValueError(f'tolerance must be > 0 (0..255 units), got '
                         f'{tolerance}')
    num_colors = len(colors)
    if num_outputs is None:
        num_outputs = num_colors
    if not 1 <= num_outputs <= num_colors:
        raise ValueError(f'num_outputs must be in 1..{num_colors}, got '
                         f'{num_outputs}')
    scores = maskige_to_scores(maskige, colors)  # -||x - c||^2, (B, N, H, W)
    best, nearest = scores.max(dim=1)
    pure = (best >= -(tolerance / 255)**2).to(scores.dtype)
    votes = torch.zeros_like(scores).scatter_(1, nearest[:, None],
                                              pure[:, None])
    present = F.max_pool2d(votes, window, stride=1, padding=window // 2) > 0
    present = present[:, :num_outputs]
    allowed = present | ~present.any(dim=1, keepdim=True)
    return scores[:, :num_outputs].masked_fill(
        ~allowed, float('-inf')).argmax(dim=1)


class MaskigeCodec(nn.Module):
    """A palette with its maskige transform X and inverse X^-1.

    The colours are buffers: ``.to(device)`` moves them, and checkpoints
    record the palette a model was trained with (mmcv saves every buffer
    anyway; keeping them persistent makes loading such checkpoints clean).

    Args:
        palette: Anything :meth:`Palette.build` accepts (a shipped name such
            as ``'cityscapes'``, a JSON path, a list of [r, g, b], a dict or
            a :class:`Palette`).
        num_classes (int, optional): If given, the palette must have this
            many colours.
        ignore_index (int): Label of ignored pixels; must match the
            palette's. Default: 255.
        temperature (float, optional): Softmax temperature of
            :meth:`scores`; None returns raw negative squared distances.

    Attributes:
        palette (Palette): The validated palette.
        num_classes (int): Number of classes K.
    """

    def __init__(self, palette, num_classes=None, ignore_index=255,
                 temperature=None):
        super().__init__()
        self.palette = Palette.build(palette, num_classes)
        if self.palette.ignore_index != ignore_index:
            raise ValueError(
                f'the palette has ignore_index={self.palette.ignore_index} '
                f'but MaskigeCodec got ignore_index={ignore_index}: pass '
                'the same value to both')
        if temperature is not None and not temperature > 0:
            raise ValueError(f'temperature must be > 0, got {temperature}')
        self.num_classes = self.palette.num_classes
        self.ignore_index = ignore_index
        self.temperature = temperature
        self.register_buffer('colors', torch.from_numpy(
            self.palette.colors.copy()))
        self.register_buffer('ignore_color', torch.from_numpy(
            self.palette.ignore_color.copy()))

    def _load_from_state_dict(self, state_dict, prefix, *args, **kwargs):
        # The palette is the config's: checkpoints without palette buffers
        # (the authors' released ones) load with it; one trained with other
        # colours would decode to wrong classes, so it is refused.
        for name in ('colors', 'ignore_color'):
            own = getattr(self, name)
            saved = state_dict.setdefault(prefix + name, own)
            if saved.shape != own.shape or not torch.equal(
                    saved.to(own.dtype), own):
                raise ValueError(
                    f'the checkpoint was trained with another maskige '
                    f'palette ({prefix}{name} holds {len(saved)} entries, '
                    f'not the {len(own)} of palette '
                    f'{self.palette.name!r}; first values '
                    f'{saved.reshape(-1)[:6].tolist()} vs '
                    f'{own.reshape(-1)[:6].tolist()}): set the palette in '
                    'the config to the one the model was trained with')
        super()._load_from_state_dict(state_dict, prefix, *args, **kwargs)

    def extra_repr(self):
        return (f'palette={self.palette.name!r}, num_classes='
                f'{self.num_classes}, ignore_index={self.ignore_index}, '
                f'temperature={self.temperature}')

    def encode(self, labels, dtype=torch.float32):
        """Labels (B, H, W) -> maskige (B, 3, H, W), see
        :func:`labels_to_maskige`."""
        return labels_to_maskige(labels, self.colors, self.ignore_color,
                                 self.ignore_index, dtype)

    def scores(self, maskige):
        """Maskige (B, 3, H, W) float -> (B, K, H, W) class scores (or
        probabilities with a temperature), see :func:`maskige_to_scores`."""
        return maskige_to_scores(maskige, self.colors, self.temperature)

    def one_hot(self, maskige):
        """The authors' training-free X⁻¹: one-hot of the nearest class
        colour (the ignore colour is never predicted).

        Only shapes are checked, as in :meth:`scores`: this runs inside the
        model (also on the ``meta`` device, for FLOP counting).

        Args:
            maskige (Tensor): (B, 3, H, W) float in [0, 1].

        Returns:
            Tensor: (B, K, H, W) one-hot scores in ``maskige.dtype``.
        """
        check_maskige(maskige, check_values=False)
        beta = self.colors.to(maskige.dtype) / 255
        # argmin_k ||x - b_k||^2 = argmin_k (||b_k||^2 - 2 b_k.x)
        labels = linear_argmin(maskige, -2 * beta, (beta * beta).sum(dim=1))
        scores = maskige.new_zeros(labels.shape[0], self.num_classes,
                                   *labels.shape[1:])
        return scores.scatter_(1, labels[:, None], 1)

    def neighbourhood_one_hot(self, maskige, window=9, tolerance=8.0):
        """Neighbourhood-constrained X⁻¹ as one-hot scores: a class absent
        from a pixel's neighbourhood cannot appear (see
        :func:`neighbourhood_nearest`; the ignore colour votes but is never
        predicted).

        Args:
            maskige (Tensor): (B, 3, H, W) float in [0, 1].
            window (int): Odd side of the neighbourhood, in pixels.
            tolerance (float): Purity threshold in 0..255 RGB units.

        Returns:
            Tensor: (B, K, H, W) one-hot scores in ``maskige.dtype``.
        """
        table = torch.cat([self.colors, self.ignore_color[None]])
        labels = neighbourhood_nearest(maskige, table, self.num_classes,
                                       window, tolerance)
        scores = maskige.new_zeros(labels.shape[0], self.num_classes,
                                   *labels.shape[1:])
        return scores.scatter_(1, labels[:, None], 1)

    def decode(self, maskige, method='auto'):
        """Maskige (B, 3, H, W) -> (B, H, W) long labels, ignore colour to
        ``ignore_index``, see
        :func:`gss.maskige.reference_decoders.maskige_to_labels` (imported
        here on first use: the model decodes with :meth:`one_hot` and
        :meth:`scores`)."""
        from .reference_decoders import maskige_to_labels
        return maskige_to_labels(maskige, self.colors, method,
                                 self.ignore_color, self.ignore_index)
