"""Result → Markdown: title, summary with footnote source markers, then the full translation. Pure."""

from __future__ import annotations

import re
from collections.abc import Sequence

from ..document import Document, DocumentId, Result, Sentence, Summary, with_distinct_ids
from .facts import PageFacts

_MD_SPECIAL = re.compile(r"([\\`*_\[\]<>#|])")


def escape(text: str) -> str:
    """Article text must not turn into Markdown structure (links, emphasis, HTML, tables)."""
    return _MD_SPECIAL.sub(r"\\\1", " ".join(text.split()))


def _summary_section(summary: Summary, docs: Sequence[Document]) -> list[str]:
    by_key = {(d.id, s.id): s for d in docs for s in d.sentences}
    lines = ["## Summary", ""]
    notes: list[str] = []
    if not summary.sentences:
        lines.append("_(nothing to summarize: the article has no body text)_")
    for sentence in summary.sentences:
        markers = ""
        for link in sentence.sources:
            notes.append(_footnote(len(notes) + 1, link.document_id, by_key[link.document_id, link.sentence_id],
                                   link.score, multi=len(docs) > 1))
            markers += f"[^{len(notes)}]"
        flags = ""
        if sentence.unsupported:
            flags += " **⚠ unsupported**"
        if sentence.warnings:
            flags += " _(" + "; ".join(escape(w) for w in sentence.warnings) + ")_"
        lines.append(f"- {escape(sentence.text)}{markers}{flags}")
    method = f"{summary.method}" + (f", {summary.model}" if summary.model else "")
    lines += ["", f"_Summary: {escape(method)}; {summary.chunks} chunk(s), {summary.levels} level(s)._", ""]
    return lines + notes + [""]


def _footnote(n: int, doc_id: DocumentId, s: Sentence, score: float, *, multi: bool) -> str:
    where = f"{escape(str(doc_id))} " if multi else ""
    english = f" — “{escape(s.translation)}”" if s.translation else ""
    return f"[^{n}]: {where}{s.id} (characters {s.start}–{s.end}, score {score:.2f}): „{escape(s.text)}“{english}"


def _flag_marker(s: Sentence) -> str:
    """The mark after a flagged sentence, pointing to its footnote."""
    return f" ⚑[^{s.id}]" if s.flags else ""


def _flag_note(s: Sentence) -> str:
    """A flagged sentence's footnote: why to double-check it."""
    return f"[^{s.id}]: ⚑ {s.id} „{escape(s.text)}“: " + "; ".join(escape(f.message) for f in s.flags)


def _translation_section(doc: Document) -> list[str]:
    lines = ["## Translation", ""]
    paragraph: list[str] = []
    current = None
    furniture = [s for s in doc.sentences if s.role == "boilerplate"]

    def shown(s: Sentence) -> str:
        return escape(s.translation or s.text) + _flag_marker(s)

    for s in doc.sentences:
        if s.role in ("boilerplate", "title"):  # the title is the page's heading, with its marker
            continue
        if s.paragraph != current and paragraph:
            lines += [" ".join(paragraph), ""]
            paragraph = []
        current = s.paragraph
        paragraph.append(f"_{shown(s)}_" if s.role == "byline" else shown(s))
    if paragraph:
        lines += [" ".join(paragraph), ""]
    if furniture:
        lines += ["### Site furniture (not summarized)", ""]
        lines += [f"- {shown(s)}" for s in furniture]
        lines.append("")
    # Footnotes in the order the sentences are shown: title and body, then the furniture.
    notes = [_flag_note(s) for s in (*(s for s in doc.sentences if s.role != "boilerplate"), *furniture) if s.flags]
    if notes:
        lines += ["### Flagged translations (⚑: double-check these against the German)", "", *notes, ""]
    return lines


def _page_line(page: PageFacts) -> str:
    """"date: 2023-09-13 · by: Anna Schmidt · source: [tagesschau.de](<https://…>)"; "" when nothing is known."""
    facts = [f"date: {escape(page.date)}"] if page.date else []
    facts += [f"by: {escape(page.authors)}"] if page.authors else []
    if page.link:  # the URL is percent-encoded (`safe_link`): nothing in it ends the <…> destination
        facts.append(f"source: [{escape(page.site or page.link)}](<{page.link}>)")
    elif page.site:
        facts.append(f"source: {escape(page.site)}")
    return " · ".join(facts)


def render_markdown(result: Result) -> str:
    doc = result.document
    english = doc.title or str(doc.id)
    german = doc.title_sentence.text if doc.title_sentence else ""
    marker = _flag_marker(doc.title_sentence) if doc.title_sentence else ""
    lines = [f"# {escape(english)}{marker}", ""]
    if german and german != english:
        lines += [f"_{escape(german)}_", ""]
    page = _page_line(PageFacts.of(doc))
    if page:
        lines += [page, ""]
    facts = [f"{role}: {escape(name)}" for role, name in result.models.items()]
    facts += [f"signature: {escape(result.signature)}"] if result.signature else []
    if facts:
        lines += [" · ".join(facts), ""]
    if result.error:
        return "\n".join([*lines, f"**Error:** {escape(result.error)}", ""])
    for warning in doc.warnings:
        lines += [f"> ⚠ {escape(warning)}", ""]
    if result.summary is not None:
        lines += _summary_section(result.summary, [doc])
    lines += _translation_section(doc)
    return "\n".join(lines).rstrip() + "\n"


def render_digest_markdown(summary: Summary, documents: Sequence[Document], *, signature: str = "") -> str:
    """A digest's report; `signature`: the Pipeline's that made it (`Pipeline.signature`), as every report shows.
    Each article is named by its id in the digest (`with_distinct_ids`)."""
    documents = with_distinct_ids(documents)
    lines = [f"# Digest of {len(documents)} articles", ""]
    lines += [f"- {escape(str(d.id))}: {escape(d.title or str(d.id))}" for d in documents]
    lines.append("")
    if signature:
        lines += [f"signature: {escape(signature)}", ""]
    lines += _summary_section(summary, documents)
    return "\n".join(lines).rstrip() + "\n"
