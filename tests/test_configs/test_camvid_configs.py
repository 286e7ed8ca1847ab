"""The CamVid config tree: mmseg's naming, shallow inheritance, a baseline
that stands on its own, and models equal to the recorded runs'."""
import ast
import glob
import os.path as osp
import re

import pytest
from mmcv import Config
from mmseg.models import build_segmentor

from tests.conftest import ROOT, load_script

CAMVID = osp.join(ROOT, 'configs', 'gss', 'camvid')
#: {algo}_{backbone}_{crop}_{schedule}_camvid.py; stage-I tokenizers have no
#: backbone, and a GSS-FT-W schedule is its GSS-FF's then its own (2k_1k).
NAME = re.compile(r'^(?P<algo>[a-z0-9-]+)_(?:(?P<backbone>[a-z0-9-]+)_)?'
                  r'(?P<crop>\d+x\d+)_(?P<schedule>\d+k?(?:_\d+k?)?)'
                  r'_camvid\.py$')


def configs():
    return sorted(glob.glob(osp.join(CAMVID, '*.py')))


def bases(path):
    """The ``_base_`` files of a config file, as absolute paths."""
    for node in ast.parse(open(path).read()).body:
        if isinstance(node, ast.Assign) and node.targets[0].id == '_base_':
            value = ast.literal_eval(node.value)
            names = [value] if isinstance(value, str) else value
            return [osp.normpath(osp.join(osp.dirname(path), name))
                    for name in names]
    return []


def ancestors(path):
    """Every file a config inherits from, at any depth."""
    found = []
    for base in bases(path):
        found += [base, *ancestors(base)]
    return found


#: the algorithms; a config's algo names one with its variant after it
#: (gss-ff-lean-balanced: GSS-FF)
ALGORITHMS = re.compile(r'^(vqvae|upernet|gss-ff|gss-ft-w)(-|$)')


def algorithm(path):
    return ALGORITHMS.match(
        NAME.match(osp.basename(path)).group('algo')).group(1)


def test_folder_is_small_and_named_as_mmseg_names_configs():
    names = [osp.basename(path) for path in configs()]
    assert 0 < len(names) <= 12
    assert [name for name in names if not NAME.match(name)] == []


@pytest.mark.parametrize('path', configs(), ids=osp.basename)
def test_inherits_at_most_one_config_of_its_own_algorithm(path):
    """A CamVid config inherits from _base_ files and at most one other
    CamVid config of its own algorithm, which inherits from _base_ files
    only (the chains of the published configs: GSS-FF-lean on GSS-FF)."""
    parents = [base for base in bases(path)
               if osp.dirname(base) == osp.normpath(CAMVID)]
    assert len(parents) <= 1
    for parent in parents:
        assert algorithm(path) == algorithm(parent)
        assert all('_base_' in base for base in bases(parent))


def test_upernet_baselines_stand_on_their_own():
    """No UPerNet config reads a GSS file: editing GSS cannot change the
    baseline."""
    for path in configs():
        if algorithm(path) == 'upernet':
            inherited = [osp.basename(base) for base in ancestors(path)]
            assert not [name for name in inherited if 'gss' in name], path
            assert 'upernet_effnet-lite0.py' in inherited


def recorded_runs():
    """{config path: recorded parameter count} of every CamVid config in
    benchmarks/results (the converged suite's runs, the FLOPs count),
    under its current name."""
    render = load_script(osp.join(ROOT, 'benchmarks', 'render_tables.py'),
                         'render_tables')
    runs = {}
    for config, run in render.camvid_runs('camvid').items():
        runs[config] = run['params']
    for row in render.load('flops')['rows']:
        config = render.current_config(row['config'])
        runs.setdefault(config, round(row['params'] * 1e6))
    # the stage-I tokenizer of the short schedule (camvid_short.json's
    # other models predate the current heads)
    for config, run in render.camvid_runs('camvid_short').items():
        if 'vqvae' in config:
            runs.setdefault(config, run['params'])
    # the test-time variant scored on GSS-FF's checkpoint
    if osp.exists(osp.join(render.RESULTS, 'camvid_posterior.json')):
        posterior = render.load('camvid_posterior')
        runs.setdefault(posterior['config'], posterior['params'])
    return runs


@pytest.mark.parametrize('path', configs(), ids=osp.basename)
def test_config_builds_the_model_of_its_recorded_run(path):
    """Every config builds, with exactly the parameter count its recorded
    run had (renamed configs under their old name): the models the tables
    report are the models these configs build."""
    model = Config.fromfile(path).model
    if 'backbone' in model:
        model.backbone.pretrained = None
    if 'tokenizer' in model.get('decode_head', {}):
        model.decode_head.tokenizer.checkpoint = None
    segmentor = build_segmentor(model)
    params = sum(p.numel() for p in segmentor.parameters())
    assert params == recorded_runs()[osp.relpath(path, ROOT)]
