"""What every summarizer shares: the length spec, the draft record it returns, and its call shape.

A summarizer turns segmented (and usually translated) Documents into a `DraftSummary`: plain summary
sentences plus what it knows about where they came from. Linking them to German source spans is
`provenance`'s job, so the draft only carries ids and attention masses, never offsets.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol

from ..document import Document
from ..errors import UsageError

SourceKey = tuple[str, str]  # (document id, sentence id)


@dataclass(frozen=True, slots=True)
class LengthSpec:
    """How long a summary may be: a sentence cap on every path, token bounds for generated text."""

    max_sentences: int
    min_new_tokens: int
    max_new_tokens: int


# Named lengths. "medium" is distilbart-cnn's own generation default (56..142 tokens).
PRESETS: dict[str, LengthSpec] = {
    "short": LengthSpec(max_sentences=3, min_new_tokens=30, max_new_tokens=80),
    "medium": LengthSpec(max_sentences=5, min_new_tokens=56, max_new_tokens=142),
    "long": LengthSpec(max_sentences=8, min_new_tokens=100, max_new_tokens=256),
}
TOKENS_PER_SENTENCE = 20  # rough size of a news sentence, to turn "<N>t" into a sentence cap
_COUNT = re.compile(r"([1-9]\d*)([st])")


def parse_length(length: str) -> LengthSpec:
    """A length option → LengthSpec: short, medium, long, "<N>s" (sentences) or "<N>t" (tokens); else UsageError."""
    key = length.strip().lower() if isinstance(length, str) else ""
    if key in PRESETS:
        return PRESETS[key]
    match = _COUNT.fullmatch(key)
    if not match:
        raise UsageError(
            f"length must be short, medium, long, or a count like 3s (sentences) or 120t (tokens); not {length!r}"
        )
    n, unit = int(match.group(1)), match.group(2)
    if unit == "s":
        # Generated sentences run 15-40 tokens; the sentence cap is what the user asked for.
        return LengthSpec(max_sentences=n, min_new_tokens=min(8 * n, 512), max_new_tokens=40 * n)
    return LengthSpec(
        max_sentences=max(1, math.ceil(n / TOKENS_PER_SENTENCE)), min_new_tokens=n // 2, max_new_tokens=n
    )


@dataclass(frozen=True, slots=True)
class DraftSummary:
    """Summarizer output, before provenance links it to German source spans."""

    sentences: tuple[str, ...]
    method: str  # "abstractive" | "extractive"
    model: str | None  # LoadedModel.label, or None when no model ran
    chunks: int  # pieces the input was cut into at the first level (1: it fitted)
    levels: int  # map-reduce levels (1: one generate over the whole input)
    # Per summary sentence: (doc_id, sentence_id) -> attention mass in 0..1 (the masses of a sentence sum to 1).
    attention: tuple[Mapping[SourceKey, float], ...] | None = None
    # Extractive only: the source sentence(s) each summary sentence is, so provenance is exact.
    exact_sources: tuple[tuple[SourceKey, ...], ...] | None = None


class Summarizer(Protocol):
    """Documents in (several: one digest across them), a draft summary out."""

    def __call__(self, docs: Sequence[Document], *, length: str = "medium") -> DraftSummary: ...
