"""Result → self-contained HTML reports (Jinja2, autoescaped; CSS and JS inline, no network). Pure."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache

from ..document import Document, Result, Summary

_SPACE = re.compile(r"\s+")


@lru_cache(maxsize=1)
def _env():
    from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

    # Autoescape on for every template: article text must never become markup.
    env = Environment(
        loader=PackageLoader("summarize", "render/templates"),
        autoescape=select_autoescape(default=True, default_for_string=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["anchor"] = anchor
    return env


def anchor(document_id: str, sentence_id: str) -> str:
    """A unique element id for a source sentence, also across the documents of a digest."""
    return f"d-{_SPACE.sub('_', document_id)}-{sentence_id}"


@dataclass(frozen=True)
class _View:
    """What the report template shows of one document."""

    doc: Document
    title_en: str
    title_de: str
    body: list  # sentences that are not boilerplate
    furniture: list  # boilerplate sentences


def _view(doc: Document) -> _View:
    return _View(
        doc=doc,
        title_en=doc.title or doc.id,
        title_de=doc.title_sentence.text if doc.title_sentence else "",
        body=[s for s in doc.sentences if s.role != "boilerplate"],
        furniture=[s for s in doc.sentences if s.role == "boilerplate"],
    )


def _render(template: str, **context: object) -> str:
    return _env().get_template(template).render(**context)


def render_html(result: Result) -> str:
    view = _view(result.document)
    return _render(
        "report.html.j2",
        page_title=view.title_en,
        heading=view.title_en,
        subheading=view.title_de,
        date=result.document.meta.get("date", ""),
        models=result.models,
        signature=result.signature,
        error=result.error,
        warnings=result.document.warnings,
        flagged=len(result.document.flagged),
        summary=result.summary,
        views=[view],
        digest=False,
    )


def render_digest_html(summary: Summary, documents: Sequence[Document]) -> str:
    return _render(
        "report.html.j2",
        page_title=f"Digest of {len(documents)} articles",
        heading=f"Digest of {len(documents)} articles",
        subheading="",
        date="",
        models={"summary": summary.model or summary.method},
        signature="",
        error=None,
        warnings=(),
        flagged=sum(len(d.flagged) for d in documents),
        summary=summary,
        views=[_view(d) for d in documents],
        digest=True,
    )


def render_index(results: Sequence[Result], links: Mapping[str, str]) -> str:
    """The folder's index: the processed articles (linked to their reports), then the failed ones apart; the
    heading counts both ("5 articles, 2 failed"), failed ones never as articles."""
    rows = []
    failed = [{"id": r.document.id, "path": r.document.path or "", "error": r.error} for r in results if r.error]
    for r in (r for r in results if not r.error):
        view = _view(r.document)
        first = r.summary.sentences[0].text if r.summary and r.summary.sentences else ""
        warnings = len(r.document.warnings) + (
            sum(len(s.warnings) + s.unsupported for s in r.summary.sentences) if r.summary else 0
        )
        rows.append({
            "id": r.document.id, "title": view.title_en, "date": r.document.meta.get("date", ""),
            "first": first, "sentences": len(r.document.sentences), "warnings": warnings,
            "flagged": len(r.document.flagged),
            "href": links.get(r.document.id),
        })
    heading = f"{len(rows)} article{'s' if len(rows) != 1 else ''}" + (f", {len(failed)} failed" if failed else "")
    return _render("index.html.j2", heading=heading, rows=rows, failed=failed)
