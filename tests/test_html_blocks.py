"""`html_blocks`: which inputs are HTML pages, and the text blocks of a page as exact spans of its raw text."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from summarize.html_blocks import looks_like_html, read_html
from summarize.text import plain_text
from tools.html_oracle import script_and_style_spans

PAGE = (Path(__file__).resolve().parent / "data" / "article.html").read_text(encoding="utf-8")
# Text of the page that a reader never sees: none of it may be in any block.
HIDDEN_TEXT = ("DOCTYPE", "Beispiel-Zeitung</title>", "font-family", "Weiterlesen", "dataLayer",
               "JavaScript", "Navigation:", "Vorlage", "Ein Satz im Skript", "app.js")  # fmt: skip


@pytest.mark.parametrize(
    ("text", "html"),
    [
        (PAGE, True),
        ("<html><body><p>Ein Satz.</p></body></html>", True),
        ("\ufeff  <!doctype HTML>\n<p>Ein Satz.</p>", True),
        ("<body>\nEin Satz.\n</body>", True),
        ("<h1>Titel</h1><p>Erster Absatz.</p><p>Zweiter Absatz.</p>", True),  # blocks glued on one line
        ("<h1>Russland und Nordkorea</h1>\n<p>Der Minister sagte <b>nichts</b>.</p>\n<br/>\n<p>Ende.</p>\n", False),
        ("Titel\n\nDer Minister sagte nichts.</p><p>Ein Rest.", False),  # one pasted pair: still plain text
        ("Werte < 5 und > 3 sind selten. Im <body> des Briefes stand nichts.", False),
        ("Der Minister sagte nichts.\nDie Gespräche gehen weiter.", False),
    ],
    ids=["page", "html-body", "bom-doctype", "body-only", "glued-fragment", "tags-on-own-lines", "one-pair",
         "prose-with-angle-brackets", "plain"],
)
def test_which_inputs_are_html(text: str, html: bool):
    assert looks_like_html(text) is html


def test_blocks_of_a_page_skip_everything_a_reader_never_sees():
    page = read_html(PAGE)
    assert page.title == "Russland & Nordkorea: Kim besucht Putin | Beispiel-Zeitung"
    blocks = [(b.tag, plain_text(PAGE[b.start : b.end]), b.furniture) for b in page.blocks]
    assert blocks == [
        ("nav", "Startseite Politik", True),
        ("h1", "Kim besucht Putin in Wladiwostok", False),
        ("p", "Von Anna Schmidt", False),
        ("p", ("Der nordkoreanische Machthaber Kim Jong Un ist am Mittwoch in Russland eingetroffen. "
               "Die Gespräche gehen weiter & bleiben geheim."), False),
        ("h2", "Waffen gegen Weizen", False),
        ("p", "Beobachter erwarten ein Abkommen über Munition und Lebensmittel.", False),  # <br> ends a block
        ("p", "Die USA warnten beide Seiten.", False),
        ("li", "Artilleriegeschosse", False),
        ("li", "Raketen – auch Kurzstrecke", False),
        ("h2", "Mehr zum Thema", False),
        ("p", "Die Lage in Korea bleibt angespannt, sagte ein Sprecher in Seoul.", False),
        ("p", "Diesen Artikel teilen", True),
        ("p", "© 2023 Beispiel-Zeitung. Alle Rechte vorbehalten.", True),
    ]  # fmt: skip
    for b in page.blocks:
        assert not any(hidden in PAGE[b.start : b.end] for hidden in HIDDEN_TEXT)


@pytest.mark.parametrize("newline", ["\r\n", "\r", "\n"], ids=["crlf", "cr", "lf"])
def test_offsets_are_characters_of_the_raw_text_whatever_the_line_ends(newline: str):
    text = PAGE.replace("\n", newline)
    expected = [plain_text(PAGE[b.start : b.end]) for b in read_html(PAGE).blocks]
    blocks = read_html(text).blocks
    assert [plain_text(text[b.start : b.end]) for b in blocks] == expected


def test_entities_before_a_block_do_not_shift_it():
    text = "<html><p>&amp;&lt;&#8211;&euro;&nbsp;&unknown; x</p>\n<p>Zweiter &quot;Absatz&quot;.</p></html>"
    first, second = read_html(text).blocks
    assert text[first.start : first.end] == "&amp;&lt;&#8211;&euro;&nbsp;&unknown; x"
    assert text[second.start : second.end] == "Zweiter &quot;Absatz&quot;."


def test_an_unclosed_head_ends_where_the_text_starts_and_a_title_in_svg_is_not_the_title():
    text = "<html><head><svg><title>Icon</title></svg><title>Seite</title><h1>Titel</h1><p>Text.</p></html>"
    page = read_html(text)
    assert page.title == "Seite"
    assert [(b.tag, text[b.start : b.end]) for b in page.blocks] == [("h1", "Titel"), ("p", "Text.")]


def test_a_script_inside_a_paragraph_splits_it_and_is_never_read():
    text = "<html><p>Vorher <script>var x = 'Geheim';</script> nachher.</p></html>"
    assert [text[b.start : b.end].strip() for b in read_html(text).blocks] == ["Vorher", "nachher."]


_TOKENS = ["<p>", "</p>", "<h1>", "</h1>", "<h2 class='x'>", "</h2>", "<br>", "<br/>", "<b>", "</b>",
           "<a href=\"/x?a=1&amp;b=2\">", "</a>", "<script>", "</script>", "<style>", "</style>", "<head>",
           "</head>", "<body>", "<!-- c -->", "<!DOCTYPE html>", "<title>", "</title>", "<li>", "<div>", "</div>",
           "&amp;", "&#8211;", "&nbsp;", "&", "<", ">", "Satz.", "Der", "Minister", "Müller", " ", "\n", "\r\n",
           "\t", "<![CDATA[x]]>", "<?php x ?>", "<nav>", "</nav>", "<img alt='Bild' src=x>", "</ p>", "<p"]  # fmt: skip


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.sampled_from(_TOKENS), max_size=80))
def test_any_markup_gives_ordered_spans_of_visible_text(tokens: list[str]):
    text = "<html>" + "".join(tokens)
    hidden = script_and_style_spans(text)
    end = 0
    for b in read_html(text).blocks:
        assert end <= b.start < b.end <= len(text)
        assert text[b.start : b.end].strip()
        assert not any(b.start < stop and start < b.end for start, stop in hidden), "script text in a block"
        end = b.end


def test_a_bogus_tag_that_contains_script_starts_no_script():
    # Found by the property above: `<p<script>` is one tag named "p<script" (html.parser and browsers agree).
    text = "<html>&amp;<p<script><p"
    assert script_and_style_spans(text) == []
    assert [(b.start, b.end) for b in read_html(text).blocks] == [(6, 23)]
