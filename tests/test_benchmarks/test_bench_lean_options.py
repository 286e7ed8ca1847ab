"""benchmarks/bench_lean_options.py: the options are the models timed."""
import pytest
from get_flops import build_model


@pytest.fixture(scope='module')
def bench():
    from benchmarks import bench_lean_options
    return bench_lean_options


def test_options_merge_into_the_lean_head(bench):
    options = dict(bench.OPTIONS)
    assert options['as configured'] == {}
    base = bench.lean_config({}).model.decode_head
    cfg = bench.lean_config(
        options['no window block, 64 wide, rank 32, 1,024 codes'])
    head = cfg.model.decode_head
    assert (head.swin_depth, head.fusion_channels, head.classifier_channels,
            head.token_classifier_rank) == (0, 64, 64, 32)
    # a nested key changes the codebook only, the rest of the tokenizer stays
    assert head.tokenizer.quantizer.num_codes == 1024
    assert base.tokenizer.quantizer.num_codes == 4096
    assert head.tokenizer.quantizer.type == base.tokenizer.quantizer.type
    assert head.tokenizer.checkpoint == base.tokenizer.checkpoint
    model = build_model(cfg)
    assert model.decode_head.conv_seg.out_channels == 1024
    assert model.decode_head.token_basis.out_channels == 32
    assert model.decode_head.fusion_conv.conv.out_channels == 64
