"""webpage: the article's blocks chosen by trafilatura, aligned onto html_blocks' spans; boilerplate never translated."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import summarize
from summarize import Pipeline, webpage
from summarize.document import read_document
from summarize.errors import InputError
from summarize.html_blocks import HtmlBlock
from summarize.pipeline import load_document
from summarize.segment import segment
from summarize.webpage import article_blocks, html_layout
from tests.test_pipeline import Recorder

TITLE = "Stadtrat beschließt Haushalt mit Millionen für Schulen"
LEAD = ("Nach monatelangem Streit steht der Haushalt: Die Stadt investiert kräftig in Bildung und Verkehr, doch die "
        "Bürger zahlen mehr.")
BODY = [
    "Der Stadtrat hat am Dienstagabend nach langer Debatte einen neuen Haushalt für das kommende Jahr beschlossen.",
    "Die Mehrheit aus drei Fraktionen stimmte dafür, die Opposition lehnte den Entwurf geschlossen ab.",
    "Kernpunkt ist eine Investition von zwölf Millionen Euro in Schulen, Kitas und den Ausbau der Radwege.",
    "Die Kämmerin sprach von einem soliden Haushalt, der trotz steigender Zinsen ohne neue Schulden auskomme.",
    "Kritiker bemängeln dagegen, dass die Gebühren für Parkplätze und Schwimmbäder deutlich steigen sollen.",
]
# The headline and lead stand twice: in a teaser above the article, and in the article.
PAGE = f"""<!DOCTYPE html><html lang="de"><head><title>{TITLE} | Stadtanzeiger</title></head><body>
<nav><ul><li><a href="/">Startseite</a></li><li><a href="/politik">Politik</a></li></ul></nav>
<div class="teaser"><h2><a href="/a">{TITLE}</a></h2><p>{LEAD}</p><a href="/a">Weiterlesen</a></div>
<main><article>
<h1>{TITLE}</h1>
<figure><figcaption>Foto: Archiv</figcaption></figure>
<p class="lead">{LEAD}</p>
""" + "\n".join(f"<p>{s}</p>" for s in BODY) + """
</article></main>
<div class="related"><h3>Meistgelesen</h3><ul><li><a href="/x">Neues Schwimmbad öffnet im Mai</a></li>
<li><a href="/y">Polizei sucht Zeugen nach Unfall</a></li></ul></div>
<footer><p>Impressum</p><p>© 2024 Stadtanzeiger. Alle Rechte vorbehalten.</p></footer>
</body></html>"""


def read(page: str):
    return segment(read_document(page.encode("utf-8")))


def assert_slices(doc) -> None:
    for i, s in enumerate(doc.sentences):
        assert s.index == i and doc.text[s.start : s.end] == s.text and s.text == s.text.strip()
    assert all(a.end <= b.start for a, b in zip(doc.sentences, doc.sentences[1:]))


def test_the_article_is_body_and_the_page_around_it_boilerplate() -> None:
    doc = read(PAGE)
    assert_slices(doc)
    assert doc.meta["format"] == "html" and not doc.warnings
    kept = [s.plain for s in doc.sentences if not s.boilerplate]
    assert kept == [TITLE, *_sentences(LEAD), *BODY]
    boilerplate = {s.plain for s in doc.sentences if s.boilerplate}
    assert {"Startseite", "Weiterlesen", "Meistgelesen", "Neues Schwimmbad öffnet im Mai", "Impressum"} <= boilerplate


def test_a_headline_and_lead_repeated_in_a_teaser_land_on_the_article() -> None:
    doc = read(PAGE)
    title, lead_start = PAGE.index(f"<h1>{TITLE}"), PAGE.index(f'<p class="lead">{LEAD}')
    (headline,) = [s for s in doc.sentences if s.role == "title"]
    assert headline.plain == TITLE and headline.start > title  # the article's <h1>, not the teaser's <h2>
    teaser = [s for s in doc.sentences if s.end < title]
    assert teaser and all(s.boilerplate for s in teaser)  # the teaser's copies are not the article
    lead = [s for s in doc.sentences if s.plain in _sentences(LEAD)]
    assert [s.boilerplate for s in lead] == [True] * (len(lead) // 2) + [False] * (len(lead) // 2)
    assert all(s.start > lead_start for s in lead if not s.boilerplate)


def test_alignment_takes_the_copy_nearest_the_article_for_text_repeated_above_it() -> None:
    # Blocks: teaser title, teaser lead, article title, a caption the extractor drops, lead, body.
    parts = [TITLE, LEAD, TITLE, "Foto: Archiv", LEAD, " ".join(BODY)]
    text, blocks, at = "", [], 0
    for part in parts:
        text += f"<p>{part}</p>"
        blocks.append(HtmlBlock(at + 3, at + 3 + len(part), "p"))
        at = len(text)
    article = "\n".join([TITLE, LEAD, *BODY])
    assert article_blocks(text, tuple(blocks), article) == frozenset({2, 4, 5})


def test_a_page_too_repetitive_to_align_token_by_token_is_matched_paragraph_by_paragraph(monkeypatch) -> None:
    # One sentence 3,000 times: a token-by-token pass would take 3,000² steps per word of it (quadratic).
    sentence = "Der Rat hat heute neue Regeln beschlossen."
    parts = ["Startseite Archiv Kontakt", *[sentence] * 3000, "Impressum"]
    text, blocks, at = "", [], 0
    for part in parts:
        text += f"<p>{part}</p>"
        blocks.append(HtmlBlock(at + 3, at + 3 + len(part), "p"))
        at = len(text)
    article = "\n".join([sentence] * 3000)
    block_tokens = [webpage._TOKEN.findall(part) for part in parts]
    assert webpage._alignment_work(block_tokens, webpage._TOKEN.findall(article)) > webpage.ALIGN_WORK
    assert article_blocks(text, tuple(blocks), article) == frozenset(range(1, 3001))
    # Under the budget both ways agree on an ordinary page.
    parts = [TITLE, LEAD, " ".join(BODY), "Impressum"]
    text, blocks, at = "", [], 0
    for part in parts:
        text += f"<p>{part}</p>"
        blocks.append(HtmlBlock(at + 3, at + 3 + len(part), "p"))
        at = len(text)
    article = "\n".join([TITLE, LEAD, " ".join(BODY)])
    by_tokens = article_blocks(text, tuple(blocks), article)
    monkeypatch.setattr(webpage, "ALIGN_WORK", 0)
    assert article_blocks(text, tuple(blocks), article) == by_tokens == frozenset({0, 1, 2})


def test_nothing_found_falls_back_to_the_furniture_rules_with_a_warning(monkeypatch) -> None:
    monkeypatch.setattr("summarize.webpage.extract_article", lambda text: None)
    doc = read(PAGE)
    assert_slices(doc)
    assert any("found no article" in w for w in doc.warnings)
    roles = {s.plain: s.role for s in doc.sentences}
    assert roles["Startseite"] == "boilerplate" and roles["Weiterlesen"] == "body"  # only nav/aside/footer go
    assert roles["Impressum"] == "boilerplate"


def test_an_extractor_that_fails_falls_back_with_a_warning(monkeypatch) -> None:
    def broken(text: str) -> str:
        raise ValueError("lxml could not parse it")

    monkeypatch.setattr("summarize.webpage.extract_article", broken)
    layout = html_layout(PAGE)
    assert layout.blocks and any("failed (ValueError: lxml could not parse it)" in w for w in layout.warnings)
    assert layout.title_block is not None


def test_a_page_that_is_all_script_has_no_sentence_and_the_runner_says_so() -> None:
    from summarize.runner.inputs import InputItem

    page = b"<!DOCTYPE html><html><head><script>var a = 1;</script></head><body><script>go();</script></body></html>"
    doc = load_document(page)
    assert doc.sentences == () and doc.meta["format"] == "html"
    with pytest.raises(InputError, match="no readable text"):
        InputItem("script.html", data=page).read(10**6)


def test_a_page_without_an_article_warns_and_the_runner_refuses_it() -> None:
    from summarize.runner.inputs import InputItem

    page = (b"<!DOCTYPE html><html><body><nav><a href='/'>Startseite</a> <a href='/a'>Archiv</a></nav>"
            b"<footer><p>Impressum</p><p>Datenschutz</p></footer></body></html>")
    doc = load_document(page)
    assert doc.warnings and not doc.content_sentences and all(s.boilerplate for s in doc.sentences)
    with pytest.raises(InputError, match="no article text"):
        InputItem("menu.html", data=page).read(10**6)


def test_boilerplate_of_a_web_page_never_reaches_the_translator(tiny_settings) -> None:
    jsonschema = pytest.importorskip("jsonschema")
    from summarize.render import render_json

    translator = Recorder()
    pipe = Pipeline(tiny_settings.replace(summarizer="extractive"), translator=translator)
    result = pipe.process(PAGE.encode("utf-8"))
    doc = result.document
    assert_slices(doc)
    boilerplate = [s for s in doc.sentences if s.boilerplate]
    assert boilerplate and all(s.translation is None and not s.flags for s in boilerplate)
    assert all(s.translation for s in doc.model_sentences)
    assert set(translator.seen) == {s.plain for s in doc.model_sentences}  # they, and nothing else
    assert "Startseite" not in translator.seen and "Weiterlesen" not in translator.seen
    linked = {link.sentence_id for s in result.summary.sentences for link in s.sources}
    assert linked and not linked & {s.id for s in boilerplate}
    data = json.loads(render_json(result))
    schema = json.loads((Path(summarize.__file__).parent / "schema" / "result.schema.json").read_text("utf-8"))
    jsonschema.validate(data, schema)
    assert [s["en"] for s in data["document"]["sentences"] if s["boilerplate"]] == [None] * len(boilerplate)


def test_a_text_files_boilerplate_lines_are_still_translated(make_document) -> None:
    doc = make_document("Ein Titel\n\nDer Rat tagte lange und beschloss den Haushalt.\n\nMehr zum Thema: Haushalt")
    assert any(s.boilerplate for s in doc.sentences) and doc.model_sentences == doc.sentences


def _sentences(paragraph: str) -> list[str]:
    return [s.plain for s in read(f"<!DOCTYPE html><html><body><p>{paragraph}</p></body></html>").sentences]
