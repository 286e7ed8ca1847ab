"""GSSFFPosteriorHead: GSS-FF's weights, test-time reading of the token
posterior (expected decoding over the top-k tokens, pixel-head fusion)."""
import pytest
import torch
import torch.nn.functional as F

from tests.test_models.test_heads.test_gss_heads import K, build, metas, tiny_cfg

VQVAE = dict(type='MaskigeVQVAE', encoder='conv', downsample=4,
             quantizer=dict(type='EMAVectorQuantizer', num_codes=64, dim=8))


def models(**options):
    """A GSS-FF model and the posterior head's model with its weights."""
    torch.manual_seed(0)
    plain = build(tiny_cfg('GSSFFHead', tokenizer=VQVAE)).eval()
    posterior = build(tiny_cfg('GSSFFPosteriorHead', tokenizer=VQVAE,
                               **options)).eval()
    posterior.load_state_dict(plain.state_dict(), strict=True)
    return plain, posterior


def posterior_of_a_random_image(**options):
    """The posterior head, backbone features of a random image, and
    :meth:`posterior_outputs` of them."""
    _, posterior = models(**options)
    head = posterior.decode_head
    feats = posterior.extract_feat(torch.randn(1, 3, 64, 64))
    return head, feats, head.posterior_outputs(feats)


def head_outputs(model, img):
    feats = model.extract_feat(img)
    return model.decode_head.forward_test_with_maskige(feats, metas(1, 64),
                                                       model.test_cfg)


@torch.no_grad()
@pytest.mark.parametrize('options', [{}, dict(posterior_top_k=1)])
def test_argmax_and_top_1_are_gss_ff(options):
    plain, posterior = models(**options)
    img = torch.randn(1, 3, 64, 64)
    scores, maskige = head_outputs(plain, img)
    assert scores.shape == (1, K, 64, 64)
    got = head_outputs(posterior, img)
    assert torch.equal(got[1], maskige)
    assert torch.equal(got[0], scores)


@torch.no_grad()
@pytest.mark.parametrize('options', [{}, dict(posterior_top_k=3)])
def test_the_pixel_head_runs_only_for_the_fusion(options, monkeypatch):
    """Without the fusion the pixel head's MLA is not paid for at test
    time (what bench_posterior times is each option's own cost)."""
    _, posterior = models(**options)
    head = posterior.decode_head

    def refused(*args):
        raise AssertionError('the pixel head ran')

    monkeypatch.setattr(head, 'pixel_logits', refused)
    scores, _ = head_outputs(posterior, torch.randn(1, 3, 64, 64))
    assert scores.shape == (1, K, 64, 64)
    head.pixel_fusion_threshold = 0.5
    with pytest.raises(AssertionError, match='pixel head ran'):
        head_outputs(posterior, torch.randn(1, 3, 64, 64))


@torch.no_grad()
def test_top_k_decodes_the_renormalised_posterior_by_hand():
    head, feats, outputs = posterior_of_a_random_image(posterior_top_k=3)
    probs = head.token_logits(head._fuse(head._transform_inputs(
        feats))).softmax(1)
    # the hand-made distribution: the 3 largest per cell, summing to 1
    third = probs.topk(3, 1).values[:, 2:3]
    kept = torch.where(probs >= third, probs, torch.zeros_like(probs))
    kept = kept / kept.sum(1, keepdim=True)
    expected = head.tokenizer.decode_probs(kept)
    torch.testing.assert_close(outputs['maskige'], expected)
    torch.testing.assert_close(outputs['confidence'], probs.max(1).values)
    # a real mixture: not the argmax decoding
    assert not torch.allclose(
        expected, head.tokenizer.decode(probs.argmax(1)), atol=1e-4)


@torch.no_grad()
def test_pixel_fusion_takes_the_pixel_head_where_the_token_is_unsure():
    head, feats, outputs = posterior_of_a_random_image(pixel_fusion_threshold=0.5)
    # make the left half of the cells unsure, the right half sure
    confidence = torch.ones_like(outputs['confidence'])
    confidence[..., :confidence.shape[-1] // 2] = 0.1
    outputs['confidence'] = confidence
    fused = head.fuse_scores(outputs, 0.5)
    pixel = F.interpolate(outputs['pixel_probs'], size=(64, 64),
                          mode='bilinear', align_corners=False)
    torch.testing.assert_close(fused[..., :32], pixel[..., :32])
    assert torch.equal(fused[..., 32:], outputs['scores'][..., 32:])
    assert torch.equal(head.fuse_scores(outputs, None), outputs['scores'])
    # the pixel probabilities are the auxiliary head's softmax
    aux = head.pixel_logits(head._transform_inputs(feats), None).softmax(1)
    torch.testing.assert_close(outputs['pixel_probs'], aux)


@pytest.mark.parametrize('options, message', [
    (dict(posterior_top_k=0), 'posterior_top_k must be None or an int'),
    (dict(posterior_top_k=65), r'in \[1, 64\]'),
    (dict(pixel_fusion_threshold=1.5), r'in \(0, 1\]'),
    (dict(pixel_fusion_threshold=0.5, pixel_head=None),
     'needs the auxiliary pixel head'),
    (dict(decode_tile_size=4), 'set decode_tile_size=None'),
])
def test_bad_options_are_named(options, message):
    with pytest.raises(ValueError, match=message):
        build(tiny_cfg('GSSFFPosteriorHead', tokenizer=VQVAE, **options))
