"""Panels of what a GSS model sees and predicts, drawn with cv2/numpy only.

One panel per image, six columns of the image size side by side::

    input | ground truth | GT maskige | predicted maskige | prediction | error

under a title bar, above a legend: first a key of the colours (the two
swatches of a class entry, the error map's colours, ignored labels), then
the classes present in the ground truth or the prediction (dataset colour,
maskige colour, name). Label maps use the dataset palette, black where the
ground truth is ignored; the GT maskige is X(ground truth) in the maskige
palette. The predicted maskige is the tokenizer's decoding of the
*predicted* tokens, before X⁻¹: the decoder's raw output, which need not be
palette colours (the stage-I decoder is trained through X⁻¹ with a
cross-entropy loss, not towards the colours). The error map is red where
the prediction is wrong, dark where it is right and grey where the ground
truth is ignored. Columns that need a ground truth are filled with a "no
ground truth" placeholder when none is given.

This module only draws. The predicted maskige comes from the model's own
test path (``GSSEncoderDecoder``: whole or sliding-window inference, flip
and rescale as mmseg does them, the maskige beside the class scores).

Images are RGB here; convert mmcv's BGR arrays with ``mmcv.bgr2rgb``.
"""
import cv2
import mmcv
import numpy as np
import torch

TITLES = ('input', 'ground truth', 'GT maskige', 'predicted maskige',
          'prediction', 'error')
#: RGB colours of the error map.
ERROR_COLORS = dict(
    wrong=(255, 0, 0), right=(32, 32, 32), ignored=(128, 128, 128))
#: RGB colour of ignored pixels in the label-map columns.
IGNORE_COLOR = (0, 0, 0)
PLACEHOLDER_COLOR = (64, 64, 64)
BAR_COLOR = (0, 0, 0)
#: Frame of the legend swatches, so that black and dark ones show.
SWATCH_FRAME_COLOR = (160, 160, 160)
TEXT_COLOR = (255, 255, 255)
TITLE_HEIGHT = 20
LEGEND_ROW_HEIGHT = 18
LEGEND_ENTRY_WIDTH = 150
SWATCH = 12
FONT = cv2.FONT_HERSHEY_SIMPLEX
FONT_SCALE = 0.4


