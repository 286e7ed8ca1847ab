"""Record a finished ``bash tools/quickstart.sh`` run.

Reads the two work dirs the quick start leaves (stage I's VQ-VAE and stage
II's GSS-FF on the generated street scenes) and writes
``benchmarks/results/quickstart.json``: each stage's val metrics (stage I:
its evaluation hook's reconstruction of the val labels; stage II:
``tools/test.py --eval mIoU``), its training minutes (first to last line
of its log) and the machine (CPU model, cores, torch version). README's
quick start renders its expected numbers from that file
(``python benchmarks/render_tables.py``).

    bash tools/quickstart.sh
    python benchmarks/record_quickstart.py [--work-dirs work_dirs] \
        [--out benchmarks/results/quickstart.json]
"""
import argparse
import datetime
import glob
import json
import os
import os.path as osp
import re
import sys

import torch

ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
sys.path.insert(0, ROOT)

from benchmarks.results_file import cpu_name  # noqa: E402

#: (stage, config) of the quick start, in its order.
STAGES = (
    ('stage I: maskige VQ-VAE (reconstruction)',
     'configs/gss/synthetic/vqvae_synthetic.py'),
    ('stage II: GSS-FF', 'configs/gss/synthetic/gss-ff_r18_synthetic.py'),
)
#: The time stamp that starts each line of an mmcv text log.
STAMP = re.compile(r'^(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d),\d+ - ')


def newest(pattern, what):
    """The newest file matching ``pattern``; a clear error if none."""
    paths = sorted(glob.glob(pattern), key=osp.getmtime)
    if not paths:
        raise FileNotFoundError(
            f'no {what} ({pattern}): run `bash tools/quickstart.sh` to the '
            'end first, or point --work-dirs at its work dirs')
    return paths[-1]


def train_minutes(work_dir):
    """Minutes from the first to the last time-stamped line of the newest
    text log of ``work_dir``."""
    with open(newest(osp.join(work_dir, '*.log'), 'training log')) as f:
        stamps = [m.group(1) for m in map(STAMP.match, f) if m]
    first, last = (datetime.datetime.strptime(s, '%Y-%m-%d %H:%M:%S')
                   for s in (stamps[0], stamps[-1]))
    return (last - first).total_seconds() / 60


def hook_metrics(work_dir):
    """The last validation of the newest ``*.log.json`` of ``work_dir``."""
    path = newest(osp.join(work_dir, '*.log.json'), 'JSON training log')
    with open(path) as f:
        vals = [entry for entry in map(json.loads, f)
                if entry.get('mode') == 'val']
    if not vals:
        raise ValueError(f'{path} has no validation: stage I evaluates at '
                         'its last iteration; was the run cut short?')
    return {key: value for key, value in vals[-1].items()
            if key in ('mIoU', 'mAcc', 'aAcc') or key.startswith('IoU.')}


def test_metrics(work_dir):
    """The metrics of the newest ``tools/test.py`` dump of ``work_dir``."""
    path = newest(osp.join(work_dir, 'eval_single_scale_*.json'),
                  'tools/test.py metrics')
    with open(path) as f:
        return json.load(f)['metric']


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--work-dirs', default=osp.join(ROOT, 'work_dirs'),
                        help='the folder of the quick start\'s work dirs')
    parser.add_argument('--out', default=osp.join(
        ROOT, 'benchmarks', 'results', 'quickstart.json'))
    args = parser.parse_args(argv)
    stages = []
    for (stage, config), read in zip(STAGES, (hook_metrics, test_metrics)):
        work_dir = osp.join(args.work_dirs,
                            osp.splitext(osp.basename(config))[0])
        stages.append(dict(stage=stage, config=config,
                           metric=read(work_dir),
                           train_minutes=train_minutes(work_dir)))
    result = dict(stages=stages, cpu=cpu_name(), cores=os.cpu_count(),
                  torch=torch.__version__)
    print(f'{"stage":44s} {"mIoU":>6s} {"aAcc":>6s} {"train min":>9s}')
    for s in stages:
        print(f'{s["stage"]:44s} {100 * s["metric"]["mIoU"]:6.2f} '
              f'{100 * s["metric"]["aAcc"]:6.2f} {s["train_minutes"]:9.1f}')
    os.makedirs(osp.dirname(args.out), exist_ok=True)
    with open(args.out, 'w') as f:
        json.dump(result, f, indent=2)
    print(f'written {args.out}')
    return result


if __name__ == '__main__':
    main()
