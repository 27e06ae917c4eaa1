"""render.markdown: footnotes that quote every source, escaped article text."""

from __future__ import annotations

from dataclasses import replace

from summarize.render import render_markdown


def test_markdown_footnotes_quote_every_source(result_of):
    md = render_markdown(result_of(evil=False))
    assert md.startswith("# EN Titel des Artikels")
    assert "[^1]" in md and "[^2]" in md
    assert "[^1]: s3 (characters" in md and "„Russland liefert 11.000 Container.“" in md
    assert "⚠ unsupported" in md and "number 12,000 not in source" in md
    summary_part = md.split("## Translation")[0]
    assert "Diesen Artikel teilen" not in summary_part
    assert "Site furniture" in md


def test_markdown_escapes_article_markup(result_of):
    md = render_markdown(result_of())
    assert "<script>" not in md and "\\<script\\>" in md


def test_markdown_marks_a_flagged_translation_and_footnotes_why(result_of):
    md = render_markdown(result_of(evil=False))
    assert md.count("⚑[^s5]") == 1 and "EN a 3rd sentence. ⚑[^s5]" in md
    assert "[^s5]: ⚑ s5 „Ein dritter Satz.“: number 3 in the English has no source in the German" in md
    assert "⚑[^s3]" not in md and "⚑[^s4]" not in md


def test_markdown_shows_the_pages_metadata_with_a_safe_link(result_of):
    result = result_of(evil=False)
    meta = {**result.document.meta, "date": "2023-09-13", "authors": "Anna Schmidt", "site_name": "tages*schau",
            "url": "https://www.tagesschau.de/a b>(1).html"}
    md = render_markdown(replace(result, document=replace(result.document, meta=meta)))
    assert ("date: 2023-09-13 · by: Anna Schmidt · source: [tages\\*schau](<https://www.tagesschau.de/a%20b%3E(1).html>)"
            in md.splitlines())
    no_link = {**meta, "url": "javascript:alert(1)"}
    md = render_markdown(replace(result, document=replace(result.document, meta=no_link)))
    assert "javascript" not in md and "source: tages\\*schau" in md


def test_markdown_keeps_boilerplate_out_of_the_translation(result_of):
    md = render_markdown(result_of(evil=False))
    translation, furniture = md.split("## Translation")[1].split("### Site furniture (not summarized)")
    assert "Diesen Artikel teilen" not in translation and "Diesen Artikel teilen" in furniture
