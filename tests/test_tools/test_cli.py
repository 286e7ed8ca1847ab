"""What a user meets on the console: fast --help, no warnings, short logs."""
import argparse
import glob
import json
import logging
import os
import os.path as osp
import re
import subprocess
import sys

import pytest

import _cli
from tests.conftest import ROOT, data_options

TOOLS = sorted(
    glob.glob(osp.join(ROOT, 'tools', '[!_]*.py')) +
    glob.glob(osp.join(ROOT, 'tools', 'model_converters', '*.py')) +
    [osp.join(ROOT, 'benchmarks', 'bench_camvid.py')])
HEAVY = ('torch', 'mmcv', 'mmseg', 'gss', 'timm')
# Runs a tool as `python TOOL --help` does, then names the heavy packages
# it imported.
HELP_RUNNER = '''
import os.path as osp, runpy, sys
tool, heavy = sys.argv[1], set(sys.argv[2:])
assert heavy, 'name the heavy packages'
sys.path.insert(0, osp.dirname(tool))
sys.argv = [tool, '--help']
try:
    runpy.run_path(tool, run_name='__main__')
except SystemExit:
    pass
print('heavy:', sorted(heavy & set(sys.modules)))
'''
STAGE1 = osp.join(ROOT, 'configs', 'gss', 'synthetic', 'vqvae_synthetic.py')
STAGE2 = osp.join(ROOT, 'configs', 'gss', 'synthetic',
                  'gss-ff_r18_synthetic.py')
# What a user must not see: warnings of any kind, the full config, the
# model, mmcv's hook table and its per-parameter init_weights report.
NOT_ON_CONSOLE = ('Warning', 'warnings.warn', 'Config:', 'Environment info',
                  'Hooks will be executed', 'The value is the same',
                  'initialize ', 'BasicBlock(')


def user_env(**extra):
    """The environment of a user's shell: no pytest warning settings."""
    env = {k: v for k, v in os.environ.items() if k != 'PYTHONWARNINGS'}
    env.update(OMP_NUM_THREADS='1', **extra)
    return env


def run_tool(*args, timeout=600):
    """Run a tool; its stdout and stderr as a terminal shows them (progress
    bars redraw their line with ``\\r``)."""
    proc = subprocess.run([sys.executable, *args], cwd=ROOT, env=user_env(),
                          capture_output=True, timeout=timeout)
    out, err = proc.stdout.decode(), proc.stderr.decode()
    assert proc.returncode == 0, out[-3000:] + err[-3000:]
    return out + err


def assert_quiet(console):
    for text in NOT_ON_CONSOLE:
        assert text not in console, f'{text!r} on the console:\n{console}'
    # torch's logging warnings (glog style: W1129 19:04:09.204000 ...).
    assert not re.search(r'^[WE]\d{4} ', console, re.M), console
    # The progress bar ends its line before the results.
    assert not re.search(r'ETA:[^\n]*per class results', console)
    # Metrics are printed as mmseg rounds them, without float32 noise.
    assert not re.findall(r'(?:IoU|Acc)[\w.]*: \d\.\d{5,}', console)


