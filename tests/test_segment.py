"""Segmentation: German news sentence cases, invariants (seeds and fuzz), roles, meta, clause splitting."""

from __future__ import annotations

import itertools
import math
import re
import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from summarize.document import Document, document_from_text, read_document
from summarize.segment import (
    ZERO_WIDTH,
    _pysbd_segmenter,
    guess_language,
    pysbd_sentences,
    segment,
    split_clauses,
    split_sentences,
)
from tools.html_oracle import script_and_style_spans
from tools.segment_cases import SENTENCE_CASES

SEEDS = sorted((Path(__file__).resolve().parent.parent / "seeds").glob("*.txt"))
_META_TOKEN = re.compile(r"[\s" + ZERO_WIDTH + r"]*(date[ \t]+\d{4}-\d{2}(?:-\d{2})?)\b")


def seg(text: str) -> Document:
    return segment(document_from_text(text))


def assert_invariants(doc: Document) -> None:
    text = doc.text
    covered = bytearray(len(text))
    previous_end = 0
    for i, s in enumerate(doc.sentences):
        assert s.id == f"s{i + 1}" and s.index == i
        assert text[s.start : s.end] == s.text, s
        assert s.text and s.text == s.text.strip() and s.text.strip(ZERO_WIDTH) == s.text
        assert s.start >= previous_end, "sentences overlap or are out of order"
        assert s.role in {"title", "byline", "body", "boilerplate"} and s.translation is None
        previous_end = s.end
        covered[s.start : s.end] = b"\x01" * (s.end - s.start)
    paragraphs = [s.paragraph for s in doc.sentences]
    assert paragraphs == sorted(paragraphs) and (not paragraphs or paragraphs[0] >= 0)
    meta = _META_TOKEN.match(text)
    meta_span = range(meta.start(1), meta.end(1)) if meta else range(0)
    lost = [
        (i, ch)
        for i, ch in enumerate(text)
        if not covered[i] and not ch.isspace() and ch not in ZERO_WIDTH and i not in meta_span
    ]
    assert not lost, f"characters outside every sentence: {lost[:10]}"


# --- the case table -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"), [(t, e) for _, t, e in SENTENCE_CASES], ids=[i for i, _, _ in SENTENCE_CASES]
)
def test_german_news_sentences(text: str, expected: list[str]) -> None:
    doc = seg(text)
    assert [s.text for s in doc.sentences] == expected
    assert_invariants(doc)


def test_split_sentences_returns_absolute_stripped_spans() -> None:
    text = "Vorspann. Der Preis stieg um ca. 5 Prozent. Dann fiel er.  Nachspann."
    start = text.index("Der")
    end = text.index("Nachspann")
    spans = split_sentences(text, start, end)
    assert [text[a:b] for a, b in spans] == ["Der Preis stieg um ca. 5 Prozent.", "Dann fiel er."]
    assert split_sentences("   \n ") == []


def test_hard_wrap_with_crlf_spans_the_line_break() -> None:
    doc = seg("Die Regierung will die Steuern\r\nzu senken versuchen. Das ist neu.\r\n")
    assert [s.text for s in doc.sentences] == [
        "Die Regierung will die Steuern\r\nzu senken versuchen.",
        "Das ist neu.",
    ]


def test_blank_line_stops_a_wrap_and_lines_are_paragraphs() -> None:
    doc = seg("Erste Zeile ohne Punkt\n\nzweite Zeile klein.\nDritte Zeile.")
    assert [s.text for s in doc.sentences] == [
        "Erste Zeile ohne Punkt",
        "zweite Zeile klein.",
        "Dritte Zeile.",
    ]
    assert [s.paragraph for s in doc.sentences] == [0, 1, 2]


def test_bom_and_zero_width_characters_stay_outside() -> None:
    doc = seg("\ufeffTitel der Meldung\n\n\u200bEin Satz. Noch einer.\u200b\n")
    assert [s.text for s in doc.sentences] == ["Titel der Meldung", "Ein Satz.", "Noch einer."]
    assert_invariants(doc)


