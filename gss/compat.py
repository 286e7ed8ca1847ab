"""Compatibility of mmcv 1.7 with the pinned stack.

1. GPU data parallelism on torch 2.x: mmcv's ``Scatter`` (used by
   ``MMDataParallel`` and ``MMDistributedDataParallel`` to move every batch
   to the GPU) passes integer GPU ids to torch's private
   ``torch.nn.parallel._functions._get_stream``, which now takes a
   ``torch.device``; every CUDA training or test step would fail with
   ``'int' object has no attribute 'type'``. :func:`patch_scatter_streams`
   gives mmcv a version that accepts both.

   Testing with ``MMDistributedDataParallel`` (``tools/dist_test.sh``)
   reads ``_use_replicated_tensor_module``, a DDP attribute torch 2.0
   removed; :func:`patch_ddp_forward` restores its value, False.

2. The pure-Python build of mmcv 1.7 (``pip install mmcv``) has no
   compiled ops, so ``import mmcv.ops``, and with it ``import mmseg.models``,
   fail. :func:`install` puts the stand-in ``mmcv.ops`` of the top-level
   module :mod:`gss_mmcv_ops` in place (which the ``gss-mmcv-ops.pth``
   startup hook installed with GSS already does for scripts that import
   mmseg before gss). With ``mmcv-full`` installed it does nothing.

3. Known-benign messages of the pinned stack, silenced by
   :func:`silence_benign_warnings` before mmcv is first imported (importing
   ``gss`` first, as every tool and config does, is enough). Each filter
   matches one message of one module, so every other warning, ours
   included, still shows:

   * mmcv 1.7's ``On January 1, 2023, MMCV will release v2.0.0 ...``
     (``warnings.warn`` in ``mmcv/__init__.py``, at every import): a notice
     about a release this project does not use;
   * ``Fail to import MultiScaleDeformableAttention ... install mmcv-full``
     (``mmcv/cnn/bricks/transformer.py``, when mmseg imports ``mmcv.cnn``):
     GSS needs no compiled ops (see 2.);
   * torch's ``No CUDA runtime is found, using CUDA_HOME=...`` (a
     ``logging`` warning of ``torch.utils.cpp_extension``, imported by
     mmcv): a CUDA toolkit without a GPU, normal on a CPU machine;
   * torch's ``'pin_memory' argument is set as true but no accelerator is
     found`` (``torch.utils.data.dataloader``): mmseg's data loaders always
     ask for pinned memory, which only matters on a GPU.

4. mmseg 0.30's ``CustomDataset.evaluate`` returns numpy float32 metrics,
   already rounded as its tables print them (two decimals of a
   percentage); converted to Python floats, mmcv's log and every JSON dump
   carry float32 noise (``0.880299985408783`` for 88.03 %).
   :func:`patch_metric_rounding` returns Python floats rounded to 4
   decimals (``0.8803``). mmseg's test loops also leave their progress bar
   without a newline, so the next line (``per class results:``) is printed
   after ``ETA: 0s``; :func:`patch_progress_newline` ends the bar's line.
"""
import functools
import importlib
import logging
import sys
import warnings

import numpy as np
import torch
import torch.distributed as dist

import gss_mmcv_ops

#: (message, category, module) regular expressions of the warnings that
#: :func:`silence_benign_warnings` ignores; see the module docstring.
BENIGN_WARNINGS = (
    (r'On January 1, 2023, MMCV will release v2\.0\.0', UserWarning,
     r'mmcv\Z'),
    (r'Fail to import ``MultiScaleDeformableAttention``', UserWarning,
     r'mmcv\.cnn\.bricks\.transformer\Z'),
    (r"'pin_memory' argument is set as true but no accelerator is found",
     UserWarning, r'torch\.utils\.data\.dataloader\Z'),
)
#: torch logger and the start of its benign message.
BENIGN_LOG = ('torch.utils.cpp_extension', 'No CUDA runtime is found')


def install():
    """Give mmcv a stand-in ``mmcv.ops`` if its compiled ops are missing.

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


class _DropMessage(logging.Filter):
    """Drop the records whose format string starts with ``prefix``."""

    def __init__(self, prefix):
        super().__init__()
        self.prefix = prefix

    def filter(self, record):
        return not str(record.msg).startswith(self.prefix)


def silence_benign_warnings():
    """Ignore the known-benign third-party messages (see ``BENIGN_WARNINGS``
    and ``BENIGN_LOG``); idempotent."""
    for message, category, module in BENIGN_WARNINGS:
        warnings.filterwarnings(
            'ignore', message=message, category=category, module=module)
    name, prefix = BENIGN_LOG
    logger = logging.getLogger(name)
    if not any(isinstance(f, _DropMessage) for f in logger.filters):
        logger.addFilter(_DropMessage(prefix))


def patch_scatter_streams():
    """Let mmcv's ``Scatter`` hand integer GPU ids to torch's ``_get_stream``.

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


def patch_ddp_forward():
    """Give mmcv's DDP wrapper the ``_use_replicated_tensor_module`` flag
    its ``_run_ddp_forward`` reads (torch < 2.0 set it; it was False unless
    a replicated-tensor experiment was switched on)."""
    from mmcv.parallel import MMDistributedDataParallel
    if not hasattr(torch.nn.parallel.DistributedDataParallel,
                   '_use_replicated_tensor_module'):
        MMDistributedDataParallel._use_replicated_tensor_module = False


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


def patch_metric_rounding():
    """Make mmseg's ``CustomDataset.evaluate`` return Python floats rounded
    to 4 decimals (subclasses that call it, or inherit it, follow)."""
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


def patch_progress_newline():
    """End the progress-bar line of mmseg's ``single_gpu_test`` and
    ``multi_gpu_test``, as the tools and mmseg's eval hooks import them.

    Not applied on ``import gss``: ``mmseg.apis`` imports matplotlib. The
    tools call it (``tools/_cli.py``).
    """
    import mmseg.apis
    import mmseg.apis.test
    for name in ('single_gpu_test', 'multi_gpu_test'):
        loop = getattr(mmseg.apis.test, name)
        if not getattr(loop, '__gss_patched__', False):
            loop = _newline_after(loop)
        setattr(mmseg.apis.test, name, loop)
        setattr(mmseg.apis, name, loop)


silence_benign_warnings()
STAND_IN_INSTALLED = install()
patch_scatter_streams()
patch_ddp_forward()
patch_metric_rounding()
