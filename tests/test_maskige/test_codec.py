"""Maskige transform X, its inverse X^-1 and label upsampling."""
import math

import gss  # noqa: F401,I001  (must precede any mmseg import)
import numpy as np
import pytest
import torch

from gss.maskige import (MaskigeCodec, Palette, labels_to_maskige,
                         maskige_to_scores, neighbourhood_nearest,
                         palette_distances, upsample_labels)
from gss.maskige.reference_decoders import maskige_to_labels

SHIPPED = ('cityscapes', 'ade20k', 'mseg', 'camvid')
EXACT_METHODS = ('matmul', 'lut', 'auto')

# Red, green, blue; black marks ignored pixels.
RGB = torch.tensor([[255, 0, 0], [0, 255, 0], [0, 0, 255]], dtype=torch.uint8)
BLACK = torch.tensor([0, 0, 0], dtype=torch.uint8)
TINY = torch.tensor([[[0, 1], [2, 255]]])


def every_label(palette):
    """(1, 1, K + 1) map holding every class once and the ignore label."""
    return torch.cat([torch.arange(palette.num_classes),
                      torch.tensor([palette.ignore_index])]).view(1, 1, -1)


def naive_nearest(maskige, table):
    """Reference X^-1 by explicit broadcasting (small inputs only)."""
    diff = maskige[:, None] - table.double()[None, :, :, None, None] / 255
    return (diff**2).sum(2).argmin(1)


def test_labels_to_maskige_by_hand():
    maskige = labels_to_maskige(TINY, RGB, BLACK)
    assert maskige.shape == (1, 3, 2, 2) and maskige.dtype == torch.float32
    # Channel by channel: red at (0, 0), green at (0, 1), blue at (1, 0),
    # black (ignore) at (1, 1).
    assert maskige[0].tolist() == [[[1, 0], [0, 0]], [[0, 1], [0, 0]],
                                   [[0, 0], [1, 0]]]
    as_uint8 = labels_to_maskige(TINY, RGB.float(), BLACK, dtype=torch.uint8)
    assert as_uint8.dtype == torch.uint8
    assert as_uint8[0, :, 0, 0].tolist() == [255, 0, 0]
    assert as_uint8[0, :, 1, 0].tolist() == [0, 0, 255]
    half = labels_to_maskige(TINY, RGB, BLACK, dtype=torch.float16)
    assert half.dtype == torch.float16


def test_maskige_to_scores_by_hand():
    maskige = labels_to_maskige(TINY, RGB, BLACK)
    scores = maskige_to_scores(maskige, RGB)
    assert scores.shape == (1, 3, 2, 2)
    # Red pixel: d^2 = 0 to red, 1 + 1 = 2 to green and blue.
    assert scores[0, :, 0, 0].tolist() == [0, -2, -2]
    assert scores[0, :, 0, 1].tolist() == [-2, 0, -2]
    # Black pixel: d^2 = 1 to each.
    assert scores[0, :, 1, 1].tolist() == [-1, -1, -1]

    probs = maskige_to_scores(maskige, RGB, temperature=1.0)
    red = 1 / (1 + 2 * math.exp(-2))
    assert probs[0, :, 0, 0].tolist() == pytest.approx(
        [red, (1 - red) / 2, (1 - red) / 2])
    assert probs[0, :, 1, 1].tolist() == pytest.approx([1 / 3] * 3)


def test_scores_softmax_and_gradients():
    palette = Palette.from_name('cityscapes')
    maskige = torch.rand(2, 3, 5, 7, dtype=torch.float64, requires_grad=True)
    colors = torch.from_numpy(palette.colors)
    probs = maskige_to_scores(maskige, colors, temperature=0.05)
    assert probs.dtype == torch.float64
    assert torch.allclose(probs.sum(1), torch.ones(2, 5, 7,
                                                   dtype=torch.float64))
    probs[:, 0].sum().backward()
    assert maskige.grad is not None and maskige.grad.abs().sum() > 0

    scores = maskige_to_scores(maskige.detach(), colors)
    expected = -((maskige.detach()[:, None] -
                  colors.double()[None, :, :, None, None] / 255)**2).sum(2)
    assert torch.allclose(scores, expected, atol=1e-12)
    assert torch.equal(scores.argmax(1),
                       maskige_to_labels(maskige.detach(), colors, 'matmul'))


