"""Text helpers every stage shares: words, stop words, language markers, the plain text a model reads, short names.

Pure functions and constants over `str`; nothing here knows about records or models.
"""

from __future__ import annotations

import functools
import html
import re
from collections import Counter

# Function words of English and German: they carry no topic, so content comparisons (provenance, extractive
# centrality) leave them out.
STOPWORDS = frozenset(
    """a an the and or but if of to in on at by for from with as is are was were be been being has have had do
    does did will would can could should may might must shall this that these those it its he she they them
    his her their our we you i me my your not no so than then there here also just about into over after
    before between during under again further once more most other some such only own same too very what
    which who whom whose when where why how all any both each few said says say according
    der die das den dem des ein eine einer eines einem einen und oder aber ist sind war waren wird werden
    wurde wurden hat haben hatte hatten nicht mit von zu zum zur im in an am auf aus bei für über unter nach
    vor als auch es sich sie er wir ihr ihre ihren ihrem sein seine seinen seiner so wie dass noch nur um
    durch man mehr bis gegen seit diese dieser dieses wenn doch schon sehr kann können soll
    sollte""".split()  # noqa: SIM905
)

# Lower-case German function words that are not English words too ("die", "was", "will", "also", "am", "an",
# "so", "man", "hat", "war" are both, so they prove nothing). Capitalised ones are skipped: "Der Spiegel".
GERMAN_ONLY_FUNCTION_WORDS = frozenset(
    ["der", "das", "den", "dem", "des", "und", "ist", "sind", "nicht", "mit", "von", "zu", "zum", "zur", "vom", "im", "ins", "auf", "für", "über", "unter", "auch", "wird", "werden", "wurde", "wurden", "worden", "ein", "eine", "einen", "einem", "einer", "eines", "sich", "dass", "daß", "oder", "aber", "noch", "nur", "schon", "sehr", "wie", "bei", "aus", "nach", "durch", "gegen", "ohne", "es", "ich", "wir", "ihr", "uns", "ihm", "ihn", "ihnen", "sein", "seine", "seiner", "seinen", "seinem", "ihre", "ihren", "ihrem", "ihrer", "diese", "dieser", "dieses", "diesen", "diesem", "jetzt", "hier", "dort", "wenn", "weil", "als", "ob", "kann", "können", "muss", "müssen", "soll", "sollen", "haben", "hatte", "hatten", "wäre", "würde", "mehr", "viel", "viele", "zwischen", "seit", "doch", "denn", "dann", "wer", "warum", "welche", "welcher", "keine", "kein", "keinen", "nichts", "alle", "allen", "jedoch", "sowie", "bereits", "immer", "wieder", "einmal", "gibt", "bis"]
)
# English function words that are not German words too: their presence says the line is English.
ENGLISH_ONLY_FUNCTION_WORDS = frozenset(
    ["the", "a", "of", "and", "to", "is", "are", "were", "has", "have", "had", "be", "been", "with", "for", "on", "at", "by", "from", "it", "he", "she", "they", "we", "you", "i", "that", "this", "which", "who", "not", "but", "or", "would", "can", "could", "should", "his", "her", "their", "its", "our", "there", "as", "after", "before", "than", "said", "into", "about"]
)

# The most frequent function words per language: a text's language is the one whose markers it uses most.
LANGUAGE_MARKERS: dict[str, frozenset[str]] = {
    lang: frozenset(words.split())
    for lang, words in {
        "de": "der die das und ist nicht ein eine einen dem den des mit sich auch auf für von zu im "
        "wird wurde sind haben hat dass oder aber wie bei nach noch nur über werden",
        "en": "the and is are was were not of to in that this with for on by from have has it "
        "be an as at which would will their they",
        "fr": "le la les et est une des du dans que qui pour pas sur au avec ce sont il elle ont été aux",
        "es": "el la los las y es una del en que por para con no se su al lo como más pero fue",
        "it": "il la le gli e è una del della che per con non si sono di da nel alla anche ma",
        "nl": "de het een en is van dat niet op te met zijn voor er maar ook om bij worden wordt",
    }.items()
}

# Zero-width characters are invisible formatting, never content: they may sit outside every sentence.
ZERO_WIDTH = "\ufeff\u200b\u200c\u200d\u2060"


def strip_span(text: str, start: int, end: int) -> tuple[int, int]:
    """The span text[start:end] without white space or zero-width characters at either end."""
    while start < end and (text[start].isspace() or text[start] in ZERO_WIDTH):
        start += 1
    while end > start and (text[end - 1].isspace() or text[end - 1] in ZERO_WIDTH):
        end -= 1
    return start, end


_LETTER = re.compile(r"[^\W\d_]")


def has_letter(text: str) -> bool:
    """Whether the text has a letter of any script (numbers, bullets and dashes have none)."""
    return _LETTER.search(text) is not None


# A word: a run of letters and digits of any script ("Haus", "A8", "2019"), an apostrophe or hyphen inside it
# joining its parts into one word ("don't", "twelve-year-old", "COVID-19"). Every count, bag of words and
# comparison of words in the package reads words this way, whole (`WORD`), with its hyphens splitting it
# (`UNHYPHENATED_WORD`: a compound's parts are terms of their own, "so-called" → "so", "called"), or as its
# parts (`word_parts`); callers that want words with a letter, or without digits, filter these.
_WORD_PART = r"[^\W_]+"
_JOINED = r"['’-]"
WORD = re.compile(rf"{_WORD_PART}(?:{_JOINED}{_WORD_PART})*")
UNHYPHENATED_WORD = re.compile(rf"{_WORD_PART}(?:['’]{_WORD_PART})*")
_WORD_PARTS = re.compile(_WORD_PART)


