"""The lists of GSS's patches of upstream behaviour (see :mod:`gss.compat`)."""
import contextlib
from typing import Callable, NamedTuple


class Patch(NamedTuple):
    """One change GSS makes to mmcv, mmseg or torch behaviour.

    Attributes:
        name (str): The function that applies it.
        target (str): The upstream versions it fixes or adapts.
        apply (callable): Applies it; idempotent.
        is_applied (callable): Whether it is in place now.
    """
    name: str
    target: str
    apply: Callable[[], object]
    is_applied: Callable[[], bool]


#: Every patch, in the order :func:`gss.compat.apply_all` applies them.
PATCHES = []


def compat_patch(target, is_applied):
    """Register the decorated function as a patch (see :class:`Patch`).

    Args:
        target (str): The upstream versions it fixes or adapts.
        is_applied (callable): Returns whether the patch is in place.
    """

    def register(apply):
        _check_reason(apply)
        PATCHES.append(Patch(apply.__name__, target, apply, is_applied))
        return apply

    return register


class ScopedPatch(NamedTuple):
    """A change GSS makes to mmcv, mmseg or torch behaviour inside a
    ``with`` block only; ``import gss`` applies none.

    Attributes:
        name (str): The context manager that applies it.
        target (str): The upstream versions it adapts.
        context (callable): Returns the context manager.
    """
    name: str
    target: str
    context: Callable[[], contextlib.AbstractContextManager]


#: Every scoped patch, in registration order.
SCOPED_PATCHES = []


def scoped_compat_patch(target):
    """Register the decorated generator function as a scoped patch (see
    :class:`ScopedPatch`) and make it a context manager, as
    :func:`contextlib.contextmanager` does.

    Args:
        target (str): The upstream versions it adapts.
    """

    def register(func):
        _check_reason(func)
        context = contextlib.contextmanager(func)
        SCOPED_PATCHES.append(ScopedPatch(func.__name__, target, context))
        return context

    return register


def _check_reason(func):
    if not func.__doc__:
        raise TypeError(f'compat patch {func.__name__} needs a docstring '
                        'giving its reason')
