"""FastWindowMSA / FastSwinBlockSequence: mmseg's numbers, mmseg's keys."""
import copy

import pytest
import torch
from mmseg.models.backbones.swin import SwinBlockSequence, WindowMSA

from gss.models.heads.mla import windowed_attention
from gss.models.utils import FastSwinBlockSequence, FastWindowMSA
from tests.test_configs.tiny_gss import batch, build_tiny


def randomise(module):
    """Non-trivial weights (mmseg zero-initialises the position bias)."""
    torch.manual_seed(1)
    with torch.no_grad():
        for param in module.parameters():
            param.normal_(0, 0.2)
    return module


def shifted_mask(windows, n):
    mask = torch.zeros(windows, n, n)
    mask[1:, :n // 3, n // 3:] = -100.
    mask[1:, n // 3:, :n // 3] = -100.
    return mask


@pytest.mark.parametrize('masked', [False, True])
def test_window_msa_matches_mmseg(masked):
    stock = randomise(WindowMSA(32, 4, (7, 7)))
    fast = copy.deepcopy(stock)
    fast.__class__ = FastWindowMSA
    x = torch.randn(12, 49, 32, requires_grad=True)
    mask = shifted_mask(6, 49) if masked else None
    expected = stock(x, mask)
    (grad, ) = torch.autograd.grad(expected.square().sum(), x)
    out = fast(x, mask)
    torch.testing.assert_close(out, expected, rtol=0, atol=1e-5)
    torch.testing.assert_close(
        torch.autograd.grad(out.square().sum(), x)[0], grad, rtol=0,
        atol=1e-4)


def build_pair():
    """mmseg's and the fast sequence, each built right after seed 0.

    Returns:
        tuple: both modules and, for each, the next random number drawn
        after building it.
    """
    modules, draws = [], []
    for cls in (SwinBlockSequence, FastSwinBlockSequence):
        torch.manual_seed(0)
        modules.append(cls(embed_dims=32, num_heads=4,
                           feedforward_channels=64, depth=2, window_size=7))
        draws.append(torch.rand(1))
    return modules, draws


def test_block_sequence_has_mmseg_weights_and_keys():
    (stock, fast), (draw_stock, draw_fast) = build_pair()
    assert all(type(b.attn.w_msa) is FastWindowMSA for b in fast.blocks)
    fast_state = fast.state_dict()
    assert list(fast_state) == list(stock.state_dict())
    assert 'blocks.1.attn.w_msa.qkv.weight' in fast_state
    for key, value in stock.state_dict().items():
        assert torch.equal(fast_state[key], value), key
    # the same random draws: what a head builds next is initialised alike
    assert torch.equal(draw_fast, draw_stock)


def test_block_sequence_outputs_match_mmseg():
    """Shifted windows and padding (30×20 is no multiple of 7)."""
    (stock, fast), _ = build_pair()
    randomise(stock)
    fast.load_state_dict(stock.state_dict())
    x = torch.randn(2, 32, 30, 20)
    norm = torch.nn.LayerNorm(32)
    torch.testing.assert_close(windowed_attention(x, fast, norm),
                               windowed_attention(x, stock, norm), rtol=0,
                               atol=1e-5)
    with torch.autocast('cpu', dtype=torch.bfloat16):
        torch.testing.assert_close(
            windowed_attention(x, fast, norm).float(),
            windowed_attention(x, stock, norm).float(), rtol=0, atol=0.1)


def test_published_ftw_outputs_unchanged():
    """A tiny published GSS-FT-W: the same class scores as with mmseg's
    window attention, and the released checkpoints' key names."""
    _, model = build_tiny('gss-ft-w_r101_768x768_80k_40k_cityscapes')
    randomise(model.decode_head.post_transformer_block)
    randomise(model.decode_head.transformer_block)
    stock = copy.deepcopy(model)
    for module in stock.modules():
        if isinstance(module, FastWindowMSA):
            module.__class__ = WindowMSA
    assert 'decode_head.post_transformer_block.blocks.0.attn.w_msa.qkv.' \
        'weight' in model.state_dict()
    assert 'decode_head.transformer_block.blocks.0.attn.w_msa.' \
        'relative_position_bias_table' in model.state_dict()
    data = batch(model.decode_head.num_classes)
    model.eval(), stock.eval()
    with torch.no_grad():
        expected = stock.encode_decode(data['img'], data['img_metas'])
        torch.testing.assert_close(
            model.encode_decode(data['img'], data['img_metas']), expected,
            rtol=0, atol=1e-5)
