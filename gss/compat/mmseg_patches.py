"""Patches of mmsegmentation 0.30 (see :mod:`gss.compat`)."""
import functools
import sys

import numpy as np
import torch.distributed as dist

from .registry import compat_patch


def _rounded_metrics(evaluate):

    @functools.wraps(evaluate)
    def wrapper(*args, **kwargs):
        metrics = evaluate(*args, **kwargs)
        return {
            key: round(float(value), 4)
            if isinstance(value, (float, np.floating)) else value
            for key, value in metrics.items()
        }

    wrapper.__gss_patched__ = True
    return wrapper


def _metrics_rounded():
    from mmseg.datasets import CustomDataset
    return getattr(CustomDataset.evaluate, '__gss_patched__', False)


@compat_patch('mmseg 0.30 CustomDataset.evaluate',
              is_applied=_metrics_rounded)
def patch_metric_rounding():
    """Make mmseg's ``CustomDataset.evaluate`` return Python floats rounded
    to 4 decimals (subclasses that call it, or inherit it, follow).

    mmseg 0.30 returns numpy float32 metrics, already rounded as its tables
    print them (two decimals of a percentage); converted to Python floats,
    mmcv's log and every JSON dump carry float32 noise
    (``0.880299985408783`` for 88.03 %).
    """
    from mmseg.datasets import CustomDataset
    if not getattr(CustomDataset.evaluate, '__gss_patched__', False):
        CustomDataset.evaluate = _rounded_metrics(CustomDataset.evaluate)


def _newline_after(test_loop):

    @functools.wraps(test_loop)
    def wrapper(*args, **kwargs):
        results = test_loop(*args, **kwargs)
        # Only rank 0 draws the bar.
        if not dist.is_initialized() or dist.get_rank() == 0:
            sys.stdout.write('\n')
        return results

    wrapper.__gss_patched__ = True
    return wrapper


_TEST_LOOPS = ('single_gpu_test', 'multi_gpu_test')


def _progress_newline_patched():
    import mmseg.apis
    import mmseg.apis.test
    return all(
        getattr(getattr(module, name), '__gss_patched__', False)
        for module in (mmseg.apis, mmseg.apis.test) for name in _TEST_LOOPS)


@compat_patch('mmseg 0.30 single_gpu_test / multi_gpu_test',
              is_applied=_progress_newline_patched)
def patch_progress_newline():
    """End the progress-bar line of mmseg's ``single_gpu_test`` and
    ``multi_gpu_test``, as the tools and mmseg's eval hooks import them.

    mmseg 0.30's test loops leave their progress bar without a newline, so
    the next line (``per class results:``) was printed after ``ETA: 0s``.
    """
    import mmseg.apis
    import mmseg.apis.test
    for name in _TEST_LOOPS:
        loop = getattr(mmseg.apis.test, name)
        if not getattr(loop, '__gss_patched__', False):
            loop = _newline_after(loop)
        setattr(mmseg.apis.test, name, loop)
        setattr(mmseg.apis, name, loop)


def _init_segmentor_strict():
    from mmseg.apis import inference

    from ..utils.checkpoint import load_checkpoint
    return inference.load_checkpoint is load_checkpoint


@compat_patch('mmseg 0.30 init_segmentor (non-strict loading)',
              is_applied=_init_segmentor_strict)
def make_init_segmentor_strict():
    """Make mmseg's ``init_segmentor`` (and so ``demo/image_demo.py`` and
    notebooks) load checkpoints with GSS's strict
    :func:`gss.utils.checkpoint.load_checkpoint`: mmseg 0.30 loads
    non-strictly and would run a partly random model after a one-line
    warning."""
    from mmseg.apis import inference

    from ..utils.checkpoint import load_checkpoint
    inference.load_checkpoint = load_checkpoint


def _ddp_routed():
    import mmseg.apis.train as mmseg_train

    from ..apis.dist import build_ddp
    return mmseg_train.build_ddp is build_ddp


@compat_patch('mmseg 0.30 train_segmentor (build_ddp asserts CUDA)',
              is_applied=_ddp_routed)
def route_mmseg_ddp_through_gss():
    """Make ``mmseg.apis.train_segmentor`` wrap models with
    :func:`gss.apis.build_ddp`, so CPU processes train with gloo
    (``tools/dist_train.sh`` without CUDA); mmseg 0.30's ``build_ddp``
    asserts a CUDA, NPU or MLU device. On those devices GSS's
    ``build_ddp`` is mmseg's."""
    import mmseg.apis.train as mmseg_train

    from ..apis.dist import build_ddp
    mmseg_train.build_ddp = build_ddp


def _fast_simple_test_installed():
    from mmseg.models.segmentors import EncoderDecoder

    from ..models.segmentors.fast_simple_test import simple_test
    return EncoderDecoder.simple_test is simple_test


@compat_patch('mmseg 0.30 EncoderDecoder.simple_test (slow CPU argmax)',
              is_applied=_fast_simple_test_installed)
def use_fast_simple_test_argmax():
    """Make mmseg's ``EncoderDecoder.simple_test`` (and so every segmentor
    that inherits or calls it) take the label argmax with
    :func:`gss.utils.argmax`: the same labels, without torch's slow CPU
    argmax over the class axis (``gss/models/segmentors/fast_simple_test.py``)."""
    from mmseg.models.segmentors import EncoderDecoder

    from ..models.segmentors.fast_simple_test import simple_test
    EncoderDecoder.simple_test = simple_test


def _image_loading_checked():
    from mmseg.datasets.pipelines import LoadImageFromFile
    return getattr(LoadImageFromFile.__call__, '__gss_patched__', False)


def _checked_image_loading(call):

    @functools.wraps(call)
    def wrapper(self, results):
        from ..datasets.file_checks import (check_image, pipeline_file,
                                            unreadable)
        filename = pipeline_file(results, 'img')
        try:
            results = call(self, results)
        except AttributeError:  # mmseg reads .shape of OpenCV's None
            raise unreadable(filename, 'image') from None
        except (OSError, ValueError) as err:  # Pillow, missing files
            raise unreadable(filename, 'image', err) from err
        check_image(results['img'], filename)
        return results

    wrapper.__gss_patched__ = True
    return wrapper


@compat_patch('mmseg 0.30 LoadImageFromFile (corrupt files)',
              is_applied=_image_loading_checked)
def check_loaded_images():
    """Make mmseg's ``LoadImageFromFile`` refuse an image file that does not
    decode, or an image under 2×2 pixels, with an error naming the file
    (:mod:`gss.datasets.file_checks`). mmseg 0.30 hands OpenCV's ``None``
    for a corrupt file on and fails with ``'NoneType' object has no
    attribute 'shape'``, naming no file."""
    from mmseg.datasets.pipelines import LoadImageFromFile
    if not _image_loading_checked():
        LoadImageFromFile.__call__ = _checked_image_loading(
            LoadImageFromFile.__call__)
