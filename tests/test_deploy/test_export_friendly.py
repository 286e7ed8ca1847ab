"""The export-friendly code computes what the normal code computes, and
it is only swapped in during an export (or a shape-only FLOP count): over
mmseg's and torch's code by ``gss.compat``, over GSS's own by
``gss.deploy``."""
import pytest
import torch
import torch.nn.functional as F
from mmseg.models.backbones.swin import ShiftWindowMSA
from mmseg.models.segmentors import EncoderDecoder
from mmseg.models.utils.embed import AdaptivePadding

from gss.compat import use_export_friendly_layers
from gss.deploy import export_friendly, shape_only
from gss.deploy.export_friendly import (EXPORT_SWAPS, VALUE_READERS,
                                        adaptive_avg_pool2d,
                                        adaptive_padding,
                                        exported_simple_test,
                                        one_block_linear_argmin,
                                        shift_window_attention)
from gss.maskige import labels_to_maskige
from gss.maskige.linear_argmin import CHUNK_ELEMENTS, linear_argmin
from gss.tokenizers import DalleDVAE

#: What :func:`use_export_friendly_layers` swaps in over upstream code.
UPSTREAM_SWAPS = (
    (ShiftWindowMSA, 'forward', shift_window_attention),
    (AdaptivePadding, 'forward', adaptive_padding),
    (F, 'adaptive_avg_pool2d', adaptive_avg_pool2d),
    (EncoderDecoder, 'simple_test', exported_simple_test),
)


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


@pytest.mark.parametrize('context, swaps',
                         [(use_export_friendly_layers, UPSTREAM_SWAPS),
                          (export_friendly, EXPORT_SWAPS),
                          (shape_only, VALUE_READERS)])
def test_swaps_only_inside_and_restores_after_errors(context, swaps):
    originals = [getattr(owner, name) for owner, name, _ in swaps]
    with pytest.raises(RuntimeError, match='boom'):
        with context():
            for owner, name, replacement in swaps:
                assert getattr(owner, name) is replacement, name
            raise RuntimeError('boom')
    assert [getattr(owner, name) for owner, name, _ in swaps] == originals
    assert ShiftWindowMSA.forward is not shift_window_attention
    assert AdaptivePadding.forward is not adaptive_padding
    assert F.adaptive_avg_pool2d is not adaptive_avg_pool2d


def test_loop_free_nearest_colour_equals_the_chunked_one():
    gen = torch.Generator().manual_seed(0)
    palette = torch.randint(256, (19, 3), generator=gen).float() / 255
    weight, bias = -2 * palette, (palette * palette).sum(dim=1)
    # More pixels than one chunk, so the normal path really loops.
    maskige = torch.rand(2, 3, 120, 130, generator=gen)
    assert maskige[0, 0].numel() > CHUNK_ELEMENTS // len(palette)
    chunked = linear_argmin(maskige, weight, bias)
    assert torch.equal(one_block_linear_argmin(maskige, weight, bias),
                       chunked)
    assert len(torch.unique(chunked)) > 10


def test_maskige_transform_paints_one_way_with_or_without_ignored_pixels():
    """The ignore colour joins the table whatever the labels hold, so a
    graph traced on labels without ignored pixels paints them too."""
    colors = torch.tensor([[0, 0, 0], [255, 0, 0]])
    labels = torch.tensor([[[0, 1], [1, 0]]])
    assert torch.equal(labels_to_maskige(labels, colors, [9, 9, 9]),
                       labels_to_maskige(labels, colors, None))
    ignored = labels_to_maskige(labels.masked_fill(labels == 1, 255),
                                colors, [9, 9, 9])
    assert (ignored[0, :, 0, 1] == 9 / 255).all()


def test_exported_simple_test_is_mmseg_argmax_tensor():
    """During export ``simple_test`` gives mmseg's exported output, the
    (1, B, H, W) argmax tensor, for mmseg's and GSS's segmentors."""
    torch.manual_seed(0)
    scores = torch.randint(0, 3, (2, 11, 6, 8)).float()  # ties

    class Model:

        def inference(self, img, img_meta, rescale):
            return scores

    assert torch.equal(exported_simple_test(Model(), None, None),
                       scores.argmax(dim=1).unsqueeze(0))
    with use_export_friendly_layers(), export_friendly():
        assert EncoderDecoder.simple_test is exported_simple_test


def test_shape_only_decodes_meta_tokens():
    """Token ids on the meta device have no values to check: the decoder
    still runs (FLOP counting), and outside the context it refuses."""
    dvae = DalleDVAE(checkpoint=None, n_hid=8, n_blk_per_group=1,
                     vocab_size=32, n_init=8).eval()
    tokens = torch.zeros(1, 2, 3, dtype=torch.long, device='meta')
    with torch.no_grad():
        with shape_only():
            assert dvae.to('meta').decode(tokens).shape == (1, 3, 16, 24)
        with pytest.raises(RuntimeError, match='meta tensors'):
            dvae.decode(tokens)
