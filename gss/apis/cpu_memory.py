"""Keep freed CPU memory in the process instead of returning it to the OS.

On the CPU, PyTorch takes every tensor from the C library's ``malloc``.
glibc serves a request above its mmap threshold (128 KiB, raised
dynamically up to 32 MiB) with a fresh ``mmap`` and unmaps it when the
tensor is freed, so each large activation, gradient or logit map of a
training step page-faults all its pages in again and the kernel zeroes
them. On the virtual machines this project is measured on that costs more
than the arithmetic of an element-wise op: subtracting a column from a
15,404 × 1,024 fp32 matrix (the tokenizer's code distances) takes 15.1 ms
in fresh pages and 4.4 ms in reused memory
(``benchmarks/bench_cpu_kernels.py``).

A config enables the remedy with a top-level flag, like ``cudnn_benchmark``
for CUDA::

    cpu_retain_memory = True

``tools/train.py`` and ``tools/test.py`` then call
:func:`retain_freed_memory` when they run on the CPU: malloc stops using
``mmap`` and stops trimming its heap, so freed tensors' pages are reused.
The peak memory of a run is unchanged (it is the peak of what is live
plus fragmentation); what changes is that the process keeps that peak
until it exits. Values are unaffected: only where tensors live changes.
"""
import ctypes
import ctypes.util
import warnings

#: glibc ``mallopt`` parameters (``malloc.h``).
M_TRIM_THRESHOLD = -1
M_MMAP_MAX = -4
#: The largest trim threshold ``mallopt`` takes (an ``int``): the heap's top
#: is never returned while less than 2 GiB of it is free.
NEVER_TRIM = 2**31 - 1


def retain_freed_memory():
    """Tell glibc's malloc to keep freed memory for reuse.

    Sets ``M_MMAP_MAX`` to 0 (large blocks come from the heap, not from
    fresh mappings) and ``M_TRIM_THRESHOLD`` to :data:`NEVER_TRIM`. Affects
    the allocations made after the call, in this process and in processes
    it forks later (data loader workers).

    Returns:
        bool: Whether the settings took effect; False where the C library
        has no ``mallopt`` (not glibc, e.g. macOS or musl).
    """
    libc = ctypes.CDLL(ctypes.util.find_library('c'))
    mallopt = getattr(libc, 'mallopt', None)
    if mallopt is None:
        return False
    mallopt.argtypes = (ctypes.c_int, ctypes.c_int)
    mallopt.restype = ctypes.c_int
    return bool(mallopt(M_MMAP_MAX, 0)) and bool(
        mallopt(M_TRIM_THRESHOLD, NEVER_TRIM))


def apply_cpu_retain_memory(cfg, device):
    """Call :func:`retain_freed_memory` if ``cfg.cpu_retain_memory`` is set
    and the run is on the CPU.

    Args:
        cfg (mmcv.Config): The config.
        device (str): The device the model runs on.

    Returns:
        bool: Whether malloc now keeps freed memory.
    """
    if not cfg.get('cpu_retain_memory', False) or device != 'cpu':
        return False
    if retain_freed_memory():
        return True
    warnings.warn('cpu_retain_memory is ignored: the C library has no '
                  'glibc mallopt (set cpu_retain_memory = False to silence '
                  'this)')
    return False