@pytest.mark.parametrize('tool', TOOLS, ids=lambda t: osp.relpath(t, ROOT))
def test_help_is_answered_before_the_heavy_imports(tool):
    proc = subprocess.run(
        [sys.executable, '-c', HELP_RUNNER, tool, *HEAVY], cwd=ROOT,
        env=user_env(), capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith('usage: ')
    assert proc.stderr == ''
    assert proc.stdout.rstrip().endswith('heavy: []')


def test_lazy_dict_action_parses_like_mmcv():
    parser = argparse.ArgumentParser()
    parser.add_argument('--cfg-options', nargs='+',
                        action=_cli.LazyDictAction)
    args = parser.parse_args(
        ['--cfg-options', 'a.b=1', 'c=[1,2]', 'd=x', 'e=(1,True)'])
    assert args.cfg_options == {
        'a.b': 1, 'c': [1, 2], 'd': 'x', 'e': (1, True)}
    assert parser.parse_args([]).cfg_options is None


def test_shared_opening_loads_the_merged_config(monkeypatch):
    """The options and config loading that the config tools share."""
    from gss.utils import UNSAFE_ENV
    parser = argparse.ArgumentParser()
    parser.add_argument('config')
    _cli.add_cfg_options(parser)
    _cli.add_unsafe_load(parser)
    _cli.add_launcher(parser)
    config = osp.join(ROOT, 'tests', 'configs', 'tiny_fcn.py')
    monkeypatch.delenv(UNSAFE_ENV, raising=False)
    monkeypatch.delenv('LOCAL_RANK', raising=False)
    args = parser.parse_args([config, '--cfg-options', 'seed=7',
                              'data.samples_per_gpu=3', '--local-rank', '2'])
    cfg = _cli.load_config(args)
    assert (cfg.seed, cfg.data.samples_per_gpu) == (7, 3)
    assert UNSAFE_ENV not in os.environ
    _cli.export_local_rank(args)
    assert os.environ['LOCAL_RANK'] == '2'
    _cli.load_config(parser.parse_args([config, '--unsafe-load']))
    assert os.environ[UNSAFE_ENV] == '1'


def test_console_filter_keeps_file_only_records_off_the_console():
    keep = _cli.ConsoleFilter().filter

    def record(msg, **extra):
        rec = logging.LogRecord('mmseg', logging.INFO, 'x.py', 1, msg, (),
                                None)
        rec.__dict__.update(extra)
        return rec

    assert keep(record('Iter [20/400]\tlr: 1.0e-03, eta: 0:01:00'))
    assert not keep(record('Config:\nmodel = ...', **_cli.FILE_ONLY))
    assert not keep(record(object(), **_cli.FILE_ONLY))  # a model print
    assert not keep(record('Hooks will be executed in the following '
                           'order:\nbefore_run:'))


@pytest.mark.parametrize('cores,load,threads', [(2, 0.3, 2), (2, 1.6, 1),
                                                (2, 6.0, 1), (16, 4.2, 12)])
def test_sane_num_threads_leaves_the_busy_cores(monkeypatch, cores, load,
                                                threads):
    monkeypatch.setattr(os, 'cpu_count', lambda: cores)
    monkeypatch.setattr(os, 'getloadavg', lambda: (load, load, load))
    assert _cli.sane_num_threads() == threads


def test_check_threads_hints_once_on_a_busy_machine(monkeypatch, capsys):
    import torch
    monkeypatch.delenv('OMP_NUM_THREADS', raising=False)
    monkeypatch.delenv('RANK', raising=False)
    monkeypatch.setattr(torch, 'get_num_threads', lambda: 2)
    monkeypatch.setattr(os, 'cpu_count', lambda: 2)
    monkeypatch.setattr(os, 'getloadavg', lambda: (3.2, 3.0, 2.0))
    hint = _cli.check_threads()
    assert capsys.readouterr().out == hint + '\n'
    assert 'load average 3.2 on 2 cores' in hint
    assert 'torch uses 2 threads' in hint and 'OMP_NUM_THREADS=1' in hint
    monkeypatch.setattr(os, 'getloadavg', lambda: (0.2, 0.5, 1.0))
    assert _cli.check_threads() is None  # a free machine
    monkeypatch.setattr(os, 'getloadavg', lambda: (3.2, 3.0, 2.0))
    monkeypatch.setenv('RANK', '1')
    assert _cli.check_threads() is None  # rank 0 says it once
    monkeypatch.delenv('RANK')
    monkeypatch.setattr(os, 'getloadavg', lambda: (3.2, 3.0, 2.0))
    monkeypatch.setenv('OMP_NUM_THREADS', '2')
    assert _cli.check_threads() is None  # the user chose
    assert capsys.readouterr().out == ''


def test_train_console_is_quiet_and_the_log_file_complete(
        street_data, tmp_path):
    """Stage I of the quick start, 2 iterations and its evaluation, in a
    subprocess: no warning and no config/model on the console; the log
    file keeps them."""
    work_dir = str(tmp_path)
    console = run_tool(
        'tools/train.py', STAGE1, '--work-dir', work_dir, '--seed', '0',
        '--cfg-options', *data_options(street_data), 'runner.max_iters=2',
        'evaluation.interval=2', 'checkpoint_config.interval=2',
        'log_config.interval=1')
    assert_quiet(console)
    assert 'Iter [2/2]' in console and 'eta: ' in console
    assert re.search(r'Iter\(val\) \[\d+\]\taAcc: \d\.\d{4}, mIoU: \d\.\d{4},',
                     console)
    assert len(console.splitlines()) < 50
    (log_file, ) = glob.glob(osp.join(work_dir, '*.log'))
    log = open(log_file).read()
    for text in ('Environment info', 'Config:', 'Hooks will be executed',
                 'MaskigeAutoencoder(', 'The value is the same before'):
        assert text in log, text


@pytest.mark.slow
def test_quick_start_pipeline_is_quiet(street_data, tmp_path):
    """tools/quickstart.sh's three commands, a few iterations each."""
    w1, w2 = str(tmp_path / 'stage1'), str(tmp_path / 'stage2')
    short = ['runner.max_iters=2', 'checkpoint_config.interval=2',
             'log_config.interval=1']
    console = run_tool(
        'tools/train.py', STAGE1, '--work-dir', w1, '--seed', '0',
        '--cfg-options', *data_options(street_data), 'evaluation.interval=2',
        *short)
    console += run_tool(
        'tools/train.py', STAGE2, '--work-dir', w2, '--seed', '0',
        '--no-validate', '--cfg-options', *data_options(street_data),
        f'model.decode_head.tokenizer.checkpoint={w1}/latest.pth', *short)
    console += run_tool(
        'tools/test.py', STAGE2, f'{w2}/latest.pth', '--eval', 'mIoU',
        '--work-dir', w2, '--show-dir', f'{w2}/show', '--cfg-options',
        *data_options(street_data))
    assert_quiet(console)
    assert (f'tokenizer: MaskigeVQVAE loaded from {w1}/latest.pth (1024 '
            'codes, one per 4x4 pixels)') in console
    assert re.search(r'^per class results:$', console, re.M)
    assert len(console.splitlines()) < 100
    (json_file, ) = glob.glob(osp.join(w2, 'eval_single_scale_*.json'))
    for key, value in json.load(open(json_file))['metric'].items():
        assert value == round(value, 4), key
    assert len(os.listdir(osp.join(w2, 'show'))) == 4
