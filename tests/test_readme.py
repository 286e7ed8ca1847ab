"""README's cheap code blocks work as written, in a fresh shell."""
import os
import os.path as osp
import re
import subprocess
import sys

import pytest

from tests.conftest import ROOT

CHEAP = re.compile(r'<!-- cheap[^>]*-->\n```(?:shell|bash)\n(.*?)```',
                   re.S)
ACTIVATE = 'source .venv/bin/activate\n'


def cheap_blocks():
    with open(osp.join(ROOT, 'README.md'), encoding='utf-8') as f:
        return CHEAP.findall(f.read())


def test_readme_marks_cheap_blocks():
    blocks = cheap_blocks()
    assert blocks and all('--help' in block for block in blocks)
    assert ACTIVATE in blocks[0]


@pytest.mark.parametrize('block', cheap_blocks())
def test_readme_cheap_block_runs_in_a_fresh_shell(block):
    """No virtualenv, PYTHONPATH or warning settings inherited: the block
    must bring what it needs (the activation line)."""
    env = dict(PATH='/usr/local/bin:/usr/bin:/bin', LANG='C.UTF-8',
               HOME=os.environ.get('HOME', '/tmp'))
    if not osp.isfile(osp.join(ROOT, '.venv', 'bin', 'activate')):
        # Set up into an active virtualenv/conda env (install.md): README
        # says to skip the activation there.
        block = block.replace(ACTIVATE, '')
        env['PATH'] = osp.dirname(sys.executable) + ':' + env['PATH']
    proc = subprocess.run(['bash', '-euo', 'pipefail', '-c', block],
                          cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=300)
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
    assert proc.stderr == ''
    assert proc.stdout.count('usage: ') == block.count('--help')
