"""Renderers: schema-valid byte-stable JSON, Markdown footnotes, escaped self-contained HTML."""

from __future__ import annotations

import json
from html.parser import HTMLParser

import jsonschema
import pytest

from summarize.document import Document, Result, Sentence, SourceLink, Summary, SummarySentence
from summarize.render import (
    render_digest_html,
    render_digest_markdown,
    render_html,
    render_index,
    render_json,
    render_markdown,
)
from summarize.render.html import anchor
from summarize.render.json import load_schema

EVIL = '<script>document.title="pwned"</script> Er sagte " onmouseover="alert(2) dazu.'


def make_result(doc_id: str = "art", evil: bool = True) -> Result:
    body = EVIL if evil else "Er sagte nichts dazu."
    parts = ["Titel des Artikels", "Durch Anna Schmidt", "Russland liefert 11.000 Container.", body,
             "Ein dritter Satz.", "Diesen Artikel teilen"]
    roles = ["title", "byline", "body", "body", "body", "boilerplate"]
    text = "\n".join(parts) + "\n"
    sentences, pos = [], 0
    for i, (part, role) in enumerate(zip(parts, roles)):
        english = f"EN {part}" if role != "body" or i != 3 else 'He said <b>bold</b> " onmouseover="x'
        sentences.append(Sentence(f"s{i + 1}", i, i, pos, pos + len(part), part, role, english))
        pos += len(part) + 1
    doc = Document(doc_id, text, f"{doc_id}.txt", tuple(sentences), {"date": "2023-09", "title": parts[0]})
    s3, s4 = sentences[2], sentences[3]
    summary = Summary(
        (doc_id,), "abstractive",
        (
            SummarySentence("Russia delivers 11,000 containers.", (SourceLink(doc_id, "s3", s3.start, s3.end, 0.9),), 0.9),
            SummarySentence("<i>Made up</i> claim of 12,000.", (SourceLink(doc_id, "s4", s4.start, s4.end, 0.1),), 0.1,
                            True, ("number 12,000 not in source",)),
        ),
        model="tiny@local",
    )
    return Result(doc, summary, None, {"translation": "m@local", "summarization": "tiny@local"}, "sig|v=0.1.0")


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


def test_json_is_schema_valid_stable_and_round_trips():
    r = make_result()
    text = render_json(r)
    assert text == render_json(make_result())
    data = json.loads(text)
    jsonschema.validate(data, load_schema())
    assert Result.from_dict(data) == r
    assert "Größe" in render_json(Result(Document("x", "Größe")))  # non-ASCII kept as is


def test_schema_rejects_a_broken_result():
    data = json.loads(render_json(make_result()))
    del data["document"]["sentences"][0]["start"]
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(data, load_schema())


def test_markdown_footnotes_quote_every_source():
    md = render_markdown(make_result(evil=False))
    assert md.startswith("# EN Titel des Artikels")
    assert "[^1]" in md and "[^2]" in md
    assert "[^1]: s3 (characters" in md and "„Russland liefert 11.000 Container.“" in md
    assert "⚠ unsupported" in md and "number 12,000 not in source" in md
    summary_part = md.split("## Translation")[0]
    assert "Diesen Artikel teilen" not in summary_part
    assert "Site furniture" in md


def test_markdown_escapes_article_markup():
    md = render_markdown(make_result())
    assert "<script>" not in md and "\\<script\\>" in md


def test_html_escapes_article_text_and_adds_no_attributes():
    html = render_html(make_result())
    parsed = parse(html)
    assert "<script>document.title" not in html
    assert all("onmouseover" not in attrs for _, attrs in parsed.attrs)
    assert all("<b>" not in a for _, attrs in parsed.attrs for a in attrs.values() if a)
    assert len(parsed.scripts) == 1 and "pwned" not in parsed.scripts[0]  # only our own script
    assert "http://" not in html and "https://" not in html  # self-contained: no external requests


def test_html_sources_have_rows_and_ids_are_unique():
    parsed = parse(render_html(make_result()))
    ids = [attrs["id"] for _, attrs in parsed.attrs if attrs.get("id")]
    assert len(ids) == len(set(ids))
    wanted = {i for _, attrs in parsed.attrs for i in (attrs.get("data-sources") or "").split()}
    assert wanted == {anchor("art", "s3"), anchor("art", "s4")} and wanted <= set(ids)
    classes = " ".join(attrs.get("class") or "" for _, attrs in parsed.attrs)
    assert "unsupported" in classes


def test_index_and_digest():
    a, b = make_result("a", evil=False), make_result("b")
    failed = Result(Document("c", ""), error="empty input")
    index = render_index([a, b, failed], {"a": "a.html", "b": "b.html"})
    assert 'href="a.html"' in index and 'href="b.html"' in index and "empty input" in index
    digest = Summary(("a", "b"), "extractive", (
        SummarySentence("Both.", (SourceLink("a", "s3", 0, 1, 1.0), SourceLink("b", "s3", 0, 1, 1.0)), 1.0),))
    html = render_digest_html(digest, [a.document, b.document])
    parsed = parse(html)
    sources = [attrs["data-sources"] for _, attrs in parsed.attrs if "data-sources" in attrs]
    assert sources == [f"{anchor('a', 's3')} {anchor('b', 's3')}"]
    assert html.count('class="article"') == 2
    md = render_digest_markdown(digest, [a.document, b.document])
    assert "[^1]: a s3" in md and "[^2]: b s3" in md
