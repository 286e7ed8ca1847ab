import numpy as np
import pytest
import torch
from mmcv import ConfigDict
from mmseg.models import build_segmentor

from gss.datasets import get_taxonomy
from gss.models.segmentors.multi_domain import (MultiDomainMixin,
                                                map_universal_scores)


def test_map_universal_scores_takes_group_max():
    scores = torch.zeros(1, 5, 1, 2)
    scores[0, :, 0, 0] = torch.tensor([0.1, 0.5, 0.2, 0.15, 0.05])
    scores[0, :, 0, 1] = torch.tensor([0.3, 0.1, 0.1, 0.4, 0.1])
    out = map_universal_scores(scores, [[0, 3], [1, 2], [], [4]])
    expected = torch.tensor([[[[0.15, 0.4]], [[0.5, 0.1]], [[0.0, 0.0]],
                              [[0.05, 0.1]]]])
    torch.testing.assert_close(out, expected)


class _FakeSegmentor:
    """Stands in for EncoderDecoder: fixed universal probabilities."""

    def __init__(self, scores, test_cfg=None):
        self.scores = scores
        self.test_cfg = test_cfg or {}

    def inference(self, img, img_meta, rescale):
        return self.scores


class _FakeMultiDomain(MultiDomainMixin, _FakeSegmentor):
    pass


def test_mixin_maps_to_the_sample_taxonomy():
    taxonomy = get_taxonomy()
    scores = torch.rand(
        2, 194, 3, 4, generator=torch.Generator().manual_seed(0))
    model = _FakeMultiDomain(scores)
    meta = [dict(dataset_name='camvid-11')] * 2
    out = model.inference(None, meta, True)
    assert out.shape == (2, 11, 3, 4)
    # camvid-11 Bicyclist (id 10) = max(bicyclist 127, bicycle 175).
    torch.testing.assert_close(out[:, 10],
                               torch.maximum(scores[:, 127], scores[:, 175]))
    torch.testing.assert_close(out[:, 3],
                               scores[:, taxonomy.classes.index('car')])
    kitti = model.inference(None, [dict(dataset_name='kitti-19')], True)
    assert kitti.shape == (2, 19, 3, 4)
    # 'universal' (here from test_cfg) keeps the universal scores.
    assert _FakeMultiDomain(scores, dict(dataset_name='universal')).inference(
        None, [{}], True) is scores


def test_mixin_errors():
    scores = torch.rand(1, 194, 2, 2)
    with pytest.raises(KeyError, match='dataset_name'):
        _FakeMultiDomain(scores).inference(None, [{}], True)
    with pytest.raises(ValueError, match='same test dataset'):
        _FakeMultiDomain(scores).inference(
            None,
            [dict(dataset_name='camvid-11'),
             dict(dataset_name='kitti-19')], True)
    with pytest.raises(ValueError, match='194'):
        _FakeMultiDomain(torch.rand(1, 19, 2, 2)).inference(
            None, [dict(dataset_name='camvid-11')], True)


def _tiny_model(mode):
    test_cfg = dict(mode='whole') if mode == 'whole' else dict(
        mode='slide', crop_size=(16, 16), stride=(12, 12))
    cfg = dict(
        type='MultiDomainEncoderDecoder',
        backbone=dict(
            type='ResNetV1c',
            depth=18,
            stem_channels=8,
            base_channels=8,
            num_stages=4,
            out_indices=(3, ),
            norm_cfg=dict(type='BN')),
        decode_head=dict(
            type='FCNHead',
            in_channels=64,
            in_index=0,
            channels=8,
            num_convs=1,
            num_classes=194,
            norm_cfg=dict(type='BN'),
            loss_decode=dict(type='CrossEntropyLoss')),
        train_cfg=dict(),
        test_cfg=test_cfg)
    return build_segmentor(ConfigDict(cfg)).eval()


