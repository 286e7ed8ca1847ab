from .dist import (CPUDistributedDataParallel, build_ddp, init_dist,
                   use_cpu_ddp_in_mmseg)
from .runner import SafeIterBasedRunner

__all__ = [
    'SafeIterBasedRunner', 'init_dist', 'build_ddp',
    'CPUDistributedDataParallel', 'use_cpu_ddp_in_mmseg'
]
