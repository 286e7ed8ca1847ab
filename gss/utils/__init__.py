from .checkpoint import (SAFE_GLOBALS, UNSAFE_ENV, UnsafeCheckpointError,
                         register_safe_loader, safe_load)
from .downloads import WeightsDownloadError

register_safe_loader()

__all__ = [
    'SAFE_GLOBALS', 'UNSAFE_ENV', 'UnsafeCheckpointError', 'safe_load',
    'register_safe_loader', 'WeightsDownloadError'
]
