"""Everything GSS knows about checkpoints: safe loading, old key layouts,
strict fitting, atomic saving.

**Safe loading**: ``torch.load(weights_only=True)`` plus an allow-list.

mmcv 1.x / mmseg 0.x checkpoints hold, besides tensors, a ``meta`` dict that
may contain numpy scalars, arrays and dtypes (e.g. hook messages, seeds).
torch's weights-only unpickler refuses those by default; we allow exactly
those numpy types and nothing else. Anything else (arbitrary classes,
functions, pickled modules such as OpenAI's ``encoder.pkl``) is refused with
an error that says how to proceed for a trusted file.

Importing :mod:`gss` registers :func:`load_from_local` as mmcv's loader for
local paths, so ``load_checkpoint``, ``runner.resume``, ``--load-from`` and
``init_segmentor`` all go through it.

:func:`load_checkpoint` is mmcv's, strict: a checkpoint that does not fit
the model (missing, unexpected or reshaped keys, after the load hooks of
GSS modules have mapped released key names) is an error that names the
first keys and the likely cause, never a silently half-random model.

**Old layouts**: :data:`KEY_CHANGES` is the one table of the key names of
released, DALL·E and older GSS checkpoints that differ from the current
modules'. GSS modules apply it in their ``_load_from_state_dict`` with
:func:`upgrade_state_dict`; :func:`module_prefixes` and
:func:`module_state` find one module's entries inside a bigger checkpoint
(a tokenizer in a stage-II file).

**Atomic saving**: :func:`atomic_path` writes next to the target and
renames into place, so a kill never leaves a truncated checkpoint.
"""
import contextlib
import contextvars
import os
import os.path as osp
import pickle
import re
from typing import NamedTuple, Optional

import numpy as np
import torch
from mmcv.runner.checkpoint import _load_checkpoint
from mmcv.utils import print_log

#: Set to ``1`` to allow full unpickling of trusted checkpoints everywhere
#: (the ``--unsafe-load`` flag of ``tools/train.py`` / ``tools/test.py``).
UNSAFE_ENV = 'GSS_UNSAFE_LOAD'


class UnsafeCheckpointError(RuntimeError):
    """Raised when a checkpoint needs arbitrary unpickling to load."""


class CheckpointFileError(RuntimeError):
    """Raised when a checkpoint path is not a readable checkpoint file."""


def _check_checkpoint_file(filename):
    """Raise :class:`CheckpointFileError` unless ``filename`` is a
    non-empty file."""
    if osp.isdir(filename):
        raise CheckpointFileError(
            f'checkpoint {filename} is a directory, not a checkpoint file: '
            'pass a .pth file in it (e.g. latest.pth or iter_N.pth)')
    if not osp.exists(filename):
        raise FileNotFoundError(f'checkpoint {filename} does not exist')
    if osp.getsize(filename) == 0:
        raise CheckpointFileError(
            f'checkpoint {filename} is empty (0 bytes), e.g. an interrupted '
            'copy or download: copy or download it again')


def _not_a_checkpoint(filename, err):
    with open(filename, 'rb') as f:
        head = f.read(16)
    reason = (str(err).splitlines() or ['-'])[0][:200]
    return CheckpointFileError(
        f'{filename} is not a PyTorch checkpoint (it starts with {head!r}; '
        f'torch.load: {type(err).__name__}: {reason}). '
        'It may be truncated, or another kind of file: pass a .pth file '
        'written by torch.save (tools/train.py writes iter_N.pth)')


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


