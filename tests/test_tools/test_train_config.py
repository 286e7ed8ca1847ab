"""Config handling of tools/train.py and tools/test.py: misspelt keys fail
before anything runs; data.workers_per_gpu=0 trains."""
import argparse
import glob
import os.path as osp

import mmcv
import pytest
from mmcv import DictAction
from mmseg.core import EvalHook

from gss.apis.config_check import (ConfigKeyError, accepted_keys,
                                   check_option_types, check_train_config)
from tests.conftest import ROOT, data_options, load_tool

CFG = osp.join(ROOT, 'tests', 'configs', 'tiny_fcn.py')


@pytest.mark.parametrize('option, message', [
    ('runnner.max_iters=2', "unknown top-level key runnner (did you mean "
     "'runner'?)"),
    ('checkpoint_config.intervl=1', "unknown key checkpoint_config.intervl "
     "(did you mean 'interval'?)"),
    ('evaluation.intervl=1', "unknown key evaluation.intervl (did you mean "
     "'interval'?)"),
    ('log_config.intervl=1', "unknown key log_config.intervl (did you mean "
     "'interval'?)"),
    ('model.test_cfg.mod=whole', "unknown key model.test_cfg.mod (did you "
     "mean 'mode'?)"),
    # Runs that would do nothing (at 187fe31: nothing trained or logged,
    # exit code 0).
    ('runner.max_iters=0', 'runner.max_iters = 0: a training needs a '
     'positive number of iters'),
    ('runner.max_iters=-5', 'runner.max_iters = -5'),
    ('log_config.interval=0', 'log_config.interval = 0: the logger prints '
     'every interval iterations and needs a positive integer'),
])
def test_train_rejects_misspelt_keys_before_training(street_data, tmp_path,
                                                     option, message):
    work_dir = tmp_path / 'work'
    with pytest.raises(ConfigKeyError) as err:
        load_tool('train').main([
            CFG, '--work-dir', str(work_dir), '--cfg-options', option,
            *data_options(street_data)
        ])
    assert message in str(err.value)
    assert not work_dir.exists()  # nothing was built, logged or trained


def test_log_hook_keys_come_from_the_hook_class():
    cfg = mmcv.Config.fromfile(CFG)
    cfg.log_config.hooks = [dict(type='TextLoggerHook', by_epoc=False)]
    with pytest.raises(ConfigKeyError,
                       match=r"log_config.hooks\[0\].by_epoc \(did you mean "
                       "'by_epoch'"):
        check_train_config(cfg)


def test_accepted_keys_follow_kwargs_to_the_base_class():
    keys = accepted_keys(EvalHook)
    # mmseg's own arguments and those of mmcv's EvalHook it forwards to.
    assert {'pre_eval', 'efficient_test', 'interval', 'save_best'} <= keys
    assert 'self' not in keys


def all_configs():
    return [
        path for path in glob.glob(
            osp.join(ROOT, 'configs', '**', '*.py'), recursive=True)
        if '_base_' not in path
    ] + glob.glob(osp.join(ROOT, 'tests', 'configs', '*.py'))


def test_every_config_passes_the_check():
    configs = all_configs()
    assert len(configs) > 20
    for path in configs:
        check_train_config(mmcv.Config.fromfile(path))


def test_palette_is_given_once():
    """The model (segmentor or GSS head) carries the palette and K; the
    tokenizer takes them from it, so no config repeats them there."""
    tokenizers = 0
    for path in all_configs():
        model = mmcv.Config.fromfile(path).model
        for owner in (model, model.get('decode_head') or {}):
            tokenizer = owner.get('tokenizer')
            if tokenizer is None:
                continue
            tokenizers += 1
            repeated = {'palette', 'num_classes'} & set(tokenizer)
            assert not repeated, f'{path}: tokenizer repeats {repeated}'
    assert tokenizers > 10


def test_test_tool_rejects_misspelt_keys_before_loading(street_data):
    test = load_tool('test')
    missing = '/nonexistent/checkpoint.pth'  # never reached
    with pytest.raises(ConfigKeyError, match="did you mean 'mode'"):
        test.main([
            CFG, missing, '--eval', 'mIoU', '--cfg-options',
            'model.test_cfg.mod=whole', *data_options(street_data)
        ])
    with pytest.raises(ConfigKeyError,
                       match="--eval-options imgfile_prefx .*did you mean "
                       "'imgfile_prefix'"):
        test.main([
            CFG, missing, '--format-only', '--eval-options',
            'imgfile_prefx=out', '--cfg-options', *data_options(street_data)
        ])


