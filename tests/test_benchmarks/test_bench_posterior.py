"""benchmarks/bench_posterior.py: every option of one GSS-FF checkpoint,
scored as tools/test.py scores that head, and timed beside a baseline."""
import glob
import json
import os.path as osp

import mmcv
import pytest
import torch
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
    (run, ) = written['runs']
    assert run['seed'] == 0 and run['scored_baseline'] is None
    assert run['rows'][1]['vs_baseline'] == pytest.approx(
        run['rows'][1]['infer_seconds_per_image'] /
        run['baseline_infer_seconds_per_image'])
    accuracy = run['token_accuracy']
    assert 0 <= accuracy['mixed'] <= 1 and 0 < accuracy['mixed_share'] < 1
    # every option shares the cells: the mixed share is the labels'
    shares = {row['cell_accuracy']['mixed_share'] for row in run['rows']}
    assert len(shares) == 1 and 0 < shares.pop() < 1

    # another seed, with a scored baseline, joins the file
    baseline_ckpt = tmp_path / 'baseline.pth'
    baseline_cfg = mmcv.Config.fromfile(
        osp.join(ROOT, 'tests', 'configs', 'tiny_fcn.py'))
    torch.save(dict(state_dict=build_segmentor(
        baseline_cfg.model).state_dict()), baseline_ckpt)
    bench_posterior.main([
        config, ckpt, '--baseline',
        osp.join(ROOT, 'tests', 'configs', 'tiny_fcn.py'),
        '--baseline-checkpoint', str(baseline_ckpt), '--data', street_data,
        '--timing-images', '1', '--seed', '1', '--out', str(out)])
    runs = json.load(open(out))['runs']
    assert [r['seed'] for r in runs] == [0, 1]
    assert runs[0] == run
    scored = runs[1]['scored_baseline']
    assert 0 <= scored['metric']['mIoU'] <= 1
    assert 0 <= scored['cell_accuracy']['mixed'] <= 1


def test_cell_counts_match_a_hand_count():
    """Pixels by token cell, on a 4×8 label map of two 4×4 cells: a
    one-class cell and a mixed one, each with known errors."""
    from benchmarks import bench_posterior
    labels = torch.zeros(4, 8, dtype=torch.long)
    labels[:, 4:] = 1
    labels[0, 4] = 2  # the right cell is mixed
    labels[3, 0] = 255  # an unlabelled pixel, not counted
    pred = labels.clone()
    pred[3, 0] = 0
    pred[0, 0] = 1  # one error in the one-class cell (15 labelled)
    pred[1:3, 5] = 0  # two errors in the mixed cell (16 labelled)
    hits, pixels = bench_posterior.count_by_cells(pred, labels, (1, 2), 255)
    assert hits.tolist() == [14, 14] and pixels.tolist() == [15, 16]
    # a 2×4 grid: every cell of the right half holds one class but the
    # top-left one of that half (classes 1 and 2); pred[1, 5] is in it,
    # pred[2, 5] below it
    hits, pixels = bench_posterior.count_by_cells(pred, labels, (2, 4), 255)
    assert pixels.tolist() == [27, 4] and hits.tolist() == [25, 3]
    with pytest.raises(ValueError, match='does not tile'):
        bench_posterior.count_by_cells(pred, labels, (3, 2), 255)


def test_a_config_without_fitted_options_is_refused(random_gss_ff):
    from benchmarks import bench_posterior
    config, _ = random_gss_ff
    with pytest.raises(ValueError, match='must set both posterior_top_k'):
        bench_posterior.options(mmcv.Config.fromfile(config).model.decode_head)
