"""benchmarks/record_quickstart.py reads what the quick start leaves."""
import json
import os
import sys

import pytest

from tests.conftest import ROOT

sys.path.insert(0, f'{ROOT}/benchmarks')
import record_quickstart  # noqa: E402
import render_tables  # noqa: E402

CLASSES = render_tables.CAMVID_CLASSES


def per_class(zero):
    """Per-class IoU keys: 0 for the classes in ``zero``, 0.5 otherwise."""
    return {f'IoU.{c}': 0.0 if c in zero else 0.5 for c in CLASSES}


def write_run(work_dirs):
    """The files of a quick start: text logs, stage I's JSON log with its
    validation, stage II's test dump."""
    stage1 = work_dirs / 'vqvae_synthetic'
    stage2 = work_dirs / 'gss-ff_r18_synthetic'
    for path in (stage1, stage2):
        path.mkdir(parents=True)
    (stage1 / '20261206_010000.log').write_text(
        '2026-12-06 01:00:00,001 - mmseg - INFO - Environment info:\n'
        'torch: 2.x (a line without a time stamp)\n'
        '2026-12-06 01:04:30,500 - mmseg - INFO - Iter(val) [20]\n')
    (stage1 / '20261206_010000.log.json').write_text('\n'.join(map(
        json.dumps, [
            dict(env_info='...'),
            dict(mode='train', iter=20, loss=1.0),
            dict(mode='val', iter=400, mIoU=0.9, aAcc=0.97, mAcc=0.93,
                 **per_class(())),
        ])) + '\n')
    (stage2 / '20261206_010500.log').write_text(
        '2026-12-06 01:05:00,000 - mmseg - INFO - start\n'
        '2026-12-06 01:11:00,000 - mmseg - INFO - Saving checkpoint\n')
    # an older dump must lose to the newer one
    old = stage2 / 'eval_single_scale_20261206_010000.json'
    old.write_text(json.dumps(dict(metric=dict(mIoU=0.1, aAcc=0.2))))
    new = stage2 / 'eval_single_scale_20261206_011200.json'
    new.write_text(json.dumps(dict(config='x', metric=dict(
        mIoU=0.4, aAcc=0.8, mAcc=0.5, **per_class(('Pole', 'Fence'))))))
    os.utime(old, (1, 1))


def test_records_each_stage_and_renders_the_table(tmp_path, monkeypatch):
    write_run(tmp_path / 'work_dirs')
    out = tmp_path / 'quickstart.json'
    record_quickstart.main(['--work-dirs', str(tmp_path / 'work_dirs'),
                            '--out', str(out)])
    recorded = json.loads(out.read_text())
    first, second = recorded['stages']
    assert first['config'] == 'configs/gss/synthetic/vqvae_synthetic.py'
    assert first['metric']['mIoU'] == 0.9
    assert 'loss' not in first['metric']
    assert first['train_minutes'] == pytest.approx(4.5)
    assert second['metric']['mIoU'] == 0.4  # the newest dump
    assert second['train_minutes'] == pytest.approx(6.0)
    assert recorded['cores'] >= 1 and recorded['torch']

    monkeypatch.setattr(render_tables, 'RESULTS', str(tmp_path))
    rendered = render_tables.render_quickstart('').splitlines()
    rows = rendered[2:4]
    assert rendered[-1] == (f"{recorded['cpu']}, {recorded['cores']} cores, "
                            f"torch {recorded['torch']}.")
    assert rows[0].split(' | ')[2:] == ['90.00', '97.00', 'none', '4.5 |']
    assert rows[1].split(' | ')[2:] == ['40.00', '80.00', 'Pole, Fence',
                                        '6.0 |']


def test_a_missing_stage_is_a_clear_error(tmp_path):
    write_run(tmp_path / 'work_dirs')
    for dump in (tmp_path / 'work_dirs' / 'gss-ff_r18_synthetic').glob(
            'eval_*.json'):
        dump.unlink()
    with pytest.raises(FileNotFoundError, match='tools/quickstart.sh'):
        record_quickstart.main(['--work-dirs', str(tmp_path / 'work_dirs'),
                                '--out', str(tmp_path / 'q.json')])


def test_a_run_without_validation_is_a_clear_error(tmp_path):
    write_run(tmp_path / 'work_dirs')
    log = tmp_path / 'work_dirs' / 'vqvae_synthetic' / \
        '20261206_010000.log.json'
    log.write_text(json.dumps(dict(mode='train', iter=20)) + '\n')
    with pytest.raises(ValueError, match='no validation'):
        record_quickstart.main(['--work-dirs', str(tmp_path / 'work_dirs'),
                                '--out', str(tmp_path / 'q.json')])