#: What torch's weights-only unpickler says about bytes that are no pickle
#: at all (as opposed to a pickle of objects outside the allow-list).
_GARBAGE = re.compile('Unsupported operand|String is too long|unsupported '
                      'persistent id')


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
        _check_checkpoint_file(filename)
    if weights_only is None:
        weights_only = not unsafe_load_allowed()
    try:
        if not weights_only:
            return torch.load(filename, map_location=map_location,
                              weights_only=False)
        with torch.serialization.safe_globals(SAFE_GLOBALS):
            return torch.load(filename, map_location=map_location,
                              weights_only=True)
    except pickle.UnpicklingError as err:
        if not weights_only or _GARBAGE.search(str(err)):
            if isinstance(filename, str):
                raise _not_a_checkpoint(filename, err) from err
            raise
        raise UnsafeCheckpointError(
            f'refused to load {filename}: it contains Python objects outside '
            'the allow-list of safe checkpoint types (tensors, containers, '
            'numpy scalars/arrays), so loading it could run arbitrary code. '
            'If you trust the file, rerun with --unsafe-load (or set '
            f'{UNSAFE_ENV}=1), or convert it to a plain state dict once '
            '(e.g. tools/model_converters/dalle2gss.py for DALL-E files). '
            f'Details: {str(err).splitlines()[-1][:300]}') from err
    except (EOFError, KeyError, ValueError, RuntimeError) as err:
        # What torch.load raises for truncated zips, text and other files.
        if not isinstance(filename, str):
            raise
        raise _not_a_checkpoint(filename, err) from err


class KeyChange(NamedTuple):
    """A difference between an older checkpoint layout and a module's keys.

    Attributes:
        owner (str): The class whose ``state_dict`` holds the keys (its
            subclasses too); ``'checkpoint'``: a whole file, before it
            meets a model.
        old (str | None): Key prefix in the old layout, relative to the
            owner; None: the key did not exist (the module's own value is
            kept).
        new (str | None): What replaces ``old``; None: the old entries are
            dropped.
        layout (str): Which checkpoints have the old layout, and why.
    """
    owner: str
    old: Optional[str]
    new: Optional[str]
    layout: str


_RELEASED_FTW = ('released GSS-FT-W checkpoints: the authors\' FF+FT-W '
                 'merge keeps the FF auxiliary pixel head, which FT-W does '
                 'not have')
_BARE_TOKENIZER = ('a bare tokenizer file (e.g. the converted DALL·E dVAE, '
                   'tools/model_converters/dalle2gss.py) as a stage-I '
                   'checkpoint')

#: Every key layout GSS still loads, applied in this order (a key changes
#: at most once). Tested entry by entry in tests/test_utils/test_checkpoint_keys.py.
#: The palette buffers that released checkpoints lack are the one layout
#: not here: ``MaskigeCodec`` fills them in itself (``gss.maskige`` uses
#: torch only).
KEY_CHANGES = (
    KeyChange('checkpoint', 'module.', '',
              'models saved inside a DataParallel / DDP wrapper'),
    KeyChange('GSSFFHead', 'd_vae.', 'tokenizer.',
              'released GSS checkpoints keep the DALL·E dVAE under d_vae.'),
    KeyChange('GSSFTWHead', 'convs_pixel.', None, _RELEASED_FTW),
    KeyChange('GSSFTWHead', 'fusion_conv_pixel.', None, _RELEASED_FTW),
    KeyChange('GSSFTWHead', 'conv_seg_pixel.', None, _RELEASED_FTW),
    KeyChange('GSSFTWHead', 'cls_segmap.weight', 'cls_segmap.conv.weight',
              'GSS-FT-W checkpoints of GSS < 0.2 (a bare conv)'),
    KeyChange('GSSFTWHead', 'cls_segmap.bias', 'cls_segmap.conv.bias',
              'GSS-FT-W checkpoints of GSS < 0.2 (a bare conv)'),
    KeyChange('MaskigeAutoencoder', 'd_vae.', 'tokenizer.',
              'the dVAE of a released GSS head, as a stage-I checkpoint'),
    KeyChange('MaskigeAutoencoder', 'encoder.', 'tokenizer.encoder.',
              _BARE_TOKENIZER),
    KeyChange('MaskigeAutoencoder', 'decoder.', 'tokenizer.decoder.',
              _BARE_TOKENIZER),
    KeyChange('EMAVectorQuantizer', None, 'updates',
              'maskige VQ-VAE checkpoints from before restart_until '
              '(GSS sessions 1-5): the update count starts at 0'),
)


