"""Known-benign messages of the pinned stack, silenced before mmcv loads.

Each filter matches one message of one module, so every other warning,
GSS's included, still shows.
"""
import logging
import warnings

from .registry import compat_patch

#: (message, category, module) regular expressions of the warnings that
#: :func:`silence_benign_warnings` ignores:
#:
#: * mmcv 1.7's ``On January 1, 2023, MMCV will release v2.0.0 ...``
#:   (``mmcv/__init__.py``, at every import): a notice about a release this
#:   project does not use;
#: * ``Fail to import MultiScaleDeformableAttention ... install mmcv-full``
#:   (``mmcv/cnn/bricks/transformer.py``): GSS needs no compiled ops;
#: * torch's ``'pin_memory' argument is set as true but no accelerator is
#:   found``: mmseg's data loaders always ask for pinned memory, which only
#:   matters on a GPU.
BENIGN_WARNINGS = (
    (r'On January 1, 2023, MMCV will release v2\.0\.0', UserWarning,
     r'mmcv\Z'),
    (r'Fail to import ``MultiScaleDeformableAttention``', UserWarning,
     r'mmcv\.cnn\.bricks\.transformer\Z'),
    (r"'pin_memory' argument is set as true but no accelerator is found",
     UserWarning, r'torch\.utils\.data\.dataloader\Z'),
)
#: torch logger and the start of its benign message: ``No CUDA runtime is
#: found, using CUDA_HOME=...`` (``torch.utils.cpp_extension``, imported by
#: mmcv) is normal on a CPU machine with a CUDA toolkit.
BENIGN_LOG = ('torch.utils.cpp_extension', 'No CUDA runtime is found')


class _DropMessage(logging.Filter):
    """Drop the records whose format string starts with ``prefix``."""

    def __init__(self, prefix):
        super().__init__()
        self.prefix = prefix

    def filter(self, record):
        return not str(record.msg).startswith(self.prefix)


def _silenced():
    ignored = {(f[1].pattern, f[2], f[3].pattern) for f in warnings.filters
               if f[0] == 'ignore' and f[1] is not None and f[3] is not None}
    logger = logging.getLogger(BENIGN_LOG[0])
    return all((m, c, mod) in ignored for m, c, mod in BENIGN_WARNINGS) \
        and any(isinstance(f, _DropMessage) for f in logger.filters)


@compat_patch('mmcv 1.7.x, torch 2.x', is_applied=_silenced)
def silence_benign_warnings():
    """Ignore the known-benign third-party messages (``BENIGN_WARNINGS``,
    ``BENIGN_LOG``) that mmcv 1.7 and torch 2.x print on every run of a
    CPU machine or a pure-Python mmcv; idempotent. Must run before mmcv is
    first imported."""
    for message, category, module in BENIGN_WARNINGS:
        warnings.filterwarnings(
            'ignore', message=message, category=category, module=module)
    name, prefix = BENIGN_LOG
    logger = logging.getLogger(name)
    if not any(isinstance(f, _DropMessage) for f in logger.filters):
        logger.addFilter(_DropMessage(prefix))
