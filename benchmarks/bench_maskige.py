"""Benchmark the hard maskige inverse X^-1 (maskige -> labels).

Compares, in one run and on the same inputs:

* ``naive``: the broadcast used by the original release,
  ``((maskige[:, None] - palette[None, :, :, None, None]) ** 2).sum(2)``
  then argmin, which materialises a (B, K, 3, H, W) tensor;
* ``matmul``: ``maskige_to_labels(method='matmul')`` (chunked expanded
  square, exact on float input);
* ``lut``: ``maskige_to_labels(method='lut')`` on the float maskige (its
  one-off table build is timed separately, in the ``lut build`` column);
* ``lut-u8``: the same table on a uint8 maskige.

for K = 19 / 150 / 194 (Cityscapes / ADE20K / MSeg palettes) at 512x512 and
1024x2048, batch 1, on CPU (and CUDA when available). Times are the median
of ``--repeats`` runs after one warm-up. Peak extra memory is *measured*:
on CPU as the growth of the process's peak RSS (``VmHWM`` of
``/proc/self/status``, reset through ``/proc/self/clear_refs`` before each
run) over the RSS before it, in a separate run with glibc serving every
allocation of 64 KB or more by its own mmap (see ``GlibcMalloc``); on CUDA
with ``torch.cuda.max_memory_allocated``.
The naive method is skipped where its analytic footprint (two
(B, K, 3, H, W) float32 tensors) exceeds ``--naive-limit-gb``.

Usage::

    python benchmarks/bench_maskige.py [--repeats 3] [--out FILE]
"""
import argparse
import ctypes
import ctypes.util
import gc
import json
import os
import os.path as osp
import platform
import statistics
import sys
import time

sys.path.insert(0, osp.dirname(osp.dirname(osp.abspath(__file__))))

import gss  # noqa: E402,F401,I001  (must precede any mmseg import)
import numpy as np  # noqa: E402
import torch  # noqa: E402

from gss.maskige import Palette, labels_to_maskige  # noqa: E402
from gss.maskige.reference_decoders import (_lookup_table,  # noqa: E402
                                            maskige_to_labels)

PALETTES = ('cityscapes', 'ade20k', 'mseg')
SIZES = ((512, 512), (1024, 2048))
METHODS = ('naive', 'matmul', 'lut', 'lut-u8')
DEFAULT_OUT = osp.join(osp.dirname(osp.abspath(__file__)), 'results',
                       'bench_maskige.json')


def naive_decode(maskige, colors):
    """The original broadcast X^-1: builds a (B, K, 3, H, W) tensor."""
    palette = colors.to(maskige.dtype) / 255
    dist = ((maskige[:, None] - palette[None, :, :, None, None])**2).sum(2)
    return dist.argmin(dim=1)


def naive_bytes(batch, num_classes, height, width):
    """Analytic peak of :func:`naive_decode`: the difference tensor and its
    square, float32 (B, K, 3, H, W) each."""
    return 2 * batch * num_classes * 3 * height * width * 4


def _status_kb(field):
    with open('/proc/self/status') as f:
        for line in f:
            if line.startswith(field + ':'):
                return int(line.split()[1])
    raise RuntimeError(f'{field} not in /proc/self/status')


class GlibcMalloc:
    """Switch glibc between fast and RSS-exact allocation (no-op elsewhere).

    For timing, large blocks are reused from the heap (glibc's steady-state
    defaults: mmap threshold 32 MB, trim threshold 64 MB). For memory, every
    allocation of 64 KB or more gets its own mmap, so freed tensors leave
    the RSS at once and reused heap pages do not hide new allocations; this
    makes each allocation slower, so it is used for the memory run only.
    """
    M_TRIM_THRESHOLD, M_MMAP_THRESHOLD = -1, -3

    def __init__(self):
        name = ctypes.util.find_library('c')
        libc = ctypes.CDLL(name) if name else None
        self.libc = libc if hasattr(libc, 'mallopt') else None

    def _set(self, mmap_threshold, trim_threshold):
        if self.libc is None:
            return False
        ok = self.libc.mallopt(self.M_MMAP_THRESHOLD, mmap_threshold)
        ok &= self.libc.mallopt(self.M_TRIM_THRESHOLD, trim_threshold)
        self.libc.malloc_trim(0)
        return bool(ok)

    def for_timing(self):
        return self._set(32 << 20, 64 << 20)

    def for_rss(self):
        return self._set(64 << 10, 64 << 10)


class PeakMemory:
    """Peak extra memory of a block: CPU RSS high-water mark or CUDA."""

    def __init__(self, device):
        self.device = device

    def __enter__(self):
        gc.collect()
        if self.device.type == 'cuda':
            torch.cuda.synchronize()
            torch.cuda.reset_peak_memory_stats()
            self.base = torch.cuda.memory_allocated()
        else:
            with open('/proc/self/clear_refs', 'w') as f:
                f.write('5')  # reset VmHWM to the current RSS
            self.base = _status_kb('VmRSS') * 1024
        return self

    def __exit__(self, *exc):
        if self.device.type == 'cuda':
            torch.cuda.synchronize()
            self.peak = torch.cuda.max_memory_allocated() - self.base
        else:
            self.peak = _status_kb('VmHWM') * 1024 - self.base