def apply_key_changes(state_dict, prefix, owners, own=None):
    """Bring the entries of ``owners`` under ``prefix`` to today's layout.

    Args:
        state_dict (dict): Changed in place.
        prefix (str): Where the owner's keys start (``'decode_head.'``).
        owners (Iterable[str]): Owner names of :data:`KEY_CHANGES` to apply.
        own (dict, optional): The module's own tensors by key, for the
            keys old layouts lack. Default: none are added.
    """
    owners = set(owners)
    changes = [c for c in KEY_CHANGES if c.owner in owners]

    def renamed(key):
        if not key.startswith(prefix):
            return key
        rest = key[len(prefix):]
        for change in changes:
            if change.old is not None and rest.startswith(change.old):
                return None if change.new is None else \
                    prefix + change.new + rest[len(change.old):]
        return key

    new_keys = [renamed(k) for k in state_dict]
    if new_keys != list(state_dict):
        # Rebuilt in place, in the same order.
        items = list(zip(new_keys, state_dict.values()))
        state_dict.clear()
        state_dict.update((k, v) for k, v in items if k is not None)
    for change in changes:
        if change.old is None and own is not None:
            state_dict.setdefault(prefix + change.new, own[change.new])


def upgrade_state_dict(module, state_dict, prefix):
    """The ``_load_from_state_dict`` step of GSS modules: apply the
    :data:`KEY_CHANGES` of the module's class and its bases.

    Args:
        module (nn.Module): The module being loaded.
        state_dict (dict): The whole state dict being loaded; changed in
            place.
        prefix (str): The module's key prefix.
    """
    owners = [cls.__name__ for cls in type(module).__mro__]
    own = dict(module.named_buffers(recurse=False))
    own.update(module.named_parameters(recurse=False))
    apply_key_changes(state_dict, prefix, owners, own)


def module_prefixes(state_dict, anchor):
    """Where a module sits inside a bigger state dict.

    Args:
        state_dict (dict): e.g. a stage-II checkpoint's.
        anchor (str): A key the module has (``'encoder.blocks.input.w'``).

    Returns:
        list[str]: The prefixes in front of ``anchor``
        (``'decode_head.tokenizer.'``, ``'d_vae.'``, ``''``...).
    """
    return [k[:-len(anchor)] for k in state_dict if k.endswith(anchor)
            and (len(k) == len(anchor) or k[-len(anchor) - 1] == '.')]


def module_state(state_dict, prefix):
    """The entries under ``prefix``, with ``prefix`` removed."""
    return {
        k[len(prefix):]: v
        for k, v in state_dict.items() if k.startswith(prefix)
    }


@contextlib.contextmanager
def atomic_path(path):
    """A temporary path next to ``path``, renamed to ``path`` on success.

    A crash or kill while writing never leaves a truncated ``path`` (or a
    ``latest.pth`` link to one); the temporary file is removed on error.

    Example::

        with atomic_path('work_dirs/x/iter_8.pth') as tmp:
            torch.save(obj, tmp)

    Args:
        path (str): The final file (or symlink).

    Yields:
        str: Where to write.
    """
    tmp = f'{path}.{os.getpid()}.tmp'
    if osp.lexists(tmp):  # left by a killed process with our pid
        os.remove(tmp)
    try:
        yield tmp
        os.replace(tmp, path)
    finally:
        if osp.lexists(tmp):
            os.remove(tmp)


def load_from_local(filename, map_location=None):
    """mmcv ``CheckpointLoader`` scheme for local files (weights-only)."""
    return safe_load(filename, map_location=map_location)


class CheckpointMismatchError(RuntimeError):
    """Raised when a checkpoint does not fit the model it is loaded into."""


#: Set while a load is meant to be partial (see :func:`partial_load`).
_PARTIAL_LOAD = contextvars.ContextVar('gss_partial_load', default=False)


@contextlib.contextmanager
def partial_load():
    """A context in which GSS segmentors load state dicts that do not fit.

    GSS segmentors check every state dict loaded into them as a whole
    (:class:`gss.models.segmentors.StrictLoadingMixin`), whoever loads it:
    mmcv's ``load_checkpoint`` (non-strict by default, as mmseg's own
    ``tools/test.py`` calls it) refuses a checkpoint of another model.
    Loads that are partial on purpose run inside this context; the GSS
    loaders that report instead of raising (``load_checkpoint(...,
    strict=False)``, ``--load-from``, ``model.load_state_dict(...,
    strict=False)``) enter it themselves.

    Example::

        with partial_load():
            mmcv.runner.load_checkpoint(model, 'ff.pth')  # FF into FT-W
    """
    token = _PARTIAL_LOAD.set(True)
    try:
        yield
    finally:
        _PARTIAL_LOAD.reset(token)


