"""Sentence-level translation checks: which English sentences a reader should double-check, and why.

`check_translation(german, english)` compares one German sentence with its English translation and returns
`Flag`s: numbers, dates and times that went missing or changed (canonicalised by `faithfulness`, so
"1,5 Mio. Euro" = "1.5 million euros"), German copied through, output far shorter or longer than the German
leads one to expect, looping n-grams, and low model confidence. It is pure and fast (no models, a few regular
expressions): the thresholds below are measured on newstest2019 (models.md, `summarize eval checks`).
"""

from __future__ import annotations

import math
import re

from .document import Document, Flag, replace
from .faithfulness import WORD_NUMBERS, Fact, extract_facts, extract_times, supported
from .text import (
    ENGLISH_ONLY_FUNCTION_WORDS,
    GERMAN_ONLY_FUNCTION_WORDS,
    has_letter,
    repeated_phrase,
    word_parts,
    words,
)

NUMBER = "number"  # a number, amount, percentage, date or time missing, changed or without a source
UNTRANSLATED = "untranslated"  # the English is mostly the German copied through
TRUNCATED = "truncated"  # far shorter than the German leads one to expect (a dropped clause)
LENGTH = "length"  # far longer than expected (a run-on or a hallucination)
REPETITION = "repetition"  # an n-gram loops
LOW_CONFIDENCE = "low_confidence"  # the model's own score of its output is low
KINDS = (NUMBER, UNTRANSLATED, TRUNCATED, LENGTH, REPETITION, LOW_CONFIDENCE)  # the order flags come in

# Mean log-probability per output token below which the model was guessing: e^-1 ≈ 0.37 per token. Not
# measured yet, though both engines report scores: setting it takes the real model's confidences on
# newstest2019 and the value that flags the share of sentences worth a second look (models.md, "Confidence").
LOW_CONFIDENCE_THRESHOLD = -1.0

# Length: the geometric mean of the letter and word ratios (English / German). German has ~8 % more letters but
# ~9 % fewer words than its English translation, so the mean is ~1.0 and varies less than either ratio alone.
TRUNCATED_RATIO = 2 / 3  # <1 % of faithful newstest2019 references fall below it; >95 % of their first halves do
LENGTH_RATIO = 2.0  # twice the expected length: 1 newstest2019 reference of 2,000 (an added explanation)
# Short sentences vary too much for a ratio ("Geschafft!" → "Done!"): only German of this many words is judged,
# and only a shortfall or excess of this many letters counts.
LENGTH_MIN_WORDS = 5
LENGTH_MIN_LETTERS = 12

# Untranslated: at least this many words (one- and two-word lines are names or labels as often as not), and
# either this share of German-only function words, or (nearly) every word found in the German.
UNTRANSLATED_MIN_WORDS = 3
GERMAN_FUNCTION_SHARE = 0.15
COPIED_SHARE = 0.9

# A phrase three times in a row (`repeated_phrase`): `is_degenerate` retries at four, so three survives it.
REPEAT_MIN = 3


# E-mail addresses start where a run of address characters starts: a search from every position is quadratic.
_URL = re.compile(r"\b(?:https?://|www\.)\S+|(?<![\w.+-])[\w.+-]+@[\w-]+(?:\.[\w-]+)+", re.IGNORECASE)
_QUOTATION = re.compile(r'["“„«»]([^"“”„«»]+)["”“«»]')
_NOT_LETTER_OR_DIGIT = re.compile(r"[\W_]+")
# Every number, date and time has a digit or a number word: without one in either text there is nothing to
# compare, and the fact extraction (most of the cost) is skipped.
_FACT_HINT = re.compile(
    r"\d|\b(?:" + "|".join(w for words in WORD_NUMBERS.values() for w in words) + r")\b", re.IGNORECASE
)


def check_document(doc: Document) -> Document:
    """The document with `flags` on every translated sentence (German copied through for bare markup or a
    line without letters is not a translation and is not checked)."""
    sentences = tuple(
        replace(s, flags=tuple(check_translation(s.plain, s.translation, confidence=s.confidence)))
        if s.translation is not None and has_letter(s.plain)
        else s
        for s in doc.sentences
    )
    return replace(doc, sentences=sentences)


def check_translation(german: str, english: str, *, confidence: float | None = None) -> list[Flag]:
    """Flags for one German sentence and its English translation, in the order of KINDS.

    `confidence` is the model's mean log-probability per output token (<= 0); None when unknown. Pure and
    deterministic: the same pair always gives the same list.
    """
    if confidence is not None and not confidence <= 0:  # NaN fails too
        raise ValueError(f"confidence is a mean log-probability (<= 0), not {confidence}")
    english = english or ""
    flags = _number_flags(german, english)
    flags += _untranslated_flags(german, english)
    flags += _length_flags(german, english)
    flags += _repetition_flags(german, english)
    if confidence is not None and confidence < LOW_CONFIDENCE_THRESHOLD:
        flags.append(
            Flag(LOW_CONFIDENCE, f"model confidence is low (mean log-probability {confidence:.2f} per token, "
                                 f"below {LOW_CONFIDENCE_THRESHOLD})", f"{confidence:.2f}")
        )
    return flags


# --- numbers, dates and times ------------------------------------------------------------------------


def _facts(text: str, lang: str) -> set[Fact]:
    return extract_facts(text, lang) | extract_times(text, lang)


