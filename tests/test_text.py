"""text: the helpers every stage shares (stop words, has_letter, plain_text)."""

from __future__ import annotations

import pytest

from summarize.text import (
    ENGLISH_ONLY_FUNCTION_WORDS,
    GERMAN_ONLY_FUNCTION_WORDS,
    LANGUAGE_MARKERS,
    STOPWORDS,
    has_letter,
    plain_text,
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
    ],
    ids=["plain", "tags", "link-entity", "entities", "less-than", "no-tag-comparison", "attributes", "comment", "wrapped", "only-tag"],
)
def test_plain_text_drops_markup_but_not_comparisons(text: str, plain: str):
    assert plain_text(text) == plain


def test_word_lists_do_what_their_names_say() -> None:
    assert {"the", "der", "und", "said"} <= STOPWORDS and "merkel" not in STOPWORDS
    assert not GERMAN_ONLY_FUNCTION_WORDS & {"die", "was", "will", "also", "am", "an", "so"}  # English words too
    assert not ENGLISH_ONLY_FUNCTION_WORDS & GERMAN_ONLY_FUNCTION_WORDS
    assert {"de", "en"} <= set(LANGUAGE_MARKERS)
