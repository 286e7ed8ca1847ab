"""One label-range check for every label map, wherever it is loaded.

mmseg reads every label map through ``LoadAnnotations``: in the training
pipeline, in GSS's ``LoadTestAnnotations`` (stage-I tests), and as each
dataset's ``gt_seg_map_loader``, which evaluation (``pre_eval``,
``get_gt_seg_maps``) and the GSS panels of ``--show-dir`` use. Each of
these calls the dataset's ``pre_pipeline`` first. Left alone, ids outside
the classes are dropped from mmseg's label histogram but their predictions
still count in the union (a slightly wrong mIoU, exit code 0), or crash far
from the file that holds them.

``import gss`` (``check_label_maps`` in :mod:`gss.compat`) makes
``CustomDataset.pre_pipeline`` record the dataset's valid range in
``results['label_range']`` (:func:`with_label_range`) and
``LoadAnnotations`` check each map it loads against it with
:func:`check_label_range` (:func:`with_label_checks`), so every dataset
(GSS's and mmseg's own) stops at the first bad file with its name, the
offending ids and the fix. The same step refuses a label file that does
not decode or whose size differs from its image's
(:mod:`gss.datasets.file_checks`).
"""
import functools

import numpy as np

from .file_checks import check_label_size, pipeline_file, unreadable


class LabelRangeError(ValueError):
    """A label map holds ids that are neither a class nor ignored."""


def check_label_range(seg_map,
                      num_classes,
                      ignore_index,
                      filename,
                      dataset='the dataset',
                      reduced=False,
                      reduce_later=False):
    """Raise if ``seg_map`` holds ids outside the classes.

    Args:
        seg_map (np.ndarray): uint8 label map as loaded (after the
            dataset's ``label_map`` and the loader's ``reduce_zero_label``).
        num_classes (int): Number of classes K; ids 0..K-1 are valid.
        ignore_index (int): The ignored id.
        filename (str): The label file, for the message.
        dataset (str): Dataset name, for the message.
        reduced (bool): The loader applied ``reduce_zero_label``.
        reduce_later (bool): The map is reduced (0 -> ignore, v -> v - 1)
            after loading, as mmseg's evaluation does for datasets with
            ``reduce_zero_label=True``.

    Raises:
        LabelRangeError: Naming the file, the offending ids and the fix.
    """
    ids = np.flatnonzero(np.bincount(seg_map.ravel(), minlength=256))
    scored = ids.copy()
    if reduce_later:
        scored = np.where((ids == 0) | (ids == 255), ignore_index, ids - 1)
    bad = ids[(scored >= num_classes) & (scored != ignore_index)]
    if not len(bad):
        return
    if not (reduced or reduce_later) and bad.max() == num_classes:
        fix = (f'the ids look 1-based (1..{num_classes}): set '
               'reduce_zero_label=True in the dataset and in its '
               'LoadAnnotations step')
    else:
        fix = ("set num_classes (the decode head's and the tokenizer's) and "
               "the dataset's classes to cover them, or remap them with the "
               "dataset's label_map/classes (or reduce_zero_label for "
               '1-based labels)')
    if reduced:
        bad = bad + 1  # report the ids stored in the file
    raise LabelRangeError(
        f'{filename}: label ids {bad.tolist()} are outside the {num_classes} '
        f'classes of {dataset} (ids 0..{num_classes - 1}, {ignore_index} = '
        f'ignore). Fix: {fix}.')


def with_label_range(pre_pipeline):
    """A dataset's ``pre_pipeline`` that also records the dataset's label
    range in ``results['label_range']`` for :func:`with_label_checks`.

    Args:
        pre_pipeline (callable): mmseg's ``CustomDataset.pre_pipeline``.

    Returns:
        callable: The wrapped method, marked ``__gss_patched__``.
    """

    @functools.wraps(pre_pipeline)
    def wrapper(self, results):
        pre_pipeline(self, results)
        if self.CLASSES is not None:
            results['label_range'] = dict(
                num_classes=len(self.CLASSES),
                ignore_index=self.ignore_index,
                reduce_zero_label=self.reduce_zero_label,
                dataset=type(self).__name__)

    wrapper.__gss_patched__ = True
    return wrapper


def with_label_checks(call):
    """``LoadAnnotations.__call__`` that refuses a label map which does not
    decode, whose size differs from its image's, or which holds ids outside
    the range :func:`with_label_range` recorded.

    Args:
        call (callable): mmseg's ``LoadAnnotations.__call__``.

    Returns:
        callable: The wrapped method, marked ``__gss_patched__``.
    """

    @functools.wraps(call)
    def wrapper(self, results):
        filename = pipeline_file(results, 'seg')
        try:
            results = call(self, results)
        except (OSError, ValueError) as err:  # Pillow names no file
            raise unreadable(filename, 'label map', err) from err
        check_label_size(results['gt_semantic_seg'], results, filename)
        label_range = results.get('label_range')
        if label_range is not None:
            # Only evaluation loads ground truth without 'img_info'
            # (get_gt_seg_map_by_idx, get_gt_seg_maps); mmseg's metric then
            # applies the dataset's reduce_zero_label itself.
            reduce_later = 'img_info' not in results and \
                label_range['reduce_zero_label'] and \
                not self.reduce_zero_label
            check_label_range(
                results['gt_semantic_seg'],
                label_range['num_classes'],
                label_range['ignore_index'],
                filename,
                label_range['dataset'],
                reduced=self.reduce_zero_label,
                reduce_later=reduce_later)
        return results

    wrapper.__gss_patched__ = True
    return wrapper
