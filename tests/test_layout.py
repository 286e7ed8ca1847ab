"""tests/ mirrors gss/: every subpackage has its test folder
(``gss/models/heads`` → ``tests/test_models/test_heads``)."""
import glob
import os.path as osp

from tests.conftest import ROOT


def test_every_gss_subpackage_has_a_test_folder():
    packages = sorted(
        osp.relpath(osp.dirname(init), osp.join(ROOT, 'gss'))
        for init in glob.glob(osp.join(ROOT, 'gss', '**', '__init__.py'),
                              recursive=True))
    missing = []
    for package in packages:
        if package == '.' or 'mseg_taxonomy' in package:
            continue  # the package itself; shipped data
        folder = osp.join(ROOT, 'tests', *(f'test_{part}' for part in
                                           package.split(osp.sep)))
        if not glob.glob(osp.join(folder, '**', 'test_*.py'),
                         recursive=True):
            missing.append(f'gss/{package} -> {osp.relpath(folder, ROOT)}')
    assert not missing, f'subpackages without tests: {missing}'
