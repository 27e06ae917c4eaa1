"""render.html: escaped, self-contained reports whose summary sentences point at existing source rows."""

from __future__ import annotations

from dataclasses import replace
from html.parser import HTMLParser

import pytest

from summarize.document import Document, Result, SourceLink, Summary, SummarySentence
from summarize.render import render_digest_html, render_digest_markdown, render_html, render_index
from summarize.render.html import IndexRow, anchor


class Collector(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.attrs: list[tuple[str, dict[str, str | None]]] = []
        self.scripts: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag, attrs):
        self.attrs.append((tag, dict(attrs)))
        self._in_script = tag == "script"

    def handle_endtag(self, tag):
        self._in_script = False

    def handle_data(self, data):
        if self._in_script:
            self.scripts.append(data)


def parse(html: str) -> Collector:
    c = Collector()
    c.feed(html)
    return c


def test_html_escapes_article_text_and_adds_no_attributes(result_of):
    html = render_html(result_of())
    parsed = parse(html)
    assert "<script>document.title" not in html
    assert all("onmouseover" not in attrs for _, attrs in parsed.attrs)
    assert all("<b>" not in a for _, attrs in parsed.attrs for a in attrs.values() if a)
    assert len(parsed.scripts) == 1 and "pwned" not in parsed.scripts[0]  # only our own script
    assert "http://" not in html and "https://" not in html  # self-contained: no external requests


def test_html_sources_have_rows_and_ids_are_unique(result_of):
    parsed = parse(render_html(result_of()))
    ids = [attrs["id"] for _, attrs in parsed.attrs if attrs.get("id")]
    assert len(ids) == len(set(ids))
    wanted = {i for _, attrs in parsed.attrs for i in (attrs.get("data-sources") or "").split()}
    assert wanted == {anchor("art", "s3"), anchor("art", "s4")} and wanted <= set(ids)
    classes = " ".join(attrs.get("class") or "" for _, attrs in parsed.attrs)
    assert "unsupported" in classes


def test_index_and_digest(result_of):
    a, b = result_of("a", evil=False), result_of("b")
    failed = Result(Document("c", ""), error="empty input")
    index = render_index([IndexRow.of(a, "a.html"), IndexRow.of(b, "b.html"), IndexRow.of(failed)])
    assert 'href="a.html"' in index and 'href="b.html"' in index and "empty input" in index
    assert "<h1>2 articles, 1 failed</h1>" in index  # a failed input is not counted as an article
    assert index.index("<h2>Failed</h2>") < index.index("empty input")
    digest = Summary(("a", "b"), "extractive", (
        SummarySentence("Both.", (SourceLink("a", "s3", 0, 1, 1.0), SourceLink("b", "s3", 0, 1, 1.0)), 1.0),))
    html = render_digest_html(digest, [a.document, b.document])
    parsed = parse(html)
    sources = [attrs["data-sources"] for _, attrs in parsed.attrs if "data-sources" in attrs]
    assert sources == [f"{anchor('a', 's3')} {anchor('b', 's3')}"]
    assert html.count('class="article"') == 2
    md = render_digest_markdown(digest, [a.document, b.document])
    assert "[^1]: a s3" in md and "[^2]: b s3" in md


def test_html_highlights_only_the_flagged_translation_with_its_reason(result_of):
    parsed = parse(render_html(result_of(evil=False)))
    flagged = [attrs["id"] for _, attrs in parsed.attrs if "flagged" in (attrs.get("class") or "").split()]
    assert flagged == [anchor("art", "s5")]
    reasons = [attrs["title"] for tag, attrs in parsed.attrs if tag == "div" and attrs.get("class") == "en"
               and attrs.get("title")]
    assert reasons == ["Double-check: number 3 in the English has no source in the German"]