# --- meta: date, title, language ------------------------------------------------------------------------


def test_date_token_is_meta_and_title_follows_on_the_same_line() -> None:
    doc = seg(" date 2023-09 Geopolitik: USA haben kaum Einfluss\n\nDer erste Satz. Der zweite.")
    assert doc.meta["date"] == "2023-09"
    assert doc.meta["title"] == "Geopolitik: USA haben kaum Einfluss"
    assert doc.sentences[0].role == "title" and doc.sentences[0].text == doc.meta["title"]
    assert all("date 2023-09" not in s.text for s in doc.sentences)
    assert_invariants(doc)


def test_date_alone_on_its_line_then_the_title() -> None:
    doc = seg("date 2024-01\nKim trifft Putin\nDer Gipfel begann am Morgen.")
    assert doc.meta["date"] == "2024-01" and doc.meta["title"] == "Kim trifft Putin"
    assert [s.role for s in doc.sentences] == ["title", "body"]


def test_no_title_when_the_first_line_is_a_sentence() -> None:
    doc = seg("Der Gipfel begann am Morgen. Beide lächelten.\nDann kam die Presse.")
    assert "title" not in doc.meta and all(s.role == "body" for s in doc.sentences)
    assert "date" not in doc.meta


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Die Regierung hat am Montag beschlossen, dass die Steuern nicht steigen werden.", "de"),
        ("The government decided on Monday that taxes will not rise for the rest of the year.", "en"),
        ("Le gouvernement a décidé lundi que les impôts ne vont pas augmenter pour les familles.", "fr"),
        ("El gobierno decidió el lunes que los impuestos no van a subir para las familias.", "es"),
        ("Il governo ha deciso lunedì che le tasse non aumenteranno per le famiglie della città.", "it"),
        ("De regering heeft maandag besloten dat de belastingen niet stijgen voor het gezin.", "nl"),
        ("Kim Putin", None),
    ],
    ids=["de", "en", "fr", "es", "it", "nl", "too-short"],
)
def test_guess_language(text: str, expected: str | None) -> None:
    assert guess_language(text) == expected


def test_english_article_gets_a_warning_german_does_not() -> None:
    english = seg(
        "Putin meets Kim\n\nThe two leaders met on Wednesday at the spaceport. They discussed the war and "
        "the sanctions that have been imposed on both of their countries by the West."
    )
    assert english.meta["language"] == "en"
    assert any("English (en), not German" in w for w in english.warnings)
    german = seg(
        "Putin trifft Kim\n\nDie beiden trafen sich am Mittwoch. Sie sprachen über den Krieg und die Sanktionen."
    )
    assert german.meta["language"] == "de" and german.warnings == ()


# --- roles ----------------------------------------------------------------------------------------------

ROLE_CASES = [
    ("Durch Ernst Müller", "byline"),
    ("Von Anna Schmidt", "byline"),
    ("Von Anna Schmidt und Peter Weber, Berlin", "byline"),
    ("Quelle: AFP © Mikhail Metzel", "byline"),
    ("Foto: dpa", "byline"),
    ("Lesezeit: 3 Minuten", "byline"),
    ("- in", "byline"),
    ("Mehr zum Thema – Putin empfängt Kim", "boilerplate"),
    ("Diesen Artikel teilen", "boilerplate"),
    ("Kommentare (0)", "boilerplate"),
    ("Kommentar veröffentlichen", "boilerplate"),
    ("Teilen", "boilerplate"),
    ("Jetzt den Newsletter abonnieren", "boilerplate"),
    ("Abonnieren Sie unseren Kanal", "boilerplate"),
    ("Wir verwenden Cookies, um Ihnen das beste Erlebnis zu bieten.", "boilerplate"),
    ("Alle Rechte vorbehalten.", "boilerplate"),
    ("© 2024 NewsWorld™.", "boilerplate"),
    ("Russland: Neueste Nachrichten", "boilerplate"),
    ("Von Moskau aus gesehen ist die Lage völlig anders als in Washington.", "body"),
    ("Teilen sich die beiden Länder die Verantwortung?", "body"),
    ("Die Quelle der Informationen blieb unklar.", "body"),
]


