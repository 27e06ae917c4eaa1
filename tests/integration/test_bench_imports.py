"""The benchmarks are run by hand, so nothing else notices when the package moves under them: every name a
bench script imports from the package or `tools/` must still exist (their imports sit inside functions)."""

from __future__ import annotations

import ast
import importlib
import importlib.util
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[2] / "bench"


def _package_imports(script: Path) -> list[tuple[str, str]]:
    tree = ast.parse(script.read_text(encoding="utf-8"))
    return [
        (node.module, alias.name)
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom) and node.module and node.module.split(".")[0] in ("summarize", "tools")
        for alias in node.names
    ]


@pytest.mark.parametrize("script", sorted(BENCH.glob("*.py")), ids=lambda p: p.name)
def test_bench_imports_exist(script: Path):
    imports = _package_imports(script)
    missing = [f"{module}.{name}" for module, name in imports if not _importable(module, name)]
    assert not missing, f"{script.name} imports names the package no longer has: {missing}"
    # Attributes read off an imported class or module (`CTranslate2Engine.from_pretrained`) must exist too.
    imported = {name: getattr(importlib.import_module(module), name, None) for module, name in imports}
    gone = [
        f"{node.value.id}.{node.attr}"
        for node in ast.walk(ast.parse(script.read_text(encoding="utf-8")))
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name)
        and imported.get(node.value.id) is not None and not hasattr(imported[node.value.id], node.attr)
    ]  # fmt: skip
    assert not gone, f"{script.name} reads attributes the package no longer has: {gone}"


def _importable(module: str, name: str) -> bool:
    if hasattr(importlib.import_module(module), name):
        return True
    try:  # a submodule: `from summarize.translate import base`
        importlib.import_module(f"{module}.{name}")
    except ModuleNotFoundError:
        return False
    return True


@pytest.mark.parametrize("script", sorted(BENCH.glob("*.py")), ids=lambda p: p.name)
def test_bench_modules_resolve_without_tests_on_the_path(script: Path, monkeypatch: pytest.MonkeyPatch):
    # What a bench imports comes from the package, tools/, bench/ itself or an installed distribution; never
    # from tests/ (the benches run where the test suite is not on the path).
    assert '"tests"' not in script.read_text(encoding="utf-8")
    monkeypatch.setattr(sys, "path", [str(BENCH.parent), str(BENCH), *[p for p in sys.path if "tests" not in p]])
    tree = ast.parse(script.read_text(encoding="utf-8"))
    tops = {node.module.split(".")[0] for node in ast.walk(tree) if isinstance(node, ast.ImportFrom) and node.module}
    tops |= {a.name.split(".")[0] for node in ast.walk(tree) if isinstance(node, ast.Import) for a in node.names}
    unresolved = sorted(m for m in tops if importlib.util.find_spec(m) is None)
    assert not unresolved, f"{script.name} imports modules that cannot be found: {unresolved}"