@pytest.mark.parametrize('name', SHIPPED)
def test_round_trip_every_class(name):
    palette = Palette.from_name(name)
    codec = MaskigeCodec(name)
    labels = every_label(palette)
    maskige = codec.encode(labels)
    for method in EXACT_METHODS:
        assert torch.equal(codec.decode(maskige, method), labels), method
        assert torch.equal(codec.decode((maskige * 255).round().byte(),
                                        method), labels), method
    assert torch.equal(codec.decode(codec.encode(labels, torch.uint8)),
                       labels)


@pytest.mark.parametrize('name', SHIPPED)
def test_noisy_maskige_decodes_to_the_true_class(name):
    palette = Palette.from_name(name)
    codec = MaskigeCodec(palette)
    table = np.concatenate([palette.colors, palette.ignore_color[None]])
    radius = 0.45 * palette_distances(table)[0] / 255
    gen = torch.Generator().manual_seed(0)
    labels = every_label(palette).repeat(1, 40, 1)
    maskige = codec.encode(labels, torch.float64)
    noise = torch.randn(maskige.shape, generator=gen, dtype=torch.float64)
    noise *= 0.5 * radius
    # Truncate the Gaussian to stay strictly inside half the min distance.
    norm = noise.norm(dim=1, keepdim=True)
    noise *= (radius / norm).clamp(max=1)
    noisy = (maskige + noise).clamp(0, 1)
    assert norm.max() > radius  # the truncation was exercised
    for method in EXACT_METHODS:
        assert torch.equal(codec.decode(noisy, method), labels), method


def test_methods_agree_with_brute_force():
    palette = Palette.from_name('ade20k')
    colors = torch.from_numpy(palette.colors)
    gen = torch.Generator().manual_seed(1)
    maskige = torch.randint(0, 256, (2, 3, 16, 24), generator=gen,
                            dtype=torch.uint8)
    expected = naive_nearest(maskige.double() / 255, colors)
    for method in EXACT_METHODS:
        assert torch.equal(maskige_to_labels(maskige, colors, method),
                           expected), method
    assert torch.equal(
        maskige_to_labels(maskige.double() / 255, colors, 'matmul'),
        expected)


def test_ignore_colour_decodes_to_ignore_index():
    maskige = labels_to_maskige(TINY, RGB, BLACK)
    # Without the ignore colour black is nearest to red (lowest id on ties).
    assert maskige_to_labels(maskige, RGB, 'matmul')[0].tolist() == [[0, 1],
                                                                    [2, 0]]
    for method in EXACT_METHODS:
        labels = maskige_to_labels(maskige, RGB, method, BLACK, 255)
        assert labels.tolist() == TINY.tolist(), method
    relabelled = torch.where(TINY == 255, -1, TINY)
    maskige = labels_to_maskige(relabelled, RGB, BLACK, ignore_index=-1)
    assert torch.equal(
        maskige_to_labels(maskige, RGB, 'lut', BLACK, ignore_index=-1),
        relabelled)


def test_lstsq_is_the_papers_pseudo_inverse():
    """``c = x beta^T (beta beta^T)^+``: exact only in special cases."""
    # Three independent colours: beta is invertible and c is one-hot.
    maskige = labels_to_maskige(TINY[:, :1], RGB, BLACK)
    assert maskige_to_labels(maskige, RGB, 'lstsq').tolist() == [[[0, 1]]]
    mixed = torch.tensor([0.6, 0.3, 0.1]).view(1, 3, 1, 1)
    assert maskige_to_labels(mixed, RGB, 'lstsq').item() == 0

    # beta beta^T has rank <= 3, so with K = 19 the minimum-norm mixture
    # of a pure class colour often puts more weight on another class.
    palette = Palette.from_name('cityscapes')
    colors = torch.from_numpy(palette.colors)
    labels = torch.arange(19).view(1, 1, 19)
    decoded = maskige_to_labels(labels_to_maskige(labels, colors, None),
                                colors, 'lstsq')
    correct = (decoded == labels).sum().item()
    assert 0 < correct < 19
    # The same mixture computed directly.
    beta = colors.double() / 255
    mix = beta @ beta.T @ torch.linalg.pinv(beta @ beta.T)
    assert torch.equal(decoded[0, 0], mix.argmax(1))