@pytest.mark.parametrize(("line", "role"), ROLE_CASES, ids=[line[:30] for line, _ in ROLE_CASES])
def test_role_table(line: str, role: str) -> None:
    # An opening body sentence keeps the line from being the title; a closing one keeps it off the footer.
    doc = seg(f"Der Gipfel begann am Morgen.\n{line}\n" + "Die Gespräche dauerten an. " * 20)
    (sentence,) = [s for s in doc.sentences if s.paragraph == 1]
    assert sentence.role == role


def test_footer_marker_late_makes_the_rest_boilerplate_but_not_early() -> None:
    body = "Die Gespräche dauerten bis in die Nacht. " * 10
    doc = seg(f"Titel\n\n{body}\n\nDiesen Artikel teilen\n\nUnsere Seite ist kostenlos. Wir sind schnell.")
    tail = doc.sentences[-3:]
    assert [s.role for s in tail] == ["boilerplate"] * 3
    early = seg(f"Titel\n\nTeilen\n\n{body}")
    assert early.sentences[1].role == "boilerplate"
    assert all(s.role == "body" for s in early.sentences[2:])


def test_mehr_zum_thema_takes_the_rest_of_its_line() -> None:
    doc = seg("Der Satz endet. Mehr zum Thema: Nordkorea. Russland liefert Öl.\nDie Lage bleibt ernst.")
    assert [s.role for s in doc.sentences] == ["body", "boilerplate", "boilerplate", "body"]


@pytest.mark.parametrize("path", SEEDS, ids=[p.stem[:3] for p in SEEDS])
def test_seed_invariants(path: Path) -> None:
    doc = segment(read_document(path))
    assert_invariants(doc)
    assert doc.meta["language"] == "de" and not any("not German" in w for w in doc.warnings)
    assert not any(s.role == "body" and s.text.startswith("Mehr zum Thema") for s in doc.sentences)
    assert sum(s.role == "body" for s in doc.sentences) >= 10


def test_seed_000_date_title_and_related_link() -> None:
    doc = segment(read_document(SEEDS[0]))
    assert doc.meta["date"] == "2023-09"
    assert doc.meta["title"].startswith("Geopolitik: USA haben kaum Einfluss")
    assert doc.sentences[0].role == "title"
    last = doc.sentences[-1]
    assert last.text.startswith("Mehr zum Thema –") and last.role == "boilerplate"
    assert doc.sentences[-2].role == "body" and doc.sentences[-2].paragraph == last.paragraph  # glued
    assert any(s.role == "byline" and s.text.startswith("Quelle: AFP") for s in doc.sentences)


def test_seed_004_bylines_lists_and_footer() -> None:
    doc = segment(read_document(SEEDS[4]))
    by_text = {s.text: s for s in doc.sentences}
    for byline in ("Lesezeit: 3 Minuten", "Durch Ernst Müller", "- in"):
        assert by_text[byline].role == "byline"
    assert by_text["• Artilleriegeschosse"].role == "body"
    first_footer = next(i for i, s in enumerate(doc.sentences) if s.text == "Diesen Artikel teilen")
    assert all(s.role == "boilerplate" for s in doc.sentences[first_footer:])
    assert any(s.text.startswith("NewsWorld.app") for s in doc.sentences[first_footer:])
    assert by_text["Russland: Neueste Nachrichten"].role == "boilerplate"
    assert all(s.role == "body" for s in doc.sentences[4 : first_footer - 1])


# --- fuzz -----------------------------------------------------------------------------------------------

