"""The CPU kernels behind the project's CPU speed switches, side by side.

Four measurements, each interleaved round by round (medians of rounds):

* ``dense``: a 1024³ matmul in fp32 and bf16 and a 3×3 convolution
  (64 → 64 channels, 4 × 128²) in fp32, fp32 channels-last and bf16
  channels-last: whether bf16 pays on this CPU at all. It does with
  AVX512-BF16 or AMX; elsewhere bf16 is emulated and slower than fp32,
  which is why ``cpu_bf16`` keeps fp32 there (``require_native``).
* ``depthwise``: forward + backward of EfficientNet-Lite0's depthwise
  convolutions (batch 4 of 256² crops, the CamVid (b) training shapes) in
  fp32 / fp32 channels-last / bf16 autocast / bf16 channels-last: why
  ``cpu_bf16 = dict(fp32_depthwise=True)`` trains them in fp32.
* ``memory``: an element-wise op on a large tensor (the tokenizer's code
  distances, 15,404 × 1,024 fp32) with glibc's default malloc in this
  process and, in a spawned process, with malloc keeping freed memory
  (``cpu_retain_memory = True``): page faults on fresh mappings vs reused
  pages.
* ``argmax``: the label argmax over (1, 11, 360, 480) class scores with
  torch's ``argmax(dim=1)`` vs ``gss.utils.argmax`` (``max(dim).indices``),
  as ``EncoderDecoder.simple_test`` takes it.

    python benchmarks/bench_cpu_kernels.py [--repeats 10]
        [--out benchmarks/results/bench_cpu_kernels.json]
"""
import argparse
import multiprocessing
import os.path as osp
import statistics
import sys
import time

sys.path.insert(0, osp.dirname(osp.dirname(osp.abspath(__file__))))

import torch  # noqa: E402

from benchmarks.results_file import write_results  # noqa: E402
from gss.apis import retain_freed_memory  # noqa: E402
from gss.utils import argmax  # noqa: E402

RESULTS = osp.join(osp.dirname(osp.abspath(__file__)), 'results')
#: EfficientNet-Lite0's depthwise convolutions at a 256² input, batch 4:
#: (channels, input size after "same" padding, kernel, stride).
DEPTHWISE = ((32, 128, 3, 1), (96, 129, 3, 2), (144, 67, 5, 2),
             (240, 32, 5, 1), (672, 16, 5, 1), (1152, 8, 5, 1))
DEPTHWISE_MODES = ('fp32', 'fp32 channels-last', 'bf16',
                   'bf16 channels-last')
DISTANCES = (15404, 1024)
MATMUL = 1024
CONV_MODES = ('fp32', 'fp32 channels-last', 'bf16 channels-last')


def seconds(fn, repeats):
    """Median wall time of ``fn`` over ``repeats`` calls, after one."""
    fn()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def depthwise_step(channels, size, kernel, stride, mode):
    """One forward + backward of a depthwise conv in ``mode``."""
    conv = torch.nn.Conv2d(channels, channels, kernel, stride,
                           groups=channels, bias=False)
    x = torch.randn(4, channels, size, size)
    if 'channels-last' in mode:
        conv = conv.to(memory_format=torch.channels_last)
        x = x.contiguous(memory_format=torch.channels_last)
    bf16 = mode.startswith('bf16')

    def step():
        inp = x.detach().requires_grad_()
        with torch.autocast('cpu', dtype=torch.bfloat16, enabled=bf16):
            out = conv(inp)
        out.backward(torch.ones_like(out))

    return step


def matmul_step(bf16):
    """A ``MATMUL``³ matrix product, in bf16 autocast or fp32."""
    a, b = torch.randn(MATMUL, MATMUL), torch.randn(MATMUL, MATMUL)

    def step():
        with torch.autocast('cpu', dtype=torch.bfloat16, enabled=bf16):
            return a @ b

    return step


