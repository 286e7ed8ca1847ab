"""``cpu_bf16 = dict(...)``: bf16 autocast + channels-last on the CPU."""
import copy
import glob
import json
import os.path as osp
import warnings

import mmcv
import pytest
import torch
from mmcv.runner import load_checkpoint
from mmseg.models import build_segmentor

from gss.apis import (EmulatedBf16Warning, apply_cpu_bf16,
                      cpu_has_native_bf16, precision, wrap_cpu_bf16_model)
from gss.apis.config_check import (ConfigKeyError, check_test_config,
                                   check_train_config)
from tests.conftest import TINY_FCN, data_options, load_tool, tiny_fcn
from tests.test_configs.tiny_gss import batch, load

ITERS = 16


@pytest.fixture(scope='module')
def trained(street_data, tmp_path_factory):
    """The tiny FCN trained for ``ITERS`` iterations with the switch on."""
    work_dir = str(tmp_path_factory.mktemp('bf16'))
    load_tool('train').main([
        TINY_FCN, '--work-dir', work_dir, '--seed', '0', '--cfg-options',
        'cpu_bf16.channels_last=True', 'cpu_bf16.require_native=False',
        f'runner.max_iters={ITERS}',
        f'checkpoint_config.interval={ITERS}', 'optimizer.lr=0.01',
        *data_options(street_data)
    ])
    return work_dir


def test_training_in_bf16_lowers_the_loss(trained):
    (log, ) = glob.glob(osp.join(trained, '*.log.json'))
    losses = [json.loads(line)['loss'] for line in open(log)
              if '"mode": "train"' in line]
    assert len(losses) == ITERS
    first, last = losses[:4], losses[-4:]
    assert sum(last) < 0.9 * sum(first), losses


def test_checkpoint_is_fp32_and_reloads(trained, street_data, tmp_path,
                                        capsys):
    path = osp.join(trained, 'latest.pth')
    ckpt = torch.load(path, weights_only=False)
    floats = [v for v in ckpt['state_dict'].values() if v.is_floating_point()]
    assert floats and all(v.dtype == torch.float32 for v in floats)
    # the tool trained the wrapped model: 3×3 weights saved channels-last
    stem = ckpt['state_dict']['backbone.stem.0.weight']
    assert stem.is_contiguous(memory_format=torch.channels_last)
    assert not stem.is_contiguous()
    for state in ckpt['optimizer']['state'].values():
        assert state['exp_avg'].dtype == torch.float32
    # Into a plain fp32 model, every key matching ...
    model = tiny_fcn()
    load_checkpoint(model, path, map_location='cpu', strict=True)
    for key, value in model.state_dict().items():
        assert torch.equal(value, ckpt['state_dict'][key]), key
    # ... and through tools/test.py, which tests in bf16 again.
    load_tool('test').main([
        TINY_FCN, path, '--eval', 'mIoU', '--work-dir', str(tmp_path),
        '--cfg-options', 'cpu_bf16.channels_last=True',
        'cpu_bf16.require_native=False', *data_options(street_data)
    ])
    assert 'mIoU' in capsys.readouterr().out


def test_forward_runs_in_bf16_weights_stay_fp32():
    model = wrap_cpu_bf16_model(tiny_fcn(), channels_last=True,
                                require_native=False)
    seen = []
    model.backbone.stem[0].register_forward_hook(
        lambda module, args, out: seen.append(out))
    data = batch(11)
    losses = model(**data)
    assert not torch.is_autocast_enabled('cpu')  # left after the forward
    assert seen[0].dtype == torch.bfloat16
    assert seen[0].is_contiguous(memory_format=torch.channels_last)
    assert losses['decode.loss_ce'].dtype == torch.float32
    model._parse_losses(losses)[0].backward()
    for param in model.parameters():
        assert param.dtype == param.grad.dtype == torch.float32
    weight = model.backbone.stem[0].weight
    assert weight.is_contiguous(memory_format=torch.channels_last)
    # without channels_last the layout stays NCHW
    plain = wrap_cpu_bf16_model(tiny_fcn(), channels_last=False,
                                require_native=False)
    assert plain.backbone.stem[0].weight.is_contiguous()


def test_autocast_is_left_when_the_forward_raises():
    model = wrap_cpu_bf16_model(tiny_fcn(), require_native=False)
    with pytest.raises(Exception):
        model(img=torch.randn(1, 3, 8), img_metas=[{}], return_loss=False)
    assert not torch.is_autocast_enabled('cpu')


