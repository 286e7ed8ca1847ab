"""The training-free X⁻¹ component that the GSS heads and stage I share."""
import pytest
import torch

from gss.maskige import (DEFAULT_INVERSE_SCORES, INVERSE_SCORES,
                         MaskigeCodec, TrainingFreeInverse)


@pytest.fixture
def codec_and_maskige():
    torch.manual_seed(0)
    codec = MaskigeCodec('camvid', 11)
    labels = torch.randint(0, 11, (2, 6, 8)).repeat_interleave(
        3, 1).repeat_interleave(3, 2)
    noise = 0.02 * torch.randn(2, 3, 18, 24)
    return codec, (codec.encode(labels) + noise).clamp(0, 1)


def test_default_is_the_published_one_hot():
    assert DEFAULT_INVERSE_SCORES == 'one_hot' in INVERSE_SCORES
    assert TrainingFreeInverse().scores == DEFAULT_INVERSE_SCORES


def test_each_variant_computes_its_codec_scores(codec_and_maskige):
    codec, maskige = codec_and_maskige
    expected = {
        'one_hot': codec.one_hot(maskige),
        'soft': codec.scores(maskige) / 0.05,
        'neighbourhood': codec.neighbourhood_one_hot(maskige, 5, 12.0),
    }
    for scores in INVERSE_SCORES:
        inverse = TrainingFreeInverse(scores, 0.05, 5, 12.0)
        assert torch.equal(inverse(codec, maskige), expected[scores])
    assert torch.equal(TrainingFreeInverse('one_hot', 0.05).logits(
        codec, maskige), expected['soft'])


def test_context_is_the_neighbourhood_radius():
    assert TrainingFreeInverse('one_hot').context() == (0, 1)
    assert TrainingFreeInverse('soft').context() == (0, 1)
    assert TrainingFreeInverse('neighbourhood',
                               neighbourhood_window=7).context() == (3, 1)


def test_refuses_unknown_scores_and_temperatures():
    with pytest.raises(ValueError, match="inverse_scores must be one of"):
        TrainingFreeInverse('nearest')
    with pytest.raises(ValueError, match='temperature must be > 0'):
        TrainingFreeInverse('soft', temperature=0)
