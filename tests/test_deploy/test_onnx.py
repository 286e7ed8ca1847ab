"""Exported graphs give PyTorch's labels in ONNX Runtime, at any size;
checkpoints that do not fit refuse to export; deploy tests match
tools/test.py."""
import glob
import json
import os.path as osp
import sys

import mmcv
import pytest
import torch
from mmcv.cnn.utils import revert_sync_batchnorm
from mmseg.models import build_segmentor

from gss.deploy import (DeployMismatchError, ONNXRuntimeMultiDomainSegmentor,
                        build_onnx_segmentor, compare_outputs,
                        example_input, export_onnx, export_wrapper,
                        graph_identity, inference_session,
                        require_onnxruntime)
from gss.utils import CheckpointMismatchError
from tests.conftest import ROOT, load_tool
from tests.test_configs.tiny_gss import build_tiny
from tests.test_models.test_segmentors.test_strict_loading import FF, FTW, tiny_config

pytest.importorskip(
    'onnxruntime',
    reason='onnxruntime is not installed (pip install -r '
    'requirements/deploy.txt)')

#: Sizes the dynamic graphs are run at: the export size and another one
#: that tiles neither the windows nor the tokens, with a batch of 2.
SIZES = [((64, 64), 1), ((40, 72), 2)]


def _config_model(path, **options):
    cfg = mmcv.Config.fromfile(osp.join(ROOT, path))
    cfg.merge_from_dict(options)
    cfg.model.pretrained = None
    return revert_sync_batchnorm(build_segmentor(cfg.model))


def _tiny(name):
    return build_tiny(name)[1]


MODELS = {
    # tiny published configs: the DALL·E dVAE, ResNet and Swin backbones
    'gss-ff_dvae': lambda: _tiny(FF),
    'gss-ft-w_dvae_swin': lambda: _tiny(
        'gss-ft-w_swin-l_768x768_80k_40k_cityscapes'),
    'stage-i_dvae': lambda: _tiny('dalle_reconstruction_cityscapes'),
    # the project's maskige VQ-VAE (quick-start configs)
    'gss-ff_vqvae': lambda: _config_model(
        'configs/gss/synthetic/gss-ff_r18_synthetic.py',
        **{'model.decode_head.tokenizer.checkpoint': None}),
    'gss-ft-w_vqvae': lambda: _config_model(
        'configs/gss/synthetic/gss-ft-w_r18_synthetic.py',
        **{'model.decode_head.tokenizer.checkpoint': None}),
    'stage-i_vqvae': lambda: _config_model(
        'configs/gss/synthetic/vqvae_synthetic.py'),
    # baselines
    'upernet': lambda: _config_model(
        'configs/gss/camvid/upernet_effnet-lite0_256x256_700_camvid.py',
        **{'model.backbone.pretrained': None}),
    'fcn': lambda: _config_model('tests/configs/tiny_fcn.py'),
}


@pytest.mark.parametrize('name', list(MODELS))
def test_dynamic_graph_gives_pytorch_labels_at_two_sizes(name, tmp_path):
    torch.manual_seed(0)
    wrapper = export_wrapper(MODELS[name]())
    onnx_file = str(tmp_path / f'{name}.onnx')
    export_onnx(wrapper, onnx_file, SIZES[0][0], dynamic=True)
    session = inference_session(onnx_file)
    for shape, batch in SIZES:
        inputs = example_input(wrapper, shape, batch, seed=1)
        result = compare_outputs(wrapper, session, inputs)
        assert result['shape'][0] == batch
        assert result['shape'][2:] == shape
        assert result['label_agreement'] == 1.0, (shape, result)
        assert result['max_abs_diff'] < 1e-3, (shape, result)


def test_static_graph_refuses_other_sizes(tmp_path):
    wrapper = export_wrapper(_tiny(FF))
    onnx_file = str(tmp_path / 'static.onnx')
    export_onnx(wrapper, onnx_file, (64, 64))
    session = inference_session(onnx_file)
    assert compare_outputs(wrapper, session,
                           example_input(wrapper, (64, 64)))[
                               'label_agreement'] == 1.0
    # At 187fe31: an 18-frame ONNX Runtime error about dimension 2.
    with pytest.raises(DeployMismatchError,
                       match=r'takes inputs of shape \(1, 3, 64, 64\) '
                       r'\(exported without --dynamic-export\), not '
                       r'\(1, 3, 40, 72\).*--dynamic-export'):
        compare_outputs(wrapper, session, example_input(wrapper, (40, 72)))


def test_deploy_test_refuses_a_graph_of_another_config(street_data,
                                                       tmp_path, capsys):
    """At 187fe31 deploy_test reported the numbers of a 19-class
    Cityscapes graph run with an 11-class config, exit code 0."""
    config = tiny_config(FF, street_data, tmp_path)
    ckpt = _checkpoint(config, tmp_path / 'ff.pth')
    onnx_file = str(tmp_path / 'ff.onnx')
    load_tool('pytorch2onnx').main(
        [config, ckpt, '--output-file', onnx_file, '--shape', '64', '64'])
    session = inference_session(onnx_file)
    stored = session.get_modelmeta().custom_metadata_map
    cfg = mmcv.Config.fromfile(config)
    assert {k[4:]: v for k, v in stored.items()} == graph_identity(cfg)
    assert stored['gss.num_classes'] == '19'
    other = str(tmp_path / 'other.py')
    cfg.model.decode_head.num_classes = 11
    cfg.model.decode_head.palette = 'camvid'
    cfg.dump(other)
    with pytest.raises(DeployMismatchError) as err:
        load_tool('deploy_test').main([other, onnx_file, '--eval', 'mIoU'])
    message = str(err.value)
    assert message.startswith(f'{onnx_file} was exported from another '
                              'config: num_classes 19 (config: 11); palette')
    assert 'export this config again' in message
    # The config it was exported from runs; another test mode is a note.
    assert stored['gss.test_mode'] == 'slide'
    load_tool('deploy_test').main([
        config, onnx_file, '--eval', 'mIoU', '--cfg-options',
        'model.test_cfg.mode=whole'
    ])
    assert 'exported with test mode slide, the config tests in whole' in \
        capsys.readouterr().out


