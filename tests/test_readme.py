"""README's cheap code blocks work as written, in a fresh shell."""
import glob
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


DOCS = ['README.md', 'install.md', 'configs/gss/README.md',
        *sorted(osp.relpath(path, ROOT) for pattern in
                ('docs/*.md', 'docs/*/*.md')
                for path in glob.glob(osp.join(ROOT, pattern)))]
LINK = re.compile(r'\]\(([^)\s]+)\)')


def anchors(path):
    """GitHub's anchors of a markdown file's headings."""
    with open(path, encoding='utf-8') as f:
        headings = re.findall(r'^#+ (.+)$', f.read(), re.M)
    return {re.sub(r'[^\w\- ]', '', h.strip().lower()).replace(' ', '-')
            for h in headings}


@pytest.mark.parametrize('doc', DOCS)
def test_links_and_anchors_resolve(doc):
    """Every relative link of README and the docs names a file that
    exists and, with #anchor, a heading of it."""
    with open(osp.join(ROOT, doc), encoding='utf-8') as f:
        links = LINK.findall(f.read())
    broken = []
    for link in links:
        if re.match(r'[a-z]+://', link):
            continue
        target, _, anchor = link.partition('#')
        path = osp.normpath(osp.join(ROOT, osp.dirname(doc), target)) \
            if target else osp.join(ROOT, doc)
        if not osp.exists(path) or (anchor and anchor not in anchors(path)):
            broken.append(link)
    assert broken == []


def test_docs_index_lists_every_doc():
    with open(osp.join(ROOT, 'docs', 'README.md'), encoding='utf-8') as f:
        index = set(LINK.findall(f.read()))
    docs = {osp.relpath(osp.join(ROOT, doc), osp.join(ROOT, 'docs'))
            for doc in DOCS if doc.startswith('docs/')}
    assert docs - {'README.md'} <= index


@pytest.mark.parametrize('doc', DOCS)
def test_docs_report_the_project_not_its_history(doc):
    """No numbered work periods, branches or "today": the docs say what
    the project is."""
    with open(osp.join(ROOT, doc), encoding='utf-8') as f:
        text = f.read()
    history = re.findall(r'\b(?:sessions? \d+|this session|today|'
                         r'(?:lean|feature) branch|before the merge|'
                         r'work periods?)\b', text, re.I)
    assert history == []
