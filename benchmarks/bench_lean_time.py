"""Inference time of UPerNet, GSS-FF and GSS-FF-lean, side by side.

The models and input sizes of ``bench_flops.py`` (ResNet-101 at one 768²
Cityscapes window, Swin-L at 512², EfficientNet-Lite0 at one 360×480 CamVid
frame), built with random weights (time does not depend on them), timed
in one process: one ``encode_decode`` (the test forward of one window) per
model per round, the models interleaved within each round so that every
model sees the same machine load. Reported: the median seconds per model
and the median over rounds of each model's time over UPerNet's of the same
round. fp32, and bf16 autocast too where the CPU has bf16 arithmetic.

    python benchmarks/bench_lean_time.py [--rounds 3] [--settings ...]
        [--out benchmarks/results/lean_time.json]

Prints a table and writes the JSON; the goal of the lean variant is at
most 1.5× UPerNet's time (docs/lean.md).

``--profile`` instead splits one fp32 forward of UPerNet and GSS-FF-lean
into the parts ``tools/get_flops.py`` counts (backbone, decode head,
tokenizer), with each part's seconds, GFLOPs and GFLOP/s, and lists the
operators that take the most time (``torch.profiler``, self CPU time):
where the time ratio and the FLOP ratio part ways.

    python benchmarks/bench_lean_time.py --profile \
        [--out benchmarks/results/lean_profile.json]
"""
import argparse
import functools
import os.path as osp
import statistics
import sys
import time

ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
sys.path.insert(0, ROOT)
sys.path.insert(0, osp.join(ROOT, 'tools'))  # get_flops imports _cli

import torch  # noqa: E402
from get_flops import PARTS, build_model  # noqa: E402
from mmcv import Config  # noqa: E402

from benchmarks.bench_flops import GOAL, SETTINGS, measure  # noqa: E402
from benchmarks.results_file import write_results  # noqa: E402
from gss.apis import cpu_has_native_bf16  # noqa: E402

RESULTS = osp.join(ROOT, 'benchmarks', 'results')
#: The models timed in each setting (FT-W rows of bench_flops are not).
MODELS = ('UPerNet', 'GSS-FF (published)', 'GSS-FF', 'GSS-FF-lean')
#: The models ``--profile`` splits, and how many operators it lists.
PROFILED = ('UPerNet', 'GSS-FF-lean')
TOP_OPS = 6


def forward(model, size, precision):
    """Seconds of one test forward of a random image of ``size``."""
    img = torch.randn(1, 3, *size)
    meta = [dict(img_shape=(*size, 3), ori_shape=(*size, 3),
                 pad_shape=(*size, 3), flip=False)]
    start = time.perf_counter()
    with torch.no_grad(), torch.autocast(
            'cpu', dtype=torch.bfloat16, enabled=precision == 'bf16'):
        model.encode_decode(img, meta)
    return time.perf_counter() - start


