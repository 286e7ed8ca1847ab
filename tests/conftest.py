import importlib.util
import os.path as osp
import sys

import pytest

from gss import compat  # mmcv compatibility before any mmseg import

ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
TOOLS = osp.join(ROOT, 'tools')
if TOOLS not in sys.path:
    sys.path.insert(0, TOOLS)


def load_script(path, name):
    """Import the script at ``path`` as module ``name``."""
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def load_tool(name):
    """Import ``tools/<name>.py`` (``tools/test.py`` by path: a plain
    ``import test`` would find the standard library's package)."""
    return load_script(osp.join(ROOT, 'tools', f'{name}.py'),
                       f'gss_tool_{name}')


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item):
    """Tests see the warnings users see: pytest resets the warning filters
    around each test, dropping those ``import gss`` set (see gss.compat);
    set them again before the test's fixtures run."""
    compat.silence_benign_warnings()


def data_options(root):
    """``--cfg-options`` that point a config's splits at ``root``."""
    return [f'data.{split}.data_root={root}' for split in
            ('train', 'val', 'test')]


@pytest.fixture(scope='session')
def street_data(tmp_path_factory):
    """A small generated street-scene dataset (SegNet layout), 64×64."""
    from gss.datasets.street_scenes import generate_street_scenes
    root = tmp_path_factory.mktemp('street')
    generate_street_scenes(str(root), num_train=8, num_val=4, height=64,
                           width=64, seed=0)
    return str(root)
