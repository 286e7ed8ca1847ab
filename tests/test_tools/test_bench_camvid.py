"""benchmarks/bench_camvid.py: where it writes, which images it scores."""
import json
import os.path as osp

import pytest
import torch
from mmcv import Config
from mmseg.models import build_segmentor

from tests.conftest import ROOT, load_script

COMMITTED = osp.join(ROOT, 'benchmarks', 'results', 'camvid.json')


@pytest.fixture(scope='module')
def bench():
    return load_script(osp.join(ROOT, 'benchmarks', 'bench_camvid.py'),
                       'bench_camvid')


def test_default_output_is_not_the_committed_table(bench, tmp_path):
    args = bench.parse_args(['--work-dirs', str(tmp_path)])
    assert args.out == str(tmp_path / 'bench_camvid.json')
    before = open(COMMITTED).read()
    bench.main(['--work-dirs', str(tmp_path)])  # no runs: every model skipped
    assert open(COMMITTED).read() == before
    written = json.load(open(args.out))
    assert written['runs'] == []
    assert written['images'] == dict(data_root='data/camvid', img_dir='val',
                                      ann_dir='valannot')


def test_scores_another_split_or_folders(bench, street_data, tmp_path):
    images = bench.scored_images(
        bench.parse_args(['--data', street_data, '--split', 'train']))
    assert images == dict(data_root=street_data, img_dir='train',
                          ann_dir='trainannot')
    folders = bench.scored_images(bench.parse_args(
        ['--img-dir', osp.join(street_data, 'val'), '--ann-dir',
         osp.join(street_data, 'valannot')]))
    config = osp.join(ROOT, 'tests', 'configs', 'tiny_fcn.py')
    checkpoint = str(tmp_path / 'init.pth')  # weights do not matter here
    model = build_segmentor(Config.fromfile(config).model)
    torch.save({'state_dict': model.state_dict()}, checkpoint)
    for scored, count in ((images, 8), (folders, 4)):
        _, _, dataset = bench.build(config, checkpoint, scored)
        assert len(dataset) == count
        assert dataset.img_dir.endswith(osp.basename(scored['img_dir']))
    with pytest.raises(SystemExit):
        bench.parse_args(['--img-dir', 'x'])
