"""German news segmentation: sentences with exact character offsets, paragraphs, roles and meta.

The text is never changed: every span is a half-open character range into `Document.text`.
Lines become blocks (a hard-wrapped line joins the next one; an HTML page's block elements instead, read
by `html_blocks`, the article's chosen by `webpage`), blocks become sentences with a base segmenter (pysbd, German rules) whose cuts are then
checked against German-news rules it misses (abbreviations before digits, ordinals, quotes, `usw.`, URLs,
glued "Mehr zum Thema"). Finally each sentence gets a role: title, byline, body or boilerplate (site furniture
and the footer; on a web page, every block outside the article). Overlong sentences are cut by `clauses`.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable, Iterator
from functools import lru_cache

from .clauses import split_clauses
from .document import Document, Sentence
from .html_blocks import looks_like_html
from .text import (
    ZERO_WIDTH,
    has_letter,
    language_scores,
    likeliest_language,
    plain_text,
    strip_span,
)
from .webpage import Layout, html_layout

__all__ = [
    "BaseSplitter",
    "guess_language",
    "segment",
    "split_clauses",
    "split_sentences",
]

Span = tuple[int, int]
# A base segmenter: text → sentence strings (white space may differ from the input; we re-align). pysbd by
# default; `split_sentences(..., base=...)` takes another (bench/segmenters.py compares syntok and blingfire).
BaseSplitter = Callable[[str], list[str]]

# --- small character classes ------------------------------------------------------------------------
_TERMINAL = ".!?…"
_CLOSERS = "\"'“”‘’»«›‹)]}"  # quote marks and brackets that may follow the final punctuation
_OPENERS = "\"'„“‚‘»«›‹([{"
_LIST_MARKER = re.compile(r"(?:[•·▪◦‣●■□–—*+-]|\d{1,3}[.)]|[a-z][.)])\s")

# --- abbreviations (German news) --------------------------------------------------------------------
# A full stop after one of these never ends a sentence.
ALWAYS_ABBREVIATIONS = (
    "z. B", "z.B", "u. a", "u.a", "Dr", "Prof", "bzw", "ca", "v. Chr", "v.Chr", "n. Chr", "n.Chr", "Mio",
    "Mrd", "St", "Jh", "Jhd", "Jhdt", "vgl", "inkl", "exkl", "ggf", "d. h", "d.h", "o. ä", "o.ä", "u. U",
    "u.U", "Hr", "Fr", "Hrsg", "evtl", "bspw", "sog", "geb", "gest", "rd", "Dipl", "Ing", "Mag", "Gebr",
    "zit", "Anm", "Aufl", "ff", "i. d. R", "i.d.R", "z. T", "z.T", "s. o", "s. u", "u. ä", "u.ä", "v. a",
    "v.a", "a. D", "a.D", "i. A", "o. g", "z. Zt", "u. v. m", "u.v.m", "Bsp", "Tsd", "Mill", "Min",
    "Std", "Tel", "Str", "Ziff", "lt", "gem", "bzgl", "zzgl", "allg", "insb", "Nrn", "Jan", "Feb",
    "Apr", "Aug", "Sept", "Okt", "Nov", "Dez", "Abt", "Kap", "Abb", "Tab",
)  # fmt: skip
# These are also ordinary words ("eine neue Art.") or end sentences: abbreviations only before a number.
NUMBER_ABBREVIATIONS = ("Nr", "Art", "Abs", "S", "Bd", "Sa", "So", "Mo", "Di", "Mi", "Do", "Jg")
# usw./etc. end a sentence before a capital, but not before a lowercase word (the lowercase rule).


def _abbreviation_pattern(abbreviations: tuple[str, ...]) -> re.Pattern[str]:
    # "z. B" also matches "z.\u00a0B": any white space between the parts.
    alternatives = sorted({re.escape(a).replace(r"\ ", r"\s?") for a in abbreviations}, key=len, reverse=True)
    return re.compile(r"(?:^|[\s(\[„\"»«/–-])(?:" + "|".join(alternatives) + r")\.$")


_ALWAYS_ABBR = _abbreviation_pattern(ALWAYS_ABBREVIATIONS)
_NUMBER_ABBR = _abbreviation_pattern(NUMBER_ABBREVIATIONS)
_STREET = re.compile(r"[a-zäöüß]str\.$")  # "Hauptstr. 5": compound street names, before a house number
_ORDINAL = re.compile(r"(?:^|[\s(\[])\d{1,3}\.$|\d{1,2}\.\d{1,2}\.$")  # "12." / "12.09." (not "2019.")
_INITIAL = re.compile(r"(?:^|[\s(\[])[A-ZÄÖÜ]\.$")  # "Ernst F. Müller"
_ENDS_SENTENCE = re.compile(r"[.!?…][" + re.escape(_CLOSERS) + r"]*$")
_UPPER_START = re.compile(r"[" + re.escape(_OPENERS) + r"]*[A-ZÄÖÜ0-9]")
# Boundaries the base segmenter misses (each still passes the vetoes below):
_EXTRA_BOUNDARIES = (
    re.compile(r"[.!?…][" + re.escape(_CLOSERS) + r"]+(?=\s)"),  # „Wir kommen.“ Dann / (SPD). Er
    re.compile(r"(?:\.\.\.|…)(?=\s)"),  # Er zögerte... Dann
    re.compile(r"\b(?:usw|etc|u\.\s?s\.\s?w)\.(?=\s)"),  # Brot, Milch usw. Danach
)
_FORCED_BEFORE = re.compile(r"\s(?=Mehr zum Thema\b)")  # glued related-link line (seed 000)

# --- base segmenters ----------------------------------------------------------------------------------


@lru_cache(maxsize=1)
def _pysbd_segmenter():  # type: ignore[no-untyped-def]
    import pysbd

    return pysbd.Segmenter(language="de", clean=False, char_span=False)


def pysbd_sentences(text: str) -> list[str]:
    """The default base segmenter: pysbd's German rules, exactly what its `segment(text)` gives. That finds each
    sentence back in the text with a regex made for it (`re.escape(sentence)` + `\\s*`): a compilation per
    sentence, a quarter of reading a web page. The same search is made here with `str.find`."""
    if not text:
        return []
    return _found_in(text, _pysbd_segmenter().processor(text).process())


def _found_in(text: str, sentences: list[str]) -> list[str]:
    """pysbd's `sentences_with_char_spans` without a regex a sentence: each sentence, with the white space after
    it, at its first occurrence (non-overlapping, from the start) that ends after the previous one; a sentence not
    found is left out."""
    found, prior_end = [], 0
    for sentence in sentences:
        at = 0
        while (start := text.find(sentence, at)) >= 0:
            end = start + len(sentence)
            while end < len(text) and text[end].isspace():  # what `\s` matches
                end += 1
            if end > prior_end:
                found.append(text[start:end])
                prior_end = end
                break
            at = end if end > start else start + 1
    return found


CHUNK_CHARS = 3000  # base segmenters get at most this much text at once (pysbd is superlinear)


# --- sentences inside one block ---------------------------------------------------------------------


def split_sentences(
    text: str, start: int = 0, end: int | None = None, *, base: BaseSplitter = pysbd_sentences
) -> list[Span]:
    """Sentence spans inside text[start:end] (one paragraph or line block), absolute and stripped."""
    return _split_block(text, start, len(text) if end is None else end, base)


def _split_block(text: str, start: int, end: int, base: BaseSplitter) -> list[Span]:
    start, end = strip_span(text, start, end)
    if start >= end:
        return []
    block = text[start:end]
    if not any(ch in block for ch in _TERMINAL) and "Mehr zum Thema" not in block:
        return [(start, end)]  # a headline, list item or label: one sentence (and fast on huge lines)
    cuts = set()
    for chunk_start, chunk_end in _chunks(text, start, end):
        cuts.update(_base_cuts(text, chunk_start, chunk_end, base))
        cuts.add(chunk_end)  # a candidate like any other: the vetoes drop it if it is mid-sentence
    for pattern in _EXTRA_BOUNDARIES:
        cuts.update(start + m.end() for m in pattern.finditer(block))
    forced = {start + m.start() for m in _FORCED_BEFORE.finditer(block)}
    kept = [c for c in sorted(cuts | forced) if start < c < end]
    kept = [c for c in kept if c in forced or _is_boundary(text, start, c, end)]
    return _spans_between(text, start, end, kept)


def _is_boundary(text: str, block_start: int, cut: int, block_end: int) -> bool:
    """Whether a candidate cut (at or just before white space) really ends a sentence."""
    left = text[max(block_start, cut - 24) : cut].rstrip()
    right = text[cut : min(block_end, cut + 24)].lstrip()
    if not left or not right or not _ENDS_SENTENCE.search(left):
        return False
    if cut < block_end and not text[cut].isspace():
        return False  # "a.b", "9.30", URLs, e-mail: boundaries sit at white space only
    if not _UPPER_START.match(right):
        return False  # lowercase, comma or closing mark next: an abbreviation or a quote goes on
    if _ALWAYS_ABBR.search(left) or _INITIAL.search(left) or _ORDINAL.search(left):
        return False
    return not ((_NUMBER_ABBR.search(left) or _STREET.search(left)) and right[:1].isdigit())


def _base_cuts(text: str, start: int, end: int, base: BaseSplitter) -> list[int]:
    """End offsets of the base segmenter's sentences, aligned back onto the original text."""
    return _align(text, start, end, base(text[start:end]))


