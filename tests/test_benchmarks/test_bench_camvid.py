"""benchmarks/bench_camvid.py: where it writes, which images it scores."""
import json
import subprocess
import os.path as osp

import pytest
import torch
from mmcv import Config
from mmseg.models import build_segmentor

from gss.apis import cpu_has_native_bf16
from tests.conftest import ROOT, load_script

COMMITTED = osp.join(ROOT, 'benchmarks', 'results', 'camvid_short.json')


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


def test_suite_lists_its_configs_in_training_order(bench, capsys):
    with pytest.raises(SystemExit) as stop:
        bench.parse_args(['--list'])
    assert stop.value.code == 0
    listed = capsys.readouterr().out.split()
    names = [name for _, name in bench.SUITES['converged']]
    assert listed == [f'configs/gss/camvid/{name}.py' for name in names]
    assert all(osp.isfile(osp.join(ROOT, path)) for path in listed)
    assert names[0].startswith('vqvae')  # the tokenizer trains first
    assert names.index('gss-ff-balanced_effnet-lite0_256x256_2k_camvid') < \
        names.index('gss-ft-w-balanced_effnet-lite0_256x256_2k_1k_camvid')


def test_converged_suite_compares_like_with_like(bench):
    """Same data, crops, augmentation, epochs, precision and class weights
    for the baseline and the GSS image encoders; every GSS model reads the
    suite's stage-I tokenizer, GSS-FT-W the suite's GSS-FF."""
    cfgs = {name: Config.fromfile(osp.join(ROOT, bench.config_path(name)))
            for _, name in bench.SUITES['converged']}
    stage1, upernet, ff, ftw, lean = cfgs.values()
    for cfg in (ff, lean):
        assert cfg.train_pipeline == upernet.train_pipeline
        assert cfg.data.train == upernet.data.train
        assert cfg.data.val == upernet.data.val
        assert (cfg.runner.max_iters, cfg.data.samples_per_gpu) == (
            upernet.runner.max_iters, upernet.data.samples_per_gpu)
        assert cfg.optimizer == upernet.optimizer
        assert cfg.lr_config == upernet.lr_config
        assert cfg.model.decode_head.cell_class_weight == CAMVID_CLASS_WEIGHT
    for cfg in (upernet, ff, ftw, lean):
        assert cfg.cpu_bf16 == dict(channels_last=True)
        assert cfg.evaluation.interval < cfg.runner.max_iters  # curves
        loss = cfg.model.decode_head.loss_decode
        assert loss.class_weight == CAMVID_CLASS_WEIGHT
    codes = stage1.model.tokenizer.quantizer.num_codes
    for cfg in (ff, ftw, lean):
        tokenizer = cfg.model.decode_head.tokenizer
        assert tokenizer.quantizer.num_codes == codes
    assert ff.model.decode_head.tokenizer.checkpoint == \
        f'work_dirs/{list(cfgs)[0]}/latest.pth'
    assert ftw.load_from == f'work_dirs/{list(cfgs)[2]}/latest.pth'
    assert lean.model.decode_head.token_classifier_rank == 64


def flat(cfg, prefix=''):
    """``{'a.b.c': value}`` of a config's nested dicts (lists as values)."""
    items = {}
    for key, value in cfg.items():
        if isinstance(value, dict):
            items.update(flat(value, f'{prefix}{key}.'))
        else:
            items[f'{prefix}{key}'] = value
    return items


#: tools/class_weights.py on CamVid's train labels (tests/test_tools/
#: test_class_weights.py checks the config against the tool)
CAMVID_CLASS_WEIGHT = [
    0.528, 0.449, 2.188, 0.386, 1.0, 0.649, 1.961, 1.405, 0.888, 2.525, 2.976
]

def changed_settings(bench, name, base):
    """``{'a.b': value}`` of the settings where config ``name`` differs from
    config ``base`` (value None: ``name`` lacks it)."""
    def load(config):
        return flat(Config.fromfile(osp.join(ROOT, bench.config_path(config))))

    mine, theirs = load(name), load(base)
    return {key: mine.get(key) for key in set(mine) | set(theirs)
            if mine.get(key) != theirs.get(key)}


def test_suite_lean_model_is_its_gss_ff_with_a_factorised_classifier(
        bench):
    """GSS-FF-lean and GSS-FF of the converged suite differ in one
    setting, so the table compares the token classifiers alone."""
    assert changed_settings(
        bench, 'gss-ff-lean-balanced_effnet-lite0_256x256_2k_camvid',
        'gss-ff-balanced_effnet-lite0_256x256_2k_camvid') == {
            'model.decode_head.token_classifier_rank': 64}


def test_suite_script_rejects_a_folder_that_is_not_camvid(tmp_path):
    proc = subprocess.run(
        ['bash', osp.join(ROOT, 'tools', 'camvid_suite.sh'), str(tmp_path)],
        capture_output=True, text=True)
    assert proc.returncode == 2
    assert "is not CamVid in SegNet's layout" in proc.stderr


