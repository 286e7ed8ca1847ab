"""mmseg's own entry points in the default (pure-Python mmcv) install: an
unmodified mmseg-0.x-style script that imports mmseg.apis before reading a
config works thanks to the gss-mmcv-ops.pth startup hook (gss_mmcv_ops)."""
import os
import os.path as osp
import site
import subprocess
import sys
import textwrap

import mmcv
import pytest
from mmcv.runner import save_checkpoint
from mmseg.models import build_segmentor

import gss_mmcv_ops
from tests.conftest import ROOT

CFG = osp.join(ROOT, 'tests', 'configs', 'tiny_fcn.py')

# The way mmseg 0.x's demo/image_demo.py and notebooks start: mmseg.apis
# first, the config (whose custom_imports load gss) afterwards.
MMSEG_SCRIPT = textwrap.dedent("""
    from mmseg.apis import inference_segmentor, init_segmentor
    import sys

    import mmcv

    cfg = mmcv.Config.fromfile(sys.argv[1])
    model = init_segmentor(cfg, sys.argv[2], device='cpu')
    result = inference_segmentor(model, sys.argv[3])
    print('shape', result[0].shape, 'classes', len(model.CLASSES))
""")


@pytest.fixture(scope='module')
def site_dir(tmp_path_factory):
    """This tree as setup.py installs it (packages, gss_mmcv_ops.py and the
    .pth), in a folder to hand to site.addsitedir like site-packages."""
    folder = str(tmp_path_factory.mktemp('site'))
    egg_base = str(tmp_path_factory.mktemp('egg_info'))  # not the checkout
    proc = subprocess.run([
        sys.executable, 'setup.py', '-q', 'egg_info', '--egg-base', egg_base,
        'build_py', '--build-lib', folder
    ], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return folder


def run_script(site_folder, street_data, tmp_path):
    script = tmp_path / 'mmseg_demo.py'
    script.write_text(MMSEG_SCRIPT)
    cfg = mmcv.Config.fromfile(CFG)
    checkpoint = str(tmp_path / 'model.pth')
    save_checkpoint(build_segmentor(cfg.model), checkpoint,
                    meta=dict(CLASSES=('a', ) * 11, PALETTE=[[0, 0, 0]] * 11))
    image = sorted(os.listdir(osp.join(street_data, 'val')))[0]
    # Python processes site-packages with site.addsitedir at startup. The
    # child starts without it (-S) and gets this environment's packages as
    # plain paths, so that only ``site``'s .pth files run: an installed GSS
    # (whose own hook would mask the control below) is not seen.
    launcher = ('import runpy, site, sys; site.addsitedir(sys.argv[1]); '
                'sys.path.extend(sys.argv[2].split(":")); '
                'sys.argv = sys.argv[3:]; '
                'runpy.run_path(sys.argv[0], run_name="__main__")')
    env = {k: v for k, v in os.environ.items() if k != 'PYTHONPATH'}
    packages = ':'.join(p for p in site.getsitepackages() if osp.isdir(p))
    return subprocess.run([
        sys.executable, '-S', '-c', launcher, site_folder, packages,
        str(script), CFG, checkpoint,
        osp.join(street_data, 'val', image)
    ], cwd=str(tmp_path), env=env, capture_output=True, text=True,
        timeout=300)


def test_unmodified_mmseg_script_runs(site_dir, street_data, tmp_path):
    with open(osp.join(site_dir, 'gss-mmcv-ops.pth')) as f:
        assert f.read().startswith('import gss_mmcv_ops;')
    proc = run_script(site_dir, street_data, tmp_path)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert 'shape (64, 64) classes 11' in proc.stdout


def test_without_the_startup_hook_the_script_fails(site_dir, street_data,
                                                   tmp_path):
    """The control: the same tree without the .pth is today's failure."""
    os.rename(osp.join(site_dir, 'gss-mmcv-ops.pth'),
              osp.join(site_dir, 'gss-mmcv-ops.pth.off'))
    try:
        proc = run_script(site_dir, street_data, tmp_path)
    finally:
        os.rename(osp.join(site_dir, 'gss-mmcv-ops.pth.off'),
                  osp.join(site_dir, 'gss-mmcv-ops.pth'))
    if gss_mmcv_ops.StandInFinder.find_spec('mmcv.ops') is None:
        pytest.skip('mmcv-full: mmcv.ops imports without a stand-in')
    assert proc.returncode != 0
    assert "No module named 'mmcv._ext'" in proc.stderr


def test_startup_imports_nothing_heavy(site_dir):
    """The hook runs in every Python process of the environment: it must
    not import torch, mmcv or gss."""
    code = ('import site, sys; site.addsitedir(sys.argv[1]); '
            'print(sorted(m for m in ("torch", "mmcv", "mmseg", "gss") '
            'if m in sys.modules)); '
            'print(any(getattr(f, "__name__", "") == "StandInFinder" '
            'for f in sys.meta_path))')
    proc = subprocess.run([sys.executable, '-c', code, site_dir],
                          capture_output=True, text=True, timeout=60)
    assert proc.stdout.split() == ['[]', 'True']
