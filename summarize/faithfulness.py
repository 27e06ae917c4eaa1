"""Faithfulness guard: numbers, amounts, dates and names of a summary sentence must appear in its sources.

German and English formats are reconciled into canonical facts before comparing: "11.000" (de) =
"11,000" (en) = "11 000" → 11000; "5,4 Prozent" = "5.4 percent" = "5.4%" → 5.4%; "5 Millionen" =
"5 million" → 5000000; "12. September" = "September 12" = "12 September" → 09-12; "zwölf" = "twelve" → 12.
The guard is deliberately conservative: it only warns about what is clearly absent from the sources.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

MONTHS = {
    "januar": 1, "jänner": 1, "january": 1, "februar": 2, "february": 2, "märz": 3, "maerz": 3,
    "march": 3, "april": 4, "mai": 5, "may": 5, "juni": 6, "june": 6, "juli": 7, "july": 7,
    "august": 8, "september": 9, "oktober": 10, "october": 10, "november": 11, "dezember": 12,
    "december": 12, "jan": 1, "feb": 2, "mär": 3, "mar": 3, "apr": 4, "jun": 6, "jul": 7, "aug": 8,
    "sep": 9, "sept": 9, "okt": 10, "oct": 10, "nov": 11, "dez": 12, "dec": 12,
}  # fmt: skip
ENGLISH_MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September",
                  "October", "November", "December")  # fmt: skip


def _word_set(words: str) -> frozenset[str]:
    return frozenset(words.split())


WEEKDAYS = _word_set(
    "montag dienstag mittwoch donnerstag freitag samstag sonnabend sonntag "
    "monday tuesday wednesday thursday friday saturday sunday"
)
# Scale words multiply the number before them; "Mrd." / "Mio." may carry a dot.
SCALES = {
    "hundert": 100, "hundred": 100, "tausend": 1_000, "thousand": 1_000, "tsd": 1_000,
    "million": 10**6, "millionen": 10**6, "millions": 10**6, "mio": 10**6, "mn": 10**6,
    "milliarde": 10**9, "milliarden": 10**9, "mrd": 10**9, "billion": 10**9, "billions": 10**9, "bn": 10**9,
    "billionen": 10**12, "trillion": 10**12,
}  # fmt: skip
# "Billion" is 10**12 in German but 10**9 in English: the German table overrides the shared one.
GERMAN_SCALES = {**SCALES, "billion": 10**12}
# Written numbers two..twelve (and twenty) per language: "elf" is eleven only in German, "one"/"ein" are
# too ambiguous ("one of the ...") to count.
WORD_NUMBERS = {
    "de": {"zwei": 2, "drei": 3, "vier": 4, "fünf": 5, "sechs": 6, "sieben": 7, "acht": 8, "neun": 9,
           "zehn": 10, "elf": 11, "zwölf": 12, "zwanzig": 20},
    "en": {"two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9,
           "ten": 10, "eleven": 11, "twelve": 12, "twenty": 20},
}  # fmt: skip
_ALL_WORD_NUMBERS = {**WORD_NUMBERS["de"], **WORD_NUMBERS["en"]}
# Word starts that state a number inside compounds and ordinals ("dreitägig", "Viermal", "siebten", "die
# beiden", "a pair", "Thirty Years' War"; "Achtelfinale" = "the last 16"): a number in one text is supported
# when the other has one of them.
NUMBER_STEMS = {
    2: ("zwei", "beide", "both", "two", "pair", "paar", "doppel", "double", "second", "zweit"),
    3: ("drei", "dritt", "three", "third", "trio", "triple"), 4: ("vier", "four", "halbfinal"),
    5: ("fünf", "five", "fifth"), 6: ("sechs", "six"), 7: ("sieb", "seven"),
    8: ("acht", "eight", "viertelfinal"), 9: ("neun", "nine", "ninth"), 10: ("zehn", "ten"),
    11: ("elf", "eleven"), 12: ("zwölf", "twelve", "dutzend", "dozen"), 16: ("achtelfinal",),
    20: ("zwanzig", "twenty"), 30: ("dreißig", "thirty"), 40: ("vierzig", "forty"), 50: ("fünfzig", "fifty"),
    60: ("sechzig", "sixty"), 70: ("siebzig", "seventy"), 80: ("achtzig", "eighty"),
    90: ("neunzig", "ninety"),
}  # fmt: skip
# Inside a German compound a number also hides in an ordinal ending it ("Tabellenvierter" = "4th-placed"); not
# the eighth or tenth, whose endings also end "machte" and "Jahrzehnte".
COMPOUND_ORDINALS = {2: "zweit", 3: "dritt", 4: "viert", 5: "fünft", 6: "sechst", 7: "siebt", 9: "neunt",
                     11: "elft", 12: "zwölft"}  # fmt: skip

# Capitalised English words that are not names: function words, titles, weekdays, months, and the common
# sentence openers of news text.
NOT_NAMES = (
    _word_set(
        "the a an and but or if in on at by for from to of with as this that these those it its he she they "
        "we i you his her their our there here when while after before since during under over about into "
        "than then also however meanwhile according mr mrs ms dr prof president minister chancellor today "
        "yesterday tomorrow some many most more all both each every no not yes one two three four five six "
        "seven eight nine ten eleven twelve twenty first second third last new former western eastern "
        "northern southern state states government officials experts analysts because although what which "
        "who why how where despite instead only even still so such other another nor yet until unless "
        "whether thus hence"
    )
    | frozenset(MONTHS)
    | WEEKDAYS
)


@dataclass(frozen=True, slots=True, order=True)
class Fact:
    """One checkable fact. kind: "number" | "date" | "time"; value canonical (see `extract_facts` and
    `extract_times`). Names are checked as text (`extract_names`, `name_in`)."""

    kind: str
    value: str  # number: "11000", "5.4", "5.4%"; date: "09-12", "2019-09-12", "2019"

    def __str__(self) -> str:
        if self.kind == "number":
            percent = self.value.endswith("%")
            number = float(self.value.rstrip("%"))
            shown = f"{int(number):,}" if number.is_integer() else f"{number:,}"
            return shown + ("%" if percent else "")
        if self.kind == "date":
            year, month, day = _date_parts(self.value)
            if month is None:
                return year or ""
            shown = ENGLISH_MONTHS[month - 1] + (f" {day}" if day else "")
            return shown + (f", {year}" if year and day else f" {year}" if year else "")
        return self.value


# --- patterns ----------------------------------------------------------------------------------------

# Month names must be capitalised (both languages do): "the 10 may be" is no date.
_MONTH_NAMES = "|".join(sorted((m.capitalize() for m in MONTHS), key=len, reverse=True))
_MONTH = rf"(?P<month>{_MONTH_NAMES})\.?"
_YEAR = r"(?P<year>(?:1[89]|20)\d\d)"
# A day before its month: "12. September", "12.September", "12 September", "12th of September".
_DAY_OF = r"(?:\.\s*|(?:st|nd|rd|th)?\s+)(?:of\s+)?"
_DATE_PATTERNS = (
    # ranges and pairs first: "vom 4. bis zum 14. Oktober", "October 4 to 14", "the 2nd to the 5th of October"
    re.compile(
        rf"\b(?P<day>\d{{1,2}})(?:\.|st|nd|rd|th)?\s*(?:bis(?:\s+zum)?|und|and|to|-|–|/)\s*(?:the\s+)?"
        rf"(?P<day2>\d{{1,2}}){_DAY_OF}{_MONTH}(?![\w])(?:,?\s+{_YEAR}\b)?"
    ),
    re.compile(
        rf"\b{_MONTH}\s+(?P<day>\d{{1,2}})(?:st|nd|rd|th)?\s*(?:to|and|through|until|-|–)\s*(?:the\s+)?"
        rf"(?P<day2>\d{{1,2}})(?:st|nd|rd|th)?\b(?:,?\s+{_YEAR}\b)?"
    ),
    # "12. September 2019", "12 September", "12th of September"
    re.compile(rf"\b(?P<day>\d{{1,2}}){_DAY_OF}{_MONTH}(?![\w])(?:,?\s+{_YEAR}\b)?"),
    # "September 12, 2019", "Sept. 12th"
    re.compile(rf"\b{_MONTH}\s+(?P<day>\d{{1,2}})(?:st|nd|rd|th)?\b(?:,?\s+{_YEAR}\b)?"),
    # "04.05.2018", "04/05/2018": day and month are reconciled in either order by `check`
    re.compile(rf"\b(?P<day>\d{{1,2}})[./](?P<month>\d{{1,2}})[./]{_YEAR}\b"),
    # "im Mai 2019", "in May 2019": month and year without a day
    re.compile(rf"\b{_MONTH}\s+{_YEAR}\b"),
)
# A grouped number ("11.000", "11,000", "11 000") or a plain one with an optional decimal part.
_NUM = r"\d{1,3}(?:(?:[.,]|[ \u00a0\u202f](?=\d{3}\b))\d{3})+(?:[.,]\d+)?(?!\d)|\d+(?:[.,]\d+)?"
_SCALE_NAMES = "|".join(sorted(GERMAN_SCALES, key=len, reverse=True))
_WORD_NAMES = "|".join(sorted(_ALL_WORD_NUMBERS, key=len, reverse=True))
_AMOUNT = re.compile(
    rf"(?<![\w.,])(?:(?P<num>{_NUM})|(?P<word>{_WORD_NAMES})\b)"
    rf"(?P<scales>(?:\s*(?:{_SCALE_NAMES})\b\.?)*)"
    rf"(?P<percent>\s*(?:%|prozent\b|percent\b|per\s+cent\b|prozentpunkte\b|percentage\s+points?\b))?",
    re.IGNORECASE,
)
# Clock times ("14:00", "19.30 Uhr", "7 pm", "halb drei") and scores ("100:64", "12-8") are not checked in
# summaries: their German and English forms differ too much (19.30 Uhr = 7:30 pm) for a conservative guard.
# The translation checks read clock times (`extract_times`) in marked forms only ("19.30 Uhr", "7:30 pm",
# "18h30", "at 14.13"): a bare "15:15" is as often a score. Minutes run to 59: "between 1.75" is no time.
_TIME_BEFORE = (
    r"\b(?:at|um|gegen|about|around|approximately|before|vor|ab|from|bis|until|after|nach|between|zwischen)"
    r"\s+(?:(?:about|around|approximately|ca\.)\s+)?"
)
# An hour at a word start (asserted after its first digit: a search skips ahead to digits) and its minutes.
_CLOCK = r"(?P<hour>\d(?<!\w\d)\d?)(?:[:.h](?P<minute>[0-5]\d)\b)?"
_HOURS = {**{w: n for w, n in _ALL_WORD_NUMBERS.items() if n <= 12}, "eins": 1, "one": 1}
_UNMARKED_TIME = rf"{_TIME_BEFORE}(?P<hour>\d{{1,2}})[.:](?P<minute>[0-5]\d)\b"
# "halb drei" = "half past two" = 2:30 in either language (machine translation copies German through). The
# word start is asserted after "hal", which a search can skip ahead to.
_HALF_HOUR = rf"hal(?:(?P<halb>b)(?<!\whalb)|f(?<!\whalf)\s+past)\s+(?P<half>{'|'.join(_HOURS)})\b"
_AM_PM = r"(?P<am>a\.m\.|am\b)|(?P<pm>p\.m\.|pm\b)|o'clock\b"
_TIME_PATTERNS = {  # marked forms first: "at 7:30 pm" is 19:30, not also 7:30
    "de": (rf"{_CLOCK}(?:\s*(?:Uhr|h)\b|(?<=h\d\d))", _HALF_HOUR, _UNMARKED_TIME),
    "en": (rf"{_CLOCK}(?:\s*(?:{_AM_PM}|h\b)|(?<=h\d\d))", _HALF_HOUR, _UNMARKED_TIME),
}
_TIMES = {lang: tuple(re.compile(p, re.IGNORECASE) for p in ps) for lang, ps in _TIME_PATTERNS.items()}
# Scores and ranges of whole numbers ("2:1", "12-8", not "1,75-1,80"), and decades ("80er", "the 80s").
_NOT_CHECKED_COMMON = (
    r"\b\d{1,3}:\s?\d{1,3}\b|(?<![\w.,])\d{1,3}\s?[-–]\s?\d{1,3}(?![.,]?\d|\s*%)|\b\d+(?:ern?|s)\b|'\d0s\b"
)
# Before a number word that counts nothing: a team ("the starting eleven"), a few ("a joke or two").
_NOT_A_COUNT_BEFORE = re.compile(r"(?:\bstarting|\ban?\s+\w+\s+or)\s+$", re.IGNORECASE)
_NOT_CHECKED = {  # the time patterns without their group names, and the common ones
    lang: re.compile(re.sub(r"\?P<\w+>", "?:", "|".join([*ps, _NOT_CHECKED_COMMON])), re.IGNORECASE)
    for lang, ps in _TIME_PATTERNS.items()
}
_NUMBER_WORDS = {  # how a text may state n in words ("(?!)" matches nothing)
    n: re.compile(rf"\b(?:{'|'.join(stems)})|{COMPOUND_ORDINALS.get(n, '(?!)')}e[rnsm]?\b", re.IGNORECASE)
    for n, stems in NUMBER_STEMS.items()
}
_SCALE_WORD = re.compile(rf"(?:{_SCALE_NAMES})", re.IGNORECASE)
_CAPITALISED = re.compile(r"(?<![\w'’])[A-ZÄÖÜ][\w'’-]*\w")
_SENTENCE_START = re.compile(r"(?:^|[.!?:;]\s+|[\"“„«»(]\s*)$")


def parse_number(token: str) -> float | None:
    """'11.000' / '11,000' / '11 000' → 11000.0; '5,4' / '5.4' → 5.4; '14.13' → 14.13.

    A separator followed by exactly three digits (in a regular grouping) is a thousands separator in
    either language; any other separator is the decimal point. This reconciles German and English
    without trusting the language label, which machine translation often carries over unchanged.
    """
    t = re.sub(r"[ \u00a0\u202f]", "", token)
    if t != token and re.fullmatch(r"\d{1,3}(?:[.,]\d{3})*(?:[ \u00a0\u202f]\d{3})+", token):
        return float(re.sub(r"\D", "", token))  # a space never groups decimals: "14.130 214" is 14130214
    if re.fullmatch(r"\d{1,3}(?:([.,])\d{3})(?:\1\d{3})*", t):  # one kind of separator, 3-digit groups
        return float(re.sub(r"[.,]", "", t))
    m = re.fullmatch(r"(\d{1,3}(?:([.,])\d{3})+)([.,])(\d+)", t)
    if m and m.group(2) != m.group(3):  # "1.234,5" / "1,234.5"
        return float(re.sub(r"[.,]", "", m.group(1)) + "." + m.group(4))
    try:
        return float(t.replace(",", "."))
    except ValueError:
        return None


def canonical_number(number: float) -> str:
    return str(int(number)) if float(number).is_integer() else f"{number:.6g}"


def _inside(pos: int, spans: Iterable[tuple[int, int]]) -> bool:
    return any(a <= pos < b for a, b in spans)


def _dates(text: str) -> tuple[set[Fact], list[tuple[int, int]]]:
    facts: set[Fact] = set()
    spans: list[tuple[int, int]] = []
    for pattern in _DATE_PATTERNS:
        for m in pattern.finditer(text):
            if _inside(m.start(), spans):
                continue
            raw_month = m.group("month").casefold()
            month = int(raw_month) if raw_month.isdigit() else MONTHS[raw_month]
            day = int(m.group("day")) if "day" in pattern.groupindex else 0
            if not 1 <= month <= 12 or not 0 <= day <= 31 or int(m.groupdict().get("day2") or 1) > 31:
                continue
            year = m.group("year")
            days = [day, int(m.group("day2"))] if "day2" in pattern.groupindex else [day]
            if not days[-1] and not year:
                continue  # a bare month name ("im Mai") is no checkable date
            for d in days:
                value = f"{month:02d}" + (f"-{d:02d}" if d else "")
                facts.add(Fact("date", f"{year}-{value}" if year else value))
            spans.append(m.span())
    return facts, spans


def _counts_nothing(text: str, start: int, lang: str) -> bool:
    """Whether the number word at `start` names a team ("seine Elf": German capitalises such a noun away from
    a sentence start; "the starting eleven"), a band ("die Neun") or a few ("a joke or two")."""
    noun = lang == "de" and text[start].isupper() and not _SENTENCE_START.search(text, 0, start)
    return noun or _NOT_A_COUNT_BEFORE.search(text, max(0, start - 40), start) is not None


def _amounts(text: str, lang: str, taken: list[tuple[int, int]]) -> set[Fact]:
    scales = GERMAN_SCALES if lang == "de" else SCALES
    words = WORD_NUMBERS.get(lang, _ALL_WORD_NUMBERS)
    facts: set[Fact] = set()
    for m in _AMOUNT.finditer(text):
        if _inside(m.start(), taken):
            continue
        if m.group("num"):
            number = parse_number(m.group("num"))
        elif _counts_nothing(text, m.start(), lang):
            continue
        else:
            number = words.get(m.group("word").casefold())
        if number is None:
            continue
        for scale in _SCALE_WORD.findall(m.group("scales") or ""):
            number *= scales[scale.casefold()]
        value = canonical_number(number)
        if m.group("percent"):
            facts.add(Fact("number", value + "%"))
        elif m.group("num") and re.fullmatch(_YEAR, m.group("num")) and not m.group("scales"):
            facts.add(Fact("date", value))  # "im Jahr 2019" / "in 2019": a bare four-digit year
        else:
            facts.add(Fact("number", value))
    return facts


def extract_times(text: str, lang: str) -> set[Fact]:
    """Clock times as Fact("time", "HH:MM"): "19.30 Uhr" → 19:30, "7:30 pm" → 19:30, "at 14.13" → 14:13,
    "18h" → 18:00, "halb drei" → 02:30.

    Not part of `extract_facts`: the summary guard skips times on purpose (see `_NOT_CHECKED`). Without
    am/pm the hour is as written; `supported` compares hours modulo 12.
    """
    facts: set[Fact] = set()
    taken: list[tuple[int, int]] = []
    for pattern in _TIMES.get(lang, _TIMES["en"]):
        for m in pattern.finditer(text):
            groups = m.groupdict()
            if _inside(m.start("hour" if "hour" in groups else 0), taken):
                continue
            taken.append(m.span())
            if groups.get("half"):  # "halb drei" is half an hour before three, "half past two" after two
                hour, minute = _HOURS[groups["half"].casefold()] - bool(groups["halb"]), 30
            else:
                hour, minute = int(m.group("hour")), int(m.group("minute") or 0)
            if groups.get("pm") and hour < 12:
                hour += 12
            elif groups.get("am") and hour == 12:
                hour = 0
            if hour <= 24 and minute < 60:
                facts.add(Fact("time", f"{hour % 24:02d}:{minute:02d}"))
    return facts


def extract_names(text: str) -> list[str]:
    """Capitalised tokens that look like names (English text).

    Sentence-initial words are skipped unless another capitalised word follows ("Joe Biden said"),
    since "Officers arrested ..." starts with a common noun; possessive "'s" is dropped.
    """
    names: list[str] = []
    for m in _CAPITALISED.finditer(text):
        word = re.sub(r"['’]s$", "", m.group(0))
        if word.casefold() in NOT_NAMES or len(word) < 3 or word.casefold() in _ALL_WORD_NUMBERS:
            continue
        if _SENTENCE_START.search(text[: m.start()]):
            following = _CAPITALISED.match(text, m.end() + 1)
            if not following or following.group(0).casefold() in NOT_NAMES:
                continue
        names.append(word)
    return names


def extract_facts(text: str, lang: str) -> set[Fact]:
    """Numbers (percentages as "5.4%") and dates of `text` as canonical facts. (Names are not facts: every
    caller checks them as text, `extract_names` and `name_in`.)"""
    facts, taken = _dates(text)
    taken += [m.span() for m in _NOT_CHECKED.get(lang, _NOT_CHECKED["en"]).finditer(text)]
    return facts | _amounts(text, lang, taken)


# --- checking ----------------------------------------------------------------------------------------


def _date_parts(value: str) -> tuple[str | None, int | None, int]:
    """'2019-09-12' / '09-12' / '2019-05' / '2019' → (year, month, day); day 0 when not stated."""
    parts = value.split("-")
    year = parts.pop(0) if len(parts[0]) == 4 else None
    month = int(parts[0]) if parts else None
    day = int(parts[1]) if len(parts) > 1 else 0
    return year, month, day


def _date_supported(value: str, source: set[Fact]) -> bool:
    """A date is supported by a source date that agrees on every part both state.

    Day and month may be swapped ("04/05/2018" is ambiguous), and a bare year is also supported by the
    same number in the source.
    """
    year, month, day = _date_parts(value)
    if month is None:
        return any(f.value == year or f.value.startswith(f"{year}-") for f in source)
    for fact in source:
        if fact.kind != "date":
            continue
        y, m, d = _date_parts(fact.value)
        if m is None:
            continue
        if year and y and year != y:
            continue
        if (m, d) == (month, day) or (d, m) == (month, day) or (m == month and 0 in (d, day)):
            return True
    return False


def _number_supported(value: str, source: set[Fact], texts: Sequence[str]) -> bool:
    """Canonical match (a percentage also matches the bare number: the sign is often dropped), the same digits
    where the extraction sets them aside ("A8" ~ "A 8", "10-12" ~ "10 bis 12"), or a number written into a
    word of a source ("three-day" ~ "dreitägigen", "4th-placed" ~ "Tabellenvierter")."""
    bare = value.rstrip("%")
    if bare in {f.value.rstrip("%") for f in source if f.kind in ("number", "date")}:
        return True
    if not float(bare).is_integer():
        return False
    digits = re.compile(rf"(?<![\d.,]){int(float(bare))}(?![\d]|[.,]\d)")
    words = _NUMBER_WORDS.get(int(float(bare)))
    return any(digits.search(t) or (words and words.search(t)) for t in texts)


def _clock_numbers(value: str) -> set[str]:
    """How a clock time may stand as a bare number: 19:30 → 19.3 or 7.3; 13:00 → 13 or 1."""
    hour, minute = (int(part) for part in value.split(":"))
    return {canonical_number(h + minute / 100) for h in (hour, hour % 12)}


def _time_supported(value: str, source: set[Fact], texts: Sequence[str]) -> bool:
    """Same minute and hour modulo 12 (19.30 Uhr = 7:30 pm = 7:30), the time written as a bare number
    ("zwischen 10 und 13 Uhr" = "between 10 and 13"), or its digits unmarked ("beim 18:17" = "at 18:17":
    a score, like as not)."""
    hour, minute = (int(part) for part in value.split(":"))
    hours = "|".join(str(h) for h in {hour, hour % 12, hour % 12 + 12})
    if any(re.search(rf"(?<![\d.,:])0?(?:{hours})[.:]{minute:02d}(?![\d])", t) for t in texts):
        return True
    numbers = _clock_numbers(value)
    for fact in source:
        if fact.kind == "time":
            h, m = (int(part) for part in fact.value.split(":"))
            if (h % 12, m) == (hour % 12, minute):
                return True
        elif fact.kind == "number" and fact.value in numbers:
            return True
    return False


def supported(fact: Fact, source: set[Fact], texts: Sequence[str]) -> bool:
    """Whether `source` (the facts of `texts`) supports a number, date or time fact: canonically equal,
    or reconciled as `check` does (percent sign dropped, small numbers in compounds, partial dates).
    A bare number is also supported by a clock time that reads as it (13 ~ 13:00), for the sources'
    times that `extract_times` adds."""
    if fact in source:
        return True
    if fact.kind == "number":
        clocks = (_clock_numbers(f.value) for f in source if f.kind == "time")
        return _number_supported(fact.value, source, texts) or any(fact.value in c for c in clocks)
    if fact.kind == "date":
        return _date_supported(fact.value, source)
    if fact.kind == "time":
        return _time_supported(fact.value, source, texts)
    return False


def name_in(name: str, texts: Iterable[str]) -> bool:
    """Case-insensitive and prefix-tolerant: 'Russia' is found in "Russia's", 'Merkels' in 'Merkel'."""
    stem = name.casefold()[: max(4, min(len(name), 6))]
    return any(stem in t.casefold() for t in texts)


def check(
    summary_sentence: str, sources_de: Sequence[str], sources_en: Sequence[str | None], *, lang: str = "en"
) -> tuple[str, ...]:
    """Warnings for numbers, dates and names of the summary sentence that none of its sources contain."""
    source_facts: set[Fact] = set()
    for text in sources_de:
        source_facts |= extract_facts(text, "de")
    for text in sources_en:
        if text:
            source_facts |= extract_facts(text, "en")
    source_texts = [*sources_de, *(t for t in sources_en if t)]
    warnings: list[str] = []
    summary_facts = extract_facts(summary_sentence, lang)
    for fact in sorted(summary_facts):
        if not supported(fact, source_facts, source_texts):
            warnings.append(f"{fact.kind} {fact} not in source")
    if lang == "en":
        for name in dict.fromkeys(extract_names(summary_sentence)):
            if not name_in(name, source_texts):
                warnings.append(f"name {name} not in source")
    return tuple(warnings)
