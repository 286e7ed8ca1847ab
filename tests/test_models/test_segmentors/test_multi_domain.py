import numpy as np
import pytest
import torch
import torch.nn.functional as F
from mmcv import ConfigDict
from mmseg.models import build_segmentor

from gss.datasets import get_taxonomy
from gss.models.segmentors.multi_domain import (MultiDomainMixin,
                                                map_universal_one_hot,
                                                map_universal_scores)
from tests.conftest import tiny_fcn_config


def official_labels(scores, test_ids, num_test_classes):
    """The authors' ``MultiDomainEncoderDecoder.simple_test`` after
    ``inference``: one-hot of the universal argmax, mseg-api's 1x1 conv with
    0/1 weights (``populate_linear_mapping``), argmax over test classes."""
    weight = torch.zeros(num_test_classes, scores.shape[1], 1, 1)
    for uid, tid in enumerate(test_ids):
        if tid >= 0:
            weight[tid, uid] = 1
    one_hot = F.one_hot(scores.argmax(1), scores.shape[1]).permute(0, 3, 1, 2)
    return F.conv2d(one_hot.float(), weight).argmax(1)


def test_map_universal_one_hot_toy_taxonomy():
    """Three universal classes: 0 -> test 1, 1 -> none, 2 -> test 0."""
    test_ids = [1, -1, 0]
    scores = torch.tensor([
        [0.2, 0.7, 0.1],  # argmax unmapped: all zeros, label 0
        [0.4, 0.2, 0.4],  # tie 0/2: the lower universal id, test 1
        [0.1, 0.3, 0.6],  # test 0
        [0.5, 0.5, 0.0],  # tie 0/1: universal 0, test 1
    ]).t().reshape(1, 3, 2, 2)
    out = map_universal_one_hot(scores, test_ids, 2)
    expected = torch.tensor([[0., 0.], [0., 1.], [1., 0.], [0., 1.]])
    torch.testing.assert_close(out, expected.t().reshape(1, 2, 2, 2))
    labels = out.argmax(1)
    assert labels.flatten().tolist() == [0, 1, 0, 1]
    assert torch.equal(labels, official_labels(scores, test_ids, 2))
    # The per-group maximum disagrees on the unmapped argmax (test 1 holds
    # universal 0's 0.2 > 0.1) and on the 0/2 tie (test 0 first).
    group_max = map_universal_scores(scores, [[2], [0]]).argmax(1)
    assert group_max.flatten().tolist() == [1, 0, 0, 1]


@pytest.mark.parametrize('name', ['camvid-11', 'wilddash-19', 'kitti-19',
                                  'scannet-20', 'voc2012'])
def test_map_universal_one_hot_matches_mseg_api(name):
    taxonomy = get_taxonomy()
    test_ids = taxonomy.universal_to_test(name)
    k = len(taxonomy.dataset_classes(name))
    scores = torch.rand(2, 194, 8, 8,
                        generator=torch.Generator().manual_seed(0))
    # GSS-FF's one-hot scores: exact ties between two universal classes.
    scores[:, :, :4] = 0
    scores[:, 5, :4, :2] = scores[:, 176, :4, :2] = 1
    scores[:, 11, :4, 2:] = scores[:, 3, :4, 2:] = 1
    out = map_universal_one_hot(scores, test_ids, k)
    assert out.shape == (2, k, 8, 8)
    assert set(out.unique().tolist()) <= {0.0, 1.0}
    assert (out.sum(1) <= 1).all()
    assert torch.equal(out.argmax(1), official_labels(scores, test_ids, k))
    unmapped = torch.as_tensor(test_ids)[scores.argmax(1)] < 0
    assert (out.argmax(1)[unmapped] == 0).all()
    assert (out.sum(1) == 0).equal(unmapped)