@pytest.mark.parametrize('mode', ['whole', 'slide'])
def test_encoder_decoder_whole_slide_and_aug(mode):
    torch.manual_seed(0)
    model = _tiny_model(mode)
    img = torch.rand(1, 3, 24, 32)
    meta = dict(
        dataset_name='camvid-11',
        ori_shape=(24, 32, 3),
        img_shape=(24, 32, 3),
        pad_shape=(24, 32, 3),
        flip=False)
    flipped = dict(meta, flip=True, flip_direction='horizontal')
    with torch.no_grad():
        universal = super(MultiDomainMixin, model).inference(img, [meta], True)
        scores = model.inference(img, [meta], True)
        pred = model.simple_test(img, [meta])
        aug = model.aug_test([img, img.flip(3)], [[meta], [flipped]])
    assert universal.shape == (1, 194, 24, 32)
    expected = map_universal_scores(universal,
                                    get_taxonomy().test_groups('camvid-11'))
    torch.testing.assert_close(scores, expected)
    np.testing.assert_array_equal(pred[0], expected[0].argmax(0).numpy())
    assert aug[0].shape == (24, 32) and aug[0].max() < 11


def test_gss_panels_show_the_test_taxonomy():
    """A GSS MSeg model's maskige test path maps the scores like
    ``inference`` does, and its panels draw test-class labels beside the
    universal maskige (the GT maskige column is a placeholder: the test
    classes have no maskige colours)."""
    from gss.models.segmentors import GSSEncoderDecoder
    from gss.visualization import (PLACEHOLDER_COLOR, TITLE_HEIGHT,
                                   maskige_to_image)
    from tests.test_configs.tiny_gss import build_tiny
    torch.manual_seed(0)
    _, model = build_tiny('gss-ff_hrnet-w48_512x512_160k_mseg')
    model.eval()
    assert isinstance(model, GSSEncoderDecoder) and model.has_gss_head
    taxonomy = get_taxonomy()
    model.CLASSES = taxonomy.classes
    size = 64
    img = torch.randn(1, 3, size, size)
    meta = dict(dataset_name='camvid-11', ori_shape=(size, size, 3),
                img_shape=(size, size, 3), pad_shape=(size, size, 3),
                flip=False)
    with torch.no_grad():
        universal, maskige = super(MultiDomainMixin,
                                   model).inference_with_maskige(
                                       img, [meta], True)
        scores, same_maskige = model.inference_with_maskige(img, [meta], True)
        with model.returning_maskige():
            result = model.simple_test(img, [meta])
    expected = map_universal_scores(universal,
                                    taxonomy.test_groups('camvid-11'))
    torch.testing.assert_close(scores, expected)
    torch.testing.assert_close(same_maskige, maskige)
    np.testing.assert_array_equal(result[0], expected[0].argmax(0).numpy())
    assert result[0].max() < 11

    model.test_cfg.dataset_name = 'camvid-11'
    classes, painted = model.panel_classes()
    assert list(classes) == list(taxonomy.dataset_classes('camvid-11'))
    assert not painted
    palette = np.random.default_rng(0).integers(0, 256, (11, 3))
    gt = np.random.default_rng(1).integers(0, 11, (size, size))
    image = np.random.default_rng(2).integers(0, 256, (size, size, 3),
                                              dtype=np.uint8)
    panel = model.show_result(image, result, palette=palette,
                              gt_semantic_seg=gt)[..., ::-1]
    rows = slice(TITLE_HEIGHT, TITLE_HEIGHT + size)
    np.testing.assert_array_equal(panel[rows, size:2 * size], palette[gt])
    gt_maskige = panel[rows, 2 * size:3 * size]
    assert (gt_maskige == PLACEHOLDER_COLOR).all(-1).mean() > 0.8
    np.testing.assert_array_equal(panel[rows, 3 * size:4 * size],
                                  maskige_to_image(maskige[0]))
    np.testing.assert_array_equal(panel[rows, 4 * size:5 * size],
                                  palette[result[0]])
