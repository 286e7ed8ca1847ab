"""Validation curves of the CamVid suite: val mIoU against training epochs.

Reads the mmcv json logs (``*.log.json``) of each run of a suite
(``bench_camvid.py``'s ``SUITES``) under ``--work-dirs``: every evaluation
hook record (``"mode": "val"``) with the iteration it was taken at and the
epochs that iteration is (iterations × batch / training frames, from the
run's own config copy; a GSS-FT-W run continues its GSS-FF run's epochs).
Draws one line per run into a small PNG and writes
the points as JSON, so a reader sees whether the runs have flattened.

    python benchmarks/plot_camvid_curves.py [--suite converged]
        [--work-dirs work_dirs] [--out figures/camvid_val_curves.png]
        [--json benchmarks/results/camvid_curves.json]
"""
import argparse
import glob
import importlib.util
import json
import math
import os
import os.path as osp
import sys

ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
sys.path.insert(0, ROOT)

#: Training frames of CamVid-11 (SegNet's release).
TRAIN_FRAMES = 367


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--suite', default='converged',
                        help='suite of bench_camvid.py (default: '
                        '%(default)s)')
    parser.add_argument('--work-dirs', default='work_dirs')
    parser.add_argument('--out', default='figures/camvid_val_curves.png')
    parser.add_argument('--json',
                        default='benchmarks/results/camvid_curves.json')
    return parser.parse_args(argv)


def val_records(work_dir, interval):
    """Evaluation-hook records of a run, each with its iteration.

    mmcv's val records carry the val loader's length as ``iter``. The
    evaluation hook runs at multiples of ``interval``, before or after the
    logger of the same iteration: a record is at the first multiple at or
    after the last training record before it, and after the previous
    evaluation of the same log (each start or resume writes a new log).

    Args:
        work_dir (str): The run's work dir (one log per start or resume).
        interval (int): ``evaluation.interval`` of the run.

    Returns:
        list[dict]: The val records, ``iter`` set to the training
        iteration, in order.
    """
    records = []
    for log in sorted(glob.glob(osp.join(work_dir, '*.log.json'))):
        last_train = last_val = 0
        for line in open(log):
            record = json.loads(line)
            if record.get('mode') == 'train':
                last_train = record['iter']
            elif record.get('mode') == 'val':
                last_val = max(last_val + interval,
                               math.ceil(last_train / interval) * interval)
                records.append(dict(record, iter=last_val))
    return records


def epochs_before(cfg):
    """Epochs of the run a config starts from (``load_from``, e.g. the
    GSS-FF run under a GSS-FT-W), so a fine-tuning curve continues it."""
    from mmcv import Config
    load_from = cfg.get('load_from')
    if not load_from:
        return 0.0
    work_dir = osp.dirname(load_from)
    config = osp.join(work_dir, osp.basename(work_dir) + '.py')
    if not osp.exists(config):
        return 0.0
    base = Config.fromfile(config)
    return base.runner.max_iters * base.data.samples_per_gpu / TRAIN_FRAMES


def run_curve(work_dir, name):
    """Points (iteration, epochs, metrics) of one run, [] without logs.

    ``epochs`` counts from the start of the first stage-II run the model
    builds on (see :func:`epochs_before`)."""
    from mmcv import Config
    config = osp.join(work_dir, f'{name}.py')
    if not osp.exists(config):
        return []
    cfg = Config.fromfile(config)
    batch = cfg.data.samples_per_gpu
    offset = epochs_before(cfg)
    points = []
    for record in val_records(work_dir, cfg.evaluation.interval):
        metrics = {k: v for k, v in record.items()
                   if k in ('mIoU', 'mAcc', 'aAcc') or k.startswith('IoU.')}
        points.append(dict(iter=record['iter'],
                           epochs=offset + record['iter'] * batch /
                           TRAIN_FRAMES,
                           **metrics))
    return points


def plot(curves, out):
    """Draw val mIoU (%) against epochs, one line per run."""
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt
    fig, ax = plt.subplots(figsize=(6.4, 3.6), dpi=100)
    for label, points in curves.items():
        if not points:
            continue
        ax.plot([p['epochs'] for p in points],
                [100 * p['mIoU'] for p in points], marker='o', label=label)
    ax.set_xlabel('epochs (CamVid train, 367 frames)')
    ax.set_ylabel('val mIoU (%)')
    ax.grid(alpha=0.3)
    ax.legend(fontsize=7)
    fig.tight_layout()
    os.makedirs(osp.dirname(osp.abspath(out)), exist_ok=True)
    fig.savefig(out)
    plt.close(fig)


def suite_runs(suite):
    """(label, config name) of the stage-II runs of a suite."""
    spec = importlib.util.spec_from_file_location(
        'bench_camvid', osp.join(ROOT, 'benchmarks', 'bench_camvid.py'))
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    if suite not in bench.SUITES:
        raise SystemExit(f'error: no suite {suite!r}; the suites are '
                         f'{sorted(bench.SUITES)}')
    return [(label, name) for label, name in bench.SUITES[suite]
            if not label.startswith('stage I')]


def main(argv=None):
    args = parse_args(argv)
    curves = {
        label: run_curve(osp.join(args.work_dirs, name), name)
        for label, name in suite_runs(args.suite)
    }
    for label, points in curves.items():
        line = ', '.join(f"{p['epochs']:.1f} ep {100 * p['mIoU']:.2f}"
                         for p in points) or 'no run'
        print(f'{label}: {line}')
    if not any(curves.values()):
        raise SystemExit(f'error: no evaluated run of the {args.suite} '
                         f'suite under {args.work_dirs}')
    plot(curves, args.out)
    os.makedirs(osp.dirname(osp.abspath(args.json)), exist_ok=True)
    with open(args.json, 'w') as f:
        json.dump(dict(suite=args.suite, train_frames=TRAIN_FRAMES,
                       curves=curves), f, indent=2)
    print(f'written {args.out} and {args.json}')


if __name__ == '__main__':
    main()
