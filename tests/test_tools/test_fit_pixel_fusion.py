"""tools/fit_pixel_fusion.py: one forward per image, every threshold
scored as the test tool would score that head."""
import glob
import json

import pytest

from tests.conftest import load_tool


def test_each_threshold_scores_as_tools_test(random_gss_ff, tmp_path):
    config, ckpt = random_gss_ff
    out = tmp_path / 'fit.json'
    best, metrics = load_tool('fit_pixel_fusion').main(
        [config, ckpt, '--thresholds', '0.5', '1.0', '--out', str(out)])
    # tools/test.py on the training images, once per fused head
    train = ['data.test.img_dir=train', 'data.test.ann_dir=trainannot']
    for threshold, head in ((None, []), (1.0, [
            'model.decode_head.type=GSSFFPosteriorHead',
            'model.decode_head.pixel_fusion_threshold=1.0'])):
        work_dir = tmp_path / f'test_{threshold}'
        load_tool('test').main([config, ckpt, '--eval', 'mIoU', '--work-dir',
                                str(work_dir), '--cfg-options', *train,
                                *head])
        (dump, ) = glob.glob(str(work_dir / '*.json'))
        expected = json.load(open(dump))['metric']['mIoU']
        assert metrics[threshold]['mIoU'] == pytest.approx(expected,
                                                           abs=1e-4)
    # every cell is below 1.0: the pixel head alone, another model
    assert metrics[1.0]['mIoU'] != metrics[None]['mIoU']
    written = json.load(open(out))
    assert written['images'] == 8
    assert [row['threshold'] for row in written['rows']] == [None, 0.5, 1.0]
    assert written['best'] == best
    assert max(row['mIoU'] for row in written['rows']) == \
        metrics[best]['mIoU']


def test_a_head_without_pixel_head_is_refused(random_gss_ff):
    config, ckpt = random_gss_ff
    with pytest.raises(SystemExit, match='without an auxiliary pixel head'):
        load_tool('fit_pixel_fusion').main(
            [config, ckpt, '--cfg-options', 'model.decode_head.pixel_head='
             'None'])


def test_thresholds_outside_0_1_are_refused(random_gss_ff):
    config, ckpt = random_gss_ff
    with pytest.raises(SystemExit, match=r'in \(0, 1\]'):
        load_tool('fit_pixel_fusion').main(
            [config, ckpt, '--thresholds', '0', '0.5'])