def _number_flags(german: str, english: str) -> list[Flag]:
    if not (_FACT_HINT.search(german) or _FACT_HINT.search(english)):
        return []
    de, en = _facts(german, "de"), _facts(english, "en")
    missing = [f for f in sorted(de) if not supported(f, en, [english])]
    extra = [f for f in sorted(en) if not supported(f, de, [german])]
    flags: list[Flag] = []
    # A German fact missing and an English one of the same kind without a source: one changed value.
    for kind in sorted({f.kind for f in missing} & {f.kind for f in extra}):
        pairs = zip([f for f in missing if f.kind == kind], [f for f in extra if f.kind == kind])
        for old, new in pairs:
            flags.append(Flag(NUMBER, f"{kind} changed: {old} in the German, {new} in the English",
                              f"{old.value} → {new.value}"))
            missing.remove(old)
            extra.remove(new)
    flags += [Flag(NUMBER, f"{f.kind} {f} missing in the English", f.value) for f in missing]
    flags += [Flag(NUMBER, f"{f.kind} {f} in the English has no source in the German", f.value) for f in extra]
    return flags


# --- German copied through ---------------------------------------------------------------------------


def _words(text: str) -> list[str]:
    """The words with a letter, outside URLs and e-mail addresses."""
    return words(_URL.sub(" ", text), lettered=True)


def _words_around_kept_quotations(
    english: str, german: str, words: list[str], german_words: set[str]
) -> list[str]:
    """The English's words outside the quotations it copies from the German, where those words are translated
    (one is not in the German): a title or quote kept in its language is copied by right, like a name
    ('The crowd sang "So ein Tag, so wunderschön wie heute".'). All its `words` where it keeps none, or where
    nothing around them is translated (German copied through whole)."""
    around = _QUOTATION.sub(lambda m: " " if m.group(1).strip(" .,!?") in german else m.group(0), english)
    if around == english:
        return words
    outside = _words(around)
    return outside if any(w.casefold() not in german_words for w in outside) else words


def _untranslated_flags(german: str, english: str) -> list[Flag]:
    words = _words(english)
    if len(words) < UNTRANSLATED_MIN_WORDS:
        return []  # one-word lines, names, numbers and URLs: nothing to judge
    german_words = {w.casefold() for w in _words(german)}
    words = _words_around_kept_quotations(english, german, words, german_words)
    if len(words) < UNTRANSLATED_MIN_WORDS:
        return []
    folded = [w.casefold() for w in words]
    german_function = sum(w in GERMAN_ONLY_FUNCTION_WORDS for w in words)  # lower case only: not "Der Spiegel"
    english_function = sum(w in ENGLISH_ONLY_FUNCTION_WORDS for w in folded)
    share = german_function / len(words)
    if german_function >= 2 and share >= GERMAN_FUNCTION_SHARE and german_function >= english_function:
        return [Flag(UNTRANSLATED, f"English looks like German copied through ({german_function} of "
                                   f"{len(words)} words are German function words)", f"{share:.2f}")]
    copied = sum(w in german_words for w in folded) / len(words)
    # Names are copied by right: a line is only suspect when it also copies a lower-case word.
    copies_common_word = any(w.islower() and w.casefold() in german_words for w in words)
    if copied >= COPIED_SHARE and english_function == 0 and copies_common_word:
        return [Flag(UNTRANSLATED, f"English looks like German copied through ({copied:.0%} of its words "
                                   "are in the German)", f"{copied:.2f}")]
    return []


# --- length ------------------------------------------------------------------------------------------


def _letters(text: str) -> int:
    return len(_NOT_LETTER_OR_DIGIT.sub("", text))


def length_ratio(german: str, english: str) -> float:
    """English length over German length, the geometric mean of the letter and word ratios (~1.0 when
    faithful); 0.0 for an empty English, and 1.0 when the German has no letters or digits."""
    de_letters, en_letters = _letters(german), _letters(english)
    if not de_letters:
        return 1.0
    if not en_letters:
        return 0.0
    de_words = len(word_parts(german))  # "twelve-year-old" is three: the ratios were measured so
    en_words = len(word_parts(english))
    return math.sqrt(en_letters / de_letters * en_words / de_words)


def _length_flags(german: str, english: str) -> list[Flag]:
    german_words = len(words(german, lettered=True))
    if not german_words:
        return []  # numbers, scores, dashes: nothing to translate (the engine copies them through)
    if not english.strip():
        return [Flag(TRUNCATED, "English is empty", "0.00")]
    if german_words < LENGTH_MIN_WORDS:
        return []
    de_letters = _letters(german)
    ratio = length_ratio(german, english)
    gap = _letters(english) - de_letters
    if ratio < TRUNCATED_RATIO and -gap >= LENGTH_MIN_LETTERS:
        return [Flag(TRUNCATED, f"English is far shorter than the German (length ratio {ratio:.2f}): "
                                "a clause may be missing", f"{ratio:.2f}")]
    if ratio > LENGTH_RATIO and gap >= LENGTH_MIN_LETTERS:
        return [Flag(LENGTH, f"English is far longer than the German (length ratio {ratio:.2f})", f"{ratio:.2f}")]
    return []


# --- loops -------------------------------------------------------------------------------------------


def _repetition_flags(german: str, english: str) -> list[Flag]:
    loop = repeated_phrase(english, REPEAT_MIN)
    if loop is None or repeated_phrase(german, REPEAT_MIN):
        return []  # "sehr, sehr, sehr" → "very, very, very" loops on purpose
    return [Flag(REPETITION, f"English repeats {loop!r} {REPEAT_MIN}+ times in a row", loop)]


__all__ = [
    "KINDS",
    "LENGTH",
    "LOW_CONFIDENCE",
    "LOW_CONFIDENCE_THRESHOLD",
    "NUMBER",
    "REPETITION",
    "TRUNCATED",
    "UNTRANSLATED",
    "Flag",
    "check_translation",
    "length_ratio",
]