def test_label_errors():
    with pytest.raises(ValueError, match=r'ids \[-1, 3, 7\] outside the 3 '
                       r'classes 0\.\.2'):
        labels_to_maskige(torch.tensor([[[0, 3], [7, -1]]]), RGB, BLACK)
    with pytest.raises(ValueError, match='no ignore_color'):
        labels_to_maskige(TINY, RGB, None)
    with pytest.raises(ValueError, match='squeeze'):
        labels_to_maskige(TINY[None], RGB, BLACK)
    with pytest.raises(ValueError, match='integer tensor'):
        labels_to_maskige(TINY.float(), RGB, BLACK)
    with pytest.raises(ValueError, match='ignore_index=1 is a class id'):
        labels_to_maskige(TINY, RGB, BLACK, ignore_index=1)
    with pytest.raises(ValueError, match=r'\(K, 3\) palette'):
        labels_to_maskige(TINY, RGB[:, :2], BLACK)


def test_maskige_errors():
    maskige = labels_to_maskige(TINY, RGB, BLACK)
    with pytest.raises(ValueError, match='divide 0..255 images by 255'):
        maskige_to_labels(maskige * 255, RGB)
    with pytest.raises(ValueError, match=r'\(B, 3, H, W\)'):
        maskige_to_labels(maskige[:, :2], RGB)
    with pytest.raises(ValueError, match='method must be one of'):
        maskige_to_labels(maskige, RGB, method='nearest')
    with pytest.raises(ValueError, match='integer 0..255 colours'):
        maskige_to_labels(maskige, RGB.float() / 2, method='lut')
    with pytest.raises(ValueError, match='colors must be in 0..255 units'):
        maskige_to_labels(maskige, RGB.float() + 1)
    with pytest.raises(ValueError, match='multiply them by 255'):
        labels_to_maskige(TINY, RGB.float() / 255 * 0.9, BLACK)
    with pytest.raises(ValueError, match='maskige.float'):
        maskige_to_scores(maskige.byte(), RGB)
    with pytest.raises(ValueError, match='temperature must be > 0'):
        maskige_to_scores(maskige, RGB, temperature=0)


def test_upsample_labels_by_hand():
    # Scale 2, align_corners=False: the nearest input pixel always weighs
    # 0.75 * 0.75 > 1/2, so every pixel becomes a 2x2 block; ignore stays.
    labels = torch.tensor([[[0, 255], [1, 2]]])
    up = upsample_labels(labels, 2, num_classes=3)
    assert up.dtype == torch.long
    assert torch.equal(up, labels.repeat_interleave(2, 1).repeat_interleave(
        2, 2))
    # Scale 4: output pixel (3, 3) samples input (0.375, 0.375) with weight
    # 0.625^2 = 0.39 on (0, 0) and 0.61 on the other three pixels, so the
    # L-shaped region's corner is rounded off; (2, 3) samples
    # (0.125, 0.375): weight 0.875 * 0.625 = 0.55 on (0, 0) keeps class 0.
    for other in (1, 255):
        labels = torch.tensor([[[0, other], [other, other]]])
        expected = torch.full((1, 8, 8), other)
        expected[0, :4, :4] = 0
        expected[0, 3, 3] = other
        assert torch.equal(upsample_labels(labels, 4, num_classes=2),
                           expected), other


