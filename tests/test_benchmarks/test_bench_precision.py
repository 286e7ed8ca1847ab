"""benchmarks/bench_precision.py: the per-round ratios of its table."""
import copy

import pytest
import torch

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


def test_without_bf16_arithmetic_only_fp32_variants_run():
    from benchmarks.bench_precision import STOCK_ATTENTION, variant_names
    assert variant_names(bf16=False) == [
        'fp32', 'fp32 + channels-last', STOCK_ATTENTION]
    assert variant_names(compiled=True, bf16=False) == [
        'fp32', 'fp32 + channels-last', 'fp32 + compile', STOCK_ATTENTION]
    every = variant_names(compiled=True)
    assert 'bf16 + channels-last + fp32 depthwise' in every
    assert 'bf16 + channels-last + compile' in every


@pytest.mark.parametrize('name, dtype, channels_last', [
    ('fp32', torch.float32, False),
    ('fp32 + channels-last', torch.float32, True),
    ('bf16', torch.bfloat16, False),
    ('bf16 + channels-last', torch.bfloat16, True),
])
def test_each_variant_computes_in_its_precision_on_any_cpu(
        name, dtype, channels_last):
    """A variant named bf16 is bf16 also where cpu_bf16 would keep fp32."""
    from benchmarks.bench_precision import VARIANTS, prepare, runs_bf16
    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Conv2d(3, 8, 3))
    reference = copy.deepcopy(model)
    prepare(model, VARIANTS[name])
    out = model(torch.randn(2, 3, 9, 9))
    assert out.dtype == dtype and runs_bf16(name) == (dtype != torch.float32)
    assert runs_bf16(name + RETAINED) == runs_bf16(name)
    assert model[0].weight.is_contiguous(
        memory_format=torch.channels_last) == channels_last
    torch.manual_seed(1)
    x = torch.randn(2, 3, 9, 9)
    tolerance = 1e-5 if dtype == torch.float32 else 0.05
    torch.testing.assert_close(model(x).float(), reference(x),
                               rtol=tolerance, atol=tolerance)


def test_table_cells_mark_what_was_not_timed():
    from benchmarks.bench_precision import table_cell
    assert table_cell({'seconds': 0.5}, 'seconds', 8) == '   0.500'
    assert table_cell({'speedup': 2.0349}, 'speedup', 8, 'x') == '   2.03x'
    assert table_cell({}, 'speedup', 8, 'x') == '       –'
