"""Measured translation checks: false alarms on true pairs, detection on pairs corrupted by rule.

True pairs are German sources with their human reference translations: every flag on them is a false alarm
(or a real slip of the translator, which the examples show). Each corruption rule breaks the reference in
one known way and applies only where that makes sense; the check of its kind should then fire:

    change_number       a number of the reference that is also in the German changed  → number
    copy_german         the German copied as the English                              → untranslated
    drop_second_half    the second half of the words dropped                          → truncated
    loop_phrase         a phrase of 1-3 words looped three times                      → repetition

Precision and recall per kind are taken over the true pairs and the pairs corrupted for that kind: flags
of a kind on pairs corrupted for another are not counted, since a dropped half may really lose a number.
"""

from __future__ import annotations

import random
import re
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from ..checks import (
    KINDS,
    LOW_CONFIDENCE,
    NUMBER,
    REPETITION,
    TRUNCATED,
    UNTRANSLATED,
    UNTRANSLATED_MIN_WORDS,
    Flag,
    check_translation,
)
from ..errors import UsageError
from ..faithfulness import extract_facts
from ..text import has_letter, word_parts
from .translation import clip

MAX_EXAMPLES = 10  # misses listed per rule; counts are always complete
MAX_FALSE_ALARM_EXAMPLES = 100  # every false alarm at the 2 % target on newstest2019
DROP_MIN_WORDS = 8  # "the second half" of a shorter reference is a word or three: no clause to lose
LOOP_MAX_WORDS = 3  # looped phrases of 1-3 words, as degenerate decoders produce them
# copy_german needs a reference that really translates: at most this share of its words in the German.
COPY_MAX_SHARED = 0.5

_NUMBER_START = re.compile(r"(?<![\d.,])\d+")  # the leading digits of a number: "11" of "11,000"


# --- corruptions ------------------------------------------------------------------------------------


def _number_facts(text: str, lang: str) -> set[str]:
    return {f"{f.kind}:{f.value}" for f in extract_facts(text, lang)}


def change_number(german: str, english: str, rng: random.Random) -> str | None:
    """A number that the reference shares with the German changed by 1-9; None if there is none."""
    shared = _number_facts(german, "de") & _number_facts(english, "en")
    if not shared:
        return None
    starts = list(_NUMBER_START.finditer(english))
    rng.shuffle(starts)
    for m in starts:
        digits = m.group(0)
        changed = str(int(digits) + rng.randint(1, 9)).zfill(len(digits))
        corrupted = english[: m.start()] + changed + english[m.end() :]
        if shared - _number_facts(corrupted, "en"):  # a shared fact is gone: this digit run carried it
            return corrupted
    return None


def copy_german(german: str, english: str, rng: random.Random) -> str | None:
    """The German as the English, where the reference really translates (mostly other words)."""
    words = word_parts(english.casefold(), lettered=True)
    german_words = word_parts(german.casefold(), lettered=True)
    if len(german_words) < UNTRANSLATED_MIN_WORDS or not words:
        return None
    shared = set(german_words)
    if sum(w in shared for w in words) / len(words) > COPY_MAX_SHARED:
        return None  # names and numbers: the reference is itself a copy
    return german