def test_upsample_labels_matches_full_one_hot():
    gen = torch.Generator().manual_seed(0)
    labels = torch.randint(0, 20, (2, 9, 11), generator=gen)
    labels[labels == 19] = 255
    one_hot = torch.stack([labels == k for k in list(range(19)) + [255]], 1)
    probs = torch.nn.functional.interpolate(
        one_hot.float(), scale_factor=3, mode='bilinear', align_corners=False)
    ids = torch.tensor(list(range(19)) + [255])
    assert torch.equal(upsample_labels(labels, 3, num_classes=19),
                       ids[probs.argmax(1)])
    with pytest.raises(ValueError, match=r'ids \[300\] outside'):
        upsample_labels(labels.masked_fill(labels == 0, 300), 2,
                        num_classes=19)


def test_codec_module():
    codec = MaskigeCodec('cityscapes', num_classes=19, temperature=0.1)
    assert codec.num_classes == 19 and codec.palette.name == 'cityscapes'
    assert torch.equal(codec.state_dict()['colors'],
                       torch.from_numpy(codec.palette.colors))
    assert {n for n, _ in codec.named_buffers()} == {'colors',
                                                     'ignore_color'}
    codec = codec.to(torch.float64).to('cpu')
    assert codec.colors.device.type == 'cpu'
    labels = every_label(codec.palette)
    maskige = codec.encode(labels, torch.float64)
    assert torch.equal(codec.decode(maskige), labels)
    probs = codec.scores(maskige)
    assert probs.shape == (1, 19, 1, 20) and probs.dtype == torch.float64
    assert torch.allclose(probs.sum(1), torch.ones_like(probs[:, 0]))
    assert torch.equal(probs[:, :, :, :19].argmax(1), labels[:, :, :19])

    with pytest.raises(ValueError, match='has 19 colours but num_classes=20'):
        MaskigeCodec('cityscapes', num_classes=20)
    with pytest.raises(ValueError, match='pass the same value to both'):
        MaskigeCodec(dict(colors=RGB.numpy(), ignore_index=-1))


def test_one_hot_is_the_nearest_class_colour_never_ignore():
    """The authors' X⁻¹: one-hot of the nearest class colour; a pixel of
    the ignore colour still gets its nearest class."""
    codec = MaskigeCodec('ade20k', num_classes=150)
    gen = torch.Generator().manual_seed(0)
    maskige = torch.rand(2, 3, 9, 7, generator=gen)
    maskige[0, :, 0, 0] = codec.ignore_color.float() / 255
    scores = codec.one_hot(maskige)
    assert scores.shape == (2, 150, 9, 7)
    assert torch.equal(scores.sum(1), torch.ones(2, 9, 7))
    labels = scores.argmax(1)
    expected = maskige_to_labels(maskige, codec.colors, method='matmul')
    assert torch.equal(labels, expected)
    dist = ((maskige[:, None] * 255 - codec.colors.double()[None, :, :, None,
                                                            None])**2).sum(2)
    assert torch.equal(labels, dist.argmin(1))
    assert labels[0, 0, 0] < 150


