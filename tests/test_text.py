"""text: the helpers every stage shares (stop words, has_letter, plain_text, strip_controls)."""

from __future__ import annotations

import pytest

from summarize.text import (
    ENGLISH_ONLY_FUNCTION_WORDS,
    GERMAN_ONLY_FUNCTION_WORDS,
    LANGUAGE_MARKERS,
    STOPWORDS,
    has_letter,
    plain_text,
    strip_controls,
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [("Bonn", True), ("Ärger", True), ("東京", True), ("2019", False), ("– 3,5 % –", False), ("•", False), ("", False)],
)
def test_has_letter(text: str, expected: bool) -> None:
    assert has_letter(text) is expected


@pytest.mark.parametrize(
    ("text", "plain"),
    [
        ("Ein Satz.", "Ein Satz."),
        ("<p>Der Minister sagte <b>nichts</b>.</p>", "Der Minister sagte nichts ."),
        ('<a href="https://x.de/a?b=1&amp;c=2">Mehr zum Thema</a>', "Mehr zum Thema"),
        ("Tom &amp; Jerry&nbsp;kommen.", "Tom & Jerry kommen."),
        ("Werte < 5 und > 3 sind selten.", "Werte < 5 und > 3 sind selten."),
        ("Wenn x<y gilt, dann y>x.", "Wenn x<y gilt, dann y>x."),
        ("<img src='a.png' alt=\"Bild\" data-x=1 hidden>Text", "Text"),
        ("Vor<!-- Kommentar -->her.", "Vor her."),
        ("Zeile eins\n  Zeile zwei", "Zeile eins Zeile zwei"),
        ("<br/>", ""),
        ("Der\x00 Minister\x07 sagte\x1b[31m nichts.", "Der Minister sagte nichts."),  # a str may hold anything
        ("Zeile\x0beins\x1czwei", "Zeile eins zwei"),
        ("<b>\x00</b>&#x1b;Satz", "Satz"),
        ("\x00\x07", ""),
    ],
    ids=["plain", "tags", "link-entity", "entities", "less-than", "no-tag-comparison", "attributes", "comment", "wrapped",
         "only-tag", "controls", "space-controls", "controls-in-markup", "only-controls"],
)
def test_plain_text_drops_markup_but_not_comparisons(text: str, plain: str):
    assert plain_text(text) == plain


def test_word_lists_do_what_their_names_say() -> None:
    assert {"the", "der", "und", "said"} <= STOPWORDS and "merkel" not in STOPWORDS
    assert not GERMAN_ONLY_FUNCTION_WORDS & {"die", "was", "will", "also", "am", "an", "so"}  # English words too
    assert not ENGLISH_ONLY_FUNCTION_WORDS & GERMAN_ONLY_FUNCTION_WORDS
    assert {"de", "en"} <= set(LANGUAGE_MARKERS)


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("\x00Hello\x07 world\x1b[31m", "Hello world"),
        ("Zeile\tmit Tab\nund Zeilenumbruch", "Zeile\tmit Tab\nund Zeilenumbruch"),
        ("a\x1fb\x0bc\r\nd", "a b c \nd"),  # white-space controls keep words apart
        ("bad\ud800surrogate\ufffe\uffff\ufdd0", "badsurrogate"),
        ("C1\x85 and\x9b DEL\x7f", "C1  and DEL"),
        ("Grüße, „Zitat“ – 5 €", "Grüße, „Zitat“ – 5 €"),
    ],
    ids=["nul-bell-ansi", "tab-newline-kept", "space-controls", "surrogates-nonchars", "c1-del", "unicode-kept"],
)
def test_strip_controls(raw: str, clean: str):
    assert strip_controls(raw) == clean
