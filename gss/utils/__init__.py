from .checkpoint import (SAFE_GLOBALS, UNSAFE_ENV, CheckpointFileError,
                         CheckpointMismatchError, UnsafeCheckpointError,
                         fit_state_dict, load_checkpoint, partial_load,
                         safe_load)
from .downloads import WeightsDownloadError
from .reductions import argmax

__all__ = [
    'SAFE_GLOBALS', 'UNSAFE_ENV', 'UnsafeCheckpointError',
    'CheckpointMismatchError', 'CheckpointFileError', 'safe_load',
    'partial_load',
    'fit_state_dict', 'load_checkpoint', 'WeightsDownloadError', 'argmax'
]