def time_setting(setting, size, models, rounds, precision):
    """Rows of one setting: median seconds and median ratio to UPerNet."""
    built = [(name, config,
              build_model(Config.fromfile(
                  osp.join(ROOT, 'configs', 'gss', config))))
             for name, config in models if name in MODELS]
    # Warm-up (first-call allocations, kernel selection) on a quarter-size
    # input: a full-size published GSS-FF forward takes minutes on a CPU.
    for _, _, model in built:
        forward(model, [s // 4 for s in size], precision)
    seconds = {name: [] for name, _, _ in built}
    for _ in range(rounds):
        for name, _, model in built:
            seconds[name].append(forward(model, size, precision))
    reference = seconds[built[0][0]]
    return [dict(setting=setting, input=list(size), model=name,
                 config=f'configs/gss/{config}', precision=precision,
                 seconds=statistics.median(seconds[name]),
                 rounds=seconds[name],
                 vs_upernet=statistics.median(
                     t / r for t, r in zip(seconds[name], reference)))
            for name, config, _ in built]


def part_seconds(model, size):
    """Seconds of one fp32 test forward of ``model`` spent in each part.

    Args:
        model (nn.Module): A segmentor from ``get_flops.build_model``.
        size (tuple[int, int]): Input (H, W).

    Returns:
        tuple[float, dict]: The forward's seconds, and part name → seconds
        for get_flops' parts (the decode head without its tokenizer) and
        ``rest`` (what runs outside them: resizing the output).
    """
    modules = dict(model.named_modules())
    spent, wrapped, running = {}, [], set()

    def timed(method, part):

        @functools.wraps(method)
        def run(*args, **kwargs):
            if part in running:  # a part's entry point calling another
                return method(*args, **kwargs)
            running.add(part)
            start = time.perf_counter()
            try:
                return method(*args, **kwargs)
            finally:
                running.discard(part)
                spent[part] = spent.get(part, 0.0) + \
                    time.perf_counter() - start

        return run

    for part, path, methods in PARTS:
        for method in methods:
            if path in modules and hasattr(modules[path], method):
                module = modules[path]
                wrapped.append((module, method, vars(module).get(method)))
                setattr(module, method, timed(getattr(module, method), part))
    try:
        total = forward(model, size, 'fp32')
    finally:
        for module, method, own in wrapped:  # back to what it was
            if own is None:
                delattr(module, method)
            else:
                setattr(module, method, own)
    if 'tokenizer' in spent:  # the head's time includes its tokenizer's
        spent['decode head'] -= spent['tokenizer']
    spent['rest'] = total - sum(spent.values())
    return total, spent


def top_operators(model, size):
    """The :data:`TOP_OPS` operators with the most self CPU time in one
    fp32 forward, as (name, share of all operators' self time)."""
    with torch.profiler.profile(
            activities=[torch.profiler.ProfilerActivity.CPU]) as prof:
        forward(model, size, 'fp32')
    events = prof.key_averages()
    total = sum(event.self_cpu_time_total for event in events)
    ranked = sorted(events, key=lambda event: -event.self_cpu_time_total)
    return [(event.key, event.self_cpu_time_total / total)
            for event in ranked[:TOP_OPS]]


def profile(settings, out):
    """``--profile``: rows of :func:`part_seconds` and
    :func:`top_operators` for :data:`PROFILED` in ``settings``."""
    rows = []
    print(f'{"setting":34s} {"model":12s} {"part":12s} {"s":>7s} '
          f'{"GFLOPs":>8s} {"GFLOP/s":>8s}')
    for setting, size, models in SETTINGS:
        if setting not in settings:
            continue
        for name, config in models:
            if name not in PROFILED:
                continue
            model = build_model(Config.fromfile(
                osp.join(ROOT, 'configs', 'gss', config)))
            forward(model, [s // 4 for s in size], 'fp32')  # warm-up
            seconds, spent = part_seconds(model, size)
            flops = measure(config, size)['parts']
            parts = {part: dict(seconds=t, gflops=flops.get(part, 0.0))
                     for part, t in spent.items()}
            rows.append(dict(setting=setting, input=list(size), model=name,
                             config=f'configs/gss/{config}', seconds=seconds,
                             parts=parts,
                             top_ops=top_operators(model, size)))
            for part, p in parts.items():
                print(f'{setting:34s} {name:12s} {part:12s} '
                      f'{p["seconds"]:7.3f} {p["gflops"]:8.1f} '
                      f'{p["gflops"] / p["seconds"]:8.1f}', flush=True)
    write_results(out, rows=rows, top_ops=TOP_OPS)
    return rows


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--rounds', type=int, default=3)
    parser.add_argument('--settings', nargs='+',
                        default=[s[0] for s in SETTINGS],
                        help='settings of bench_flops.py to time')
    parser.add_argument('--profile', action='store_true',
                        help='split UPerNet\'s and GSS-FF-lean\'s time into '
                        'parts and operators instead')
    parser.add_argument('--out', help='JSON written (default: benchmarks/'
                        'results/lean_time.json, with --profile '
                        'lean_profile.json)')
    args = parser.parse_args(argv)
    if args.profile:
        return profile(args.settings, args.out or osp.join(
            RESULTS, 'lean_profile.json'))
    args.out = args.out or osp.join(RESULTS, 'lean_time.json')
    precisions = ['fp32'] + (['bf16'] if cpu_has_native_bf16() else [])
    rows = []
    print(f'{"setting":34s} {"model":20s} {"prec":5s} {"s":>8s} '
          f'{"× UPerNet":>9s}')
    for setting, size, models in SETTINGS:
        if setting not in args.settings:
            continue
        for precision in precisions:
            for row in time_setting(setting, size, models, args.rounds,
                                    precision):
                rows.append(row)
                print(f'{setting:34s} {row["model"]:20s} {precision:5s} '
                      f'{row["seconds"]:8.3f} {row["vs_upernet"]:8.2f}x',
                      flush=True)
    lean = [r for r in rows if r['model'] == 'GSS-FF-lean']
    met = {r['setting']: r['vs_upernet'] <= GOAL for r in lean}
    print(f'GSS-FF-lean ≤ {GOAL}× UPerNet\'s time: {met}')
    write_results(args.out, rows=rows, goal=GOAL, goal_met=met,
                  rounds=args.rounds)
    return rows


if __name__ == '__main__':
    main()
