"""The export-friendly layers compute what the normal ones compute, and
they are only swapped in during an export."""
from unittest import mock

import pytest
import torch
import torch.nn.functional as F
from mmseg.models.backbones.swin import ShiftWindowMSA
from mmseg.models.utils.embed import AdaptivePadding

from gss.compat import use_export_friendly_layers
from gss.deploy.export_friendly import (adaptive_avg_pool2d,
                                        adaptive_padding,
                                        shift_window_attention)
from gss.maskige import labels_to_maskige
from gss.maskige.linear_argmin import CHUNK_ELEMENTS, linear_argmin

EXPORTING = 'torch.onnx.is_in_onnx_export'


@pytest.mark.parametrize('shift', [0, 2])
@pytest.mark.parametrize('size', [(8, 12), (7, 10), (5, 3)])
def test_shift_window_attention_equals_mmseg(shift, size):
    torch.manual_seed(0)
    msa = ShiftWindowMSA(embed_dims=8, num_heads=2, window_size=4,
                         shift_size=shift).eval()
    query = torch.randn(2, size[0] * size[1], 8)
    with torch.no_grad():
        assert torch.equal(shift_window_attention(msa, query, size),
                           msa(query, size))


@pytest.mark.parametrize('padding', ['corner', 'same'])
@pytest.mark.parametrize('size', [(8, 8), (9, 14), (3, 5)])
def test_adaptive_padding_equals_mmseg(padding, size):
    pad = AdaptivePadding(kernel_size=4, stride=4, padding=padding)
    x = torch.randn(1, 2, *size)
    assert torch.equal(adaptive_padding(pad, x), pad(x))


@pytest.mark.parametrize('output_size', [1, 2, 3, 6, (2, 5)])
def test_adaptive_avg_pool2d_matches_torch(output_size):
    x = torch.randn(2, 3, 12, 15)
    expected = F.adaptive_avg_pool2d(x, output_size)
    actual = adaptive_avg_pool2d(x, output_size)
    assert actual.shape == expected.shape
    torch.testing.assert_close(actual, expected, rtol=0, atol=1e-6)


def test_export_friendly_layers_swap_only_inside_and_restore_after_errors():
    originals = (ShiftWindowMSA.forward, AdaptivePadding.forward,
                 F.adaptive_avg_pool2d)
    with pytest.raises(RuntimeError, match='boom'):
        with use_export_friendly_layers():
            assert ShiftWindowMSA.forward is shift_window_attention
            assert AdaptivePadding.forward is adaptive_padding
            assert F.adaptive_avg_pool2d is adaptive_avg_pool2d
            raise RuntimeError('boom')
    assert (ShiftWindowMSA.forward, AdaptivePadding.forward,
            F.adaptive_avg_pool2d) == originals


def test_loop_free_nearest_colour_equals_the_chunked_one():
    gen = torch.Generator().manual_seed(0)
    palette = torch.randint(256, (19, 3), generator=gen).float() / 255
    weight, bias = -2 * palette, (palette * palette).sum(dim=1)
    # More pixels than one chunk, so the normal path really loops.
    maskige = torch.rand(2, 3, 120, 130, generator=gen)
    assert maskige[0, 0].numel() > CHUNK_ELEMENTS // len(palette)
    chunked = linear_argmin(maskige, weight, bias)
    with mock.patch(EXPORTING, return_value=True):
        loop_free = linear_argmin(maskige, weight, bias)
    assert torch.equal(loop_free, chunked)
    assert len(torch.unique(chunked)) > 10


def test_maskige_transform_paints_the_same_while_exporting():
    colors = torch.tensor([[0, 0, 0], [255, 0, 0]])
    labels = torch.tensor([[[0, 1], [1, 0]]])
    with mock.patch(EXPORTING, return_value=True):
        exported = labels_to_maskige(labels, colors, [9, 9, 9])
    assert torch.equal(exported, labels_to_maskige(labels, colors,
                                                   [9, 9, 9]))
