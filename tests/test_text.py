"""text: the helpers every stage shares (words, languages, stop words, plain_text, strip_controls, loops)."""

from __future__ import annotations

import pytest

from summarize.text import (
    ENGLISH_ONLY_FUNCTION_WORDS,
    GERMAN_ONLY_FUNCTION_WORDS,
    LANGUAGE_MARKERS,
    STOPWORDS,
    UNHYPHENATED_WORD,
    has_letter,
    language_scores,
    likeliest_language,
    plain_text,
    repeated_phrase,
    strip_controls,
    word_parts,
    words,
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
        ("<p>Der Minister sagte <b>nichts</b>.</p>", "Der Minister sagte nichts."),  # inline tags glue, as shown
        ("<td>Bonn</td><td>Berlin</td>, <abbr>BGB</abbr>)", "Bonn Berlin , BGB)"),  # other tags part words
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
    ids=["plain", "tags", "block-and-inline-tags", "link-entity", "entities", "less-than", "no-tag-comparison", "attributes", "comment", "wrapped",
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


# (text, times, the phrase found): one definition of a loop for the retry (4 times) and the checks (3 times)
REPEATS = [
    ("taxes taxes taxes", 3, "taxes"),
    ("taxes taxes taxes", 4, None),
    ("of the future of the future of the future", 3, "of the future"),
    ("No, no, NO!", 3, "No"),  # case and punctuation between the repeats aside
    ("the twelve-year-old twelve-year-old twelve-year-old", 3, "twelve-year-old"),  # a hyphenated word is one
    ("3:1 (1:1, 1:1)", 3, None),  # scores repeat digits without looping
    ("won 2 2 2 2 games", 4, None),
    ("a b c d e a b c d e a b c d e", 3, None),  # five words: no phrase
    ("He said no, no.", 3, None),
    ("the them the", 2, None),  # whole words only
]


@pytest.mark.parametrize(("text", "times", "phrase"), REPEATS, ids=[f"{c[0][:20]}-{c[1]}" for c in REPEATS])
def test_repeated_phrase(text: str, times: int, phrase: str | None) -> None:
    assert repeated_phrase(text, times) == phrase


WORDS = [
    ("Der Vertrag läuft 2019 aus.", ["Der", "Vertrag", "läuft", "2019", "aus"]),
    ("Don't stop the twelve-year-old!", ["Don't", "stop", "the", "twelve-year-old"]),
    ("Merkel’s A8 and COVID-19", ["Merkel’s", "A8", "and", "COVID-19"]),
    ("snake_case - 'quoted' -- x", ["snake", "case", "quoted", "x"]),  # "_" and loose marks join nothing
    ("東京 und Ärger", ["東京", "und", "Ärger"]),
    ("", []),
]


@pytest.mark.parametrize(("text", "expected"), WORDS, ids=[t or "empty" for t, _ in WORDS])
def test_words_and_their_parts(text: str, expected: list[str]) -> None:
    assert words(text) == expected
    # A word's parts are what its apostrophes and hyphens join, nothing else.
    assert word_parts(text) == [part for w in expected for part in w.replace("’", "-").replace("'", "-").split("-")]
    assert UNHYPHENATED_WORD.findall(text) == [part for w in expected for part in w.split("-")]
    assert words(text, lettered=True) == [w for w in expected if has_letter(w)]
    assert word_parts(text, lettered=True) == [p for p in word_parts(text) if has_letter(p)]


def test_language_scores_count_markers_and_need_five_words() -> None:
    assert language_scores("Der Hund und die.") == {}  # four words: too few to tell
    scores = language_scores("Der Hund ist nicht mit der Katze und dem Vogel im Haus.")
    assert scores["de"] >= 6 > scores["en"]
    assert likeliest_language(scores) == "de"
    assert likeliest_language(language_scores("The dog and the cat were in the house.")) == "en"
    assert likeliest_language({}) is None
    assert likeliest_language({"de": 1, "en": 1}) is None  # one marker proves nothing
    assert likeliest_language({"de": 3, "en": 3}) == "de"  # ties go to German


@pytest.mark.parametrize("text", ["no-no-no", "No, no, no.", "taxes taxes taxes", "of the future of the future of the future"])
def test_repeated_phrase_finds_loops_inside_joined_words_too(text: str) -> None:
    # The cheap pre-test counts word parts, so a loop inside one hyphenated word is not ruled out early.
    assert repeated_phrase(text, 3) is not None
