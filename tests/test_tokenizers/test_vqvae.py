"""The project's maskige VQ-VAE, its quantisers and stage-I evaluation."""
import glob
import json
import os.path as osp

import mmcv
import numpy as np
import pytest
import torch
from mmseg.models import build_segmentor
import torch.nn.functional as F

from gss.maskige import MaskigeCodec
from gss.maskige.reference_decoders import maskige_to_labels
from gss.models.segmentors import MaskigeAutoencoder
from gss.tokenizers import (EMAVectorQuantizer, FiniteScalarQuantizer,
                            MaskigeVQVAE)
from tests.conftest import ROOT, load_tool

FSQ = dict(type='FiniteScalarQuantizer', levels=(4, 4, 3))
EMA = dict(type='EMAVectorQuantizer', num_codes=32, dim=8, restart_after=5)


PATTERNS = dict(encoder='class_patterns', palette='camvid', num_classes=11,
                quantizer=dict(type='EMAVectorQuantizer', num_codes=40))


@pytest.mark.parametrize('kwargs', [
    dict(encoder='conv', quantizer=FSQ),
    dict(encoder='conv', quantizer=EMA), PATTERNS
], ids=['conv-fsq', 'conv-ema', 'class-patterns'])
@pytest.mark.parametrize('downsample', [4, 8])
def test_interface_contract(kwargs, downsample):
    torch.manual_seed(0)
    vq = MaskigeVQVAE(downsample=downsample, channels=16, num_res_blocks=1,
                      **kwargs)

    def inputs(*size):  # random maskiges, or labels for a label tokenizer
        if vq.input_kind == 'labels':
            return torch.randint(0, 11, size)
        return torch.rand(size[0], 3, *size[1:])

    vq.train()
    vq(inputs(2, 32, 48))  # the EMA codebook starts from data
    vq.eval()
    assert vq.num_tokens == {FSQ['type']: 48}.get(
        kwargs['quantizer']['type'], kwargs['quantizer'].get('num_codes'))
    tokens = vq.encode(inputs(2, 32, 48))
    assert tokens.shape == (2, 32 // downsample, 48 // downsample)
    assert tokens.dtype == torch.long
    assert 0 <= tokens.min() and tokens.max() < vq.num_tokens
    out = vq.decode(tokens)
    assert out.shape == (2, 3, 32, 48)
    assert 0 <= out.min() and out.max() <= 1
    one_hot = F.one_hot(tokens, vq.num_tokens).permute(0, 3, 1, 2).float()
    torch.testing.assert_close(vq.decode_probs(one_hot), out)
    with pytest.raises(ValueError, match='not divisible'):
        vq.encode(inputs(1, 30, 32))


def test_class_pattern_codes_reconstruct_their_cells_exactly():
    """A codeword is the one-hot class layout of a cell (void: all zero),
    and decoding it paints that layout, before any training."""
    torch.manual_seed(0)
    codec = MaskigeCodec('camvid', 11)
    labels = torch.randint(0, 11, (1, 8, 12))
    labels[0, 0, 0] = 255
    vq = MaskigeVQVAE(channels=8, num_res_blocks=1, **dict(
        PATTERNS, quantizer=dict(type='EMAVectorQuantizer', num_codes=6)))
    latent = vq.encoder(labels)
    assert latent.shape == (1, 11 * 16, 2, 3)
    cell = latent[0, :, 0, 0].view(11, 4, 4)  # pixel-unshuffle layout
    assert cell[:, 0, 0].sum() == 0  # the void pixel
    assert torch.equal(cell.argmax(0).flatten()[1:], labels[0, :4, :4]
                       .flatten()[1:])
    assert torch.equal(cell.sum(0).flatten()[1:], torch.ones(15))
    # a codebook holding exactly these six layouts reconstructs the map
    vq.quantizer.embed.copy_(latent[0].flatten(1).t())
    vq.quantizer.initialized.fill_(True)
    vq.eval()
    tokens = vq.encode(labels)
    assert torch.equal(tokens.flatten(), torch.arange(6))
    decoded = codec.decode(vq.decode(tokens))
    assert torch.equal(decoded[0, 1:], labels[0, 1:])
    assert torch.equal(decoded[0, 0, 1:], labels[0, 0, 1:])


def test_class_pattern_config_errors():
    with pytest.raises(ValueError, match='palette'):
        MaskigeVQVAE(encoder='class_patterns')
    with pytest.raises(ValueError, match='EMAVectorQuantizer'):
        MaskigeVQVAE(palette='camvid', num_classes=11, quantizer=FSQ)
    with pytest.raises(ValueError, match='leave dim unset'):
        MaskigeVQVAE(palette='camvid', num_classes=11, quantizer=EMA)
    with pytest.raises(ValueError, match="'class_patterns' or 'conv'"):
        MaskigeVQVAE(encoder='unet', quantizer=FSQ)


def test_fsq_code_numbering_round_trips():
    fsq = FiniteScalarQuantizer(levels=(8, 5, 4))
    codes = torch.arange(fsq.num_codes).view(1, 1, -1)
    latent = fsq.codes_to_latent(codes)
    assert torch.equal(fsq.latent_to_codes(latent), codes)
    # every level is reachable from the bounded latent
    big = torch.linspace(-20, 20, 4001).view(1, 1, 1, -1).expand(1, 3, 1, -1)
    _, reached, _ = fsq(big.contiguous())
    assert fsq.codes_to_latent(reached).unique().numel() == 8


@pytest.mark.parametrize('quantizer', [FiniteScalarQuantizer((5, 5, 4)),
                                       EMAVectorQuantizer(16, 3)])
def test_straight_through_gradients(quantizer):
    z = torch.randn(2, 3, 4, 4, requires_grad=True)
    quantized, codes, stats = quantizer(z)
    loss = quantized.pow(2).sum() + sum(
        v for k, v in stats.items() if k.startswith('loss'))
    loss.backward()
    assert z.grad is not None and z.grad.abs().sum() > 0
    torch.testing.assert_close(quantized.detach(),
                               quantizer.codes_to_latent(codes))


def test_ema_restarts_dead_codes():
    torch.manual_seed(0)
    vq = EMAVectorQuantizer(num_codes=64, dim=4, restart_after=3)
    vq.initialized.fill_(True)  # skip the data init: test the restarts
    vq.embed.add_(100.0)  # every code far from the data: all dead at first
    vq.embed_sum.copy_(vq.embed)
    data = torch.randn(8, 4, 8, 8)
    for _ in range(10):
        _, codes, stats = vq(data)
    assert codes.unique().numel() > 32
    assert stats['usage'] > 0.5


def test_ema_restarts_stop_after_restart_until():
    """After ``restart_until`` updates unused codes are left alone (the
    codebook settles); the update count is saved, so a resumed run stops at
    the same update, and a state dict without it still loads strictly."""
    def far_codebook(**kwargs):
        torch.manual_seed(0)
        vq = EMAVectorQuantizer(num_codes=64, dim=4, restart_after=1,
                                **kwargs)
        vq.initialized.fill_(True)
        vq.embed.add_(100.0)  # all dead: restarted at the first update
        vq.embed_sum.copy_(vq.embed)
        return vq

    data = torch.randn(8, 4, 8, 8)
    never = far_codebook(restart_until=0)
    always = far_codebook()
    settled = far_codebook(restart_until=1)
    for _ in range(4):
        for vq in (never, always, settled):
            vq(data)
    assert (never.embed > 50).all(1).sum() >= 60  # only EMA moved a few
    assert not (always.embed > 50).all(1).any()
    # restarted once, then codes unused since then keep their place
    assert not (settled.embed > 50).all(1).any()
    assert int(always.unused.max()) == 0  # re-seeded as soon as unused
    assert int(settled.unused.max()) == 3
    assert int(settled.updates) == 4

    state = settled.state_dict()
    resumed = EMAVectorQuantizer(num_codes=64, dim=4, restart_after=1,
                                 restart_until=1)
    resumed.load_state_dict(state)
    assert int(resumed.updates) == 4
    del state['updates']  # a checkpoint from before the count
    older = EMAVectorQuantizer(num_codes=64, dim=4)
    older.load_state_dict(state)  # strict
    assert int(older.updates) == 0
    torch.testing.assert_close(older.embed, settled.embed)


def test_ema_codebook_starts_from_data():
    torch.manual_seed(0)
    vq = EMAVectorQuantizer(num_codes=16, dim=3, decay=1.0)
    data = torch.randn(2, 3, 4, 8) * 5 + 7
    vq(data)
    rows = data.permute(0, 2, 3, 1).reshape(-1, 3)
    # every codeword is one of the batch latents (up to the tiny jitter)
    nearest = torch.cdist(vq.embed, rows).min(1).values
    assert (nearest < 0.05).all()
    assert bool(vq.initialized)


def test_ema_restarts_seed_the_worst_quantised_latents():
    """Dead codes go to the rare latents the codebook misses (on maskiges:
    boundary patterns), not to random, mostly uniform-cell latents."""
    torch.manual_seed(0)
    vq = EMAVectorQuantizer(num_codes=4, dim=2, restart_after=1)
    vq.initialized.fill_(True)
    vq.embed.zero_()  # all codes at the origin: code 0 takes every latent
    vq.embed_sum.zero_()
    common = 0.01 * torch.randn(60, 2)
    rare = torch.tensor([[10., 0.], [0., 10.], [-10., 0.]])
    z = torch.cat([common, rare]).t().reshape(1, 2, 1, 63)
    vq(z)
    seeded = vq.embed[1:]
    assert torch.cdist(seeded, rare).min(0).values.max() < 0.1
    vq.eval()
    _, codes, _ = vq(z)
    assert codes[0, 0, -3:].unique().numel() == 3
    torch.testing.assert_close(vq.codes_to_latent(codes)[0, :, 0, -3:],
                               rare.t(), atol=0.1, rtol=0)


def _toy_fit(vq, codec, labels, steps):
    inputs = vq.encoder_inputs(labels, codec)
    optimizer = torch.optim.Adam(vq.parameters(), lr=3e-3)
    losses = []
    for _ in range(steps):
        recon, _, stats = vq(inputs)
        loss = F.cross_entropy(codec.scores(recon) / 0.01, labels)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    vq.eval()
    tokens = vq.encode(inputs)
    acc = (codec.decode(vq.decode(tokens)) == labels).float().mean()
    return losses, acc, tokens, stats


@pytest.mark.slow  # an overfit run: minutes on 2 cores
def test_codebook_stays_used_on_toy_overfit():
    """Conv encoder + FSQ on random label maps: reconstruction improves and
    many codes stay in use (no collapse)."""
    torch.manual_seed(0)
    codec = MaskigeCodec('camvid', 11)
    vq = MaskigeVQVAE(encoder='conv', channels=32, num_res_blocks=1,
                      quantizer=dict(type='FiniteScalarQuantizer',
                                     levels=(5, 5, 5, 4)))
    coarse = torch.randint(0, 11, (8, 8, 8))
    labels = coarse.repeat_interleave(2, 1).repeat_interleave(2, 2)
    losses, acc, _, stats = _toy_fit(vq, codec, labels, 150)
    assert losses[-1] < 0.2 * losses[0]
    assert acc > 0.85
    assert stats['perplexity'] > 30


def test_class_pattern_codebook_finds_every_layout():
    """Class patterns + EMA: 128 cells drawn from 24 layouts, a codebook of
    64 seeded from random cells. Restarts give every layout a code and the
    maps come back exactly."""
    torch.manual_seed(0)
    codec = MaskigeCodec('camvid', 11)
    layouts = torch.randint(0, 11, (24, 4, 4))
    layouts[:12, :2] = layouts[:12, :1]  # some layouts differ in few pixels
    cells = layouts[torch.randint(0, 24, (8, 4, 4))]  # (8, 4, 4, 4, 4)
    labels = cells.permute(0, 1, 3, 2, 4).reshape(8, 16, 16)
    vq = MaskigeVQVAE(channels=16, num_res_blocks=1, **dict(
        PATTERNS, quantizer=dict(type='EMAVectorQuantizer', num_codes=64,
                                 restart_after=3)))
    _, acc, tokens, _ = _toy_fit(vq, codec, labels, 40)
    assert acc == 1
    used = tokens.flatten().unique()
    present = cells.flatten(0, 2).unique(dim=0)
    assert len(used) >= len(present)


def test_loads_stage1_checkpoint_and_reports_bad_files(tmp_path):
    torch.manual_seed(0)
    kwargs = dict(encoder='conv', channels=16, num_res_blocks=1,
                  quantizer=FSQ)
    stage1 = MaskigeAutoencoder(
        tokenizer=dict(type='MaskigeVQVAE', **kwargs), palette='camvid',
        num_classes=11)
    path = str(tmp_path / 'stage1.pth')
    mmcv.runner.save_checkpoint(stage1, path)
    vq = MaskigeVQVAE(checkpoint=path, frozen=True, **kwargs)
    vq.init_weights()
    for key, value in stage1.tokenizer.state_dict().items():
        assert torch.equal(vq.state_dict()[key], value)
    assert not any(p.requires_grad for p in vq.parameters())
    vq.train()
    assert not vq.training  # frozen tokenizers stay in eval mode

    missing = MaskigeVQVAE(checkpoint=str(tmp_path / 'none.pth'), **kwargs)
    with pytest.raises(FileNotFoundError, match='train stage I first'):
        missing.init_weights()
    wider = MaskigeVQVAE(checkpoint=path, encoder='conv', channels=32,
                         num_res_blocks=1, quantizer=FSQ)
    with pytest.raises(ValueError, match='does not match'):
        wider.init_weights()


def test_loads_stage1_checkpoint_from_before_the_update_count(tmp_path):
    """Stage-I files written before EMAVectorQuantizer counted its updates
    (all of sessions 1-5's) load into a GSS head's tokenizer."""
    torch.manual_seed(0)
    kwargs = dict(channels=16, num_res_blocks=1, palette='camvid',
                  num_classes=11, quantizer=dict(type='EMAVectorQuantizer',
                                                 num_codes=40))
    stage1 = MaskigeAutoencoder(
        tokenizer=dict(type='MaskigeVQVAE', **kwargs), palette='camvid',
        num_classes=11)
    state = stage1.state_dict()
    del state['tokenizer.quantizer.updates']
    path = str(tmp_path / 'old_stage1.pth')
    torch.save(dict(state_dict=state), path)
    vq = MaskigeVQVAE(checkpoint=path, frozen=True, **kwargs)
    vq.init_weights()
    for key, value in stage1.tokenizer.state_dict().items():
        assert torch.equal(vq.state_dict()[key], value), key
    del state['tokenizer.decoder.0.bias']  # really missing: still an error
    torch.save(dict(state_dict=state), path)
    with pytest.raises(ValueError, match=r"missing \['decoder.0.bias'\]"):
        MaskigeVQVAE(checkpoint=path, **kwargs).init_weights()


def test_reconstruction_eval_matches_hand_computation(street_data, tmp_path):
    tool = load_tool('test')
    cfg = osp.join(ROOT, 'tests', 'configs', 'patch_reconstruction.py')
    ckpt = str(tmp_path / 'patch.pth')
    model = build_segmentor(mmcv.Config.fromfile(cfg).model)
    torch.save({'state_dict': model.state_dict()}, ckpt)
    tool.main([
        cfg, ckpt, '--eval', 'mIoU', '--work-dir', str(tmp_path),
        '--cfg-options', f'data.test.data_root={street_data}'
    ])
    (result, ) = glob.glob(str(tmp_path / 'eval_*.json'))
    miou = json.load(open(result))['metric']['mIoU']

    # By hand: each 4×4 patch takes the label of its top-left pixel (void is
    # painted with the ignore colour and decodes to its nearest class, as
    # the model sees it); void pixels are not scored.
    codec = MaskigeCodec('camvid', 11)
    inter, union = np.zeros(11), np.zeros(11)
    for path in sorted(glob.glob(osp.join(street_data, 'valannot', '*'))):
        gt = mmcv.imread(path, 'unchanged').astype(np.int64)
        gt[gt == 11] = 255
        corner = torch.from_numpy(gt[::4, ::4])[None]
        corner = maskige_to_labels(codec.encode(corner), codec.colors)
        corner = corner[0].numpy()
        pred = corner.repeat(4, 0).repeat(4, 1)
        valid = gt != 255
        for c in range(11):
            p, g = (pred == c) & valid, (gt == c) & valid
            inter[c] += (p & g).sum()
            union[c] += (p | g).sum()
    with np.errstate(invalid='ignore'):
        expected = np.nanmean(inter / np.where(union > 0, union, np.nan))
    assert miou == pytest.approx(expected, abs=1e-4)
    assert 0.3 < miou < 1.0


@pytest.mark.parametrize('encoder', ['conv', 'class_patterns'])
def test_codes_do_not_depend_on_autocast(encoder):
    """AMP training (mmcv's Fp16OptimizerHook) runs the model under
    autocast: stage II's targets must still be stage I's tokens, and the
    decoded maskige the same. bf16 autocast on CPU (7 mantissa bits) moves
    nearest-codeword decisions if the tokenizer follows it."""
    torch.manual_seed(0)
    codec = MaskigeCodec('camvid', 11)
    vq = MaskigeVQVAE(channels=16, num_res_blocks=1, **dict(
        PATTERNS, encoder=encoder,
        quantizer=dict(type='EMAVectorQuantizer', num_codes=40, decay=0.5)))
    with torch.no_grad():  # a decoder that is not the zero-init identity
        for param in vq.parameters():
            param.normal_(0, 0.2)
    coarse = torch.randint(0, 11, (4, 24, 24))
    labels = coarse.repeat_interleave(2, 1).repeat_interleave(2, 2)
    inputs = vq.encoder_inputs(labels, codec)
    vq.train()
    for _ in range(5):  # soft codewords: running means of several layouts
        vq(inputs)
    vq.eval()
    with torch.no_grad():
        tokens = vq.encode(inputs)
        decoded = vq.decode(tokens)
        with torch.autocast('cpu', dtype=torch.bfloat16):
            tokens_amp = vq.encode(inputs)
            decoded_amp = vq.decode(tokens)
    assert torch.equal(tokens_amp, tokens)
    assert decoded_amp.dtype == torch.float32
    torch.testing.assert_close(decoded_amp, decoded)


@pytest.mark.parametrize('height, width', [(33, 45), (34, 47), (32, 41)])
def test_reconstruction_of_sizes_that_do_not_tile(height, width):
    """Stage I pads maps to whole token cells by repeating the border, so a
    tokenizer that reads the mean of a cell reconstructs the last rows and
    columns too (padding with ignore made those cells mostly ignore)."""
    import tests.patch_tokenizer  # noqa: F401  (registers the tokenizer)
    torch.manual_seed(0)
    cells = torch.randint(0, 11, (2, 9, 12))
    labels = cells.repeat_interleave(4, 1).repeat_interleave(4, 2)
    labels = labels[:, :height, :width].contiguous()
    stage1 = MaskigeAutoencoder(
        tokenizer=dict(type='MeanPatchTokenizer'), palette='camvid',
        num_classes=11).eval()
    recon, _, target = stage1.reconstruct(labels)
    padded = (-(-height // 4) * 4, -(-width // 4) * 4)
    assert recon.shape[-2:] == target.shape[-2:] == padded
    # The training target ignores the padding.
    assert (target[:, height:] == 255).all()
    assert (target[:, :, width:] == 255).all()
    assert torch.equal(target[:, :height, :width], labels)
    metas = [dict(ori_shape=(height, width), flip=False)]
    pred = np.stack(stage1.simple_test(None, metas, True, labels[:, None]))
    np.testing.assert_array_equal(pred, labels.numpy())


def test_reconstruction_with_the_neighbourhood_inverse():
    """``inverse_scores='neighbourhood'`` scores the reconstruction with
    the neighbourhood-constrained X⁻¹; other names are refused, and so is
    the option's former name, with the new one."""
    import tests.patch_tokenizer  # noqa: F401  (registers the tokenizer)
    torch.manual_seed(0)
    labels = torch.randint(0, 11, (1, 4, 6)).repeat_interleave(
        4, 1).repeat_interleave(4, 2)
    labels[:, 4:8] = 255  # a row of void cells
    stage1 = MaskigeAutoencoder(
        tokenizer=dict(type='MeanPatchTokenizer'), palette='camvid',
        num_classes=11, inverse_scores='neighbourhood',
        neighbourhood_window=5).eval()
    recon = stage1.reconstruct(labels)[0]
    expected = stage1.codec.neighbourhood_one_hot(recon, window=5).argmax(1)
    # Void pixels take a class of their window, not the one nearest black.
    assert not torch.equal(expected, stage1.codec.one_hot(recon).argmax(1))
    metas = [dict(ori_shape=tuple(labels.shape[1:]), flip=False)]
    pred = np.stack(stage1.simple_test(None, metas, True, labels[:, None]))
    np.testing.assert_array_equal(pred, expected.numpy())
    with pytest.raises(ValueError, match="'neighbourhood'"):
        MaskigeAutoencoder(
            tokenizer=dict(type='MeanPatchTokenizer'), palette='camvid',
            num_classes=11, inverse_scores='nearest')
    with pytest.raises(TypeError, match="inverse_scores='one_hot'"):
        MaskigeAutoencoder(
            tokenizer=dict(type='MeanPatchTokenizer'), palette='camvid',
            num_classes=11, test_scores='one_hot')


def test_class_pattern_encode_matches_each_distinct_cell_once():
    """A frozen class-pattern tokenizer quantises each distinct cell once
    (stage II's targets): the tokens equal those of matching every cell,
    with void pixels and repeated cells; a training tokenizer still sees
    every cell (its codebook counts them)."""
    torch.manual_seed(0)
    vq = MaskigeVQVAE(channels=8, num_res_blocks=1, **dict(
        PATTERNS, quantizer=dict(type='EMAVectorQuantizer', num_codes=64)))
    coarse = torch.randint(0, 11, (3, 12, 16))
    labels = coarse.repeat_interleave(4, 1).repeat_interleave(4, 2)
    labels[:, 5:19, 7:30] = torch.randint(0, 11, (3, 14, 23))
    labels[0, :6, :9] = 255
    vq.train()
    for _ in range(3):
        vq(labels)
    vq.eval()
    every_cell = vq.quantizer(vq.encoder(labels))[1]
    layouts, index = vq.encoder.unique_cells(labels)
    assert layouts.shape[0] == 1 and layouts.shape[1] == 11 * 16
    assert 11 < layouts.shape[2] < every_cell.numel()  # cells repeat
    # each distinct layout is the latent of the cells that index it
    flat = vq.encoder(labels).permute(0, 2, 3, 1).reshape(-1, 11 * 16)
    assert torch.equal(layouts[0, :, :, 0].t()[index.flatten()], flat)
    assert torch.equal(vq.encode(labels), every_cell)
    vq.train()  # the EMA update sees every cell
    sizes = vq.quantizer.cluster_size.clone()
    codes = vq.encode(labels)
    counts = torch.bincount(codes.flatten(), minlength=64).float()
    torch.testing.assert_close(vq.quantizer.cluster_size,
                               sizes * 0.99 + counts * 0.01)
