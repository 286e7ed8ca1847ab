"""benchmarks/bench_posterior.py: every option of one GSS-FF checkpoint,
scored as tools/test.py scores that head, and timed beside a baseline."""
import glob
import json
import os.path as osp

import mmcv
import pytest
from mmseg.models import build_segmentor

from tests.conftest import ROOT, load_tool


@pytest.fixture
def posterior_config(random_gss_ff, tmp_path):
    config, ckpt = random_gss_ff
    cfg = mmcv.Config.fromfile(config)
    cfg.model.decode_head.update(type='GSSFFPosteriorHead',
                                 posterior_top_k=3,
                                 pixel_fusion_threshold=0.5)
    path = str(tmp_path / 'gss-ff-posterior.py')
    cfg.dump(path)
    return path, ckpt


def test_options_score_as_tools_test(posterior_config, random_gss_ff,
                                     street_data, tmp_path):
    from benchmarks import bench_posterior
    config, ckpt = posterior_config
    out = tmp_path / 'posterior.json'
    rows = bench_posterior.main([
        config, ckpt, '--baseline',
        osp.join(ROOT, 'tests', 'configs', 'tiny_fcn.py'), '--data',
        street_data, '--timing-images', '2', '--out', str(out)])
    assert [row['option'] for row in rows] == [
        'argmax tokens (GSS-FF)', 'top-3 posterior',
        'pixel fusion below 0.5',
        'top-3 posterior + pixel fusion below 0.5']
    for row in (rows[0], rows[3]):  # the plain head, and the config's own
        work_dir = tmp_path / row['option'].replace(' ', '_')
        options = [f'model.decode_head.{key}={value}'
                   for key, value in row['settings'].items()]
        load_tool('test').main([config, ckpt, '--eval', 'mIoU',
                                '--work-dir', str(work_dir),
                                '--cfg-options', *options])
        (dump, ) = glob.glob(str(work_dir / '*.json'))
        assert row['metric']['mIoU'] == pytest.approx(
            json.load(open(dump))['metric']['mIoU'], abs=1e-4)
    written = json.load(open(out))
    # the posterior head has GSS-FF's parameters
    plain = build_segmentor(mmcv.Config.fromfile(random_gss_ff[0]).model)
    assert written['params'] == sum(p.numel() for p in plain.parameters())
    assert written['rows'][1]['vs_baseline'] == pytest.approx(
        written['rows'][1]['infer_seconds_per_image'] /
        written['baseline_infer_seconds_per_image'])
    accuracy = written['token_accuracy']
    assert 0 <= accuracy['mixed'] <= 1 and 0 < accuracy['mixed_share'] < 1


def test_a_config_without_fitted_options_is_refused(random_gss_ff):
    from benchmarks import bench_posterior
    config, _ = random_gss_ff
    with pytest.raises(ValueError, match='must set both posterior_top_k'):
        bench_posterior.options(mmcv.Config.fromfile(config).model.decode_head)
