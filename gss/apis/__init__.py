from .compile import apply_compile, compile_segmentor
from .cpu_memory import apply_cpu_retain_memory, retain_freed_memory
from .dist import CPUDistributedDataParallel, build_ddp, init_dist
from .precision import (EmulatedBf16Warning, apply_cpu_bf16,
                        cpu_has_native_bf16, wrap_cpu_bf16_model)
from .runner import SafeIterBasedRunner
from .work_dir import (WorkDirBusyError, holds_work_dir, lock_work_dir,
                       unlock_work_dir)

__all__ = [
    'SafeIterBasedRunner', 'init_dist', 'build_ddp',
    'CPUDistributedDataParallel', 'wrap_cpu_bf16_model', 'apply_cpu_bf16',
    'compile_segmentor', 'apply_compile', 'retain_freed_memory',
    'apply_cpu_retain_memory', 'cpu_has_native_bf16', 'EmulatedBf16Warning',
    'WorkDirBusyError', 'lock_work_dir', 'unlock_work_dir', 'holds_work_dir'
]
