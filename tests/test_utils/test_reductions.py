"""gss.utils.argmax: torch's argmax, indices and ties included."""
import pytest
import torch

from gss.utils import argmax


@pytest.mark.parametrize('dtype', [torch.float32, torch.bfloat16])
def test_argmax_equals_torch_argmax_with_ties(dtype):
    torch.manual_seed(0)
    # NCHW scores over few classes with many ties, and a channels-last
    # view over many classes (the token logits' layout)
    scores = torch.randint(0, 3, (2, 11, 30, 40)).to(dtype)
    tokens = (2 * torch.randn(1, 9, 12, 512)).to(dtype).permute(0, 3, 1, 2)
    for tensor in (scores, tokens):
        expected = tensor.argmax(1)
        got = argmax(tensor, 1)
        assert got.dtype == torch.long and got.shape == expected.shape
        assert torch.equal(got, expected)
    # ties: the first maximum, as torch.argmax
    row = torch.tensor([[0., 5., 1., 5.], [7., 7., 7., 7.]], dtype=dtype)
    assert argmax(row, 1).tolist() == [1, 0]
