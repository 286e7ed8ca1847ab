"""``cpu_retain_memory = True``: malloc keeps freed memory for reuse."""
import subprocess
import sys

import os.path as osp

import mmcv
import pytest
import torch
from mmseg.models import build_segmentor

import gss.apis.cpu_memory
from gss.apis import apply_cpu_retain_memory
from tests.conftest import ROOT, data_options, load_tool

# Resident memory of a fresh process after a 128 MiB tensor was made and
# freed, with or without retain_freed_memory() first.
SCRIPT = '''
import os, sys
import torch
from gss.apis import retain_freed_memory

def resident():
    pages = int(open('/proc/self/statm').read().split()[1])
    return pages * os.sysconf('SC_PAGE_SIZE')

if sys.argv[1] == 'retain':
    assert retain_freed_memory()
before = resident()
x = torch.ones(32 * 2**20)  # 128 MiB, written
del x
print((resident() - before) / 2**20)
'''


def kept_mib(mode):
    out = subprocess.run([sys.executable, '-c', SCRIPT, mode], cwd=ROOT,
                         capture_output=True, text=True, check=True).stdout
    return float(out.split()[-1])


@pytest.mark.skipif(not sys.platform.startswith('linux'),
                    reason='glibc malloc and /proc')
def test_freed_tensor_memory_stays_in_the_process():
    # glibc's default returns a large freed block to the OS at once ...
    assert kept_mib('default') < 32
    # ... with the setting its pages stay mapped, for the next tensor
    assert kept_mib('retain') > 120


def test_switch_applies_only_when_set_and_on_the_cpu():
    on = mmcv.Config(dict(cpu_retain_memory=True))
    assert not apply_cpu_retain_memory(mmcv.Config(), 'cpu')
    assert not apply_cpu_retain_memory(
        mmcv.Config(dict(cpu_retain_memory=False)), 'cpu')
    assert not apply_cpu_retain_memory(on, 'cuda')


def test_switch_warns_where_malloc_cannot_keep_memory(monkeypatch):
    monkeypatch.setattr(gss.apis.cpu_memory, 'retain_freed_memory',
                        lambda: False)
    with pytest.warns(UserWarning, match='no glibc mallopt'):
        assert not apply_cpu_retain_memory(
            mmcv.Config(dict(cpu_retain_memory=True)), 'cpu')


@pytest.mark.parametrize('tool', ['train', 'test'])
def test_tools_apply_the_config_switch(tool, street_data, tmp_path,
                                       monkeypatch):
    """default_runtime.py sets ``cpu_retain_memory``; both tools apply it
    on the CPU before the model runs."""
    calls = []
    monkeypatch.setattr(gss.apis.cpu_memory, 'retain_freed_memory',
                        lambda: calls.append(tool) or True)
    cfg = osp.join(ROOT, 'tests', 'configs', 'tiny_fcn.py')
    common = ['--cfg-options', *data_options(street_data)]
    if tool == 'train':
        load_tool('train').main([
            cfg, '--work-dir', str(tmp_path), *common, 'runner.max_iters=1',
            'checkpoint_config.interval=1', 'evaluation.interval=1'
        ])
        assert osp.exists(osp.join(tmp_path, 'latest.pth'))
    else:
        ckpt = tmp_path / 'random.pth'
        model = build_segmentor(mmcv.Config.fromfile(cfg).model)
        torch.save(dict(state_dict=model.state_dict()), ckpt)
        load_tool('test').main([cfg, str(ckpt), '--eval', 'mIoU', *common])
    assert calls == [tool]
