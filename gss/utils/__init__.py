from .checkpoint import (SAFE_GLOBALS, UNSAFE_ENV, CheckpointMismatchError,
                         UnsafeCheckpointError, fit_state_dict,
                         load_checkpoint, safe_load)
from .downloads import WeightsDownloadError
from .reductions import argmax

__all__ = [
    'SAFE_GLOBALS', 'UNSAFE_ENV', 'UnsafeCheckpointError',
    'CheckpointMismatchError', 'safe_load',
    'fit_state_dict', 'load_checkpoint', 'WeightsDownloadError', 'argmax'
]