def test_switch_only_applies_on_the_cpu():
    model = tiny_fcn()
    reference = copy.deepcopy(model)
    cfg = mmcv.Config(
        dict(cpu_bf16=dict(channels_last=True, require_native=False)))
    assert apply_cpu_bf16(model, mmcv.Config(), 'cpu') is None
    assert apply_cpu_bf16(model, cfg, 'cuda') is None
    data = batch(11)
    model.eval(), reference.eval()
    with torch.no_grad():
        img = dict(img=[data['img']], img_metas=[data['img_metas']],
                   return_loss=False, rescale=False)
        # not wrapped: exactly the fp32 numbers
        assert all((a == b).all() for a, b in zip(model(**img),
                                                   reference(**img)))
    assert apply_cpu_bf16(model, cfg, 'cpu') == 'bf16'


def test_native_bf16_is_read_off_the_cpu_flags():
    """AVX512-BF16 or AMX, as the kernel lists the CPU's flags."""
    if not osp.exists('/proc/cpuinfo'):
        pytest.skip('no /proc/cpuinfo')
    flags = set()
    for line in open('/proc/cpuinfo'):
        if line.startswith('flags'):
            flags |= set(line.split(':', 1)[1].split())
    assert cpu_has_native_bf16() == bool(flags & {'avx512_bf16', 'amx_tile'})


@pytest.fixture
def emulated_bf16(monkeypatch):
    """A CPU without bf16 arithmetic, whatever this one has."""
    monkeypatch.setattr(precision, 'cpu_has_native_bf16', lambda: False)


def test_without_native_bf16_the_model_stays_fp32(emulated_bf16):
    reference = tiny_fcn()
    model = copy.deepcopy(reference)
    cfg = mmcv.Config(dict(cpu_bf16=dict(channels_last=True)))
    with pytest.warns(EmulatedBf16Warning, match='require_native=False'):
        assert apply_cpu_bf16(model, cfg, 'cpu') == 'fp32'
    seen = []
    model.backbone.stem[0].register_forward_hook(
        lambda module, args, out: seen.append(out))
    data = batch(11)
    losses, expected = (
        torch.manual_seed(0) and segmentor(**data)  # the same dropout
        for segmentor in (model, reference))
    assert seen[0].dtype == torch.float32
    # channels-last still applies: it is faster in fp32 too
    assert seen[0].is_contiguous(memory_format=torch.channels_last)
    for key, value in expected.items():
        torch.testing.assert_close(losses[key], value, rtol=1e-5, atol=1e-6)
    # require_native=False runs bf16 anyway, without the warning
    forced = mmcv.Config(
        dict(cpu_bf16=dict(channels_last=True, require_native=False)))
    with warnings.catch_warnings():
        warnings.simplefilter('error', EmulatedBf16Warning)
        assert apply_cpu_bf16(tiny_fcn(), forced, 'cpu') == 'bf16'


def test_train_tool_logs_the_fp32_fallback(emulated_bf16, street_data,
                                           tmp_path, caplog):
    load_tool('train').main([
        TINY_FCN, '--work-dir', str(tmp_path), '--cfg-options',
        'cpu_bf16.channels_last=True', 'runner.max_iters=1',
        'checkpoint_config.interval=1', *data_options(street_data)
    ])
    warned = [record for record in caplog.records
              if 'no bf16 arithmetic on this CPU, training in fp32' in
              record.getMessage()]
    assert [record.levelname for record in warned] == ['WARNING']
    assert not any('CPU bf16 autocast' in record.getMessage()
                   for record in caplog.records)


def test_test_tool_warns_of_the_fp32_fallback(emulated_bf16, trained,
                                              street_data, tmp_path, capsys):
    with pytest.warns(EmulatedBf16Warning, match='stays fp32'):
        load_tool('test').main([
            TINY_FCN, osp.join(trained, 'latest.pth'), '--eval', 'mIoU',
            '--work-dir', str(tmp_path), '--cfg-options',
            'cpu_bf16.channels_last=True', *data_options(street_data)
        ])
    assert 'mIoU' in capsys.readouterr().out


def test_misspelt_cpu_bf16_key_is_an_error():
    cfg = mmcv.Config.fromfile(TINY_FCN)
    cfg.cpu_bf16 = dict(channels_last=True, require_nativ=False)
    with pytest.raises(ConfigKeyError,
                       match="cpu_bf16.require_nativ .*'require_native'"):
        check_train_config(cfg)
    with pytest.raises(ConfigKeyError, match='cpu_bf16.require_nativ'):
        check_test_config(cfg)
    cfg.cpu_bf16 = True
    with pytest.raises(ConfigKeyError,
                       match=r'cpu_bf16 = True: it takes a dict of options'):
        check_train_config(cfg)


