"""Only ``gss.compat`` changes mmcv, mmseg and torch: no other module of
``gss`` assigns into their modules or classes, read from the source."""
import ast

import pytest

from tests.gss_source import gss_modules, imported_names, parse

#: The packages whose behaviour only ``gss.compat`` may change.
UPSTREAM = ('mmcv', 'mmseg', 'torch')

#: The methods that re-register over a registered name with ``force=True``.
REGISTERING = ('register_module', 'register_scheme')


def root_name(node):
    """``a`` of ``a.b.c``, ``a.b[0]`` or ``a``; None for anything else
    (a call, a literal)."""
    while isinstance(node, (ast.Attribute, ast.Subscript)):
        node = node.value
    return node.id if isinstance(node, ast.Name) else None


def assigned(targets):
    """The attribute and item targets of an assignment, tuples unpacked."""
    for target in targets:
        if isinstance(target, (ast.Tuple, ast.List)):
            yield from assigned(target.elts)
        elif isinstance(target, ast.Starred):
            yield from assigned([target.value])
        elif isinstance(target, (ast.Attribute, ast.Subscript)):
            yield target


def upstream_writes(module, path):
    """Where ``module`` changes an imported mmcv, mmseg or torch module or
    class.

    Args:
        module (str): The module's dotted name.
        path (str): Its file.

    Returns:
        list[str]: ``'<line>: <source>'`` of each assignment (plain,
        augmented, ``del``, ``setattr``/``delattr``) whose target is an
        attribute or item of such a name, of each ``(owner, 'attribute',
        replacement)`` entry of a swap table with such an owner (for a
        ``setattr`` loop), and of each registration with ``force=True``.
    """
    tree = parse(path)
    upstream = {
        name.local
        for name in imported_names(module, path, tree)
        if name.target.split('.')[0] in UPSTREAM
    }
    found = []
    for node in ast.walk(tree):
        if isinstance(node, (ast.Assign, ast.Delete)):
            targets = list(assigned(node.targets))
        elif isinstance(node, (ast.AugAssign, ast.AnnAssign)):
            targets = list(assigned([node.target]))
        elif isinstance(node, ast.Call) and isinstance(
                node.func, ast.Name) and node.func.id in ('setattr',
                                                          'delattr'):
            targets = node.args[:1]
        elif isinstance(node, ast.Tuple) and len(node.elts) == 3 and \
                isinstance(node.elts[1], ast.Constant) and \
                isinstance(node.elts[1].value, str):
            targets = node.elts[:1]
        elif isinstance(node, ast.Call) and isinstance(
                node.func, ast.Attribute) and node.func.attr in REGISTERING:
            forced = [
                kw for kw in node.keywords if kw.arg == 'force' and not (
                    isinstance(kw.value, ast.Constant) and not kw.value.value)
            ]
            targets = [node.func] if forced else []
        else:
            continue
        if any(root_name(target) in upstream for target in targets):
            found.append(f'{node.lineno}: {ast.unparse(node)}')
    return found


def test_upstream_writes_finds_each_form(tmp_path):
    source = tmp_path / 'example.py'
    source.write_text(
        'import mmcv.runner.checkpoint as ckpt\n'
        'import torch.nn.functional as F\n'
        'from mmseg.datasets import CustomDataset, DATASETS\n'
        'import numpy as np\n'
        'ckpt.load_from_http = None\n'
        'CustomDataset.pre_pipeline, x = None, 1\n'
        'setattr(F, "relu", None)\n'
        'DATASETS.register_module(name="CustomDataset", force=True)\n'
        'def later(model):\n'
        '    import mmseg.apis\n'
        '    mmseg.apis.train.build_ddp = None\n'
        '    model.forward = None\n'
        '    np.pi = 3\n'
        '    DATASETS.register_module(name="Mine", force=False)\n'
        'SWAPS = ((F, "relu", None), (np, "pi", 3))\n')
    assert [line.split(':')[0] for line in upstream_writes(
        'example', str(source))] == ['5', '6', '7', '8', '11', '15']


MODULES = {
    name: path
    for name, path in gss_modules().items()
    if name != 'gss.compat' and not name.startswith('gss.compat.')
}


@pytest.mark.parametrize('module', sorted(MODULES))
def test_only_gss_compat_changes_upstream(module):
    """Every change of upstream behaviour is a named patch of
    ``gss.compat``, listed in install.md; the code it installs lives in
    its own module, but installing it happens there."""
    assert upstream_writes(module, MODULES[module]) == []