def partial_load_allowed():
    """Whether the current load is inside :func:`partial_load`."""
    return _PARTIAL_LOAD.get()


#: The modules of GSS-FT-W's learnable X⁻¹ (``GSSFTWHead`` attributes):
#: the only part of FT-W that trains, and the only one its checkpoints add to
#: GSS-FF's; everything else (image encoder, MLA, token classifier,
#: tokenizer) is the frozen GSS-FF model. ``GSSFTWHead`` freezes by this
#: list, ``tools/merge_checkpoints.py`` merges by it and the load errors
#: below tell FF from FT-W checkpoints by it.
FTW_INVERSE_MODULES = ('projection', 'post_transformer_block',
                       'post_swin_ln', 'cls_segmap')


def is_ftw_inverse_key(key, prefix='decode_head.'):
    """Whether a state-dict key belongs to GSS-FT-W's learnable X⁻¹.

    Args:
        key (str): A state-dict key.
        prefix (str): Where the head sits in that state dict.

    Returns:
        bool: The key lies in one of :data:`FTW_INVERSE_MODULES`.
    """
    return key.startswith(
        tuple(f'{prefix}{name}.' for name in FTW_INVERSE_MODULES))


def _state_dict_of(checkpoint, filename):
    if not isinstance(checkpoint, dict):
        raise CheckpointMismatchError(
            f'{filename} is not a checkpoint: expected a dict, got '
            f'{type(checkpoint).__name__}')
    state_dict = checkpoint.get('state_dict', checkpoint)
    # A copy without the ``_metadata`` of module versions, as before.
    state_dict = type(state_dict)(state_dict.items())
    apply_key_changes(state_dict, '', ['checkpoint'])
    return state_dict


def fit_state_dict(model, state_dict):
    """Load ``state_dict`` into ``model`` as far as it fits.

    Runs every module's ``_load_from_state_dict``, so the load hooks of GSS
    modules (released-checkpoint key names, palette buffers) apply, and
    reports what did not fit instead of raising.

    Args:
        model (nn.Module): The model (unwrapped).
        state_dict (dict): Keys as saved by the model's ``state_dict()``.

    Returns:
        tuple[list[str], list[str], list[str]]: missing keys, unexpected
        keys and shape-mismatch messages.
    """
    missing, unexpected, errors = [], [], []
    metadata = getattr(state_dict, '_metadata', None)
    state_dict = dict(state_dict)

    def load(module, prefix=''):
        local = {} if metadata is None else metadata.get(prefix[:-1], {})
        module._load_from_state_dict(state_dict, prefix, local, True,
                                     missing, unexpected, errors)
        for name, child in module._modules.items():
            if child is not None:
                load(child, prefix + name + '.')

    with partial_load():  # reported to the caller, not refused
        load(model)
    return missing, unexpected, errors


def _likely_cause(model_keys, missing, unexpected, errors):
    """A sentence naming the probable reason of a mismatch."""
    has_head = any(k.startswith('decode_head.') for k in model_keys)
    if has_head and missing and all(map(is_ftw_inverse_key, missing)):
        return ('it is a GSS-FF checkpoint and the config is GSS-FT-W: '
                'train FT-W from it (--load-from) or merge FF and FT-W '
                'checkpoints with tools/merge_checkpoints.py')
    if unexpected and all(map(is_ftw_inverse_key, unexpected)):
        return ('it is a GSS-FT-W checkpoint and the config is GSS-FF: use '
                'the FT-W config')
    if has_head and unexpected and all(
            k.startswith(('tokenizer.', 'codec.', 'encoder.', 'decoder.'))
            for k in unexpected):
        return ('it is a stage-I tokenizer checkpoint and the config is a '
                'stage-II segmentor: give the stage-I file to the '
                "tokenizer (decode_head.tokenizer.checkpoint) and test a "
                'stage-II checkpoint')
    if any('tokenizer.' in k for k in unexpected) and not any(
            'tokenizer.' in k for k in model_keys):
        return 'it is a GSS checkpoint and the config is not a GSS model'
    backbone = [k for k in missing + errors if 'backbone.' in k]
    if backbone and len(backbone) >= (len(missing) + len(errors)) / 2:
        return 'it was trained with another backbone than the config\'s'
    return ('it was made for another config (or with other head widths or '
            'classes)')


