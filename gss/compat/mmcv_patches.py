"""Patches of mmcv 1.7 (see :mod:`gss.compat`)."""
import importlib
import sys

import torch

import gss_mmcv_ops
from .registry import compat_patch


def _ops_importable():
    try:
        importlib.import_module('mmcv.ops')
    except ImportError:
        return False
    return True


@compat_patch('mmcv 1.7.x pure-Python build (pip install mmcv)',
              is_applied=_ops_importable)
def install_mmcv_ops_stand_in():
    """Give mmcv a stand-in ``mmcv.ops`` if its compiled ops are missing.

    The pure-Python build of mmcv 1.7 has no compiled ops, so
    ``import mmcv.ops``, and with it ``import mmseg.models``, fail. This
    puts the stand-in of the top-level module :mod:`gss_mmcv_ops` in place
    (the ``gss-mmcv-ops.pth`` startup hook installed with GSS does the
    same for scripts that import mmseg before gss). With ``mmcv-full`` it
    does nothing. Must run before mmseg is imported.

    Returns:
        bool: True if ``mmcv.ops`` is the stand-in, False if mmcv-full's
        real ops are in use.
    """
    gss_mmcv_ops.install_finder()
    try:
        ops = importlib.import_module('mmcv.ops')
    except (ImportError, OSError):
        # mmcv._ext is there but does not load (e.g. built for another
        # torch): the finder let the real package fail.
        import mmcv
        ops = sys.modules['mmcv.ops'] = mmcv.ops = \
            gss_mmcv_ops.build_stand_in()
    return getattr(ops, '__gss_stand_in__', False)


def _scatter_patched():
    from mmcv.parallel import _functions
    return getattr(_functions._get_stream, '__gss_patched__', False)


@compat_patch('mmcv 1.7.x with torch >= 2.0', is_applied=_scatter_patched)
def patch_scatter_streams():
    """Let mmcv's ``Scatter`` hand integer GPU ids to torch's ``_get_stream``.

    ``MMDataParallel`` and ``MMDistributedDataParallel`` move every batch to
    the GPU through mmcv's ``Scatter``, which passes integer GPU ids to
    torch's private ``torch.nn.parallel._functions._get_stream``; torch 2.x
    takes a ``torch.device`` there, so every CUDA step failed with
    ``'int' object has no attribute 'type'``.

    Returns:
        bool: True once mmcv's module uses the patched function.
    """
    from mmcv.parallel import _functions
    get_stream = _functions._get_stream
    if getattr(get_stream, '__gss_patched__', False):
        return True

    def _get_stream(device):
        if isinstance(device, int):
            device = torch.device('cuda', device)
        return get_stream(device)

    _get_stream.__gss_patched__ = True
    _get_stream.__wrapped__ = get_stream
    _functions._get_stream = _get_stream
    return True


def _ddp_flag_present():
    from mmcv.parallel import MMDistributedDataParallel
    return hasattr(MMDistributedDataParallel, '_use_replicated_tensor_module')


@compat_patch('mmcv 1.7.x with torch >= 2.0', is_applied=_ddp_flag_present)
def patch_ddp_forward():
    """Give mmcv's DDP wrapper the ``_use_replicated_tensor_module`` flag
    its ``_run_ddp_forward`` reads: torch 2.0 removed the attribute (it was
    False unless a replicated-tensor experiment was on), so every
    ``tools/dist_test.sh`` run failed."""
    from mmcv.parallel import MMDistributedDataParallel
    if not hasattr(torch.nn.parallel.DistributedDataParallel,
                   '_use_replicated_tensor_module'):
        MMDistributedDataParallel._use_replicated_tensor_module = False


def _safe_loader_registered():
    from mmcv.runner import CheckpointLoader

    from ..utils.checkpoint import load_from_local
    return CheckpointLoader._schemes.get('') is load_from_local


@compat_patch('mmcv 1.7.x CheckpointLoader (full unpickling by default)',
              is_applied=_safe_loader_registered)
def use_weights_only_checkpoint_loading():
    """Make mmcv's local-file checkpoint loading weights-only.

    mmcv 1.7 loads local checkpoints with a plain ``torch.load``, which
    unpickles arbitrary objects (running code from the file). This
    registers :func:`gss.utils.checkpoint.load_from_local` as mmcv's loader
    for local paths, so ``load_checkpoint``, ``runner.resume``,
    ``--load-from`` and ``init_segmentor`` load weights-only with GSS's
    allow-list for every checkpoint in the process.
    """
    from mmcv.runner import CheckpointLoader

    from ..utils.checkpoint import load_from_local
    CheckpointLoader.register_scheme(prefixes='', force=True)(load_from_local)


def _downloads_explained():
    import mmcv.runner.checkpoint as mmcv_checkpoint
    from mmcv.runner import CheckpointLoader

    from ..utils.downloads import load_from_http
    return mmcv_checkpoint.load_from_http is load_from_http and all(
        CheckpointLoader._schemes.get(prefix) is load_from_http
        for prefix in ('http://', 'https://'))


@compat_patch('mmcv 1.7.x load_from_http (offline: a bare URLError)',
              is_applied=_downloads_explained)
def explain_failed_weight_downloads():
    """Make mmcv download pretrained weights through
    :func:`gss.utils.downloads.load_from_http`: URLs and the
    ``open-mmlab://``, ``torchvision://`` and ``mmcls://`` aliases, whose
    loaders call the module's ``load_from_http``. Offline and without a
    cached copy, mmcv 1.7 ends in a 30-frame ``URLError`` that names
    neither the file nor what to do; this raises a
    :class:`gss.utils.WeightsDownloadError` naming the URL, the cache file
    and the ways to proceed."""
    import mmcv.runner.checkpoint as mmcv_checkpoint
    from mmcv.runner import CheckpointLoader

    from ..utils.downloads import load_from_http
    mmcv_checkpoint.load_from_http = load_from_http
    CheckpointLoader.register_scheme(
        prefixes=('http://', 'https://'), force=True)(load_from_http)


def _runner_registered():
    from mmcv.runner import RUNNERS

    from ..apis.runner import SafeIterBasedRunner
    return RUNNERS.get('IterBasedRunner') is SafeIterBasedRunner


@compat_patch('mmcv 1.7.x IterBasedRunner, as mmseg 0.30 train_segmentor '
              'builds it', is_applied=_runner_registered)
def use_safe_iter_based_runner():
    """Register :class:`gss.apis.SafeIterBasedRunner` under mmcv's name
    ``IterBasedRunner``.

    mmcv 1.7's runner repeats an iteration after ``--resume-from``, does
    not restore the data order or RNG streams, and can leave a truncated
    ``latest.pth`` when killed; mmseg 0.30's ``train_segmentor`` evaluates
    by iteration only when the runner type is literally
    ``'IterBasedRunner'``, so the safe runner takes over that name and
    every config keeps working unchanged.
    """
    from mmcv.runner import RUNNERS

    from ..apis.runner import SafeIterBasedRunner
    RUNNERS.register_module(name='IterBasedRunner',
                            module=SafeIterBasedRunner, force=True)
