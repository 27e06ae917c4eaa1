"""Packaging: the lower bounds in pyproject.toml are the releases the lower-bounds job installs and tests, the
page reader's whole chain imports, and the lazy package root gives every public name, at run time and to type
checkers."""

from __future__ import annotations

import ast
import importlib.util
import sys
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

ROOT = Path(__file__).resolve().parents[2]


def test_every_direct_dependency_is_pinned_at_its_lower_bound():
    tomllib = pytest.importorskip("tomllib")  # Python 3.11+
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    extras = project["optional-dependencies"]
    bounds = {}
    for line in project["dependencies"] + extras["ct2"] + [r for r in extras["dev"] if r.startswith("tokenizers")]:
        requirement = Requirement(line)
        (low,) = [Version(s.version) for s in requirement.specifier if s.operator == ">="]
        bounds[canonicalize_name(requirement.name)] = low
    pins = {}
    for line in (ROOT / ".ci" / "lower-bounds.txt").read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            name, version = line.split("==")
            pins[canonicalize_name(name)] = Version(version)
    assert set(pins) == set(bounds)
    # torch: the job runs the CPU wheel CI has (2.13.0), above the bound transformers sets (see the file).
    assert {n: v for n, v in pins.items() if n != "torch"} == {n: v for n, v in bounds.items() if n != "torch"}
    assert pins["torch"] >= bounds["torch"]


def test_the_page_reader_imports_its_whole_chain():
    """A plain install must read web pages: trafilatura, its fallbacks (jusText, its readability fork) and
    htmldate, and lxml.html.clean, which jusText imports and lxml >= 5.2 ships apart as lxml_html_clean. A
    missing link is an ImportError here, not a silent fallback on every page."""
    for name in ("trafilatura", "trafilatura.external", "trafilatura.readability_lxml", "justext",
                 "lxml_html_clean", "lxml.html.clean", "htmldate", "summarize.webpage"):
        importlib.import_module(name)
    from summarize.webpage import extract_article

    page = "<html><body><article><p>" + "Der Rat hat heute den Haushalt beschlossen. " * 8 + "</p></article></body></html>"
    assert "Haushalt" in (extract_article(page) or "")


def test_every_public_name_comes_from_the_lazy_package_root(tmp_path, monkeypatch):
    """`summarize/__init__.py` imports nothing until a name is asked for: each name in `__all__` must still
    come from `from summarize import *`, attribute access and `dir()`, as the object its module defines."""
    import summarize

    fresh = importlib.util.module_from_spec(summarize.__spec__)  # the package root as a first import finds it
    summarize.__spec__.loader.exec_module(fresh)
    assert not set(summarize.__all__) & set(vars(fresh))
    assert set(summarize.__all__) <= set(dir(fresh))
    monkeypatch.setitem(sys.modules, "summarize", fresh)
    (tmp_path / "star_user.py").write_text("from summarize import *\n", encoding="utf-8")
    spec = importlib.util.spec_from_file_location("star_user", tmp_path / "star_user.py")
    star_user = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(star_user)
    for name in summarize.__all__:
        defined = getattr(importlib.import_module(f"summarize.{summarize._HOME[name]}"), name)
        assert vars(star_user)[name] is getattr(fresh, name) is getattr(summarize, name) is defined, name
    with pytest.raises(AttributeError, match="no attribute 'document_of'"):
        fresh.document_of  # noqa: B018


def test_type_checkers_see_every_public_name_where_it_loads_from():
    """The `if TYPE_CHECKING:` imports (what mypy and pyright read) agree with the run-time table."""
    import summarize

    tree = ast.parse((ROOT / "summarize" / "__init__.py").read_text(encoding="utf-8"))
    (block,) = [n for n in tree.body if isinstance(n, ast.If) and ast.unparse(n.test) == "TYPE_CHECKING"]
    seen = {alias.name: node.module for node in block.body for alias in node.names}
    assert seen == summarize._HOME and set(seen) == set(summarize.__all__)