def _align(text: str, start: int, end: int, pieces: list[str]) -> list[int]:
    """Map sentence strings (white space changed, characters maybe dropped or replaced) to end offsets.

    Works on the non-space characters only: a piece's end is expected where its count of
    non-space characters says, and is re-synchronised on the nearest match of its last few
    characters, so one changed character does not shift every later cut. Monotone; never raises.
    """
    positions = [i for i in range(start, end) if not (text[i].isspace() or text[i] in ZERO_WIDTH)]
    compact = "".join(text[i] for i in positions)
    ends: list[int] = []
    done = 0  # non-space characters consumed so far
    for piece in pieces:
        piece_compact = "".join(ch for ch in piece if not (ch.isspace() or ch in ZERO_WIDTH))
        done = min(len(compact), _resync(compact, done, done + len(piece_compact), piece_compact))
        ends.append(positions[done - 1] + 1 if done else start)
    return ends


def _resync(compact: str, lo: int, expected: int, piece: str, slack: int = 16) -> int:
    """End index in `compact` of the piece: the match of its tail nearest to `expected`."""
    for tail_len in (8, 4, 2):
        tail = piece[-tail_len:]
        if len(tail) < tail_len and tail_len != 2:
            continue
        best = None
        i = compact.find(tail, max(lo, expected - len(tail) - slack), expected + slack)
        while i >= 0:
            candidate = i + len(tail)
            if best is None or abs(candidate - expected) < abs(best - expected):
                best = candidate
            i = compact.find(tail, i + 1, expected + slack)
        if best is not None:
            return best
    return expected