def legend_rows(num_entries, panel_width):
    """Rows of a legend with ``num_entries`` entries under a panel.

    Args:
        num_entries (int): Classes in the legend.
        panel_width (int): Panel width in pixels (6 × image width).

    Returns:
        int: Number of legend rows (each ``LEGEND_ROW_HEIGHT`` high).
    """
    per_row = max(1, panel_width // LEGEND_ENTRY_WIDTH)
    return -(-num_entries // per_row)


def colorize(labels, palette, ignore_color=IGNORE_COLOR):
    """Paint a label map.

    Args:
        labels (np.ndarray): (H, W) integer labels.
        palette (array-like): (K, 3) RGB colours.
        ignore_color (tuple[int]): Colour of labels outside 0..K-1 (the
            ignore index).

    Returns:
        np.ndarray: (H, W, 3) uint8 RGB image.
    """
    palette = np.asarray(palette, dtype=np.uint8).reshape(-1, 3)
    out = np.empty(labels.shape + (3, ), dtype=np.uint8)
    out[:] = ignore_color
    valid = (labels >= 0) & (labels < len(palette))
    out[valid] = palette[labels[valid]]
    return out


def error_map(gt, pred, ignore_index=255):
    """Colour right, wrong and ignored pixels (see ``ERROR_COLORS``).

    Args:
        gt (np.ndarray): (H, W) ground-truth labels.
        pred (np.ndarray): (H, W) predicted labels.
        ignore_index (int): Ignored ground-truth label.

    Returns:
        np.ndarray: (H, W, 3) uint8 RGB image.
    """
    out = np.empty(gt.shape + (3, ), dtype=np.uint8)
    out[:] = ERROR_COLORS['right']
    out[gt != pred] = ERROR_COLORS['wrong']
    out[gt == ignore_index] = ERROR_COLORS['ignored']
    return out


def maskige_to_image(maskige):
    """A (3, H, W) maskige tensor in [0, 1] as an (H, W, 3) uint8 image."""
    image = maskige.detach().float().clamp(0, 1).mul(255).round()
    return image.to(torch.uint8).permute(1, 2, 0).cpu().numpy()


def _put_text(canvas, text, x, y_center, max_width):
    """Write ``text`` left-aligned at ``x``, shrunk (then cut) to fit."""
    scale = FONT_SCALE
    width = cv2.getTextSize(text, FONT, scale, 1)[0][0]
    if width > max_width:
        scale = max(0.25, scale * max_width / width)
    while text and cv2.getTextSize(text, FONT, scale, 1)[0][0] > max_width:
        text = text[:-1]
    height = cv2.getTextSize(text, FONT, scale, 1)[0][1]
    cv2.putText(canvas, text, (x, y_center + height // 2), FONT, scale,
                TEXT_COLOR, 1, cv2.LINE_AA)


def _placeholder(height, width, text='no ground truth'):
    tile = np.empty((height, width, 3), dtype=np.uint8)
    tile[:] = PLACEHOLDER_COLOR
    _put_text(tile, text, 2, height // 2, width - 4)
    return tile


def legend_key(with_maskige=True):
    """The entries that head the legend and say what its colours mean.

    Args:
        with_maskige (bool): Class entries show a maskige swatch too.

    Returns:
        list[tuple]: ``(swatch colours, text)`` legend entries.
    """
    return [
        ((), 'class: dataset, maskige colour'
         if with_maskige else 'class: dataset colour'),
        ((ERROR_COLORS['wrong'], ), 'error: wrong'),
        ((ERROR_COLORS['right'], ), 'error: right'),
        ((ERROR_COLORS['ignored'], ), 'error: ignored'),
        ((IGNORE_COLOR, ), 'label: ignored'),
    ]


def _legend(entries, panel_width):
    """Legend rows of ``(swatch colours, text)`` entries, left to right."""
    rows = legend_rows(len(entries), panel_width)
    canvas = np.empty((rows * LEGEND_ROW_HEIGHT, panel_width, 3),
                      dtype=np.uint8)
    canvas[:] = BAR_COLOR
    per_row = max(1, panel_width // LEGEND_ENTRY_WIDTH)
    for i, (swatches, text) in enumerate(entries):
        x = (i % per_row) * LEGEND_ENTRY_WIDTH + 2
        y = (i // per_row) * LEGEND_ROW_HEIGHT
        top = y + (LEGEND_ROW_HEIGHT - SWATCH) // 2
        for color in swatches:
            canvas[top - 1:top + SWATCH + 1,
                   x - 1:x + SWATCH + 1] = SWATCH_FRAME_COLOR
            canvas[top:top + SWATCH, x:x + SWATCH] = color
            x += SWATCH + 2
        _put_text(canvas, text, x + 2, y + LEGEND_ROW_HEIGHT // 2,
                  (i % per_row + 1) * LEGEND_ENTRY_WIDTH - x - 4)
    return canvas


def draw_panel(image,
               gt,
               gt_maskige,
               pred_maskige,
               pred,
               class_names,
               dataset_palette,
               ignore_index=255,
               maskige_palette=None):
    """Draw the six-column panel of one image.

    Args:
        image (np.ndarray): (H, W, 3) uint8 RGB input image.
        gt (np.ndarray | None): (H, W) ground-truth labels, ``ignore_index``
            where ignored; None draws placeholders in the ground-truth,
            GT-maskige and error columns.
        gt_maskige (np.ndarray | None): (H, W, 3) uint8 X(gt); None with a
            ``gt`` draws a placeholder (the ground truth is in classes
            the maskige palette does not paint, see :func:`maskige_parts`).
        pred_maskige (np.ndarray): (H, W, 3) uint8 maskige decoded from
            the predicted tokens.
        pred (np.ndarray): (H, W) predicted labels.
        class_names (Sequence[str]): The K class names.
        dataset_palette (array-like): (K, 3) RGB dataset colours.
        ignore_index (int): Ignored ground-truth label. Default: 255.
        maskige_palette (array-like, optional): (K, 3) RGB maskige colours,
            shown next to the dataset colours in the legend.

    Returns:
        np.ndarray: uint8 RGB panel of shape (TITLE_HEIGHT + H +
        LEGEND_ROW_HEIGHT * (legend_rows(k, 6 W) + legend_rows(n, 6 W)),
        6 W, 3), where k is the length of :func:`legend_key` and n counts
        the classes present in ``gt`` or ``pred``.

    Raises:
        ValueError: The inputs do not share one (H, W), or the palettes do
            not have one colour per class.
    """
    height, width = pred.shape
    arrays = dict(image=image, gt=gt, gt_maskige=gt_maskige,
                  pred_maskige=pred_maskige)
    for name, array in arrays.items():
        if array is not None and array.shape[:2] != (height, width):
            raise ValueError(
                f'draw_panel: {name} is {array.shape[:2]} but pred is '
                f'{(height, width)}; resize everything to one image size')
    dataset_palette = np.asarray(dataset_palette, dtype=np.uint8)
    palettes = dict(dataset_palette=dataset_palette,
                    maskige_palette=maskige_palette)
    for name, palette in palettes.items():
        if palette is not None and len(palette) != len(class_names):
            raise ValueError(f'draw_panel: {name} has {len(palette)} colours '
                             f'for {len(class_names)} classes')

    if gt is None:
        missing = _placeholder(height, width)
        gt_tile = gt_maskige_tile = error_tile = missing
    else:
        gt_tile = colorize(gt, dataset_palette)
        gt_maskige_tile = (_placeholder(height, width, 'other taxonomy')
                           if gt_maskige is None else gt_maskige)
        error_tile = error_map(gt, pred, ignore_index)
    tiles = [image, gt_tile, gt_maskige_tile, pred_maskige,
             colorize(pred, dataset_palette), error_tile]

    panel_width = len(tiles) * width
    titles = np.empty((TITLE_HEIGHT, panel_width, 3), dtype=np.uint8)
    titles[:] = BAR_COLOR
    for i, title in enumerate(TITLES):
        _put_text(titles, title, i * width + 2, TITLE_HEIGHT // 2, width - 4)

    present = set(np.unique(pred).tolist())
    if gt is not None:
        present |= set(np.unique(gt).tolist())
    classes = sorted(c for c in present if 0 <= c < len(class_names))
    entries = [((dataset_palette[c], ) if maskige_palette is None else
                (dataset_palette[c], maskige_palette[c]), str(class_names[c]))
               for c in classes]
    key = _legend(legend_key(maskige_palette is not None), panel_width)
    return np.concatenate([
        titles,
        np.concatenate(tiles, axis=1), key,
        _legend(entries, panel_width)
    ])


def is_gss_model(model):
    """Whether ``model`` (an mmseg segmentor, possibly wrapped) has a test
    path that returns the predicted maskige: a ``GSSEncoderDecoder`` with a
    GSS decode head."""
    return getattr(getattr(model, 'module', model), 'has_gss_head', False)


def gt_maskige(codec, gt):
    """X(gt), the ground truth painted in the maskige palette.

    Args:
        codec (MaskigeCodec): The GSS head's palette.
        gt (np.ndarray): (H, W) labels, the head's ignore index where
            ignored.

    Returns:
        np.ndarray: (H, W, 3) uint8 RGB maskige.
    """
    labels = torch.as_tensor(np.asarray(gt, dtype=np.int64),
                             device=codec.colors.device)
    return maskige_to_image(codec.encode(labels[None])[0])


def maskige_parts(model, gt):
    """The maskige columns' share of a panel: X(gt) and the legend's
    maskige colours.

    The maskige palette paints the head's classes. A model whose panels
    show other classes (MSeg's ``MultiDomainEncoderDecoder`` predicting a
    test dataset's taxonomy from universal scores, see its
    ``panel_classes``) has no maskige colour for them: then the GT maskige
    is a placeholder and the legend shows the dataset colours only.

    Args:
        model (GSSEncoderDecoder): A segmentor with a GSS decode head.
        gt (np.ndarray | None): (H, W) ground-truth labels in the classes
            the panels show.

    Returns:
        tuple: ``gt_maskige`` ((H, W, 3) uint8, or None) and
        ``maskige_palette`` ((K, 3) colours, or None).
    """
    if not model.panel_classes()[1]:
        return None, None
    codec = model.decode_head.codec
    return (None if gt is None else gt_maskige(codec, gt),
            codec.palette.colors)


def run_sample(model, img, gt=None):
    """The panel inputs of one image, from the model's own test path.

    Args:
        model (GSSEncoderDecoder): A segmentor with a GSS decode head and a
            ``cfg`` with a test pipeline (as made by ``init_segmentor``).
        img (str | np.ndarray): Image file or BGR array (as mmcv reads it).
        gt (np.ndarray, optional): (H, W) ground-truth labels.

    Returns:
        dict: ``image`` (H, W, 3) RGB, ``gt``, ``gt_maskige`` (None without
        ``gt``), ``pred_maskige`` (H, W, 3) uint8 and ``pred`` (H, W),
        the keyword arguments of :func:`draw_panel` for this image.

    Raises:
        TypeError: The model returns no maskige.
    """
    model = getattr(model, 'module', model)
    if not is_gss_model(model):
        raise TypeError(
            f'{type(model).__name__} with a '
            f'{type(model.decode_head).__name__} decode head returns no '
            'maskige: panels need type=\'GSSEncoderDecoder\' with a GSS '
            'head (GSSFFHead or GSSFTWHead)')
    image = mmcv.imread(img)
    result = model.test_image(image)
    pred = result[0]
    if gt is not None and gt.shape != pred.shape:
        raise ValueError(f'the ground truth is {gt.shape} but the image is '
                         f'{pred.shape}')
    return dict(
        image=mmcv.bgr2rgb(image),
        gt=gt,
        gt_maskige=maskige_parts(model, gt)[0],
        pred_maskige=result.maskiges[0],
        pred=pred)


def model_panel(model, img, gt=None, palette=None):
    """The panel of one image (see :func:`draw_panel`).

    Args:
        model (GSSEncoderDecoder): A GSS segmentor with ``CLASSES`` and
            ``PALETTE`` (from its checkpoint) and a ``cfg``.
        img (str | np.ndarray): Image file or BGR array.
        gt (np.ndarray, optional): (H, W) ground-truth labels.
        palette (array-like, optional): (K, 3) RGB dataset colours; defaults
            to ``model.PALETTE``.

    Returns:
        np.ndarray: uint8 RGB panel.
    """
    model = getattr(model, 'module', model)
    palette = model.PALETTE if palette is None else palette
    if palette is None:
        raise ValueError('the model has no PALETTE (its checkpoint meta '
                         'lacks one): pass the dataset palette')
    head = model.decode_head
    return draw_panel(
        **run_sample(model, img, gt),
        class_names=model.panel_classes()[0],
        dataset_palette=palette,
        ignore_index=head.ignore_index,
        maskige_palette=maskige_parts(model, None)[1])