#: How to load part of a checkpoint on purpose, for the message of
#: :func:`check_fit` where the tools' ``--allow-partial-load`` applies.
PARTIAL_HINT = '--allow-partial-load (tools) or strict=False'


def check_fit(model, missing, unexpected, errors, filename, limit=5,
              partial_hint=PARTIAL_HINT):
    """Raise a :class:`CheckpointMismatchError` if anything did not fit.

    Args:
        model (nn.Module): The model loaded into.
        missing, unexpected, errors (list[str]): From
            :func:`fit_state_dict`.
        filename (str): The checkpoint, for the message.
        limit (int): Keys listed per kind.
        partial_hint (str): How to load only what fits, for the message.
    """
    if not (missing or unexpected or errors):
        return

    def first(items):
        more = f' and {len(items) - limit} more' if len(items) > limit \
            else ''
        return ', '.join(items[:limit]) + more

    parts = []
    if missing:
        parts.append(f'{len(missing)} model keys are missing from it '
                     f'({first(missing)})')
    if unexpected:
        parts.append(f'{len(unexpected)} of its keys are not in the model '
                     f'({first(unexpected)})')
    if errors:
        parts.append(f'{len(errors)} shapes differ ({first(errors)})')
    cause = _likely_cause(list(model.state_dict()), missing, unexpected,
                          errors)
    raise CheckpointMismatchError(
        f'checkpoint {filename} does not fit the model: '
        f'{"; ".join(parts)}. Likely cause: {cause}. To load only what '
        f'fits, on purpose, pass {partial_hint}.')


def load_checkpoint(model, filename, map_location='cpu', strict=True,
                    logger=None):
    """mmcv's ``load_checkpoint``, strict by default, with a clear error.

    Args:
        model (nn.Module): The model (DataParallel wrappers are unwrapped).
        filename (str): A local path or any URL scheme mmcv knows; loaded
            weights-only (:func:`safe_load`).
        map_location (str): As in :func:`torch.load`.
        strict (bool): Raise :class:`CheckpointMismatchError` if a key is
            missing, unexpected or of another shape. False loads what fits
            and logs one line about the rest; a checkpoint of which no
            tensor fits is an error either way.
        logger (logging.Logger, optional): Where the line goes.

    Returns:
        dict: The loaded checkpoint.
    """
    checkpoint = _load_checkpoint(filename, map_location, logger)
    state_dict = _state_dict_of(checkpoint, filename)
    model = getattr(model, 'module', model)
    missing, unexpected, errors = fit_state_dict(model, state_dict)
    if strict:
        check_fit(model, missing, unexpected, errors, filename)
        return checkpoint
    # BN layers fill in a missing num_batches_tracked: it does not count.
    fitted = [k for k in model.state_dict() if k not in missing
              and not k.endswith('num_batches_tracked')]
    if len(fitted) <= len(errors):
        # Nothing to start from: training on would be training from scratch.
        cause = _likely_cause(list(model.state_dict()), missing,
                              unexpected, errors)
        raise CheckpointMismatchError(
            f'checkpoint {filename} loads none of the model\'s '
            f'{len(model.state_dict())} tensors (its keys: '
            f'{summarize_keys(list(state_dict))}): training would start '
            f'from scratch. Likely cause: {cause}. Load a checkpoint of this '
            'model or of one that shares its backbone or head, or leave '
            'load_from out to train from scratch.')
    if missing or unexpected or errors:
        print_log(
            f'{filename}: loaded '
            f'{len(state_dict) - len(unexpected) - len(errors)} '
            f'tensors; not loaded: {summarize_keys(missing)} missing, '
            f'{summarize_keys(unexpected)} unexpected, {len(errors)} of '
            'another shape', logger=logger)
    return checkpoint


def summarize_keys(keys, depth=2):
    """``'12 (decode_head.projection, decode_head.cls_segmap)'``: a count
    and the module prefixes the keys belong to."""
    if not keys:
        return '0'
    prefixes = sorted({'.'.join(k.split('.')[:depth]) for k in keys})
    shown = ', '.join(prefixes[:4]) + (', ...' if len(prefixes) > 4 else '')
    return f'{len(keys)} ({shown})'