_FUZZ_TOKENS = [
    "Der", "die", "Regierung", "Müller", "Köln", "z. B.", "z.B.", "Dr.", "Nr.", "ca.", "usw.", "Mio.",
    "u. a.", "12.", "3. Mai", "11.000", "5,4", "9.30", "1.", ".", "...", "…", "!", "?", ":", ";", ",", "–",
    "„", "“", "»", "«", '"', "(", ")", "[...]", "•", "- ", "* ", "\n", "\n\n", "\r\n", " ", "  ", "\t",
    "\u00a0", "\u200b", "\ufeff", "https://www.example.de/a.b?x=1", "max@example.de", "Mehr zum Thema",
    "Diesen Artikel teilen", "©", "Von Anna Schmidt", "a", "Ä", "ß", "2023",
]  # fmt: skip


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    prefix=st.sampled_from(["", "date 2023-09 ", "  date 2024-11\n", "\ufeff", "\n\n"]),
    tokens=st.lists(st.sampled_from(_FUZZ_TOKENS), max_size=60),
    separators=st.lists(st.sampled_from(["", " ", " ", "\n"]), min_size=60, max_size=60),
)
def test_fuzzed_text_keeps_invariants(prefix: str, tokens: list[str], separators: list[str]) -> None:
    text = prefix + "".join(t + s for t, s in zip(tokens, separators)) + "x"
    assert_invariants(seg(text))


@given(st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=200))
@settings(max_examples=200, deadline=None)
def test_any_unicode_keeps_invariants(text: str) -> None:
    if text.strip():
        assert_invariants(seg(text))


# --- HTML pages -------------------------------------------------------------------------------------------

HTML_PAGE = Path(__file__).resolve().parent / "data" / "article.html"
# (role, what the models read) of every sentence of tests/data/article.html: nothing of its head, scripts,
# styles, comments or doctype; the <h1> is the title, on its own although the next paragraph follows on its line.
HTML_SENTENCES = [
    ("boilerplate", "Startseite Politik"),  # <nav>
    ("title", "Kim besucht Putin in Wladiwostok"),
    ("boilerplate", "Von Anna Schmidt"),  # trafilatura leaves the byline out of the article
    ("body", "Der nordkoreanische Machthaber Kim Jong Un ist am Mittwoch in Russland eingetroffen."),
    ("body", "Die Gespräche gehen weiter & bleiben geheim."),
    ("body", "Waffen gegen Weizen"),  # <h2>: a sentence of its own
    ("body", "Beobachter erwarten ein Abkommen über Munition und Lebensmittel."),
    ("body", "Die USA warnten beide Seiten."),
    ("body", "Artilleriegeschosse"),
    ("body", "Raketen – auch Kurzstrecke"),
    ("boilerplate", "Mehr zum Thema"),
    ("body", "Die Lage in Korea bleibt angespannt, sagte ein Sprecher in Seoul."),
    ("boilerplate", "Diesen Artikel teilen"),  # <footer>
    ("boilerplate", "© 2023 Beispiel-Zeitung. Alle Rechte vorbehalten."),  # outside the article: one span, unsplit
]


def assert_html_invariants(doc: Document) -> None:
    end = 0
    for i, s in enumerate(doc.sentences):
        assert s.id == f"s{i + 1}" and s.index == i and doc.text[s.start : s.end] == s.text
        assert s.text == s.text.strip() and end <= s.start < s.end
        end = s.end


@pytest.mark.parametrize("newline", ["\n", "\r\n"], ids=["lf", "crlf"])
def test_an_html_page_is_read_block_by_block(newline: str) -> None:
    text = HTML_PAGE.read_text(encoding="utf-8").replace("\n", newline)
    doc = segment(read_document(text.encode("utf-8")))
    assert_html_invariants(doc)
    assert [(s.role, s.plain) for s in doc.sentences] == HTML_SENTENCES
    assert doc.meta["format"] == "html" and doc.meta["language"] == "de"
    assert doc.meta["title"] == "Kim besucht Putin in Wladiwostok"  # the headline, not <title> with the site's name


