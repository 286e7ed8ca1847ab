"""A stand-in ``mmcv.ops`` for mmcv's pure-Python build, from startup on.

The pure-Python build of mmcv 1.7 (``pip install mmcv``) ships
``mmcv/ops`` but not the compiled ``mmcv._ext`` extension, so
``import mmcv.ops`` raises ``No module named 'mmcv._ext'``. mmsegmentation
0.30 guards every ``mmcv.ops`` import except one
(``mmseg/models/losses/focal_loss.py`` imports ``sigmoid_focal_loss``), so
``import mmseg.models`` and ``mmseg.apis`` fail too, unless something puts
a stand-in in place first. The stand-in:

* offers ``sigmoid_focal_loss``, which raises a clear error if it is ever
  *called* (GSS never uses focal loss);
* offers a ``SyncBatchNorm`` class that nothing instantiates, so mmcv's
  ``revert_sync_batchnorm`` (which reads ``mmcv.ops.SyncBatchNorm``) only
  converts ``torch.nn.SyncBatchNorm``;
* raises ``ModuleNotFoundError`` for any other name, so mmseg's guarded
  imports (``try: from mmcv.ops import ... except ModuleNotFoundError``)
  behave as they do when mmcv.ops cannot be imported.

Installing GSS puts ``gss-mmcv-ops.pth`` into site-packages. Python runs
its one line at startup, which calls :func:`install_finder`: it adds a
finder to ``sys.meta_path`` and imports nothing else. The finder acts only
when ``mmcv.ops`` is imported and ``mmcv._ext`` is absent, so scripts that
import ``mmseg.apis`` before any config (mmseg's own tools, notebooks) work
without ``import gss``; with ``mmcv-full`` it does nothing.
``gss.compat`` installs the same finder when ``gss`` is imported without the
``.pth`` (a source checkout on ``PYTHONPATH``).

This is a top-level module, not part of the ``gss`` package, so that
startup does not import ``gss`` (and torch, mmcv and mmseg with it).
"""
import importlib.machinery
import importlib.util
import sys
import types

MMCV_FULL_HINT = ('install mmcv-full==1.7.2 (see install.md, "Optional: '
                  'mmcv-full") to use compiled mmcv ops')


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
    # while scanning sys.modules) and by the import system (``__file__``),
    # which only tolerate AttributeError.
    if name.startswith('_'):
        raise AttributeError(name)
    # mmseg guards these imports with ``except ModuleNotFoundError`` (a
    # subclass of ImportError); ``from mmcv.ops import name`` propagates any
    # non-AttributeError raised here unchanged.
    raise ModuleNotFoundError(
        f'mmcv.ops.{name} is unavailable: the pure-Python mmcv build has no '
        f'compiled ops; {MMCV_FULL_HINT}.',
        name='mmcv.ops')


def build_stand_in():
    """Make the stand-in ``mmcv.ops`` module.

    Returns:
        types.ModuleType: A module named ``mmcv.ops`` with
        ``__gss_stand_in__ = True``.
    """
    ops = types.ModuleType('mmcv.ops')
    ops.__doc__ = 'GSS stand-in for mmcv.ops (pure-Python mmcv build).'
    ops.__gss_stand_in__ = True
    ops.sigmoid_focal_loss = _sigmoid_focal_loss
    ops.SyncBatchNorm = _MissingOpsSyncBatchNorm
    ops.__getattr__ = _missing_op
    return ops


class _StandInLoader:
    """Loader that returns :func:`build_stand_in`'s module."""

    @staticmethod
    def create_module(spec):
        return build_stand_in()

    @staticmethod
    def exec_module(module):
        pass


class StandInFinder:
    """``sys.meta_path`` finder: the stand-in for ``mmcv.ops`` when mmcv's
    compiled ``_ext`` is missing; nothing otherwise."""

    @staticmethod
    def find_spec(fullname, path=None, target=None):
        if fullname != 'mmcv.ops' or importlib.util.find_spec(
                'mmcv._ext') is not None:
            return None
        return importlib.machinery.ModuleSpec(fullname, _StandInLoader())


def install_finder():
    """Put :class:`StandInFinder` first on ``sys.meta_path`` (once)."""
    if StandInFinder not in sys.meta_path:
        sys.meta_path.insert(0, StandInFinder)