def test_train_without_workers_despite_persistent_workers(
        street_data, tmp_path):
    # A base config computed persistent_workers=True for its 2 workers; the
    # command line then asks for in-process loading.
    load_tool('train').main([
        CFG, '--work-dir',
        str(tmp_path), '--cfg-options', 'data.workers_per_gpu=0',
        'data.persistent_workers=True', 'runner.max_iters=1',
        'checkpoint_config.interval=1', *data_options(street_data)
    ])
    assert osp.isfile(tmp_path / 'iter_1.pth')


class _Stop(Exception):
    """Ends a tool's main() where the test has seen what it needs."""


@pytest.mark.parametrize('tool', ['train', 'test'])
def test_setup_multi_processes_is_called_with_the_config(
        tool, street_data, tmp_path, monkeypatch):
    """As in mmseg 0.30's tools, with the merged config; train.py calls it
    after making the logger with the log file (mmcv sets a logger up once,
    so a first call from setup_multi_processes would leave it without
    the file)."""
    module = load_tool(tool)
    calls = []

    def record(cfg):
        calls.append(('setup_multi_processes', cfg))
        raise _Stop

    if tool == 'train':
        get_root_logger = module.get_root_logger
        monkeypatch.setattr(
            module, 'get_root_logger', lambda **kwargs: calls.append(
                ('get_root_logger', kwargs)) or get_root_logger(**kwargs))
    monkeypatch.setattr(module, 'setup_multi_processes', record)
    argv = [CFG, '--work-dir', str(tmp_path / 'work')] if tool == 'train' \
        else [CFG, str(tmp_path / 'none.pth'), '--eval', 'mIoU']
    with pytest.raises(_Stop):
        module.main(argv + ['--cfg-options', 'data.workers_per_gpu=0',
                            *data_options(street_data)])
    name, cfg = calls[-1]
    assert name == 'setup_multi_processes'
    assert cfg.data.workers_per_gpu == 0  # the merged config
    if tool == 'train':
        assert [name for name, _ in calls] == ['get_root_logger',
                                               'setup_multi_processes']
        assert calls[0][1]['log_file'].startswith(str(tmp_path / 'work'))


@pytest.mark.parametrize('option, message', [
    ('test_cgf.mode=slide', "unknown top-level key test_cgf (did you mean "
     "'test_cfg'?)"),
    ('cpu_bf_16.channels_last=True', "unknown top-level key cpu_bf_16 (did "
     "you mean 'cpu_bf16'?)"),
])
def test_test_tool_rejects_misspelt_top_level_keys(street_data, option,
                                                   message):
    """At 187fe31 tools/test.py tested in whole mode, or in fp32, rc 0."""
    with pytest.raises(ConfigKeyError) as err:
        load_tool('test').main([
            CFG, '/nonexistent/checkpoint.pth', '--eval', 'mIoU',
            '--cfg-options', option, *data_options(street_data)
        ])
    assert message in str(err.value)


@pytest.mark.parametrize('option, message', [
    ('runner.max_iters=8O', "--cfg-options runner.max_iters='8O': "
     'runner.max_iters is an integer in the config (4); give one, e.g. '
     'runner.max_iters=4'),
    ('optimizer.lr=1e-3,', '--cfg-options optimizer.lr=[0.001]: '
     'optimizer.lr is a number in the config'),
    ('data.train.pipeline.2.ratio_range=x', None),  # a tuple: not judged
    ('data.persistent_workers=yes', 'data.persistent_workers is true/false'),
])
def test_wrongly_typed_cfg_options_are_refused(street_data, tmp_path,
                                               option, message):
    """At 187fe31: a string reached the runner and failed deep inside it
    (or compared wrongly)."""
    parser = argparse.ArgumentParser()
    parser.add_argument('--cfg-options', nargs='+', action=DictAction)
    options = parser.parse_args(['--cfg-options', option]).cfg_options
    cfg = mmcv.Config.fromfile(CFG)
    if message is None:
        check_option_types(cfg, options)
        return
    with pytest.raises(ConfigKeyError) as err:
        check_option_types(cfg, options)
    assert message in str(err.value)
    # The tools check before anything is built.
    work_dir = tmp_path / 'work'
    with pytest.raises(ConfigKeyError, match='--cfg-options'):
        load_tool('train').main([
            CFG, '--work-dir', str(work_dir), '--cfg-options', option,
            *data_options(street_data)
        ])
    assert not work_dir.exists()