def test_index_counts_flagged_sentences(result_of):
    index = render_index([IndexRow.of(result_of("a", evil=False), "a.html")])
    cells = [line.strip() for line in index.splitlines() if 'class="num"' in line]
    assert cells[:2] == ['<td class="num">6</td>', '<td class="num">1</td>']  # sentences, flagged


def with_page_meta(result: Result, **meta: str) -> Result:
    doc = result.document
    return replace(result, document=replace(doc, meta={**doc.meta, **meta}))


PAGE_META = {"date": "2023-09-13", "authors": "Anna Schmidt; Jan Müller", "site_name": "tagesschau.de",
             "url": "https://www.tagesschau.de/ausland/kim-putin-101.html"}


def test_the_report_and_the_index_show_the_pages_metadata(result_of):
    result = with_page_meta(result_of(evil=False), **PAGE_META)
    html = render_html(result)
    links = [attrs for tag, attrs in parse(html).attrs if tag == "a" and attrs.get("rel")]
    assert links == [{"href": PAGE_META["url"], "rel": "noopener noreferrer"}]
    assert ">tagesschau.de</a>" in html and "by Anna Schmidt; Jan Müller" in html
    assert '<time datetime="2023-09-13">2023-09-13</time>' in html
    index = render_index([IndexRow.of(result, "art.html")])
    assert f'<a href="{PAGE_META["url"]}" rel="noopener noreferrer">tagesschau.de</a>' in index
    assert "Anna Schmidt; Jan Müller" in index and "2023-09-13" in index


@pytest.mark.parametrize("url", ["javascript:alert(1)", "data:text/html,<b>x</b>", "//no-scheme.de/a", "ftp://x.de/a"])
def test_only_http_urls_become_links(result_of, url):
    result = with_page_meta(result_of(evil=False), url=url, source_url=url)
    for page in (render_html(result), render_index([IndexRow.of(result, "art.html")])):
        assert not [a for tag, a in parse(page).attrs if tag == "a" and a.get("rel")]
        assert "javascript:" not in page


def test_a_link_with_odd_characters_cannot_leave_its_attribute(result_of):
    result = with_page_meta(result_of(evil=False), url='https://x.de/a b"onmouseover="alert(1)<')
    links = [a["href"] for tag, a in parse(render_html(result)).attrs if tag == "a" and a.get("rel")]
    assert links == ["https://x.de/a%20b%22onmouseover=%22alert(1)%3C"]


class Sections(HTMLParser):
    """Where each sentence row stands: in the report's main grid, or in the collapsed furniture (<details>)."""

    def __init__(self) -> None:
        super().__init__()
        self.rows: dict[str, str] = {}
        self.details_open: list[bool] = []
        self._depth = 0  # open <details> elements

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "details":
            self._depth += 1
            self.details_open.append("open" in attrs)
        elif tag == "div" and attrs.get("data-sid"):
            self.rows[attrs["data-sid"]] = "furniture" if self._depth else "main"

    def handle_endtag(self, tag):
        if tag == "details":
            self._depth -= 1


def test_boilerplate_is_collapsed_apart_from_the_translation(result_of):
    result = result_of(evil=False)
    sections = Sections()
    sections.feed(render_html(result))
    boilerplate = {s.id for s in result.document.sentences if s.boilerplate}
    assert boilerplate == {"s6"}
    assert {sid for sid, where in sections.rows.items() if where == "furniture"} == boilerplate
    assert {sid for sid, where in sections.rows.items() if where == "main"} == {
        s.id for s in result.document.sentences if not s.boilerplate}
    assert sections.details_open == [False]  # collapsed until the reader opens it
    # Boilerplate that was never translated (no English) is still shown, in German, and only there.
    untranslated = replace(result, document=replace(result.document, sentences=tuple(
        replace(s, translation=None) if s.boilerplate else s for s in result.document.sentences)))
    html = render_html(untranslated)
    assert html.count("Diesen Artikel teilen") == 1 and html.index("<details") < html.index("Diesen Artikel teilen")
