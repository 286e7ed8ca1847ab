"""benchmarks/bench_flops.py reproduces its committed table."""
import json
import os.path as osp

import pytest

from tests.conftest import ROOT


@pytest.mark.slow  # counts R101 768², Swin-L 512² and CamVid models: ~40 s
def test_counts_match_the_committed_table(tmp_path):
    from benchmarks.bench_flops import GOAL_SETTINGS, main
    out = tmp_path / 'flops.json'
    rows = main(['--out', str(out)])
    committed = json.load(
        open(osp.join(ROOT, 'benchmarks', 'results', 'flops.json')))
    assert [(r['setting'], r['model']) for r in rows] == [
        (r['setting'], r['model']) for r in committed['rows']]
    for row, expected in zip(rows, committed['rows']):
        assert row['gflops'] == pytest.approx(expected['gflops'], rel=1e-9)
        assert row['parts'] == pytest.approx(expected['parts'], rel=1e-9)
    written = json.load(open(out))
    assert written['goal_met'] == all(
        r['vs_upernet'] <= written['goal'] for r in rows
        if r['model'] == 'GSS-FF-lean' and r['setting'] in GOAL_SETTINGS)
    # GSS-FT-W costs its GSS-FF plus the X⁻¹ block on every pixel
    camvid = {r['model']: r for r in rows
              if r['setting'].startswith('EfficientNet-Lite0')}
    assert camvid['GSS-FT-W']['gflops'] > camvid['GSS-FF']['gflops'] > \
        camvid['UPerNet']['gflops']
