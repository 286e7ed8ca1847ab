"""Every change GSS makes to mmcv, mmseg and torch behaviour, in one place.

``import gss`` calls :func:`apply_all` before anything else, which applies
the patches of :data:`PATCHES` in order. Each patch is a small named
function whose docstring gives its reason; its :class:`Patch` entry names
the upstream versions it fixes or adapts and how to check it is in place.
The list is printed in install.md ("What ``import gss`` changes upstream"),
and ``tests/test_compat.py`` checks that list against :data:`PATCHES`.

The patched classes and functions stay where their logic lives
(:class:`gss.apis.SafeIterBasedRunner`, :func:`gss.apis.build_ddp`,
:mod:`gss.utils.checkpoint`, the startup hook :mod:`gss_mmcv_ops`); only
installing them over upstream names happens here.
"""
import sys

from . import messages, mmcv_patches, mmseg_patches  # noqa: F401,I001  (registration order)
from .messages import BENIGN_LOG, BENIGN_WARNINGS, silence_benign_warnings
from .mmcv_patches import patch_scatter_streams
from .registry import PATCHES, Patch


def apply_all():
    """Apply every patch of :data:`PATCHES`, in order; idempotent."""
    for patch in PATCHES:
        patch.apply()


def stand_in_installed():
    """Whether ``mmcv.ops`` is GSS's stand-in (pure-Python mmcv) rather
    than mmcv-full's compiled ops."""
    return getattr(sys.modules.get('mmcv.ops'), '__gss_stand_in__', False)


__all__ = [
    'PATCHES', 'Patch', 'apply_all', 'stand_in_installed',
    'silence_benign_warnings', 'patch_scatter_streams', 'BENIGN_WARNINGS',
    'BENIGN_LOG'
]
