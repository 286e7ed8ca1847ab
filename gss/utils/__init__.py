from .checkpoint import (SAFE_GLOBALS, UNSAFE_ENV, CheckpointMismatchError,
                         UnsafeCheckpointError, fit_state_dict,
                         load_checkpoint, make_init_segmentor_strict,
                         register_safe_loader, safe_load)
from .downloads import WeightsDownloadError

register_safe_loader()
make_init_segmentor_strict()

__all__ = [
    'SAFE_GLOBALS', 'UNSAFE_ENV', 'UnsafeCheckpointError',
    'CheckpointMismatchError', 'safe_load', 'register_safe_loader',
    'fit_state_dict', 'load_checkpoint', 'WeightsDownloadError'
]
