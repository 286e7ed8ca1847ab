"""benchmarks/plot_camvid_curves.py: val points at the right iterations and
epochs, a PNG and the JSON of the points."""
import json
import os.path as osp

import cv2
import pytest

from tests.conftest import ROOT, load_script

UPERNET = 'upernet-balanced_effnet-lite0_256x256_2k_camvid'
FF = 'gss-ff-balanced_effnet-lite0_256x256_2k_camvid'
FTW = 'gss-ft-w-balanced_effnet-lite0_256x256_2k_1k_camvid'


@pytest.fixture(scope='module')
def plot():
    return load_script(osp.join(ROOT, 'benchmarks', 'plot_camvid_curves.py'),
                       'plot_camvid_curves')


def fake_run(work_dirs, name, max_iters, interval, batch, mious,
             load_from=None, eval_first=True, start=0,
             log='20261130_000000.log.json'):
    """A work dir as tools/train.py leaves it: config copy and json log
    with a train record every 20 iterations (or every ``interval``) and a
    val record (mIoU from
    ``mious``) every ``interval``; ``eval_first`` writes the val record
    before the train record of its iteration, as mmcv's hook order does.
    """
    work_dir = work_dirs / name
    work_dir.mkdir(parents=True, exist_ok=True)
    (work_dir / f'{name}.py').write_text(
        f'data = dict(samples_per_gpu={batch})\n'
        f'runner = dict(type="IterBasedRunner", max_iters={max_iters})\n'
        f'evaluation = dict(interval={interval})\n'
        f'load_from = {load_from!r}\n')
    lines = [json.dumps(dict(env_info='...', seed=0))]
    mious = iter(mious)
    step = 20 if interval % 20 == 0 else interval
    for it in range(start + step, max_iters + 1, step):
        train = json.dumps(dict(mode='train', iter=it, time=1.0))
        if it % interval:
            lines.append(train)
            continue
        val = json.dumps(dict(mode='val', epoch=1, iter=101,
                              mIoU=next(mious), **{'IoU.Pole': 0.1}))
        lines += [val, train] if eval_first else [train, val]
    (work_dir / log).write_text('\n'.join(lines))
    return work_dir


@pytest.mark.parametrize('interval', [40, 20])  # 20: the log interval
@pytest.mark.parametrize('eval_first', [True, False])
def test_val_records_get_their_iteration(plot, tmp_path, interval,
                                         eval_first):
    work_dir = fake_run(tmp_path, UPERNET, 3 * interval, interval, 4,
                        [0.1, 0.2, 0.3], eval_first=eval_first)
    records = plot.val_records(str(work_dir), interval)
    assert [r['iter'] for r in records] == [interval, 2 * interval,
                                            3 * interval]
    assert [r['mIoU'] for r in records] == [0.1, 0.2, 0.3]


def test_resumed_run_continues_its_evaluations(plot, tmp_path):
    # Stopped at 1,100 after evaluating at 400 and 800; resumed from 1,000.
    fake_run(tmp_path, UPERNET, 1100, 400, 4, [0.1, 0.2])
    work_dir = fake_run(tmp_path, UPERNET, 2000, 400, 4, [0.3, 0.4, 0.5],
                        start=1000, log='20261130_010000.log.json')
    records = plot.val_records(str(work_dir), 400)
    assert [r['iter'] for r in records] == [400, 800, 1200, 1600, 2000]
    assert [r['mIoU'] for r in records] == [0.1, 0.2, 0.3, 0.4, 0.5]


def test_curves_in_epochs_and_fine_tuning_continues(plot, tmp_path):
    work_dirs = tmp_path / 'work_dirs'
    ff = fake_run(work_dirs, FF, 734, 367, 4, [0.3, 0.4])
    fake_run(work_dirs, FTW, 367, 367, 2, [0.45],
             load_from=str(ff / 'latest.pth'))
    curve = plot.run_curve(str(ff), FF)
    assert [p['epochs'] for p in curve] == [4.0, 8.0]  # 367·4 / 367 frames
    assert curve[1]['IoU.Pole'] == 0.1 and 'time' not in curve[1]
    ftw = plot.run_curve(str(work_dirs / FTW), FTW)
    assert [p['epochs'] for p in ftw] == [8.0 + 2.0]
    assert plot.run_curve(str(work_dirs / UPERNET), UPERNET) == []


def test_main_writes_png_and_points(plot, tmp_path, capsys):
    work_dirs = tmp_path / 'work_dirs'
    fake_run(work_dirs, UPERNET, 80, 40, 4, [0.5, 0.6])
    out, points = tmp_path / 'curves.png', tmp_path / 'curves.json'
    plot.main(['--work-dirs', str(work_dirs), '--out', str(out), '--json',
               str(points)])
    image = cv2.imread(str(out))
    assert image.shape == (360, 640, 3)
    written = json.load(open(points))
    curves = written['curves']
    (upernet, ) = [label for label in curves if 'UPerNet' in label]
    assert [p['mIoU'] for p in curves[upernet]] == [0.5, 0.6]
    assert all(points == [] for label, points in curves.items()
               if label != upernet)
    assert '(b) GSS-FF, EfficientNet-Lite0 (ImageNet): no run' in \
        capsys.readouterr().out
    with pytest.raises(SystemExit, match='no evaluated run'):
        plot.main(['--work-dirs', str(tmp_path / 'none'), '--out',
                   str(out), '--json', str(points)])
