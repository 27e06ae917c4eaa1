"""Packaging: the lower bounds in pyproject.toml are the releases the lower-bounds job installs and tests."""

from __future__ import annotations

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
    import importlib

    for name in ("trafilatura", "trafilatura.external", "trafilatura.readability_lxml", "justext",
                 "lxml_html_clean", "lxml.html.clean", "htmldate", "summarize.webpage"):
        importlib.import_module(name)
    from summarize.webpage import extract_article

    page = "<html><body><article><p>" + "Der Rat hat heute den Haushalt beschlossen. " * 8 + "</p></article></body></html>"
    assert "Haushalt" in (extract_article(page) or "")