def words(text: str, *, lettered: bool = False) -> list[str]:
    """The words of `text` (`WORD`), in order; with `lettered`, only those with a letter (not "2019")."""
    found = WORD.findall(text)
    return [w for w in found if _LETTER.search(w)] if lettered else found


def word_parts(text: str, *, lettered: bool = False) -> list[str]:
    """The parts of the words of `text`, in order ("don't": "don", "t"; "twelve-year-old": three); with
    `lettered`, only those with a letter."""
    found = _WORD_PARTS.findall(text)
    return [w for w in found if _LETTER.search(w)] if lettered else found


def language_scores(text: str) -> dict[str, int]:
    """Per language of `LANGUAGE_MARKERS`, how many of the word parts (with a letter) in the first 20,000
    characters are its markers ("it's" holds "it"); empty when there are fewer than five, too few to tell."""
    found = [w.lower() for w in word_parts(text[:20_000], lettered=True)]
    if len(found) < 5:
        return {}
    return {lang: sum(w in markers for w in found) for lang, markers in LANGUAGE_MARKERS.items()}


def likeliest_language(scores: dict[str, int]) -> str | None:
    """The language of the most markers (ties go to German), or None when it has fewer than two."""
    if not scores:
        return None
    best = max(scores, key=lambda lang: (scores[lang], lang == "de"))
    return best if scores[best] >= 2 else None


# A word of a repeated phrase: a `WORD` of at most four parts, the bound keeping a long "a-a-a-…" from making
# the search for repeats quadratic.
_PHRASE_WORD = rf"{_WORD_PART}(?:{_JOINED}{_WORD_PART}){{0,3}}"


@functools.cache
def _repeats(times: int) -> re.Pattern[str]:
    phrase = rf"(?=[^\W\d_]){_PHRASE_WORD}(?:\W+{_PHRASE_WORD}){{0,3}}?"
    return re.compile(rf"\b({phrase})(?:\W+\1\b){{{times - 1},}}", re.IGNORECASE)


def repeated_phrase(text: str, times: int) -> str | None:
    """The first phrase of one to four words, starting with a letter, that `text` says `times` or more times
    in a row, or None: the one definition of a decoder loop ("taxes taxes taxes", "of the future of the
    future of the future"). Case and the punctuation between the repeats do not count ("No, no, no"); a
    phrase starts with a letter because scores repeat digits without looping ("3:1 (1:1)")."""
    counts = Counter(word_parts(text.casefold()))
    if not counts or max(counts.values()) < times:
        return None  # no word said `times` times: no loop (a cheap test before the slow regular expression)
    loop = _repeats(times).search(text)
    return loop.group(1) if loop else None


# HTML/XML tags and comments pasted into an article: "<p>", "</b>", '<a href="…">', "<!-- … -->". A "<"
# followed by a space or digit ("Werte < 5") is no tag.
_MARKUP = re.compile(
    r"""<!--.*?-->|</?[A-Za-z][\w:-]*(?:\s+[\w:.-]+(?:\s*=\s*(?:"[^"]*"|'[^']*'|[^\s"'<>]+))?)*\s*/?>""",
    re.DOTALL,
)


# Phrasing (inline) elements: a browser shows their text glued to what stands around it ("<b>nichts</b>." reads
# "nichts."), so their tags are removed without a space; any other tag or comment separates words.
_INLINE_TAG = re.compile(
    r"</?(?:a|abbr|b|bdi|bdo|cite|code|data|del|dfn|em|font|i|ins|kbd|mark|q|s|samp|small|span|strike|strong|sub"
    r"|sup|time|tt|u|var|wbr)(?:\s+[\w:.-]+(?:\s*=\s*(?:\"[^\"]*\"|'[^']*'|[^\s\"'<>]+))?)*\s*/?>",
    re.IGNORECASE,
)


def plain_text(text: str) -> str:
    """What a model should read of a span: markup tags removed, entities (&amp;) decoded, white space collapsed.
    Control characters (NUL, ESC sequences...: a `str` is text, whatever it holds) are dropped, or spaced where
    they are white space, so they never reach a model. Offsets never point into this: it is derived, and
    `Sentence.text` stays the exact slice."""
    if "<" in text or "&" in text:
        text = html.unescape(_MARKUP.sub(" ", _INLINE_TAG.sub("", text)))
    plain = " ".join(text.split())
    # Most text has nothing to strip, and `isprintable` says so several times faster than the regular expression.
    return plain if plain.isprintable() else " ".join(strip_controls(text).split())


# What text may hold (model output, a str given to the API) that breaks a model, Markdown, HTML or a terminal:
# terminal escape sequences, C0/C1 control characters but tab and newline, lone surrogates, the noncharacters
# U+FDD0..U+FDEF, U+FFFE, U+FFFF.
_INVISIBLE_JUNK = re.compile(
    "\x1b\\[[0-?]*[ -/]*[@-~]|[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff\ufdd0-\ufdef\ufffe\uffff]"
)


def strip_controls(text: str) -> str:
    """Text without control characters (tab and newline kept); one that is white space (\\r, \\x0b...)
    becomes a space, so words stay apart."""
    return _INVISIBLE_JUNK.sub(lambda m: " " if m.group().isspace() else "", text)


def model_short_name(model: str) -> str:
    """A hub name or local directory → its last part ("Helsinki-NLP/opus-mt-de-en" → "opus-mt-de-en"): what
    signatures and error hints call a model."""
    return model.rstrip("/").rsplit("/", 1)[-1]