def _checkpoint(config, path):
    torch.manual_seed(0)
    model = build_segmentor(mmcv.Config.fromfile(config).model)
    torch.save(dict(state_dict=model.state_dict(), meta={}), path)
    return str(path)


def test_mismatched_checkpoint_refuses_to_export(street_data, tmp_path):
    ff_ckpt = _checkpoint(tiny_config(FF, street_data, tmp_path),
                          tmp_path / 'ff.pth')
    ftw_config = tiny_config(FTW, street_data, tmp_path)
    output = tmp_path / 'ftw.onnx'
    with pytest.raises(CheckpointMismatchError, match='projection'):
        load_tool('pytorch2onnx').main(
            [ftw_config, ff_ckpt, '--output-file', str(output)])
    assert not output.exists()


def test_tool_verifies_on_a_real_image(street_data, tmp_path, capsys):
    config = tiny_config(FF, street_data, tmp_path)
    ckpt = _checkpoint(config, tmp_path / 'ff.pth')
    (image, ) = glob.glob(osp.join(street_data, 'val', '*.png'))[:1]
    output = str(tmp_path / 'ff.onnx')
    result = load_tool('pytorch2onnx').main([
        config, ckpt, '--output-file', output, '--shape', '48', '80',
        '--verify', '--input-img', image
    ])
    assert osp.exists(output)
    assert result['shape'] == (1, 19, 48, 80)
    assert result['label_agreement'] == 1.0
    assert 'identical labels 100.0000%' in capsys.readouterr().out


def test_missing_onnxruntime_says_how_to_install(monkeypatch):
    monkeypatch.setitem(sys.modules, 'onnxruntime', None)
    with pytest.raises(ImportError, match=r'requirements/deploy\.txt'):
        require_onnxruntime()


@pytest.mark.parametrize('mode', ['whole', 'slide'])
def test_deploy_test_gives_the_miou_of_tools_test(mode, street_data,
                                                   tmp_path):
    # The quick-start GSS-FF: with random weights its VQ-VAE codes still
    # decode to class layouts, so the predictions hold many classes.
    cfg = mmcv.Config.fromfile(
        osp.join(ROOT, 'configs/gss/synthetic/gss-ff_r18_synthetic.py'))
    cfg.model.decode_head.tokenizer.checkpoint = None
    # Random logits over 1,024 tokens come within 1e-5 of each other, where
    # float rounding in either runtime flips the argmax; 32 keep apart.
    cfg.model.decode_head.tokenizer.quantizer = dict(
        type='EMAVectorQuantizer', num_codes=32)
    cfg.model.test_cfg = dict(mode=mode, crop_size=(48, 48),
                              stride=(32, 32))
    cfg.data.test.data_root = street_data
    cfg.data.update(workers_per_gpu=0, persistent_workers=False)
    config = str(tmp_path / 'gss-ff.py')
    cfg.dump(config)
    ckpt = _checkpoint(config, tmp_path / 'ff.pth')
    onnx_file = str(tmp_path / 'ff.onnx')
    load_tool('pytorch2onnx').main(
        [config, ckpt, '--output-file', onnx_file, '--dynamic-export'])
    work_dir = tmp_path / 'pytorch'
    load_tool('test').main(
        [config, ckpt, '--eval', 'mIoU', '--work-dir', str(work_dir)])
    (json_file, ) = glob.glob(str(work_dir / '*.json'))
    expected = json.load(open(json_file))['metric']
    show_dir = tmp_path / 'show'
    metric = load_tool('deploy_test').main([
        config, onnx_file, '--backend', 'onnxruntime', '--eval', 'mIoU',
        '--show-dir', str(show_dir)
    ])
    assert sum(v > 0 for k, v in expected.items()
               if k.startswith('IoU.')) >= 4
    assert {k: float(v) for k, v in metric.items()} == pytest.approx(
        expected, abs=1e-6, nan_ok=True)
    assert len(glob.glob(str(show_dir / '*.png'))) == 4


def test_mseg_graph_predicts_each_test_taxonomy(tmp_path):
    cfg, model = build_tiny('gss-ff_hrnet-w48_512x512_160k_mseg')
    model.eval()
    onnx_file = str(tmp_path / 'mseg.onnx')
    export_onnx(export_wrapper(model), onnx_file, (64, 64), dynamic=True)
    # whole images: the tiny model's crop would be the published 768²
    model.test_cfg = cfg.model.test_cfg = mmcv.ConfigDict(mode='whole')
    deployed = build_onnx_segmentor(onnx_file, cfg)
    assert isinstance(deployed, ONNXRuntimeMultiDomainSegmentor)
    img = torch.randn(1, 3, 48, 80)
    for name, classes in [('camvid-11', 11), ('kitti-19', 19)]:
        meta = [dict(dataset_name=name, ori_shape=(48, 80, 3),
                     img_shape=(48, 80, 3), flip=False)]
        with torch.no_grad():
            expected = model.inference(img, meta, rescale=True)
        actual = deployed.inference(img, meta, rescale=True)
        assert actual.shape == (1, classes, 48, 80)
        assert torch.equal(actual.argmax(1), expected.argmax(1))
