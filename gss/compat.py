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
"""
import importlib
import sys

import torch

import gss_mmcv_ops


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
