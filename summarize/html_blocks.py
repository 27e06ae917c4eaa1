"""HTML pages: the readable text of each block element, as character spans of the raw page text.

A saved news page is read with the standard library's `html.parser.HTMLParser`. What a reader never sees, the
`<head>` (its `<title>` gives the page title), `<script>`, `<style>`, `<noscript>`, `<template>`, `<svg>`,
comments and the doctype, yields no text at all: it stays in `Document.text`, which is never changed, but lies
outside every sentence, so no model reads it. Every block element (p, h1–h6, li, td, blockquote, div…), and
every `<br>`, closes a block; inline markup (b, a, span…) stays inside the span of its block, and
`Sentence.plain` removes it for the models. Blocks inside `<nav>`, `<aside>` or `<footer>` are marked as site
furniture: boilerplate when the article extractor fails (`webpage`), which otherwise decides.

Offsets: the parser reports (line, column) positions, where a line ends at "\\n" only (a "\\r" before it is
just a character); counted the same way, a position is a character offset into the raw text, whatever the
line endings. A text run starts where the parser reports its data and ends where the next piece of markup
starts, so entities (`&amp;`, converted by the parser) never shift an offset.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from html.parser import HTMLParser

__all__ = ["HtmlBlock", "HtmlPage", "looks_like_html", "read_html"]

# Elements whose content a reader never sees: no text of theirs becomes a block.
HIDDEN = frozenset(
    {"head", "script", "style", "noscript", "template", "title", "svg", "math", "iframe", "object"}
)
# Elements that start or end a block of text; a `<br>` ends one too.
BLOCKS = frozenset(
    """address article aside blockquote body caption dd details dialog div dl dt fieldset figcaption figure
    footer form h1 h2 h3 h4 h5 h6 header hgroup hr html legend li main nav ol p pre section summary table
    tbody td tfoot th thead tr ul br""".split()  # noqa: SIM905
)

# Site furniture: the text of blocks inside these is the page's, not the article's.
FURNITURE = frozenset({"nav", "aside", "footer"})

# A page, not an article with a few pasted tags: markup first and a doctype or <html>/<head>/<body> near the
# start, or block elements that follow each other on one line (so the lines cannot separate them; an article
# whose tags stand on their own lines is read line by line, as plain text).
_DOCUMENT = re.compile(r"<(?:!doctype\s+html|html|head|body)[\s>/]", re.IGNORECASE)
_NEAR_THE_START = 4096
_GLUED = re.compile(
    r"</(?:p|h[1-6]|li|div|td|th|tr|blockquote|section|article)\s*>[ \t]*"
    r"<(?:p|h[1-6]|li|div|td|th|tr|ul|ol|table|blockquote|section|article)[\s>/]",
    re.IGNORECASE,
)
_GLUED_MIN = 2


def looks_like_html(text: str) -> bool:
    """Whether the text is an HTML page (or fragment) to be read with the parser rather than line by line."""
    if text.lstrip("\ufeff \t\r\n").startswith("<") and _DOCUMENT.search(text, 0, _NEAR_THE_START):
        return True
    return len(_GLUED.findall(text)) >= _GLUED_MIN


@dataclass(frozen=True, slots=True)
class HtmlBlock:
    """The readable text of one block element: text[start:end] runs from its first to its last run of text
    (inline tags between them included; white space at either end is the segmenter's to strip)."""

    start: int
    end: int
    tag: str  # the innermost open block element ("p", "h1", "li"...); "" for text outside any
    furniture: bool = False  # inside <nav>, <aside> or <footer>


@dataclass(frozen=True, slots=True)
class HtmlPage:
    blocks: tuple[HtmlBlock, ...]
    title: str  # the first <title>, as plain text (entities decoded, white space collapsed); "" if none


def read_html(text: str) -> HtmlPage:
    """The text blocks and title of an HTML page; never raises on malformed markup."""
    reader = _Reader(text)
    reader.feed(text)
    reader.close()
    reader.end_run(len(text))
    reader.end_block()
    return HtmlPage(tuple(reader.blocks), " ".join("".join(reader.title).split()))


class _Reader(HTMLParser):
    def __init__(self, text: str) -> None:
        super().__init__(convert_charrefs=True)
        self.text = text
        self.line_starts = [0] + [m.end() for m in re.finditer("\n", text)]
        self.blocks: list[HtmlBlock] = []
        self.title: list[str] = []
        self._title_state = "before"  # "in" while the first <title> is read, then "done"
        self._hidden: list[str] = []  # open hidden elements, outermost first
        self._open: list[str] = []  # open block elements, outermost first
        self._run: int | None = None  # start of the text run being read
        self._block: list = []  # [start, end, tag, furniture] of the block being read; [] between blocks

    def _offset(self) -> int:
        line, column = self.getpos()
        return self.line_starts[line - 1] + column

    def end_run(self, here: int) -> None:
        """The text run being read ends here (a tag, comment or declaration starts, or the text ends)."""
        if self._run is not None and self.text[self._run : here].strip():
            if self._block:
                self._block[1] = here
            else:
                tag = self._open[-1] if self._open else ""
                self._block = [self._run, here, tag, not FURNITURE.isdisjoint(self._open)]
        self._run = None

    def end_block(self) -> None:
        if self._block:
            self.blocks.append(HtmlBlock(*self._block))
            self._block = []

    # --- parser events ----------------------------------------------------------------------------------
    def handle_data(self, data: str) -> None:
        if self._title_state == "in":
            self.title.append(data)
        if not self._hidden and self._run is None:
            self._run = self._offset()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.end_run(self._offset())
        if self._hidden == ["head"] and tag in BLOCKS:  # an unclosed <head> ends where the page's text starts
            self._hidden.clear()
        if tag in HIDDEN or tag in BLOCKS:
            self.end_block()
        if tag in HIDDEN:
            if tag == "title" and self._title_state == "before" and "svg" not in self._hidden:
                self._title_state = "in"
            self._hidden.append(tag)
        elif tag in BLOCKS and tag not in ("br", "hr"):  # void elements: nothing to close
            self._open.append(tag)

    def handle_endtag(self, tag: str) -> None:
        self.end_run(self._offset())
        if tag in HIDDEN or tag in BLOCKS:
            self.end_block()
        if tag in self._hidden:
            _close(self._hidden, tag)
            if tag == "title" and self._title_state == "in":
                self._title_state = "done"
        elif tag in self._open:
            _close(self._open, tag)

    def handle_comment(self, data: str) -> None:
        self.end_run(self._offset())

    def handle_decl(self, decl: str) -> None:
        self.end_run(self._offset())

    def handle_pi(self, data: str) -> None:
        self.end_run(self._offset())

    def unknown_decl(self, data: str) -> None:
        self.end_run(self._offset())


def _close(stack: list[str], tag: str) -> None:
    """Close the innermost open `tag` and every element opened inside it (browsers do the same)."""
    del stack[len(stack) - 1 - stack[::-1].index(tag) :]
