"""Refuse constructor arguments that were renamed, naming the new name."""
import functools


def renamed_arguments(renamed):
    """Decorate an ``__init__`` so that an old argument name raises.

    A config copied from an older GSS should fail when the model is built,
    with the name to write instead, rather than with Python's bare
    "unexpected keyword argument" (or, worse, be ignored).

    Args:
        renamed (dict[str, str]): Old name → new name.

    Returns:
        callable: The decorator.
    """

    def decorator(init):

        @functools.wraps(init)
        def checked(self, *args, **kwargs):
            old = [name for name in kwargs if name in renamed]
            if old:
                # build_from_cfg prefixes the class name.
                raise TypeError('; '.join(
                    f'{name} was renamed {renamed[name]}: write '
                    f'{renamed[name]}={kwargs[name]!r} instead of '
                    f'{name}={kwargs[name]!r} in the config' for name in old))
            init(self, *args, **kwargs)

        return checked

    return decorator