def test_gss_tokens_identical_under_bf16():
    """Stage II's targets are the tokenizer's fp32 tokens, also in a
    wrapped (bf16, channels-last) forward of the quick start's GSS-FF
    model."""
    cfg = load('gss-ff_r18_synthetic')
    cfg.model.decode_head.tokenizer.checkpoint = None
    torch.manual_seed(0)
    model = build_segmentor(cfg.model)
    wrapped = wrap_cpu_bf16_model(copy.deepcopy(model), channels_last=True,
                                  require_native=False)
    head = model.decode_head
    gt = batch(head.num_classes)['gt_semantic_seg'].clamp(
        max=head.num_classes - 1)
    labels = head.tokenizer_labels(gt, (16, 16))
    pixel_logits = torch.randn(2, head.num_classes, *labels.shape[1:])
    expected = head.token_targets(labels, pixel_logits)
    with torch.autocast('cpu', dtype=torch.bfloat16):
        tokens = wrapped.decode_head.token_targets(labels, pixel_logits)
    assert torch.equal(tokens, expected)
    assert len(expected.unique()) > 1


class DepthwiseBlock(torch.nn.Module):
    """pointwise → depthwise → pointwise, as in MobileNet-style backbones."""

    def __init__(self):
        super().__init__()
        self.expand = torch.nn.Conv2d(3, 16, 1)
        self.depthwise = torch.nn.Conv2d(16, 16, 3, padding=1, groups=16)
        self.project = torch.nn.Conv2d(16, 4, 1)

    def forward(self, x):
        return self.project(self.depthwise(self.expand(x)))


def record_dtypes(block):
    """Input and output dtypes of every conv of ``block``, per forward."""
    seen = []
    for name in ('expand', 'depthwise', 'project'):
        getattr(block, name).register_forward_hook(
            lambda module, args, out, name=name: seen.append(
                (name, args[0].dtype, out.dtype)))
    return seen


@pytest.mark.parametrize('channels_last', [False, True])
def test_fp32_depthwise_trains_depthwise_convs_in_fp32(channels_last):
    torch.manual_seed(0)
    reference = DepthwiseBlock()
    wrapped = wrap_cpu_bf16_model(copy.deepcopy(reference),
                                  channels_last=channels_last,
                                  fp32_depthwise=True, require_native=False)
    # a copy of a wrapped model runs its own layers (bench_precision and
    # EMA-style hooks copy models)
    block = copy.deepcopy(wrapped)
    seen = record_dtypes(block)
    x = torch.randn(2, 3, 12, 12)
    out = block(x)
    bf16, fp32 = torch.bfloat16, torch.float32
    # while autograd records: only the depthwise conv leaves autocast (its
    # bf16 input cast to fp32), and the next conv is autocast again
    assert seen == [('expand', fp32, bf16), ('depthwise', bf16, fp32),
                    ('project', fp32, bf16)]
    assert not torch.is_autocast_enabled('cpu')
    out.float().sum().backward()
    reference(x).sum().backward()
    for (name, param), ref in zip(block.named_parameters(),
                                  reference.parameters()):
        assert param.grad.dtype == fp32
        torch.testing.assert_close(param.grad, ref.grad, rtol=0.05,
                                   atol=0.05, msg=name)
    # without gradients (testing) the depthwise conv runs in bf16 ...
    seen.clear()
    with torch.no_grad():
        block(x)
    assert seen[1] == ('depthwise', bf16, bf16)
    # ... and so it does when frozen, on an input that needs no gradient
    seen.clear()
    block.depthwise.requires_grad_(False)
    block.expand.requires_grad_(False)
    block(x)
    assert seen[1] == ('depthwise', bf16, bf16)


def test_fp32_depthwise_leaves_autocast_when_the_forward_raises():
    block = wrap_cpu_bf16_model(DepthwiseBlock(), fp32_depthwise=True,
                                require_native=False)
    # the depthwise conv raises inside its fp32 region (5 channels, not 16)
    wrong = torch.randn(1, 5, 8, 8, requires_grad=True)
    with torch.autocast('cpu', dtype=torch.bfloat16):
        with pytest.raises(RuntimeError, match='channels'):
            block.depthwise(wrong)
        assert torch.is_autocast_enabled('cpu')
    assert not torch.is_autocast_enabled('cpu')
    # the next forward is again bf16 around an fp32 depthwise conv
    seen = record_dtypes(block)
    block(torch.randn(1, 3, 8, 8))
    assert [dtype for _, _, dtype in seen] == [
        torch.bfloat16, torch.float32, torch.bfloat16]


def test_only_depthwise_convs_leave_autocast():
    from gss.apis.precision import is_depthwise_conv
    assert is_depthwise_conv(torch.nn.Conv2d(8, 8, 3, groups=8))
    assert is_depthwise_conv(torch.nn.Conv2d(8, 16, 3, groups=8))
    assert not is_depthwise_conv(torch.nn.Conv2d(8, 8, 3, groups=4))
    assert not is_depthwise_conv(torch.nn.Conv2d(8, 8, 3))
    assert not is_depthwise_conv(torch.nn.Conv2d(1, 1, 3))
