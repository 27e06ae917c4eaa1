"""Result → self-contained HTML reports (Jinja2, autoescaped; CSS and JS inline, no network). Pure."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

from ..document import Document, DocumentId, Result, Summary, with_distinct_ids
from .facts import PageFacts

_ANCHOR_UNSAFE = re.compile(r"[\s~]")


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


def anchor(document_id: DocumentId, sentence_id: str) -> str:
    """A unique element id for a source sentence, also across the documents of a digest: two document ids never
    share one. An HTML id holds no white space, so each white-space character is written `~<hex>~` (and "~" as
    "~~"); a number id is marked with "#" (42 and "42" are two articles)."""
    if not isinstance(document_id, str):
        return f"d#{document_id!r}-{sentence_id}"
    return f"d-{_ANCHOR_UNSAFE.sub(_anchor_escape, document_id)}-{sentence_id}"


def _anchor_escape(match: re.Match[str]) -> str:
    char = match.group()
    return "~~" if char == "~" else f"~{ord(char):x}~"


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
        title_en=doc.title or str(doc.id),
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
        page=PageFacts.of(result.document),
        models=result.models,
        signature=result.signature,
        error=result.error,
        warnings=result.document.warnings,
        flagged=len(result.document.flagged),
        summary=result.summary,
        views=[view],
        digest=False,
    )


def render_digest_html(summary: Summary, documents: Sequence[Document], *, signature: str = "") -> str:
    """A digest's report; `signature`: the Pipeline's that made it (`Pipeline.signature`), as every report shows.
    Each article is named by its id in the digest (`with_distinct_ids`)."""
    documents = with_distinct_ids(documents)
    return _render(
        "report.html.j2",
        page_title=f"Digest of {len(documents)} articles",
        heading=f"Digest of {len(documents)} articles",
        subheading="",
        page=PageFacts(),
        models={"summary": summary.model or summary.method},
        signature=signature,
        error=None,
        warnings=(),
        flagged=sum(len(d.flagged) for d in documents),
        summary=summary,
        views=[_view(d) for d in documents],
        digest=True,
    )


@dataclass(frozen=True, slots=True)
class IndexRow:
    """What the folder's index shows of one input: an article (linked to its report), or a failed input."""

    id: DocumentId
    path: str | None = None
    error: str | None = None  # set: a failed input, listed apart
    title: str = ""  # "" shows the id
    date: str = ""
    authors: str = ""  # the page's metadata (`PageFacts`)
    site: str = ""
    link: str = ""
    first: str = ""  # the summary's first sentence
    sentences: int = 0
    flagged: int = 0
    warnings: int = 0  # the document's, and each summary sentence's (unsupported counts as one)
    href: str | None = None

    @classmethod
    def of(cls, result: Result, href: str | None = None) -> IndexRow:
        doc, summary, page = result.document, result.summary, PageFacts.of(result.document)
        return cls(
            id=doc.id, path=doc.path, error=result.error, title=doc.title, date=page.date, authors=page.authors,
            site=page.site, link=page.link,
            first=summary.sentences[0].text if summary and summary.sentences else "",
            sentences=len(doc.sentences), flagged=len(doc.flagged),
            warnings=len(doc.warnings) + (sum(len(s.warnings) + s.unsupported for s in summary.sentences)
                                          if summary else 0),
            href=href,
        )


def render_index(entries: Sequence[IndexRow]) -> str:
    """The folder's index: the processed articles (linked to their reports), then the failed ones apart; the
    heading counts both ("5 articles, 2 failed"), failed ones never as articles."""
    failed = [{"id": e.id, "path": e.path or "", "error": e.error} for e in entries if e.error]
    rows = [{"id": e.id, "title": e.title or str(e.id), "date": e.date, "authors": e.authors, "site": e.site,
             "link": e.link, "first": e.first, "sentences": e.sentences, "warnings": e.warnings,
             "flagged": e.flagged, "href": e.href} for e in entries if not e.error]
    heading = f"{len(rows)} article{'s' if len(rows) != 1 else ''}" + (f", {len(failed)} failed" if failed else "")
    return _render("index.html.j2", heading=heading, rows=rows, failed=failed)
