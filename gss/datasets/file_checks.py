"""Clear errors for data files that cannot be used as they are.

mmseg's loaders decode whatever bytes a file holds: OpenCV returns
``None`` for a corrupt image (and the pipeline fails later on
``'NoneType' object has no attribute 'shape'``), Pillow raises on a
corrupt label map without naming the file, a label map of another size
than its image is trained on with shifted labels, and an empty image
folder tests nothing and prints an all-NaN table. Each check here raises
:class:`DataFileError` naming the file (or folder) and the fix.
"""
import os.path as osp


class DataFileError(ValueError):
    """A data file (or folder) cannot be used as it is."""


def pipeline_file(results, kind):
    """The path of the file a loading step reads.

    Args:
        results (dict): The pipeline's results.
        kind (str): ``'img'`` or ``'seg'``.

    Returns:
        str: ``img_info['filename']`` (``ann_info['seg_map']``) under
        ``img_prefix`` (``seg_prefix``) when there is one.
    """
    name = results['img_info']['filename'] if kind == 'img' else \
        results['ann_info']['seg_map']
    prefix = results.get(f'{kind}_prefix')
    return name if prefix is None else osp.join(prefix, name)


def unreadable(filename, kind, err=None):
    """The error for an image or label file that does not decode.

    Args:
        filename (str): The file.
        kind (str): ``'image'`` or ``'label map'``.
        err (Exception, optional): What the decoder raised.

    Returns:
        DataFileError: To raise.
    """
    reason = f' ({type(err).__name__}: {err})' if err is not None else ''
    size = osp.getsize(filename) if osp.isfile(filename) else None
    state = 'does not exist' if size is None else \
        f'is not a readable {kind} ({size} bytes{reason})'
    return DataFileError(
        f'{filename} {state}: re-copy or re-extract it, or remove it (and '
        'its counterpart) from the dataset')


def check_image(img, filename):
    """Raise unless ``img`` decoded from ``filename`` is a usable image.

    Args:
        img (np.ndarray | None): What ``mmcv.imfrombytes`` returned.
        filename (str): The image file.

    Raises:
        DataFileError: The file did not decode, or the image is smaller
            than 2×2 pixels (nothing to crop, resize or pool).
    """
    if img is None:
        raise unreadable(filename, 'image')
    if min(img.shape[:2]) < 2:
        raise DataFileError(
            f'{filename}: the image is {img.shape[1]}×{img.shape[0]} '
            'pixels, too small to segment (at least 2×2); remove it and its '
            'label map from the dataset')


def check_label_size(seg_map, results, filename):
    """Raise if a label map has another size than its image.

    Args:
        seg_map (np.ndarray): (H, W) label map as loaded.
        results (dict): The pipeline's results; ``ori_shape`` and
            ``filename`` are the image's, when it was loaded before.
        filename (str): The label file.

    Raises:
        DataFileError: Naming both files and sizes.
    """
    shape = results.get('ori_shape')
    if shape is None or tuple(shape[:2]) == seg_map.shape[:2]:
        return
    raise DataFileError(
        f'{filename}: the label map is {seg_map.shape[1]}×'
        f'{seg_map.shape[0]} pixels but its image {results.get("filename")} '
        f'is {shape[1]}×{shape[0]}: every pixel would get the label of '
        'another one. Pair each image with its own label map (check '
        'img_suffix/seg_map_suffix and the split files) or resize the label '
        'map with nearest-neighbour interpolation')


def check_not_empty(dataset, split='test'):
    """Raise if ``dataset`` has no samples.

    Args:
        dataset (Dataset): A built dataset (``img_dir``/``img_suffix`` are
            read when it has them).
        split (str): Its name in ``cfg.data``, for the message.

    Raises:
        DataFileError: Naming the folder and the suffix searched.
    """
    if len(dataset):
        return
    img_dir = getattr(dataset, 'img_dir', None)
    suffix = getattr(dataset, 'img_suffix', None)
    where = f'no {suffix} image in {img_dir}' if img_dir else 'no samples'
    if getattr(dataset, 'split', None):
        where += f' listed in its split file {dataset.split}'
    raise DataFileError(
        f'data.{split} ({type(dataset).__name__}) has {where}: set '
        f'data.{split}.data_root/img_dir/img_suffix to the images (see '
        'docs/datasets.md)')
