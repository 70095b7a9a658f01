"""Every package declares its public surface (`__all__`), every listed name exists, and code in
one top-level package imports another's names only through that surface."""

from __future__ import annotations

import ast
import importlib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
TOPS = ("graph_schema", "importers", "clients", "service")


def _modules() -> list[tuple[str, Path]]:
    found = []
    for top in TOPS:
        for path in sorted((ROOT / top).rglob("*.py")):
            if "node_modules" in path.parts:
                continue
            rel = path.relative_to(ROOT).with_suffix("")
            parts = rel.parts[:-1] if rel.name == "__init__" else rel.parts
            found.append((".".join(parts), path))
    return found


PACKAGES = [name for name, path in _modules() if path.name == "__init__.py"]


def _resolves(module_name: str, name: str) -> bool:
    module = importlib.import_module(module_name)
    if hasattr(module, name):
        return True
    try:
        importlib.import_module(f"{module_name}.{name}")
    except ModuleNotFoundError:
        return False
    return True


@pytest.mark.parametrize("package", PACKAGES)
def test_every_package_lists_its_surface_and_every_name_exists(package: str) -> None:
    module = importlib.import_module(package)
    listed = getattr(module, "__all__", None)
    assert isinstance(listed, list) and listed, f"{package} has no __all__"
    assert len(set(listed)) == len(listed), f"{package}.__all__ names something twice"
    missing = [n for n in listed if not _resolves(package, n)]
    assert not missing, f"{package}.__all__ lists names that do not exist: {missing}"


def _cross_package_imports() -> list[tuple[str, int, str, str]]:
    out = []
    for name, path in _modules():
        top = name.split(".")[0]
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.ImportFrom) or node.level or not node.module:
                continue
            if node.module.split(".")[0] in TOPS and node.module.split(".")[0] != top:
                out += [(name, node.lineno, node.module, a.name) for a in node.names]
    return out


def test_cross_package_imports_use_only_listed_names() -> None:
    found = _cross_package_imports()
    assert found  # the packages do depend on each other: an empty scan would be a broken scan
    wrong = []
    for where, line, module_name, name in found:
        listed = getattr(importlib.import_module(module_name), "__all__", None)
        if listed is None or name not in listed:
            wrong.append(f"{where}:{line} imports {name} from {module_name}, not in its __all__")
    assert not wrong, "\n".join(wrong)


def test_the_api_the_cli_and_the_web_app_read_the_engine_through_its_views() -> None:
    """Issue 11's one read model: outside the engine, a node is read as a NodeView (and the
    engine's lookups), never through `engine.graph`, its columns and rows."""
    readers = [ROOT / "service" / "usecases.py"]
    for part in ("api", "cli", "web"):
        readers += sorted((ROOT / "service" / part).glob("*.py"))
    found = [
        f"{path.relative_to(ROOT)}:{node.lineno}: {ast.unparse(node)}"
        for path in readers
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
        if isinstance(node, ast.Attribute) and node.attr == "graph"
    ]
    assert found == []
