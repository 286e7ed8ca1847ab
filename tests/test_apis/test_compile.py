"""``compile = dict(...)``: torch.compile of a segmentor's submodules."""
import copy
import json
import glob
import os.path as osp

import mmcv
import pytest
import torch
from mmseg.models import build_segmentor

import gss.apis.compile
from gss.apis import apply_compile, compile_segmentor, wrap_cpu_bf16_model
from tests.conftest import TINY_FCN, data_options, load_tool, tiny_fcn
from tests.test_configs.tiny_gss import batch, load



def test_names_and_state_dict_are_unchanged():
    model = tiny_fcn()
    keys = list(model.state_dict())
    compiled = compile_segmentor(model, backend='eager')
    # the tiny FCN has no neck and no auxiliary head: skipped, not errors
    assert compiled == ['backbone', 'decode_head']
    assert list(model.state_dict()) == keys
    assert model.backbone._compiled_call_impl is not None
    assert model.decode_head._compiled_call_impl is not None
    assert getattr(model, '_compiled_call_impl', None) is None


@pytest.mark.slow  # dynamo traces whole models: ~30 s each
def test_compiled_train_step_matches_eager():
    """Forward, losses and gradients through AOTAutograd (``aot_eager``:
    the graphs inductor would get, run by eager kernels) equal eager's."""
    eager = tiny_fcn()
    compiled = copy.deepcopy(eager)
    compile_segmentor(compiled, backend='aot_eager')
    data = batch(11)
    results = []
    for model in (eager, compiled):
        torch.manual_seed(1)  # the same dropout masks
        loss, log_vars = model._parse_losses(model(**data))
        loss.backward()
        results.append((log_vars, {
            name: param.grad
            for name, param in model.named_parameters()
        }))
    (eager_log, eager_grads), (log, grads) = results
    assert log['loss'] == pytest.approx(eager_log['loss'], rel=1e-5)
    assert grads.keys() == eager_grads.keys()
    for name, grad in grads.items():
        torch.testing.assert_close(grad, eager_grads[name], rtol=1e-4,
                                   atol=1e-6, msg=name)


@pytest.mark.slow  # dynamo traces whole models: ~30 s each
def test_gss_head_and_tokenizer_decoder_compile():
    """GSS-FF's test path (token logits, tokenizer decoder, X⁻¹) gives the
    same labels with the head and the decoder compiled."""
    cfg = load('gss-ff_r18_synthetic')
    cfg.model.decode_head.tokenizer.checkpoint = None
    torch.manual_seed(0)
    model = build_segmentor(cfg.model).eval()
    compiled = copy.deepcopy(model)
    names = compile_segmentor(
        compiled, backend='aot_eager',
        modules=('backbone', 'decode_head', 'decode_head.tokenizer.decoder'))
    assert names == ['backbone', 'decode_head', 'decode_head.tokenizer.decoder']
    data = batch(11)
    img = dict(img=[data['img']], img_metas=[data['img_metas']],
               return_loss=False)
    with torch.no_grad():
        expected, labels = model(**img), compiled(**img)
    for a, b in zip(expected, labels):
        assert (a == b).mean() > 0.999


def test_config_switch():
    model = tiny_fcn()
    assert apply_compile(model, mmcv.Config()) == []
    assert apply_compile(model, mmcv.Config(dict(compile=False))) == []
    assert getattr(model.backbone, '_compiled_call_impl', None) is None
    with pytest.raises(TypeError, match='True or a dict'):
        apply_compile(model, mmcv.Config(dict(compile='inductor')))
    with pytest.raises(ValueError, match='names no submodule.*backbone'):
        apply_compile(model, mmcv.Config(dict(compile=dict(
            modules=['bakbone']))))
    assert apply_compile(model, mmcv.Config(dict(compile=True))) == [
        'backbone', 'decode_head'
    ]


@pytest.mark.slow  # dynamo traces whole models: ~30 s each
def test_train_and_test_tools_compile(street_data, tmp_path, capsys,
                                      monkeypatch):
    compiled = []

    def recording(model, **kwargs):
        compiled.append((kwargs, compile_segmentor(model, **kwargs)))
        return compiled[-1][1]

    monkeypatch.setattr(gss.apis.compile, 'compile_segmentor', recording)
    work_dir = str(tmp_path)
    options = [
        'compile.backend=aot_eager', 'runner.max_iters=2',
        'checkpoint_config.interval=2', *data_options(street_data)
    ]
    load_tool('train').main([TINY_FCN, '--work-dir', work_dir, '--seed', '0',
                             '--cfg-options', *options])
    (log_json, ) = glob.glob(osp.join(work_dir, '*.log.json'))
    losses = [json.loads(line)['loss'] for line in open(log_json)
              if '"mode": "train"' in line]
    assert len(losses) == 2 and all(loss > 0 for loss in losses)
    load_tool('test').main([
        TINY_FCN, osp.join(work_dir, 'latest.pth'), '--eval', 'mIoU',
        '--work-dir', work_dir, '--cfg-options', *options
    ])
    assert 'mIoU' in capsys.readouterr().out
    # both tools compiled backbone and head with the config's options
    assert compiled == [(dict(backend='aot_eager'),
                         ['backbone', 'decode_head'])] * 2


@pytest.mark.slow
def test_inductor_inference_matches_eager():
    """The real backend: TorchInductor's C++ kernels, fp32."""
    model = tiny_fcn().eval()
    compiled = copy.deepcopy(model)
    compile_segmentor(compiled)
    img = batch(11)['img']
    with torch.no_grad():
        torch.testing.assert_close(
            compiled.encode_decode(img, batch(11)['img_metas']),
            model.encode_decode(img, batch(11)['img_metas']),
            rtol=1e-4, atol=1e-4)


def test_fp32_depthwise_compiles():
    """``cpu_bf16.fp32_depthwise`` inside a compiled submodule: dynamo
    traces its autocast region; forward and gradients equal eager's."""
    from tests.test_apis.test_cpu_bf16 import DepthwiseBlock
    torch.manual_seed(0)
    eager = wrap_cpu_bf16_model(torch.nn.Sequential(DepthwiseBlock()),
                                fp32_depthwise=True, require_native=False)
    compiled = copy.deepcopy(eager)
    compiled[0].compile(backend='aot_eager')
    x = torch.randn(2, 3, 12, 12)
    outs = []
    for model in (eager, compiled):
        out = model(x)
        out.float().sum().backward()
        outs.append(out)
    assert outs[1].dtype == torch.bfloat16
    torch.testing.assert_close(outs[1], outs[0], rtol=0, atol=0)
    for (name, param), ref in zip(compiled.named_parameters(),
                                  eager.parameters()):
        torch.testing.assert_close(param.grad, ref.grad, msg=name)