def road_pavement_boundary(codec, size=12):
    """A Road | Pavement maskige whose boundary column is their 50/50 mix
    (what a decoder outputs where it blends the two), void at the top."""
    road, pavement = 3, 4  # CamVid (SegNet order)
    labels = torch.full((1, size, size), road)
    labels[:, :, size // 2:] = pavement
    labels[:, :3] = 255
    maskige = codec.encode(labels)
    mix = (codec.colors[road].double() + codec.colors[pavement]) / 2 / 255
    maskige[0, :, 3:, size // 2] = mix.float()[:, None]
    return labels, maskige


def window_candidates(maskige, codec, window):
    """(B, K + 1, H, W): classes (then void) of the exactly pure pixels in
    each pixel's window, by a plain loop over windows."""
    table = torch.cat([codec.colors, codec.ignore_color[None]]).float() / 255
    exact = (maskige[:, None] == table[None, :, :, None, None]).all(2)
    batch, num, height, width = exact.shape
    out = torch.zeros_like(exact)
    r = window // 2
    for y in range(height):
        for x in range(width):
            out[:, :, y, x] = exact[:, :, max(0, y - r):y + r + 1,
                                    max(0, x - r):x + r + 1].flatten(2).any(2)
    return out


@pytest.mark.parametrize('window', [3, 5])
def test_neighbourhood_decoding_keeps_blends_out_of_third_classes(window):
    """CamVid's Road/Pavement mix lies 11.5 from Bicyclist: nearest colour
    decodes the boundary as Bicyclist, the neighbourhood-constrained X⁻¹
    only returns classes found pure in the window."""
    codec = MaskigeCodec('camvid', num_classes=11)
    labels, maskige = road_pavement_boundary(codec)
    bicyclist = 10  # (128, 0, 116), 11.5 from the mix (127.5, 0, 127.5)
    nearest = codec.one_hot(maskige).argmax(1)
    assert (nearest[0, 3:, 6] == bicyclist).all()
    scores = codec.neighbourhood_one_hot(maskige, window=window)
    assert torch.equal(scores.sum(1), torch.ones(labels.shape))
    constrained = scores.argmax(1)
    candidates = window_candidates(maskige, codec, window)[:, :11]
    has_class = candidates.any(1)  # else only void nearby: plain nearest
    assert has_class[:, 3:].all() and not has_class.all()
    assert candidates.gather(1, constrained[:, None])[:, 0][has_class].all()
    assert torch.equal(constrained[~has_class], nearest[~has_class])
    assert not (constrained[:, 3:] == bicyclist).any()
    assert torch.equal(constrained[:, 3:, :6], labels[:, 3:, :6])


def test_neighbourhood_decoding_equals_nearest_on_clean_maskiges():
    codec = MaskigeCodec('ade20k', num_classes=150)
    gen = torch.Generator().manual_seed(0)
    labels = torch.randint(0, 150, (2, 9, 13), generator=gen)
    labels[0, :3, :4] = 255
    maskige = codec.encode(labels)
    nearest = codec.one_hot(maskige)
    assert torch.equal(codec.neighbourhood_one_hot(maskige, 1), nearest)
    for window in (3, 9):
        # Void pixels get a class of their window instead of the class
        # whose colour is nearest to void's; class pixels are unchanged.
        constrained = codec.neighbourhood_one_hot(maskige, window)
        is_class = labels != 255
        assert torch.equal(constrained.argmax(1)[is_class],
                           labels[is_class])
        assert torch.equal(constrained.argmax(1)[is_class],
                           nearest.argmax(1)[is_class])
    # With the ignore colour among the outputs, void decodes to itself.
    table = torch.cat([codec.colors, codec.ignore_color[None]])
    decoded = neighbourhood_nearest(maskige, table)
    assert torch.equal(decoded.masked_fill(decoded == 150, 255), labels)


def test_neighbourhood_decoding_without_pure_pixels_is_nearest():
    codec = MaskigeCodec('camvid', num_classes=11)
    _, maskige = road_pavement_boundary(codec)
    noisy = (maskige + 0.2).clamp(0, 1)  # no pixel within tolerance
    assert torch.equal(codec.neighbourhood_one_hot(noisy),
                       codec.one_hot(noisy))


def test_neighbourhood_decoding_bad_arguments():
    maskige = torch.rand(1, 3, 4, 4)
    with pytest.raises(ValueError, match='odd positive int'):
        neighbourhood_nearest(maskige, RGB, window=4)
    with pytest.raises(ValueError, match='tolerance must be > 0'):
        neighbourhood_nearest(maskige, RGB, tolerance=0)
    with pytest.raises(ValueError, match='num_outputs must be in 1..3'):
        neighbourhood_nearest(maskige, RGB, num_outputs=4)


def test_state_dict_without_palette_loads_with_the_configs_palette():
    """Released checkpoints have no palette buffers: they load strictly,
    with the palette of the config; another palette is refused."""
    codec = MaskigeCodec('camvid', num_classes=11)
    codec.load_state_dict({}, strict=True)
    assert torch.equal(codec.colors, MaskigeCodec('camvid', 11).colors)
    other = MaskigeCodec('cityscapes', num_classes=19).state_dict()
    with pytest.raises(ValueError, match='another maskige palette'):
        codec.load_state_dict(other, strict=True)
