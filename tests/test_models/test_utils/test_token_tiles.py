"""Tiled decoding: the same outputs as decoding the whole token grid."""
import pytest
import torch
import torch.nn as nn

from gss.models.utils import map_token_tiles
from gss.tokenizers.dalle import DalleDecoder, DalleDVAE
from gss.tokenizers.vqvae import MaskigeVQVAE
from tests.test_models.test_heads.test_gss_heads import build, metas, tiny_cfg

# Reduced widths run other convolution kernels than the full dVAE's, whose
# rounding depends on the map's size (by 1 ulp): tiles match the whole grid
# to float rounding here, and exactly at full width (the slow test).
TINY_DALLE = dict(type='DalleDVAE', n_hid=32, n_init=32, vocab_size=64,
                  checkpoint=None)


def _conv_stack(radius):
    """Token embedding, ``radius`` 3×3 convolutions, 2× nearest upsampling:
    a decoder whose receptive radius is ``radius`` tokens."""
    torch.manual_seed(0)
    embed = nn.Embedding(16, 4)
    convs = nn.Sequential(*[nn.Conv2d(4, 4, 3, padding=1)
                            for _ in range(radius)],
                          nn.Upsample(scale_factor=2))

    def decode(tokens):
        x = embed(tokens).permute(0, 3, 1, 2).contiguous()
        out = convs(x)
        return out, out[:, :1] * 2
    return decode


@torch.no_grad()
def test_map_token_tiles_equals_whole_grid_and_needs_the_halo():
    decode = _conv_stack(radius=3)
    tokens = torch.randint(0, 16, (2, 13, 17))
    whole = decode(tokens)
    for tile in (1, 4, 5, 13, 40):
        tiled = map_token_tiles(decode, tokens, tile, halo=3, scale=2)
        assert [t.shape for t in tiled] == [(2, 4, 26, 34), (2, 1, 26, 34)]
        assert all(torch.equal(a, b) for a, b in zip(tiled, whole))
    short = map_token_tiles(decode, tokens, 4, halo=2, scale=2)
    assert not torch.equal(short[0], whole[0])


def test_map_token_tiles_rejects_bad_sizes():
    with pytest.raises(ValueError, match='tile >= 1'):
        map_token_tiles(_conv_stack(1), torch.zeros(1, 4, 4).long(), 0, 1, 2)


def test_decode_halo_is_the_decoders_receptive_radius():
    # DALL·E: 6 convolutions of radius 1 per group, 3 nearest upsamplings:
    # ((6 / 2 + 6) / 2 + 6) / 2 + 6, each halving rounded up.
    assert DalleDecoder().token_halo == 12
    assert DalleDVAE(checkpoint=None).decode_halo == 12
    assert MaskigeVQVAE(palette='camvid', num_classes=11).decode_halo == 5


@torch.no_grad()
@pytest.mark.parametrize('tokenizer', [
    TINY_DALLE,
    dict(type='MaskigeVQVAE', encoder='conv', downsample=4,
         quantizer=dict(type='EMAVectorQuantizer', num_codes=64, dim=8)),
])
def test_tokenizers_decode_tiles_with_their_halo(tokenizer):
    from mmseg.models.builder import MODELS
    torch.manual_seed(0)
    model = MODELS.build(tokenizer).eval()
    # Residual branches at full strength (the VQ-VAE's start at 0, DALL·E
    # scales them by 1/64), so that the farthest tokens count.
    for module in model.modules():
        if isinstance(module, nn.Conv2d):
            nn.init.normal_(module.weight, std=0.1)
        if hasattr(module, 'post_gain'):
            module.post_gain = 1.0
    tokens = torch.randint(0, model.num_tokens, (1, 27, 35))
    whole = model.decode(tokens)

    def error(halo):
        tiled, = map_token_tiles(lambda t: (model.decode(t),), tokens, 7,
                                 halo, model.downsample)
        return (tiled - whole).abs().max()

    assert error(model.decode_halo) <= 1e-6
    # Half the context changes the outputs near tile borders.
    assert error(model.decode_halo // 2) > 1e-5


@pytest.mark.slow
@torch.no_grad()
def test_full_width_dalle_decodes_tiles_bit_exactly():
    torch.manual_seed(0)
    model = DalleDVAE(vocab_size=64, checkpoint=None).eval()
    tokens = torch.randint(0, 64, (1, 22, 30))
    whole = model.decode(tokens)
    for tile in (7, 16):
        tiled, = map_token_tiles(lambda t: (model.decode(t),), tokens, tile,
                                 model.decode_halo, model.downsample)
        assert torch.equal(tiled, whole)


def _dalle_head_model(head, **kwargs):
    torch.manual_seed(0)
    extra = dict(post_seg_channel=16, post_swin_num_heads=2,
                 post_swin_depth=kwargs.pop('depth', 1)) if head == \
        'GSSFTWHead' else {}
    cfg = tiny_cfg(head, tokenizer=TINY_DALLE, **extra, **kwargs)
    if head == 'GSSFTWHead':
        cfg.decode_head.pixel_head = None
    return build(cfg).eval()


@torch.no_grad()
@pytest.mark.parametrize('head,kwargs', [
    ('GSSFFHead', {}),
    ('GSSFFHead', dict(inverse_scores='soft')),
    ('GSSFTWHead', dict(depth=1)),
    ('GSSFTWHead', dict(depth=2, residual=True)),
])
def test_tiled_test_outputs_equal_whole_window(head, kwargs):
    model = _dalle_head_model(head, **kwargs)
    # A 15×23 token grid: its 120×184 maskige is not a multiple of the
    # 7-pixel attention window, so the last tiles are padded like the whole.
    img = torch.randn(1, 3, 60, 92)
    feats = model.extract_feat(img)
    scores, maskige = model.decode_head.forward_test_with_maskige(
        feats, metas(1, 60), model.test_cfg)
    assert scores.shape == (1, 11, 120, 184)
    for tile in (7, 14):
        model.decode_head.decode_tile_size = tile
        tiled = model.decode_head.forward_test_with_maskige(
            feats, metas(1, 60), model.test_cfg)
        torch.testing.assert_close(tiled[1], maskige, rtol=0, atol=1e-6)
        if kwargs.get('inverse_scores', 'one_hot') == 'one_hot' and \
                head == 'GSSFFHead':
            assert torch.equal(tiled[0], scores)
        else:
            torch.testing.assert_close(tiled[0], scores, rtol=0, atol=1e-4)


def test_tiling_needs_decoded_resolution_and_a_known_halo():
    with pytest.raises(ValueError, match="inverse_resolution='decoded'"):
        _dalle_head_model('GSSFFHead', decode_tile_size=8,
                          inverse_resolution='input')
    with pytest.raises(ValueError, match='decode_halo'):
        build(tiny_cfg(decode_tile_size=8))