def test_without_a_title_element_the_h1_gives_the_title() -> None:
    text = HTML_PAGE.read_text(encoding="utf-8")
    text = text[: text.index("<title>")] + text[text.index("</title>") + len("</title>") :]
    doc = segment(read_document(text.encode("utf-8")))
    assert doc.meta["title"] == "Kim besucht Putin in Wladiwostok" == doc.title_sentence.plain
    assert doc.title_sentence.text == "Kim besucht <em>Putin</em> in Wladiwostok"  # the raw slice
    assert doc.title == "Kim besucht Putin in Wladiwostok"  # what a reader sees before translation


def test_a_glued_html_fragment_keeps_headings_apart_and_plain_text_with_tags_stays_plain() -> None:
    fragment = seg("<h1>Gipfel in Moskau</h1><p>Die Gespräche begannen am Morgen. Sie dauern an.</p><p>Ende.</p>")
    assert [(s.role, s.plain) for s in fragment.sentences] == [
        ("title", "Gipfel in Moskau"), ("body", "Die Gespräche begannen am Morgen."), ("body", "Sie dauern an."),
        ("body", "Ende."),
    ]  # fmt: skip
    pasted = seg("<h1>Gipfel in Moskau</h1>\n<p>Die Gespräche begannen am Morgen.</p>\n<br/>\n")
    assert "format" not in pasted.meta and pasted.sentences[-1].text == "<br/>"  # read line by line, as before
    assert_invariants(pasted)


_HTML_TOKENS = ["<p>", "</p>", "<h1>", "</h1>", "<h2>", "</h2>", "<br>", "<b>", "</b>", "<script>x=1;</script>",
                "<!-- c -->", "<nav>", "</nav>", "<li>", "&amp;", "Der", "Satz.", "Dr.", "Nr. 5", "Mehr zum Thema",
                "©", " ", "\n", "\r\n", "<", "&"]  # fmt: skip


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.sampled_from(_HTML_TOKENS), max_size=60))
def test_any_html_page_keeps_the_invariants(tokens: list[str]) -> None:
    doc = seg("<!DOCTYPE html><html><body>" + "".join(tokens))
    assert_html_invariants(doc)
    # No sentence holds script text (`<Der<script>` is one bogus tag named "der<script", and starts no script).
    hidden = script_and_style_spans(doc.text)
    assert not any(s.start < stop and start < s.end for s in doc.sentences for start, stop in hidden)


# --- split_clauses --------------------------------------------------------------------------------------

_CLAUSE = "die Regierung beschloss am Montag neue Regeln für Mieter in großen Städten"
_LONG_SENTENCE = (
    ", ".join(
        [
            _CLAUSE,
            "und die Opposition protestierte lautstark im Parlament; danach",
            "weil die Kosten stiegen – so hieß es",
        ]
        * 60
    )
    + "."
)


class CountingFits:
    def __init__(self, predicate) -> None:  # type: ignore[no-untyped-def]
        self.predicate = predicate
        self.calls = 0

    def __call__(self, piece: str) -> bool:
        self.calls += 1
        return self.predicate(piece)


def assert_pieces(text: str, spans: list[tuple[int, int]], fits) -> None:  # type: ignore[no-untyped-def]
    assert spans and all(a < b for a, b in spans)
    assert all(b <= c for (_, b), (c, _) in itertools.pairwise(spans))
    assert all(fits(text[a:b]) and text[a:b] == text[a:b].strip() for a, b in spans)
    rebuilt = "".join(text[a:b] for a, b in spans)
    assert re.sub(r"\s", "", rebuilt) == re.sub(r"\s", "", text)


