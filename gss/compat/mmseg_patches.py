"""Patches of mmsegmentation 0.30 (see :mod:`gss.compat`)."""
import functools

from .registry import compat_patch


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

    from ..models.segmentors.fast_simple_test import FastSimpleTestMixin
    return EncoderDecoder.simple_test is FastSimpleTestMixin.simple_test


@compat_patch('mmseg 0.30 EncoderDecoder.simple_test (slow CPU argmax)',
              is_applied=_fast_simple_test_installed)
def use_fast_simple_test_argmax():
    """Make mmseg's own ``EncoderDecoder.simple_test`` take the label argmax
    with :func:`gss.utils.argmax`: the same labels, without torch's slow CPU
    argmax over the class axis. For the models built as mmseg's
    ``EncoderDecoder`` (the UPerNet baselines' ``type='EncoderDecoder'``);
    GSS's segmentors have it by inheritance
    (:class:`gss.models.segmentors.fast_simple_test.FastSimpleTestMixin`)
    and do not depend on this patch."""
    from mmseg.models.segmentors import EncoderDecoder

    from ..models.segmentors.fast_simple_test import FastSimpleTestMixin
    EncoderDecoder.simple_test = FastSimpleTestMixin.simple_test


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


def _label_maps_checked():
    from mmseg.datasets import CustomDataset
    from mmseg.datasets.pipelines import LoadAnnotations
    return all(
        getattr(method, '__gss_patched__', False)
        for method in (CustomDataset.pre_pipeline, LoadAnnotations.__call__))


@compat_patch('mmseg 0.30 LoadAnnotations (label ids outside the classes)',
              is_applied=_label_maps_checked)
def check_label_maps():
    """Make every label map mmseg loads (training pipeline, evaluation,
    ``--show-dir`` panels) pass :mod:`gss.datasets.label_range`'s checks:
    ``CustomDataset.pre_pipeline`` records the dataset's classes and ignore
    index, ``LoadAnnotations`` refuses a map with other ids, naming the
    file, the ids and the fix. mmseg 0.30 drops such ids from the label
    histogram but counts their predictions (a slightly wrong mIoU, exit
    code 0), or fails far from the file."""
    from mmseg.datasets import CustomDataset
    from mmseg.datasets.pipelines import LoadAnnotations

    from ..datasets.label_range import with_label_checks, with_label_range
    if not getattr(CustomDataset.pre_pipeline, '__gss_patched__', False):
        CustomDataset.pre_pipeline = with_label_range(
            CustomDataset.pre_pipeline)
    if not getattr(LoadAnnotations.__call__, '__gss_patched__', False):
        LoadAnnotations.__call__ = with_label_checks(
            LoadAnnotations.__call__)
