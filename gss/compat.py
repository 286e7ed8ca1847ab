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

2. The pure-Python build of mmcv 1.7 (``pip install mmcv``) ships
   ``mmcv/ops`` but not the compiled ``mmcv._ext`` extension, so
   ``import mmcv.ops`` raises. mmsegmentation 0.30 guards every
   ``mmcv.ops`` import except one (``mmseg/models/losses/focal_loss.py``
   imports ``sigmoid_focal_loss``), and mmcv's own
   ``revert_sync_batchnorm`` reads ``mmcv.ops.SyncBatchNorm`` whenever
   ``mmcv`` has an ``ops`` attribute. When the compiled ops are missing,
   :func:`install` puts a small stand-in ``mmcv.ops`` in place that:

   * offers ``sigmoid_focal_loss`` which raises a clear error if it is
     ever *called* (importing mmseg no longer fails; GSS never uses focal
     loss);
   * offers a ``SyncBatchNorm`` class that nothing instantiates, so
     ``revert_sync_batchnorm`` only converts ``torch.nn.SyncBatchNorm``;
   * raises ``ModuleNotFoundError`` for any other name, so mmseg's guarded
     imports (``try: from mmcv.ops import ... except
     ModuleNotFoundError``) behave as they do when mmcv.ops cannot be
     imported.

   With ``mmcv-full`` installed (compiled ops present) it does nothing.
"""
import importlib
import sys
import types

import torch

MMCV_FULL_HINT = ('install mmcv-full==1.7.2 (see install.md, "Optional: '
                  'mmcv-full") to use compiled mmcv ops')


def has_compiled_ops():
    """Return True when ``mmcv.ops`` imports (i.e. mmcv-full is installed)."""
    try:
        importlib.import_module('mmcv.ops')
    except (ImportError, OSError):
        sys.modules.pop('mmcv.ops', None)
        return False
    return True


class _MissingOpsSyncBatchNorm:
    """Placeholder for ``mmcv.ops.SyncBatchNorm``; never instantiated."""

    def __init__(self, *args, **kwargs):
        raise RuntimeError('mmcv.ops.SyncBatchNorm needs compiled mmcv ops: '
                           f'use type="SyncBN" (torch) instead, or '
                           f'{MMCV_FULL_HINT}.')


def _sigmoid_focal_loss(*args, **kwargs):
    raise RuntimeError('sigmoid_focal_loss needs compiled mmcv ops: '
                       f'{MMCV_FULL_HINT}.')


def _missing_op(name):
    # Private names are probed with hasattr() by mmcv (e.g. ``_check_balance``
    # while scanning sys.modules), which only tolerates AttributeError.
    if name.startswith('_'):
        raise AttributeError(name)
    # mmseg guards these imports with ``except ModuleNotFoundError`` (a
    # subclass of ImportError); ``from mmcv.ops import name`` propagates any
    # non-AttributeError raised here unchanged.
    raise ModuleNotFoundError(
        f'mmcv.ops.{name} is unavailable: the pure-Python mmcv build has no '
        f'compiled ops; {MMCV_FULL_HINT}.',
        name='mmcv.ops')


def install():
    """Install the ``mmcv.ops`` stand-in if compiled ops are missing.

    Returns:
        bool: True if the stand-in was installed, False if mmcv-full's real
        ops are present (nothing changed).
    """
    if isinstance(sys.modules.get('mmcv.ops'), types.ModuleType) and \
            getattr(sys.modules['mmcv.ops'], '__gss_stand_in__', False):
        return True
    if has_compiled_ops():
        return False
    import mmcv
    ops = types.ModuleType('mmcv.ops')
    ops.__doc__ = 'GSS stand-in for mmcv.ops (pure-Python mmcv build).'
    ops.__gss_stand_in__ = True
    ops.sigmoid_focal_loss = _sigmoid_focal_loss
    ops.SyncBatchNorm = _MissingOpsSyncBatchNorm
    ops.__getattr__ = _missing_op
    sys.modules['mmcv.ops'] = ops
    mmcv.ops = ops
    return True


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


STAND_IN_INSTALLED = install()
patch_scatter_streams()
patch_ddp_forward()