@pytest.mark.parametrize(
    "predicate",
    [lambda p: len(p.split()) <= 50, lambda p: len(p) <= 300],
    ids=["50-words", "300-chars"],
)
def test_split_clauses_long_sentence(predicate) -> None:  # type: ignore[no-untyped-def]
    fits = CountingFits(predicate)
    spans = split_clauses(_LONG_SENTENCE, fits)
    assert_pieces(_LONG_SENTENCE, spans, predicate)
    # Clause boundaries are frequent here, so every cut lands on one: after , ; : or before a dash.
    for _, b in spans[:-1]:
        rest = _LONG_SENTENCE[b:].lstrip()
        assert _LONG_SENTENCE[b - 1] in ",;:" or rest.startswith("–"), _LONG_SENTENCE[b - 30 : b + 10]
    # Greedy packing: not many more pieces than a perfect packing would need.
    if "split" in repr(predicate.__code__.co_names):
        minimum = math.ceil(len(_LONG_SENTENCE.split()) / 50)
    else:
        minimum = math.ceil(len(_LONG_SENTENCE) / 300)
    assert len(spans) <= 2 * minimum + 1
    assert fits.calls <= len(spans) * (2 * math.log2(len(_LONG_SENTENCE)) + 4)


def test_split_clauses_cuts_a_giant_token_by_characters() -> None:
    token = "x" * 5000
    fits = CountingFits(lambda p: len(p) <= 512)
    spans = split_clauses(f"Anfang {token} Ende", fits)
    assert_pieces(f"Anfang {token} Ende", spans, lambda p: len(p) <= 512)
    assert len(spans) <= 12 and fits.calls <= len(spans) * 40


def test_split_clauses_short_text_is_one_piece() -> None:
    assert split_clauses("  Kurzer Satz.  ", lambda p: True) == [(2, 14)]


# --- robustness and speed -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "line",
    [
        "Wort " * 200_000,
        ("Die Regierung beschloss am 3. Mai ca. 5 Mio. Euro für z. B. Schulen. " * 15_000)[:1_000_000],
        "a." * 500_000,
    ],
    ids=["words", "sentences", "dots"],
)
def test_one_megabyte_line_is_fast(line: str) -> None:
    t0 = time.perf_counter()
    spans = split_sentences(line)
    assert time.perf_counter() - t0 < 30
    assert spans and spans[0][0] == 0 and spans[-1][1] == len(line.rstrip())


def test_base_output_is_realigned_even_when_the_library_alters_text() -> None:
    def sloppy_base(text: str) -> list[str]:
        # Collapses white space, drops one character and rewrites quotes, as some libraries do.
        pieces = re.split(r"(?<=[.!?])\s+", text)
        return [" ".join(p.split()).replace("„", '"').replace("x", "") for p in pieces]

    text = "Er   sagte: „Wir kommen.“  Dann\u00a0ging er. Max Alex fuhr  ab. Ende."
    spans = split_sentences(text, base=sloppy_base)
    assert [text[a:b] for a, b in spans][-1] == "Ende."
    assert all(text[a:b] == text[a:b].strip() for a, b in spans)
    assert re.sub(r"\s", "", "".join(text[a:b] for a, b in spans)) == re.sub(r"\s", "", text)


SEED_PARAGRAPHS = [p for f in SEEDS for p in f.read_text(encoding="utf-8").split("\n\n") if p.strip()]
PYSBD_TEXTS = [
    "Dr. med. Müller sagte am 3. Mai: „Nein.“  Das ist es.\n\nNr. 5 folgt. Nr. 5 folgt.  ",
    "Es kostet 1,5 Mio. Euro. Es kostet 1,5 Mio. Euro. Es kostet 1,5 Mio. Euro.",  # a sentence three times
    "   Führend   ist die Bahn.\u00a0Danach kommt\tnichts.\u2003Ende ... und? Ja! (Wirklich.) ",
    "...", " ", "a", "z. B. i. d. R. u. a. m.",
]


@pytest.mark.parametrize("text", PYSBD_TEXTS + SEED_PARAGRAPHS)
def test_pysbd_sentences_is_pysbds_own_segment(text):
    """`pysbd_sentences` finds pysbd's sentences back with str.find, not a regex each: the same strings."""
    assert pysbd_sentences(text) == list(_pysbd_segmenter().segment(text))
