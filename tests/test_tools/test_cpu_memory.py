"""``cpu_retain_memory = True``: malloc keeps freed memory for reuse."""
import subprocess
import sys

import mmcv
import pytest

from gss.apis import apply_cpu_retain_memory
from tests.conftest import ROOT

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