def run_case(method, maskige, maskige_u8, colors, device, repeats, malloc):
    """Median seconds and peak extra bytes of one method on one input."""
    if method == 'naive':
        fn = lambda: naive_decode(maskige, colors)  # noqa: E731
    elif method == 'lut-u8':
        fn = lambda: maskige_to_labels(maskige_u8, colors, 'lut')  # noqa
    else:
        fn = lambda: maskige_to_labels(maskige, colors, method)  # noqa
    labels = fn()  # warm-up (and the result to check)
    times = []
    for _ in range(repeats):
        if device.type == 'cuda':
            torch.cuda.synchronize()
        start = time.perf_counter()
        fn()
        if device.type == 'cuda':
            torch.cuda.synchronize()
        times.append(time.perf_counter() - start)
    malloc.for_rss()
    with PeakMemory(device) as mem:
        fn()
    malloc.for_timing()
    return statistics.median(times), max(mem.peak, 0), labels


def machine_info():
    cpu = platform.processor()
    if os.path.exists('/proc/cpuinfo'):
        with open('/proc/cpuinfo') as f:
            names = [ln.split(':', 1)[1].strip() for ln in f
                     if ln.startswith('model name')]
        cpu = names[0] if names else cpu
    return dict(
        platform=platform.platform(),
        cpu=cpu,
        cpu_count=os.cpu_count(),
        torch_threads=torch.get_num_threads(),
        python=platform.python_version(),
        torch=torch.__version__,
        numpy=np.__version__,
        cuda=torch.cuda.get_device_name() if torch.cuda.is_available() else
        None,
        # Other processes share the CPU: a high load inflates all times.
        load_average_1_5_15_min=os.getloadavg())


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--repeats', type=int, default=3)
    parser.add_argument('--naive-limit-gb', type=float, default=6.0)
    parser.add_argument('--threads', type=int,
                        help='torch CPU threads (default: torch\'s choice)')
    parser.add_argument('--out', default=DEFAULT_OUT)
    return parser.parse_args()


def main():
    args = parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    malloc = GlibcMalloc()
    rss_exact = malloc.for_timing()
    devices = [torch.device('cpu')]
    if torch.cuda.is_available():
        devices.append(torch.device('cuda'))
    rows = []
    header = (f'{"device":6} {"K":>4} {"size":>10} {"method":>7} '
              f'{"time ms":>9} {"peak MB":>9} {"speedup":>8}')
    print(header)
    print('-' * len(header))
    for device in devices:
        for name in PALETTES:
            palette = Palette.from_name(name)
            colors = torch.from_numpy(palette.colors).to(device)
            # Table built once per palette; its cost is reported apart.
            start = time.perf_counter()
            _lookup_table(palette.colors.tobytes(), colors.device)
            lut_build = time.perf_counter() - start
            for height, width in SIZES:
                gen = torch.Generator().manual_seed(0)
                labels = torch.randint(palette.num_classes,
                                       (1, height, width), generator=gen)
                clean = labels_to_maskige(labels, palette.colors, None)
                noise = torch.randn(clean.shape, generator=gen) * 0.02
                maskige = (clean + noise).clamp_(0, 1).to(device)
                maskige_u8 = (maskige * 255).round().to(torch.uint8)
                reference = None
                naive_time = None
                del clean, noise
                for method in METHODS:
                    row = dict(device=device.type, palette=name,
                               num_classes=palette.num_classes,
                               height=height, width=width, method=method)
                    need = naive_bytes(1, palette.num_classes, height,
                                       width)
                    if method == 'naive' and need > (args.naive_limit_gb *
                                                     2**30):
                        row['skipped'] = (f'would need {need / 2**30:.1f} '
                                          'GB')
                        print(f'{device.type:6} {palette.num_classes:4d} '
                              f'{height:4d}x{width:<5d} {method:>7} '
                              f'skipped ({row["skipped"]})')
                        rows.append(row)
                        continue
                    seconds, peak, result = run_case(
                        method, maskige, maskige_u8, colors, device,
                        args.repeats, malloc)
                    if reference is None:
                        reference = result
                    row.update(seconds=seconds, peak_extra_bytes=peak,
                               agree_with_first=float(
                                   (result == reference).float().mean()))
                    if method == 'naive':
                        naive_time = seconds
                        row['naive_analytic_bytes'] = need
                    if method.startswith('lut'):
                        row['lut_build_seconds'] = lut_build
                    speedup = (f'{naive_time / seconds:7.1f}x'
                               if naive_time else '       -')
                    row['speedup_vs_naive'] = (naive_time / seconds
                                               if naive_time else None)
                    print(f'{device.type:6} {palette.num_classes:4d} '
                          f'{height:4d}x{width:<5d} {method:>7} '
                          f'{seconds * 1e3:9.1f} {peak / 2**20:9.1f} '
                          f'{speedup}', flush=True)
                    rows.append(row)
                    del result
            print(f'{device.type:6} {palette.num_classes:4d} lut build '
                  f'{lut_build:.2f} s (once per palette, cached)')
    record = dict(
        machine=machine_info(),
        memory_measurement=(
            'CPU: growth of peak RSS (VmHWM, reset via /proc/self/'
            'clear_refs) over RSS before the call, includes the output; '
            'glibc mallopt applied: ' + str(rss_exact) + '; CUDA: '
            'torch.cuda.max_memory_allocated growth'),
        timing=f'median of {args.repeats} runs after one warm-up',
        input='batch 1, random labels, maskige + N(0, 0.02) noise',
        results=rows)
    os.makedirs(osp.dirname(osp.abspath(args.out)), exist_ok=True)
    with open(args.out, 'w') as f:
        json.dump(record, f, indent=1)
    print(f'wrote {args.out}')


if __name__ == '__main__':
    main()