def _chunks(text: str, start: int, end: int) -> Iterator[Span]:
    """Cut a long block into pieces of about CHUNK_CHARS at white space, so the base stays fast."""
    while end - start > CHUNK_CHARS:
        window_end = start + CHUNK_CHARS
        cut = _last_space(text, start + CHUNK_CHARS // 2, window_end)
        cut = window_end if cut is None else cut
        yield start, cut
        start = cut
    yield start, end


def _last_space(text: str, lo: int, hi: int) -> int | None:
    # Prefer white space after a full stop (a likely sentence end), then any white space.
    window = text[lo:hi]
    for probe in (". ", " ", "\n", "\u00a0"):
        i = window.rfind(probe)
        if i >= 0:
            return lo + i + (1 if probe == ". " else 0)
    return None


def _spans_between(text: str, start: int, end: int, cuts: list[int]) -> list[Span]:
    spans = []
    for a, b in zip([start, *cuts], [*cuts, end]):
        a, b = strip_span(text, a, b)
        if a < b:
            spans.append((a, b))
    return spans


# --- lines → blocks -----------------------------------------------------------------------------------

_DATE_LINE = re.compile(r"[\s" + ZERO_WIDTH + r"]*date[ \t]+(\d{4}-\d{2}(?:-\d{2})?)\b")


@dataclasses.dataclass(frozen=True, slots=True)
class _Block:
    start: int
    end: int
    lines: int  # how many source lines were joined (hard wrap)


def _lines(text: str, start: int) -> Iterator[Span]:
    """Content spans of the lines of text[start:], line terminators (\\n, \\r\\n, ...) excluded."""
    pos = start
    for line in text[start:].splitlines(keepends=True):
        content = line.rstrip("\r\n\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029")
        yield pos, pos + len(content)
        pos += len(line)


def _blocks(text: str, start: int) -> list[_Block]:
    """Non-blank lines, a hard-wrapped line joined with the next one; blank lines only separate."""
    blocks: list[_Block] = []
    wrap_open = False  # the previous line may continue on this one
    for a, b in _lines(text, start):
        a, b = strip_span(text, a, b)
        if a >= b:
            wrap_open = False
            continue
        if wrap_open and _continues(text[a : a + 8]):
            prev = blocks[-1]
            blocks[-1] = _Block(prev.start, b, prev.lines + 1)
        else:
            blocks.append(_Block(a, b, 1))
        wrap_open = not _ENDS_SENTENCE.search(text[max(a, b - 8) : b]) and text[b - 1] not in ":;"
    return blocks


def _continues(line_head: str) -> bool:
    # Lowercase or digit next means the line was wrapped mid-sentence; a list item never continues.
    return (
        bool(line_head)
        and (line_head[0].islower() or line_head[0].isdigit())
        and not (_LIST_MARKER.match(line_head))
    )


# --- roles --------------------------------------------------------------------------------------------
# (role, pattern on the sentence text, max length). First match wins; anything else is "body".
ROLE_PATTERNS: tuple[tuple[str, re.Pattern[str], int], ...] = tuple(
    (role, re.compile(pattern, re.IGNORECASE if role == "boilerplate" else 0), max_len)
    for role, pattern, max_len in (
        ("byline", (r"^(?:Von|Durch|By|Text|Autor|Autorin|Ein Kommentar von)\s*:?\s+[A-ZÄÖÜ][\w.'-]*"
         r"(?:(?:\s+|\s*[,/&]\s*|\s+und\s+)(?:[A-ZÄÖÜ][\w.'-]*|von|van|de|der|zu))*\s*[,|]?\s*\S{0,30}$"), 80),
        ("byline", r"^(?:Quelle|Quellen|Foto|Fotos|Bild|Bilder|Bildquelle|Grafik|Video|Titelbild|Symbolbild)\s*:",
         150),
        ("byline", r"^(?:Lesezeit|Lesedauer)\s*:?\s*(?:ca\.\s*)?\d+", 40),
        ("byline", r"^(?:Aktualisiert|Veröffentlicht|Stand|Erschienen)(?:\s+am)?\s*:?\s*\d", 60),
        ("byline", r"^[-–—]\s*in$", 10),
        ("byline", r"^\(?(?:dpa|AFP|Reuters|AP|KNA|epd|sid|APA|SDA|RIA Nowosti|TASS)\)?(?:\s*[/,]\s*\w+)*$", 40),
        ("boilerplate", r"^Mehr zum Thema\b", 400),
        ("boilerplate", r"^(?:Lesen Sie auch|Auch interessant|Weitere Artikel|Zum Thema|Empfehlungen)\b", 300),
        ("boilerplate", r"^(?:Diesen |Den )?(?:Artikel|Beitrag|Seite)?\s*teilen:?$", 80),
        ("boilerplate", r"^Teilen(?:\s+(?:auf|per|via)\b.*)?$", 60),
        ("boilerplate", r"^Kommentare?\s*(?:\(\d+\)|\d*$|anzeigen|schreiben|veröffentlichen|lesen)", 60),
        ("boilerplate", r"^Kommentar (?:veröffentlichen|schreiben|abgeben)", 60),
        ("boilerplate", r"Newsletter|\babonnier", 160),
        ("boilerplate", r"\bCookies?\b", 300),
        ("boilerplate", r"Alle Rechte vorbehalten|All rights reserved", 200),
        ("boilerplate", r"^(?:©|\(c\)\s|Copyright\b)", 200),
        ("boilerplate", r"^[\w .-]{2,40}:\s*(?:Neueste|Aktuelle|Alle|Weitere)\s+(?:Nachrichten|News|Artikel|Meldungen)$",
         80),
        ("boilerplate", r"^(?:Anzeige|Werbung|Drucken|Nach oben|Zur Startseite|Folgen Sie uns\b.*)$", 60),
    )
)  # fmt: skip
# After one of these in the last part of an article, everything is footer.
FOOTER_MARKERS = re.compile(
    r"^(?:(?:Diesen |Den )?(?:Artikel|Beitrag|Seite)?\s*teilen:?$|Teilen$|Kommentare?\s*\(\d+\)|Kommentar veröffentlichen|©|"
    r"Copyright\b)|Alle Rechte vorbehalten",
    re.IGNORECASE,
)
FOOTER_ZONE = 0.5  # a marker in the last half of the article's content starts the footer
_REST_OF_BLOCK = re.compile(r"^Mehr zum Thema\b")  # everything after it in its block is links too
_TITLE_MAX_CHARS = 250


def _role_of(sentence_text: str) -> str:
    if not sentence_text:  # bare markup ("<br/>"): nothing to read
        return "boilerplate"
    for role, pattern, max_len in ROLE_PATTERNS:
        if len(sentence_text) <= max_len and pattern.search(sentence_text):
            return role
    return "body"


# --- language -----------------------------------------------------------------------------------------


def guess_language(text: str) -> str | None:
    """Rough stop-word guess among de, en, fr, es, it, nl; None when there is too little text."""
    return likeliest_language(language_scores(text))


def _language_warning(scores: dict[str, int], lang: str | None) -> str | None:
    if lang is None or lang == "de":
        return None
    if scores[lang] < 5 or scores[lang] < 2 * scores["de"]:
        return None  # not confident: mixed or short text
    name = {"en": "English", "fr": "French", "es": "Spanish", "it": "Italian", "nl": "Dutch"}[lang]
    return f"text looks like {name} ({lang}), not German; translating anyway"


# --- the document -------------------------------------------------------------------------------------


def segment(doc: Document) -> Document:
    """Sentences with offsets, paragraphs and roles; meta gains date, title and language.

    An HTML page (`html_blocks.looks_like_html`) is read block by block with an HTML parser: meta gains
    format "html" and the extractor that chose its blocks (its title is the headline `pagemeta` found), what a
    reader never sees (head, scripts, styles, comments) is in no sentence at all, and every block outside the
    article (`webpage.html_layout`) is boilerplate. Any other text is read line by line."""
    text = doc.text
    layout = html_layout(text) if looks_like_html(text) else _text_layout(text)
    meta = dict(layout.meta)
    raw: list[tuple[Span, int, str]] = []  # (span, paragraph, role)
    for paragraph, (start, end) in enumerate(layout.blocks):
        if paragraph == layout.title_block:
            raw.append((strip_span(text, start, end), paragraph, "title"))
            continue
        if paragraph in layout.furniture:  # no model reads it: one boilerplate span, not split into sentences
            span = strip_span(text, start, end)
            raw.extend([(span, paragraph, "boilerplate")] if span[0] < span[1] else [])
            continue
        rest_is_links = False
        for span in split_sentences(text, start, end):
            sentence_text = plain_text(text[span[0] : span[1]])  # '<a href="…">Mehr zum Thema</a>' too
            role = "boilerplate" if rest_is_links else _role_of(sentence_text)
            rest_is_links = rest_is_links or bool(_REST_OF_BLOCK.match(sentence_text))
            raw.append((span, paragraph, role))
    raw = _mark_footer(raw, text, layout.content_start, layout.content_end, layout.furniture)
    sentences = tuple(
        Sentence(id=f"s{i + 1}", index=i, paragraph=p, start=a, end=b, text=text[a:b], role=role)
        for i, ((a, b), p, role) in enumerate(raw)
    )
    body = " ".join(s.text for s in sentences if s.role in ("body", "title")) or text[layout.content_start :]
    scores = language_scores(body)
    language = likeliest_language(scores)
    meta["language"] = language or "unknown"
    warning = _language_warning(scores, language)
    return dataclasses.replace(
        doc,
        sentences=sentences,
        meta={**doc.meta, **meta},
        warnings=doc.warnings + layout.warnings + ((warning,) if warning else ()),
    )


def _text_layout(text: str) -> Layout:
    """Plain text: an optional `date YYYY-MM[-DD]` token, then lines joined into blocks; a short first line is
    the title."""
    meta: dict[str, str] = {}
    content_start = 0
    date = _DATE_LINE.match(text)
    if date:
        meta["date"] = date.group(1)
        content_start = date.end()
    blocks = _blocks(text, content_start)
    title_block = _title_block(text, blocks)
    if title_block is not None:
        meta["title"] = text[blocks[title_block].start : blocks[title_block].end]
    return Layout(tuple((b.start, b.end) for b in blocks), title_block, meta, content_start, len(text))


def _title_block(text: str, blocks: list[_Block]) -> int | None:
    """Index of the title block: the first block, if it is one short line without a final full stop."""
    if not blocks:
        return None
    first = blocks[0]
    title = text[first.start : first.end]
    if first.lines != 1 or len(title) > _TITLE_MAX_CHARS or not has_letter(title):
        return None
    if title.rstrip(_CLOSERS).endswith((".", "…", ":")) or _role_of(plain_text(title)) != "body":
        return None
    if _LIST_MARKER.match(title + " ") or len(split_sentences(text, first.start, first.end)) != 1:
        return None
    return 0


def _mark_footer(
    raw: list[tuple[Span, int, str]], text: str, content_start: int, content_end: int, furniture: frozenset[int]
) -> list[tuple[Span, int, str]]:
    """From the first strong footer marker in the last part of the article on, all is boilerplate. A marker
    in site furniture (a share bar beside the article) ends nothing: it is not the article's."""
    length = max(1, content_end - content_start)
    for i, ((a, b), paragraph, _) in enumerate(raw):
        if paragraph in furniture or (a - content_start) / length < FOOTER_ZONE:
            continue
        if FOOTER_MARKERS.search(plain_text(text[a:b])):
            return raw[:i] + [(span, p, "boilerplate") for span, p, _ in raw[i:]]
    return raw
