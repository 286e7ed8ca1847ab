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


#: Run in a fresh interpreter by the ``fresh_import`` fixture: what
#: ``import gss`` alone loads and patches, then what first use loads.
FRESH_IMPORT = """
import json, sys
import gss
state = dict(
    modules=sorted(m for m in sys.modules if m.startswith('gss')),
    patches={p.name: bool(p.is_applied()) for p in gss.compat.PATCHES})
import torch
from mmseg.datasets.builder import DATASETS
state['dataset_registered'] = DATASETS.get(
    'SyntheticStreetDataset') is gss.datasets.SyntheticStreetDataset
codec = gss.maskige.MaskigeCodec('camvid', 11)
labels = torch.arange(11).reshape(1, 1, 11)
state['decoded'] = bool(torch.equal(codec.decode(codec.encode(labels)),
                                    labels))
state['modules_after_decode'] = sorted(
    m for m in sys.modules if m.startswith('gss'))
print(json.dumps(state))
"""


@pytest.fixture(scope='session')
def fresh_import():
    """What a fresh ``import gss`` loads and patches (one subprocess shared
    by tests/test_compat/test_patches.py and tests/test_import.py)."""
    import json
    import subprocess
    result = subprocess.run([sys.executable, '-c', FRESH_IMPORT],
                            check=True, capture_output=True, text=True)
    return json.loads(result.stdout.splitlines()[-1])


def data_options(root):
    """``--cfg-options`` that point a config's splits at ``root``."""
    return [f'data.{split}.data_root={root}' for split in
            ('train', 'val', 'test')]


def run_options(root, *extra):
    """``--cfg-options`` of a short tool run on ``root``: no loader
    workers (a subprocess per worker costs more than the run), a log line
    every iteration, then ``extra``."""
    return ['--cfg-options', *data_options(root), 'data.workers_per_gpu=0',
            'data.persistent_workers=False', 'log_config.interval=1', *extra]


@pytest.fixture(scope='session')
def street_data(tmp_path_factory):
    """A small generated street-scene dataset (SegNet layout), 64×64."""
    from gss.datasets.street_scenes import generate_street_scenes
    root = tmp_path_factory.mktemp('street')
    generate_street_scenes(str(root), num_train=8, num_val=4, height=64,
                           width=64, seed=0)
    return str(root)


@pytest.fixture
def random_gss_ff(street_data, tmp_path):
    """The quick-start GSS-FF with random weights (a 32-code VQ-VAE, so that
    predictions hold many classes), its config reading ``street_data``."""
    import mmcv
    import torch
    from mmseg.models import build_segmentor
    cfg = mmcv.Config.fromfile(
        osp.join(ROOT, 'configs/gss/synthetic/gss-ff_r18_synthetic.py'))
    cfg.model.decode_head.tokenizer.checkpoint = None
    cfg.model.decode_head.tokenizer.quantizer = dict(
        type='EMAVectorQuantizer', num_codes=32)
    for split in ('train', 'val', 'test'):
        cfg.data[split].data_root = street_data
    cfg.data.update(workers_per_gpu=0, persistent_workers=False)
    config = str(tmp_path / 'gss-ff.py')
    cfg.dump(config)
    torch.manual_seed(0)
    model = build_segmentor(cfg.model)
    ckpt = str(tmp_path / 'ff.pth')
    torch.save(dict(state_dict=model.state_dict(), meta={}), ckpt)
    return config, ckpt


#: The tiny discriminative segmentor of the tool tests.
TINY_FCN = osp.join(ROOT, 'tests', 'configs', 'tiny_fcn.py')


def tiny_fcn_config():
    """tests/configs/tiny_fcn.py's model, in BN (one CPU process)."""
    import mmcv
    model = mmcv.Config.fromfile(TINY_FCN).model
    model.decode_head.norm_cfg = model.backbone.norm_cfg = dict(type='BN')
    return model


def tiny_fcn():
    """The tiny FCN segmentor, seeded."""
    import torch
    from mmseg.models import build_segmentor
    torch.manual_seed(0)
    return build_segmentor(tiny_fcn_config())
