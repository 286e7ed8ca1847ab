"""A tokenizer that reads labels gets them straight: the same tokens and the
same decoded classes as the colour round trip labels ─X→ maskige ─nearest
colour→ labels it replaced (GSS-FF targets and stage-I reconstructions)."""
import copy

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from gss.datasets.street_scenes import render_street_scene
from gss.maskige import MaskigeCodec, maskige_to_scores
from gss.models.segmentors import MaskigeAutoencoder
from gss.tokenizers import MaskigeVQVAE
from gss.tokenizers.class_patterns import ClassPatternEncoder
from tests.test_models.test_heads.test_gss_heads import K, build, tiny_cfg

VOID = 11  # CamVid's unlabelled id in the rendered scenes
PATTERNS = dict(palette='camvid', num_classes=K, channels=16,
                num_res_blocks=1,
                quantizer=dict(type='EMAVectorQuantizer', num_codes=48,
                               decay=0.5))


class ColourRoundTripEncoder(ClassPatternEncoder):
    """The class-pattern encoder as it was: it read the maskige and took the
    class of each pixel's nearest colour (the ignore colour: none)."""

    def forward(self, maskige):
        colors = torch.cat([self.codec.colors, self.codec.ignore_color[None]])
        labels = maskige_to_scores(maskige.float(), colors).argmax(1)
        one_hot = F.one_hot(labels, self.num_classes + 1)[..., :-1]
        return F.pixel_unshuffle(one_hot.permute(0, 3, 1, 2).float(),
                                 self.downsample)


def colour_round_trip(model):
    """A copy of ``model`` whose class-pattern tokenizer (``model`` itself
    or its ``tokenizer``) reads maskiges through the colour round trip."""
    model = copy.deepcopy(model)
    vq = getattr(model, 'tokenizer', model)
    vq.encoder.__class__ = ColourRoundTripEncoder
    vq.input_kind = 'maskige'
    return model


def street_labels(num, height=64, width=96, seed=0):
    """Rendered CamVid-like label maps, void as ignore (255)."""
    rng = np.random.default_rng(seed)
    maps = [render_street_scene(rng, height, width)[1] for _ in range(num)]
    labels = torch.from_numpy(np.stack(maps).astype(np.int64))
    return labels.masked_fill(labels == VOID, 255)


def random_labels(num, height=64, width=96, seed=0):
    """Random 2×2-blocky maps with ignored blocks."""
    gen = torch.Generator().manual_seed(seed)
    coarse = torch.randint(0, K + 1, (num, height // 2, width // 2),
                           generator=gen)
    coarse[coarse == K] = 255
    return coarse.repeat_interleave(2, 1).repeat_interleave(2, 2)


LABEL_SETS = dict(street=street_labels, random=random_labels)


@pytest.fixture(scope='module')
def trained_vq():
    """A class-pattern VQ-VAE whose codebook and decoder are not trivial."""
    torch.manual_seed(0)
    vq = MaskigeVQVAE(**PATTERNS)
    with torch.no_grad():
        for param in vq.decoder.parameters():
            param.normal_(0, 0.2)
    codec = vq.encoder.codec
    vq.train()
    for seed in range(4):
        vq(vq.encoder_inputs(street_labels(4, seed=seed), codec))
    return vq.eval()


def test_input_kinds():
    assert MaskigeVQVAE(**PATTERNS).input_kind == 'labels'
    conv = MaskigeVQVAE(encoder='conv', channels=16, num_res_blocks=1)
    assert conv.input_kind == 'maskige'
    codec = MaskigeCodec('camvid', K)
    labels = random_labels(2)
    assert torch.equal(conv.encoder_inputs(labels, codec),
                       codec.encode(labels))


@pytest.mark.parametrize('kind', list(LABEL_SETS))
def test_label_path_gives_the_colour_round_trip_tokens(trained_vq, kind):
    labels = LABEL_SETS[kind](6, seed=7)
    assert (labels == 255).any() and (labels != 255).any()
    codec = trained_vq.encoder.codec
    colour = colour_round_trip(trained_vq)
    with torch.no_grad():
        tokens = trained_vq.encode(trained_vq.encoder_inputs(labels, codec))
        expected = colour.encode(colour.encoder_inputs(labels, codec))
        assert colour.encoder_inputs(labels, codec).shape[1] == 3  # maskige
        assert torch.equal(tokens, expected)
        assert len(tokens.unique()) > 4
        classes = codec.decode(trained_vq.decode(tokens))
        assert torch.equal(classes, codec.decode(colour.decode(expected)))


def test_label_tokenizer_refuses_maskiges_and_bad_ids(trained_vq):
    codec = trained_vq.encoder.codec
    with pytest.raises(ValueError, match='reads label maps'):
        trained_vq.encode(codec.encode(random_labels(1)))
    labels = random_labels(1)
    labels[0, 0, 0] = K  # neither a class nor ignored
    with pytest.raises(ValueError, match='outside the 11 classes'):
        trained_vq.encoder_inputs(labels, codec)


def test_ff_targets_are_the_colour_round_trip_tokens(trained_vq):
    torch.manual_seed(0)
    vqvae = dict(type='MaskigeVQVAE', **PATTERNS)
    del vqvae['palette'], vqvae['num_classes']  # the head's
    head = build(tiny_cfg(tokenizer=vqvae)).decode_head
    head.tokenizer.load_state_dict(trained_vq.state_dict())
    labels = street_labels(3, seed=3)
    assert (F.max_pool2d((labels != 255).float()[:, None], 4) == 0).any()
    pixel_logits = torch.randn(3, K, *labels.shape[1:])
    targets = head.token_targets(labels, pixel_logits)
    expected = colour_round_trip(head).token_targets(labels, pixel_logits)
    assert torch.equal(targets, expected)
    assert (targets == head.tokenizer.num_tokens).any()


@pytest.mark.parametrize('kind', list(LABEL_SETS))
def test_stage_one_reconstruction_is_the_colour_round_trip(trained_vq, kind):
    model = MaskigeAutoencoder(
        tokenizer=dict(type='MaskigeVQVAE', **PATTERNS), palette='camvid',
        num_classes=K, upsample_factor=2, inverse_scores='one_hot').eval()
    model.tokenizer.load_state_dict(trained_vq.state_dict())
    colour = colour_round_trip(model)
    labels = LABEL_SETS[kind](2, height=30, width=46, seed=5)  # padded
    with torch.no_grad():
        recon = model.reconstruct(labels)[0]
        torch.testing.assert_close(recon, colour.reconstruct(labels)[0],
                                   rtol=0, atol=0)
        metas = [dict(ori_shape=(30, 46, 3))]
        pred = model.simple_test(None, metas, gt_semantic_seg=labels[:, None])
        expected = colour.simple_test(None, metas,
                                      gt_semantic_seg=labels[:, None])
    for ours, theirs in zip(pred, expected):
        np.testing.assert_array_equal(ours, theirs)
