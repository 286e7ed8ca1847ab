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
"""
import argparse
import os.path as osp
import statistics
import sys
import time

ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
sys.path.insert(0, ROOT)
sys.path.insert(0, osp.join(ROOT, 'tools'))  # get_flops imports _cli

import torch  # noqa: E402
from get_flops import build_model  # noqa: E402
from mmcv import Config  # noqa: E402

from benchmarks.bench_flops import GOAL, SETTINGS  # noqa: E402
from benchmarks.results_file import write_results  # noqa: E402
from gss.apis import cpu_has_native_bf16  # noqa: E402

RESULTS = osp.join(ROOT, 'benchmarks', 'results')
#: The models timed in each setting (FT-W rows of bench_flops are not).
MODELS = ('UPerNet', 'GSS-FF (published)', 'GSS-FF', 'GSS-FF-lean')


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


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--rounds', type=int, default=3)
    parser.add_argument('--settings', nargs='+',
                        default=[s[0] for s in SETTINGS],
                        help='settings of bench_flops.py to time')
    parser.add_argument('--out', default=osp.join(RESULTS, 'lean_time.json'))
    args = parser.parse_args(argv)
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