def conv_step(mode):
    """A 3×3 convolution, 64 → 64 channels on 4 × 128², in ``mode``."""
    conv = torch.nn.Conv2d(64, 64, 3, padding=1)
    x = torch.randn(4, 64, 128, 128)
    if 'channels-last' in mode:
        conv = conv.to(memory_format=torch.channels_last)
        x = x.contiguous(memory_format=torch.channels_last)

    def step():
        with torch.no_grad(), torch.autocast(
                'cpu', dtype=torch.bfloat16, enabled=mode.startswith('bf16')):
            return conv(x)

    return step


def distances_step():
    """The column subtraction of the tokenizer's code distances: one fresh
    63 MB output per call."""
    rows = torch.randn(DISTANCES[0], 1)
    dots = torch.randn(*DISTANCES)
    return lambda: dots - rows


def serve_retained(conn, repeats):
    """Worker process: times :func:`distances_step` with malloc keeping
    freed memory, once per ``'round'`` the parent sends."""
    if not retain_freed_memory():
        raise RuntimeError('malloc cannot be told to keep freed memory '
                           '(not glibc)')
    step = distances_step()
    while conn.recv() == 'round':
        conn.send(seconds(step, repeats))


def bench(rounds, repeats):
    """Per-round seconds of every measured kernel.

    Returns:
        dict: section -> name -> list of seconds (one per round).
    """
    dense = {'matmul fp32': matmul_step(False),
             'matmul bf16': matmul_step(True),
             **{f'conv3x3 {mode}': conv_step(mode) for mode in CONV_MODES}}
    steps = {f'{c}ch {s}² k{k} s{st}': {
        mode: depthwise_step(c, s, k, st, mode) for mode in DEPTHWISE_MODES}
        for c, s, k, st in DEPTHWISE}
    scores = torch.randn(1, 11, 360, 480).softmax(1)
    assert torch.equal(argmax(scores, 1), scores.argmax(dim=1))
    distances = distances_step()
    context = multiprocessing.get_context('spawn')
    conn, child_conn = context.Pipe()
    worker = context.Process(target=serve_retained,
                             args=(child_conn, repeats))
    worker.start()
    times = dict(dense={}, depthwise={}, memory={}, argmax={})
    try:
        for _ in range(rounds):
            for name, step in dense.items():
                times['dense'].setdefault(name, []).append(
                    seconds(step, repeats))
            for shape, modes in steps.items():
                for mode, step in modes.items():
                    times['depthwise'].setdefault(f'{shape} {mode}', []).append(
                        seconds(step, repeats))
            times['memory'].setdefault('default malloc', []).append(
                seconds(distances, repeats))
            conn.send('round')
            times['memory'].setdefault('retained memory', []).append(
                conn.recv())
            times['argmax'].setdefault('torch argmax(dim=1)', []).append(
                seconds(lambda: scores.argmax(dim=1), repeats))
            times['argmax'].setdefault('gss.utils.argmax', []).append(
                seconds(lambda: argmax(scores, 1), repeats))
    finally:
        conn.send('stop')
        worker.join()
    return times


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--rounds', type=int, default=3)
    parser.add_argument('--repeats', type=int, default=5,
                        help='timed calls per round (median)')
    parser.add_argument('--out', default=osp.join(RESULTS,
                                                  'bench_cpu_kernels.json'))
    args = parser.parse_args()
    times = bench(args.rounds, args.repeats)
    results = {section: {name: statistics.median(t) * 1e3
                         for name, t in by_name.items()}
               for section, by_name in times.items()}
    print(f'{"kernel":45s} {"ms":>8s}')
    for section, by_name in results.items():
        for name, ms in by_name.items():
            print(f'{section + ": " + name:45s} {ms:8.2f}')
    write_results(args.out, milliseconds=results, rounds=args.rounds,
                  repeats=args.repeats, clock='wall')


if __name__ == '__main__':
    main()