def test_token_accuracy_scores_the_predicted_tokens(bench, street_data,
                                                    tmp_path, monkeypatch):
    from tests.test_tools.test_demo import make_tiny_gss
    config, checkpoint = make_tiny_gss(tmp_path)
    images = bench.scored_images(bench.parse_args(['--data', street_data]))
    _, model, dataset = bench.build(config, checkpoint, images)
    head = model.decode_head
    forward = head.forward
    seen = []

    def perfect(inputs):
        # the logits of the true tokens of the image being scored
        token_logits, pixel_logits = forward(inputs)
        gt = torch.from_numpy(dataset.get_gt_seg_map_by_idx(
            len(seen)).astype('int64'))[None, None]
        labels = head.tokenizer_labels(gt, token_logits.shape[2:])
        targets = head.token_targets(labels, torch.nn.functional.interpolate(
            pixel_logits, size=labels.shape[1:], mode='bilinear'))
        seen.append(targets)
        onehot = torch.nn.functional.one_hot(
            targets.clamp(max=head.tokenizer.num_tokens - 1),
            head.tokenizer.num_tokens).permute(0, 3, 1, 2).float()
        return onehot, pixel_logits

    monkeypatch.setattr(head, 'forward', perfect)
    accuracy = bench.token_accuracy(model, dataset)
    assert len(seen) == len(dataset) == 4
    assert 0 < accuracy['mixed_share'] < 1
    assert accuracy['all'] == accuracy['one_class'] == accuracy['mixed'] == 1

    def constant(inputs):
        token_logits, pixel_logits = forward(inputs)
        return torch.zeros_like(token_logits).index_fill_(1, torch.tensor(
            [3]), 1.0), pixel_logits

    monkeypatch.setattr(head, 'forward', constant)
    targets = torch.cat([t.flatten() for t in seen])
    targets = targets[targets != head.tokenizer.num_tokens]
    accuracy = bench.token_accuracy(model, dataset)
    assert accuracy['all'] == pytest.approx(
        (targets == 3).float().mean().item())
    share = accuracy['mixed_share']
    assert accuracy['all'] == pytest.approx(
        share * accuracy['mixed'] + (1 - share) * accuracy['one_class'])


def test_training_minutes_count_each_iteration_once(bench, tmp_path):
    def log(name, iters, time):
        lines = [json.dumps(dict(env_info='...'))]
        for it in iters:
            lines.append(json.dumps(dict(mode='train', iter=it, time=time)))
            if it % 40 == 0:
                lines.append(json.dumps(dict(mode='val', iter=101)))
        (tmp_path / name).write_text('\n'.join(lines))

    # 1..60 at 1 s (stopped at 60), resumed from the checkpoint at 40:
    # 41..100 at 2 s from the second log
    log('20261130_000000.log.json', [20, 40, 60], 1.0)
    log('20261130_010000.log.json', [60, 80, 100], 2.0)
    assert bench.training_minutes(str(tmp_path)) == pytest.approx(
        (40 * 1.0 + 60 * 2.0) / 60)


def test_scores_every_kind_of_run_in_the_suite(bench, street_data, tmp_path,
                                              capsys):
    """The converged suite's table over one run of each config (random
    weights, generated street scenes): the stage-I autoencoder gets its
    codebook statistics, GSS-FF and the lean variant their token accuracy,
    GSS-FT-W (no auxiliary head; the frozen GSS-FF's tokens) none. A run
    whose latest checkpoint is short of its schedule is left out."""
    work_dirs = tmp_path / 'work_dirs'
    suite = [name for _, name in bench.SUITES['converged']]
    for name in suite:
        cfg = Config.fromfile(osp.join(ROOT, bench.config_path(name)))
        cfg.model.pretrained = None
        cfg.model.train_cfg = None
        model = build_segmentor(cfg.model, test_cfg=cfg.get('test_cfg'))
        (work_dirs / name).mkdir(parents=True)
        done = cfg.runner.max_iters
        if name == suite[-1]:
            done //= 2  # still training
        torch.save({'state_dict': model.state_dict(),
                    'meta': dict(iter=done)},
                   str(work_dirs / name / 'latest.pth'))
    out = tmp_path / 'table.json'
    bench.main(['--work-dirs', str(work_dirs), '--data', street_data,
                '--timing-images', '1', '--out', str(out)])
    written = json.load(open(out))
    runs = {run['config']: run for run in written['runs']}
    assert sorted(runs) == sorted(bench.config_path(name)
                                  for name in suite[:-1])
    # each run in what tools/test.py would run it in on this CPU
    assert written['native_bf16'] == cpu_has_native_bf16()
    for config, run in runs.items():
        asks_bf16 = 'cpu_bf16' in Config.fromfile(osp.join(ROOT, config))
        assert run['precision'] == (
            'bf16' if asks_bf16 and cpu_has_native_bf16() else 'fp32')
    assert ('latest.pth is at iteration 1000 of 2000 (unfinished)'
            in capsys.readouterr().out)
    for config, run in runs.items():
        metric = run['metric']
        assert 0 <= metric['mIoU'] <= 1
        assert ('codebook_usage' in metric) == ('vqvae' in config)
        if 'gss-ff' in config:
            assert 0 <= metric['token_accuracy'] <= 1
            assert 0 <= metric['token_accuracy_mixed'] <= 1
        else:
            assert 'token_accuracy' not in metric
