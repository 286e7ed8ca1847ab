"""Every change GSS makes to mmcv, mmseg and torch behaviour, in one place.

``import gss`` calls :func:`apply_all` before anything else, which applies
the patches of :data:`PATCHES` in order. Each patch is a small named
function whose docstring gives its reason; its :class:`Patch` entry names
the upstream versions it fixes or adapts and how to check it is in place.
The patches of :data:`SCOPED_PATCHES` are context managers that change
upstream behaviour inside their block only (an ONNX export); ``import gss``
applies none of them. Both lists are printed in install.md ("What
``import gss`` changes upstream"), and ``tests/test_compat/test_patches.py``
checks them against the code. No other module of ``gss`` assigns into
mmcv, mmseg or torch (``tests/test_compat/test_upstream_writes.py``).

The patched classes and functions stay where their logic lives
(:class:`gss.apis.SafeIterBasedRunner`, :func:`gss.apis.build_ddp`,
:mod:`gss.utils.checkpoint`, :mod:`gss.utils.downloads`,
:mod:`gss.datasets.label_range`, :mod:`gss.deploy.export_friendly`, the
startup hook :mod:`gss_mmcv_ops`); only installing them over upstream
names happens here.
"""
import sys

from . import messages, mmcv_patches, mmseg_patches  # noqa: F401,I001  (registration order)
from .deploy_patches import use_export_friendly_layers
from .messages import BENIGN_LOG, BENIGN_WARNINGS, silence_benign_warnings
from .mmcv_patches import patch_scatter_streams
from .registry import PATCHES, SCOPED_PATCHES, Patch, ScopedPatch


def apply_all():
    """Apply every patch of :data:`PATCHES`, in order; idempotent."""
    for patch in PATCHES:
        patch.apply()


def stand_in_installed():
    """Whether ``mmcv.ops`` is GSS's stand-in (pure-Python mmcv) rather
    than mmcv-full's compiled ops."""
    return getattr(sys.modules.get('mmcv.ops'), '__gss_stand_in__', False)


__all__ = [
    'PATCHES', 'Patch', 'SCOPED_PATCHES', 'ScopedPatch', 'apply_all',
    'stand_in_installed', 'silence_benign_warnings', 'patch_scatter_streams',
    'use_export_friendly_layers', 'BENIGN_WARNINGS', 'BENIGN_LOG'
]
