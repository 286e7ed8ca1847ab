"""benchmarks/bench_lean_time.py --profile: time split by part."""
import pytest

from tests.test_configs.tiny_gss import build_tiny


@pytest.fixture(scope='module')
def bench():
    from benchmarks import bench_lean_time
    return bench_lean_time


class FakeClock:
    """``time.perf_counter`` that advances by a millisecond per reading,
    and by what a test adds: timings without the machine's load."""

    def __init__(self):
        self.now = 0.0

    def __call__(self):
        self.now += 1e-3
        return self.now


def test_parts_add_up_to_the_forward(bench, monkeypatch):
    model = build_tiny('gss-ff_r101_768x768_80k_cityscapes')[1].eval()
    tokenizer = model.decode_head.tokenizer
    decode = tokenizer.decode
    clock = FakeClock()
    monkeypatch.setattr(bench.time, 'perf_counter', clock)

    def slow_decode(*args, **kwargs):  # the tokenizer's share is known
        clock.now += 10.0
        return decode(*args, **kwargs)

    monkeypatch.setattr(tokenizer, 'decode', slow_decode)
    total, spent = bench.part_seconds(model, (64, 64))
    assert set(spent) == {'backbone', 'decode head', 'tokenizer', 'rest'}
    assert sum(spent.values()) == pytest.approx(total)
    assert 10.0 < spent['tokenizer'] < 10.01
    # the head's time excludes the tokenizer it calls
    assert 0 < spent['decode head'] < 0.01
    assert all(seconds > 0 for seconds in spent.values())
    # the wrappers are gone: the class's methods run again
    assert 'forward' not in vars(model.backbone)
    assert 'decode' in vars(tokenizer)  # only the test's own patch


def test_top_operators_are_shares_of_the_forward(bench):
    model = build_tiny('gss-ff_r101_768x768_80k_cityscapes')[1].eval()
    top = bench.top_operators(model, (64, 64))
    assert len(top) == bench.TOP_OPS
    shares = [share for _, share in top]
    assert shares == sorted(shares, reverse=True)
    assert 0 < sum(shares) <= 1
    assert all(name.startswith('aten::') for name, _ in top)
