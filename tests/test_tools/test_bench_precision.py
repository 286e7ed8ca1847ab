"""benchmarks/bench_precision.py: the per-round ratios of its table."""
import pytest

from benchmarks.bench_precision import RETAINED, summarise


def test_speedups_are_medians_of_per_round_ratios():
    retained = 'bf16 + channels-last' + RETAINED
    times = {
        'fp32': [2.0, 4.0, 3.0],
        'bf16 + channels-last': [1.0, 1.0, 2.0],
        'fp32' + RETAINED: [1.0, 2.0, 1.5],
        retained: [0.5, 0.5, 1.0],
    }
    upernet = {'fp32': [1.0, 2.0, 1.0],
               'bf16 + channels-last': [0.5, 0.5, 0.5]}
    out = summarise(times, upernet)
    fast = out['bf16 + channels-last']
    assert fast['seconds'] == 1.0
    # rounds: 2/1, 4/1, 3/2 -> median 2; a ratio of medians would be 3
    assert fast['speedup'] == pytest.approx(2.0)
    # × UPerNet in the same setting: 1/0.5, 1/0.5, 2/0.5 -> median 2
    assert fast['x_upernet'] == pytest.approx(2.0)
    # × UPerNet fp32: 1/1, 1/2, 2/1 -> median 1
    assert fast['x_upernet_fp32'] == pytest.approx(1.0)
    # retained-memory rows: over fp32 (default malloc) and over fp32 with
    # retained memory; their UPerNet falls back to fp32 when it lacks them
    assert out[retained]['speedup'] == pytest.approx(4.0)
    assert out[retained]['speedup_same_malloc'] == pytest.approx(2.0)
    assert out[retained]['x_upernet'] == pytest.approx(0.5)
    assert 'speedup_same_malloc' not in fast
