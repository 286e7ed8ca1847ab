"""The source of the ``gss`` package read statically (``ast``), for tests of
package-wide properties: its import graph and what it assigns into."""
import ast
import os
import os.path as osp
from typing import NamedTuple

from tests.conftest import ROOT


class Imported(NamedTuple):
    """One name an import statement binds.

    Attributes:
        local (str): The name bound in the importing module (``F`` for
            ``import torch.nn.functional as F``, ``torch`` for
            ``import torch.nn``).
        target (str): The absolute dotted name imported
            (``torch.nn.functional``; ``mmseg.datasets.CustomDataset``
            for ``from mmseg.datasets import CustomDataset``).
        deferred (bool): The statement is inside a function, so it runs on
            the first call rather than at import.
    """
    local: str
    target: str
    deferred: bool


def gss_modules():
    """Every module of the ``gss`` package.

    Returns:
        dict[str, str]: Module name (``gss.maskige`` for
        ``gss/maskige/__init__.py``) to file path.
    """
    modules = {}
    for folder, _, files in os.walk(osp.join(ROOT, 'gss')):
        for file in files:
            if not file.endswith('.py'):
                continue
            path = osp.join(folder, file)
            parts = osp.relpath(path, ROOT)[:-len('.py')].split(os.sep)
            if parts[-1] == '__init__':
                parts.pop()
            modules['.'.join(parts)] = path
    return modules


def parse(path):
    with open(path, encoding='utf-8') as f:
        return ast.parse(f.read(), path)


def imported_names(module, path, tree=None):
    """The names the import statements of a module bind, relative imports
    resolved.

    Args:
        module (str): The module's dotted name.
        path (str): Its file.
        tree (ast.Module, optional): Its parsed source. Default: parsed
            from ``path``.

    Returns:
        list[Imported]: In source order.
    """
    package = module if path.endswith('__init__.py') else \
        module.rpartition('.')[0]
    found = []

    def visit(node, deferred):
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.Import):
                for alias in child.names:
                    local = alias.asname or alias.name.split('.')[0]
                    found.append(Imported(local, alias.name, deferred))
            elif isinstance(child, ast.ImportFrom):
                base = child.module or ''
                if child.level:
                    parts = package.split('.')
                    parts = parts[:len(parts) - child.level + 1]
                    base = '.'.join(parts + ([base] if base else []))
                for alias in child.names:
                    found.append(Imported(alias.asname or alias.name,
                                          f'{base}.{alias.name}', deferred))
            visit(child, deferred or isinstance(
                child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)))

    visit(parse(path) if tree is None else tree, False)
    return found
