"""Compatibility with the pure-Python build of mmcv 1.7 (``pip install mmcv``).

The pure-Python build ships ``mmcv/ops`` but not the compiled ``mmcv._ext``
extension, so ``import mmcv.ops`` raises. mmsegmentation 0.30 guards every
``mmcv.ops`` import except one (``mmseg/models/losses/focal_loss.py`` imports
``sigmoid_focal_loss``), and mmcv's own ``revert_sync_batchnorm`` reads
``mmcv.ops.SyncBatchNorm`` whenever ``mmcv`` has an ``ops`` attribute.

When the compiled ops are missing, this module installs a small stand-in
``mmcv.ops`` that:

* offers ``sigmoid_focal_loss`` which raises a clear error if it is ever
  *called* (importing mmseg no longer fails; GSS never uses focal loss);
* offers a ``SyncBatchNorm`` class that nothing instantiates, so
  ``revert_sync_batchnorm`` only converts ``torch.nn.SyncBatchNorm``;
* raises ``ModuleNotFoundError`` for any other name, so mmseg's guarded
  imports (``try: from mmcv.ops import ... except ModuleNotFoundError``)
  behave as they do when mmcv.ops cannot be imported.

With ``mmcv-full`` installed (compiled ops present) this module does nothing.
"""
import importlib
import sys
import types

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


STAND_IN_INSTALLED = install()
