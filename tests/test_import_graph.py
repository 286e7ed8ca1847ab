"""The import graph of ``gss``, read from the source: no cycles, and the
maskige layer on torch and numpy only."""
import sys

import pytest

from tests.gss_source import gss_modules, imported_names

MODULES = gss_modules()

#: What ``gss.maskige`` may import besides the standard library.
MASKIGE_DEPENDENCIES = ('torch', 'numpy', 'gss.maskige')


def imports_of(module, deferred):
    """The ``gss`` modules that ``module`` imports.

    Args:
        module (str): A module of :data:`MODULES`.
        deferred (bool): Count imports inside functions too.

    Returns:
        set[str]: The modules imported (``from .codec import X`` names
        ``gss.maskige.codec``, ``from . import codec`` too).
    """
    found = set()
    for name in imported_names(module, MODULES[module]):
        if name.target.split('.')[0] != 'gss' or (name.deferred
                                                   and not deferred):
            continue
        target = name.target
        while target not in MODULES:
            target = target.rpartition('.')[0]
        found.add(target)
    return found - {module}


def find_cycle(graph):
    """A cycle of ``graph`` (node -> set of nodes), or None.

    Returns:
        list | None: Its nodes in order, the first repeated at the end.
    """
    state = {}  # node -> 'open' while on the search path, then 'done'
    path = []

    def visit(node):
        state[node] = 'open'
        path.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 'open':
                return path[path.index(nxt):] + [nxt]
            if nxt not in state:
                cycle = visit(nxt)
                if cycle:
                    return cycle
        path.pop()
        state[node] = 'done'
        return None

    for node in sorted(graph):
        if node not in state:
            cycle = visit(node)
            if cycle:
                return cycle
    return None


def test_find_cycle_finds_one():
    assert find_cycle({'a': {'b'}, 'b': {'c'}, 'c': set()}) is None
    assert find_cycle({'a': {'b'}, 'b': {'c'}, 'c': {'a'}}) == \
        ['a', 'b', 'c', 'a']


@pytest.mark.parametrize('deferred', [False, True],
                         ids=['module level', 'with deferred imports'])
def test_no_module_import_cycle(deferred):
    """No module imports itself through others. A package's ``__init__``
    importing its submodules is no cycle: a submodule that imports a
    sibling names the sibling (``from .codec import X``), not the package.
    An import inside a function only postpones a cycle to the first call,
    so those count as well."""
    graph = {module: imports_of(module, deferred) for module in MODULES}
    cycle = find_cycle(graph)
    assert cycle is None, ' -> '.join(cycle)


def layer(module):
    """The subpackage (or top-level module) of ``gss`` that holds
    ``module``: ``gss.utils`` for ``gss.utils.checkpoint``."""
    return '.'.join(module.split('.')[:2])


def test_no_cycle_between_subpackages():
    """The subpackages form layers (``gss.apis`` may use ``gss.utils``, so
    ``gss.utils`` must not use ``gss.apis``). The package ``gss`` itself,
    which imports them all, and ``gss.compat``'s deferred imports of the
    code it installs are not part of it."""
    graph = {}
    for module in MODULES:
        if module == 'gss':
            continue
        graph.setdefault(layer(module), set()).update(
            layer(target) for target in imports_of(module, False)
            if layer(target) not in ('gss', layer(module)))
    cycle = find_cycle(graph)
    assert cycle is None, ' -> '.join(cycle)


@pytest.mark.parametrize(
    'module', sorted(m for m in MODULES if layer(m) == 'gss.maskige'))
def test_maskige_imports_torch_and_numpy_only(module):
    """Maskiges are plain tensor code: usable (and tested) without mmcv,
    mmseg or the rest of GSS, at import and on any call."""
    outside = [
        name.target for name in imported_names(module, MODULES[module])
        if name.target.split('.')[0] not in sys.stdlib_module_names
        and not name.target.startswith(
            tuple(dep + '.' for dep in MASKIGE_DEPENDENCIES)) and
        name.target not in MASKIGE_DEPENDENCIES
    ]
    assert outside == [], f'{module} imports {outside}'
