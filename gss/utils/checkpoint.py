"""Safe checkpoint loading: ``torch.load(weights_only=True)`` plus an allow-list.

mmcv 1.x / mmseg 0.x checkpoints hold, besides tensors, a ``meta`` dict that
may contain numpy scalars, arrays and dtypes (e.g. hook messages, seeds).
torch's weights-only unpickler refuses those by default; we allow exactly
those numpy types and nothing else. Anything else (arbitrary classes,
functions, pickled modules such as OpenAI's ``encoder.pkl``) is refused with
an error that says how to proceed for a trusted file.

Importing :mod:`gss` registers :func:`load_from_local` as mmcv's loader for
local paths, so ``load_checkpoint``, ``runner.resume``, ``--load-from`` and
``init_segmentor`` all go through it.
"""
import os
import os.path as osp
import pickle

import numpy as np
import torch
from mmcv.runner import CheckpointLoader

#: Set to ``1`` to allow full unpickling of trusted checkpoints everywhere
#: (the ``--unsafe-load`` flag of ``tools/train.py`` / ``tools/test.py``).
UNSAFE_ENV = 'GSS_UNSAFE_LOAD'


class UnsafeCheckpointError(RuntimeError):
    """Raised when a checkpoint needs arbitrary unpickling to load."""


def _numpy_globals():
    core = getattr(np, '_core', None) or np.core
    allowed = [core.multiarray.scalar, core.multiarray._reconstruct,
               np.ndarray, np.dtype]
    # numpy >= 1.25 pickles dtypes through per-type classes (np.dtypes.*).
    dtypes = getattr(np, 'dtypes', None)
    if dtypes is not None:
        allowed += [getattr(dtypes, name) for name in dir(dtypes)
                    if name.endswith('DType')]
    return allowed


#: Types an mmseg/mmcv checkpoint may legitimately contain besides tensors
#: and builtin containers.
SAFE_GLOBALS = _numpy_globals()


def unsafe_load_allowed():
    return os.environ.get(UNSAFE_ENV, '0') not in ('', '0', 'false', 'False')


def safe_load(filename, map_location='cpu', weights_only=None):
    """Load a checkpoint file, refusing arbitrary pickles by default.

    Args:
        filename (str | file-like): Checkpoint path or open binary file.
        map_location: As in :func:`torch.load`. Defaults to ``'cpu'``.
        weights_only (bool, optional): Force the mode. ``None`` (default)
            means weights-only unless ``GSS_UNSAFE_LOAD=1`` is set.

    Returns:
        dict: The loaded object (usually a dict with ``state_dict``/``meta``).

    Raises:
        FileNotFoundError: ``filename`` does not exist.
        UnsafeCheckpointError: The file contains objects outside the
            allow-list and unsafe loading was not requested.
    """
    if isinstance(filename, str):
        filename = osp.expanduser(filename)
        if not osp.isfile(filename):
            raise FileNotFoundError(f'checkpoint {filename} does not exist')
    if weights_only is None:
        weights_only = not unsafe_load_allowed()
    if not weights_only:
        return torch.load(filename, map_location=map_location,
                          weights_only=False)
    try:
        with torch.serialization.safe_globals(SAFE_GLOBALS):
            return torch.load(filename, map_location=map_location,
                              weights_only=True)
    except pickle.UnpicklingError as err:
        raise UnsafeCheckpointError(
            f'refused to load {filename}: it contains Python objects outside '
            'the allow-list of safe checkpoint types (tensors, containers, '
            'numpy scalars/arrays), so loading it could run arbitrary code. '
            'If you trust the file, rerun with --unsafe-load (or set '
            f'{UNSAFE_ENV}=1), or convert it to a plain state dict once '
            '(e.g. tools/model_converters/dalle2gss.py for DALL-E files). '
            f'Details: {str(err).splitlines()[-1][:300]}') from err


def load_from_local(filename, map_location=None):
    """mmcv ``CheckpointLoader`` scheme for local files (weights-only)."""
    return safe_load(filename, map_location=map_location)


def register_safe_loader():
    """Make mmcv's local-file checkpoint loading go through :func:`safe_load`."""
    CheckpointLoader.register_scheme(prefixes='', force=True)(load_from_local)