def drop_second_half(german: str, english: str, rng: random.Random) -> str | None:
    """The first half of the reference's words, ending as the reference ends (".", "?", "!")."""
    words = english.split()
    if len(words) < DROP_MIN_WORDS:
        return None
    kept = " ".join(words[: len(words) // 2]).rstrip(",;:-–")
    end = english.rstrip()[-1:]
    return kept + end if end in ".!?" and not kept.endswith(end) else kept


def loop_phrase(german: str, english: str, rng: random.Random) -> str | None:
    """A phrase of 1-3 words of the reference, starting with a word, said three times in a row."""
    words = english.split()
    starts = [i for i, w in enumerate(words) if has_letter(w.lstrip("\"'„“‘«»(")[:1])]
    if len(words) < 2 or not starts:
        return None
    start = rng.choice(starts)
    n = rng.randint(1, min(LOOP_MAX_WORDS, len(words) - start))
    phrase = words[start : start + n]
    return " ".join(words[: start + n] + phrase + phrase + words[start + n :])


@dataclass(frozen=True, slots=True)
class Corruption:
    name: str
    kind: str  # the check that should fire
    apply: Callable[[str, str, random.Random], str | None]


CORRUPTIONS = (
    Corruption("change_number", NUMBER, change_number),
    Corruption("copy_german", UNTRANSLATED, copy_german),
    Corruption("drop_second_half", TRUNCATED, drop_second_half),
    Corruption("loop_phrase", REPETITION, loop_phrase),
)


# --- report -----------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class KindFigures:
    """One kind: false alarms on the true pairs; detection, precision and recall where a rule makes it."""

    kind: str
    false_alarms: int
    false_alarm_rate: float
    rule: str | None = None  # the corruption that should trigger it
    corrupted: int = 0  # pairs the rule applied to
    detected: int = 0

    @property
    def detection_rate(self) -> float | None:
        return self.detected / self.corrupted if self.corrupted else None

    @property
    def precision(self) -> float | None:
        flagged = self.detected + self.false_alarms
        return self.detected / flagged if flagged and self.rule else None

    @property
    def recall(self) -> float | None:
        return self.detection_rate

    def to_dict(self) -> dict[str, Any]:
        return {
            "false_alarms": self.false_alarms,
            "false_alarm_rate": round(self.false_alarm_rate, 4),
            "rule": self.rule,
            "corrupted": self.corrupted,
            "detected": self.detected,
            "detection_rate": _round(self.detection_rate),
            "precision": _round(self.precision),
            "recall": _round(self.recall),
        }


@dataclass(frozen=True, slots=True)
class ChecksReport:
    pairs: int
    seed: int
    flagged: int  # true pairs with any flag (low_confidence aside: references have no model score)
    kinds: tuple[KindFigures, ...]
    fired: tuple[tuple[str, tuple[tuple[str, int], ...]], ...]  # per rule: how often each kind fired
    false_alarm_examples: tuple[dict[str, Any], ...]
    missed_examples: tuple[dict[str, Any], ...]
    microseconds_per_pair: float

    @property
    def false_alarm_rate(self) -> float:
        return self.flagged / self.pairs if self.pairs else 0.0

    def kind(self, name: str) -> KindFigures:
        return next(k for k in self.kinds if k.kind == name)

    def to_dict(self) -> dict[str, Any]:
        return {
            "pairs": self.pairs,
            "seed": self.seed,
            "flagged": self.flagged,
            "false_alarm_rate": round(self.false_alarm_rate, 4),
            "kinds": {k.kind: k.to_dict() for k in self.kinds},
            "fired": {rule: dict(counts) for rule, counts in self.fired},
            "microseconds_per_pair": round(self.microseconds_per_pair, 1),
            "false_alarm_examples": list(self.false_alarm_examples),
            "missed_examples": list(self.missed_examples),
        }


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 4)


def _example(line: int, german: str, english: str, flags: Sequence[Flag], **extra: Any) -> dict[str, Any]:
    return {"line": line, **extra, "de": clip(german), "en": clip(english),
            "flags": [f.message for f in flags]}


def evaluate_checks(src_lines: Sequence[str], ref_lines: Sequence[str], *, seed: int = 0) -> ChecksReport:
    """False alarms of `check_translation` on the true pairs, and detection on rule-corrupted copies.

    Each rule draws from its own `random.Random` seeded with `seed` and its name, so a seed gives the same
    figures on every machine.
    """
    if len(src_lines) != len(ref_lines):
        raise UsageError(f"{len(src_lines)} source lines but {len(ref_lines)} reference lines")
    pairs = [(i + 1, de, en) for i, (de, en) in enumerate(zip(src_lines, ref_lines)) if de.strip() and en.strip()]
    if not pairs:
        raise UsageError("no lines to evaluate")
    started = time.perf_counter()
    true_flags = [check_translation(de, en) for _, de, en in pairs]
    microseconds = (time.perf_counter() - started) / len(pairs) * 1e6

    false_alarms = {k: 0 for k in KINDS}
    fa_examples: list[dict[str, Any]] = []
    for (line, de, en), flags in zip(pairs, true_flags):
        for kind in {f.kind for f in flags}:
            false_alarms[kind] += 1
        if flags and len(fa_examples) < MAX_FALSE_ALARM_EXAMPLES:
            fa_examples.append(_example(line, de, en, flags))

    figures: dict[str, tuple[str, int, int]] = {}
    fired: list[tuple[str, tuple[tuple[str, int], ...]]] = []
    missed: list[dict[str, Any]] = []
    for rule in CORRUPTIONS:
        rng = random.Random(f"{seed}:{rule.name}")  # one stream per rule: rules do not shift each other
        applied = detected = 0
        counts = {k: 0 for k in KINDS}
        for line, de, en in pairs:
            corrupted = rule.apply(de, en, rng)
            if corrupted is None:
                continue
            flags = check_translation(de, corrupted)
            kinds = {f.kind for f in flags}
            applied += 1
            detected += rule.kind in kinds
            for kind in kinds:
                counts[kind] += 1
            if rule.kind not in kinds and sum(m["rule"] == rule.name for m in missed) < MAX_EXAMPLES:
                missed.append(_example(line, de, corrupted, flags, rule=rule.name))
        figures[rule.kind] = (rule.name, applied, detected)
        fired.append((rule.name, tuple((k, n) for k, n in counts.items() if n)))

    kinds = tuple(
        KindFigures(kind, false_alarms[kind], false_alarms[kind] / len(pairs), *figures.get(kind, (None, 0, 0)))
        for kind in KINDS
        if kind != LOW_CONFIDENCE  # references carry no model score
    )
    return ChecksReport(
        pairs=len(pairs),
        seed=seed,
        flagged=sum(bool(f) for f in true_flags),
        kinds=kinds,
        fired=tuple(fired),
        false_alarm_examples=tuple(fa_examples),
        missed_examples=tuple(missed),
        microseconds_per_pair=microseconds,
    )


__all__ = [
    "CORRUPTIONS",
    "ChecksReport",
    "Corruption",
    "KindFigures",
    "change_number",
    "copy_german",
    "drop_second_half",
    "evaluate_checks",
    "loop_phrase",
]
