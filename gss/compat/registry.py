"""The list of GSS's patches of upstream behaviour (see :mod:`gss.compat`)."""
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
        if not apply.__doc__:
            raise TypeError(f'compat patch {apply.__name__} needs a '
                            'docstring giving its reason')
        PATCHES.append(Patch(apply.__name__, target, apply, is_applied))
        return apply

    return register