def test_unmapped_universal_classes():
    """How many universal classes each test taxonomy leaves unmapped (the
    pixels where the two mappings can disagree)."""
    taxonomy = get_taxonomy()
    unmapped = {name: int((taxonomy.universal_to_test(name) < 0).sum())
                for name in ('camvid-11', 'wilddash-19', 'kitti-19',
                             'scannet-20')}
    assert unmapped == {'camvid-11': 182, 'wilddash-19': 171,
                        'kitti-19': 172, 'scannet-20': 157}


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
    car = taxonomy.classes.index('car')
    scores[0, car, 0, 0] = 2  # camvid-11 Car is test class 3
    scores[0, 127, 0, 1] = 2  # bicyclist: camvid-11 Bicyclist (10)
    scores[0, 0, 0, 2] = 2  # backpack: no camvid-11 class
    meta = [dict(dataset_name='camvid-11')] * 2
    out = _FakeMultiDomain(scores).inference(None, meta, True)
    assert out.shape == (2, 11, 3, 4)
    assert out[0, :, 0, :3].argmax(0).tolist() == [3, 10, 0]
    assert out[0, :, 0, 2].sum() == 0
    torch.testing.assert_close(out, map_universal_one_hot(
        scores, taxonomy.universal_to_test('camvid-11'), 11))
    # Opt-in: the per-group maximum. Bicyclist (id 10) = max(bicyclist 127,
    # bicycle 175).
    grouped = _FakeMultiDomain(
        scores, dict(taxonomy_mapping='group_max')).inference(None, meta,
                                                              True)
    torch.testing.assert_close(grouped[:, 10],
                               torch.maximum(scores[:, 127], scores[:, 175]))
    torch.testing.assert_close(grouped[:, 3], scores[:, car])
    kitti = _FakeMultiDomain(scores).inference(
        None, [dict(dataset_name='kitti-19')], True)
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
    with pytest.raises(ValueError, match="taxonomy_mapping.*'one_hot'"):
        _FakeMultiDomain(scores, dict(taxonomy_mapping='max')).inference(
            None, [dict(dataset_name='camvid-11')], True)
    with pytest.raises(ValueError, match='taxonomy_mapping'):
        _tiny_model('whole', taxonomy_mapping='onehot')


def _tiny_model(mode, **test_cfg):
    test_cfg.update(
        dict(mode='whole') if mode == 'whole' else dict(
            mode='slide', crop_size=(16, 16), stride=(12, 12)))
    # the tiny FCN over MSeg's 194 universal classes
    cfg = tiny_fcn_config()
    cfg.type = 'MultiDomainEncoderDecoder'
    cfg.decode_head.num_classes = 194
    cfg.test_cfg = ConfigDict(test_cfg)
    return build_segmentor(cfg).eval()


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
    test_ids = get_taxonomy().universal_to_test('camvid-11')
    with torch.no_grad():
        universal = super(MultiDomainMixin, model).inference(img, [meta], True)
        universal_flip = super(MultiDomainMixin, model).inference(
            img.flip(3), [flipped], True)
        scores = model.inference(img, [meta], True)
        pred = model.simple_test(img, [meta])
        aug = model.aug_test([img, img.flip(3)], [[meta], [flipped]])
        model.test_cfg.taxonomy_mapping = 'group_max'
        grouped = model.inference(img, [meta], True)
        grouped_aug = model.aug_test([img, img.flip(3)], [[meta], [flipped]])
    assert universal.shape == (1, 194, 24, 32)
    torch.testing.assert_close(scores,
                               map_universal_one_hot(universal, test_ids, 11))
    np.testing.assert_array_equal(
        pred[0], official_labels(universal, test_ids, 11)[0].numpy())
    # aug_test: the views' universal probabilities averaged, then mapped.
    mean = (universal + universal_flip) / 2
    np.testing.assert_array_equal(
        aug[0], official_labels(mean, test_ids, 11)[0].numpy())
    groups = get_taxonomy().test_groups('camvid-11')
    expected = map_universal_scores(universal, groups)
    torch.testing.assert_close(grouped, expected)
    expected_aug = (expected + map_universal_scores(universal_flip,
                                                    groups)) / 2
    np.testing.assert_array_equal(grouped_aug[0],
                                  expected_aug[0].argmax(0).numpy())


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
    expected = map_universal_one_hot(
        universal, taxonomy.universal_to_test('camvid-11'), 11)
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


def test_config_check_knows_taxonomy_mapping():
    import mmcv

    from gss.apis.config_check import ConfigKeyError, check_test_config
    from tests.test_configs.tiny_gss import config_path
    cfg = mmcv.Config.fromfile(
        config_path('gss-ff_hrnet-w48_512x512_160k_mseg'))
    cfg.model.test_cfg.taxonomy_mapping = 'group_max'
    check_test_config(cfg)
    cfg.model.test_cfg.taxonomy_maping = 'group_max'
    with pytest.raises(ConfigKeyError,
                       match="did you mean 'taxonomy_mapping'"):
        check_test_config(cfg)
