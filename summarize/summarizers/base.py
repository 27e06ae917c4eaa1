"""What every summarizer shares: the length spec, the draft record it returns, and its call shape.

A summarizer turns segmented (and usually translated) Documents into a `DraftSummary`: plain summary
sentences plus what it knows about where they came from. Linking them to German source spans is
`provenance`'s job, so the draft only carries ids and attention masses, never offsets.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol

from ..document import Document

SourceKey = tuple[str, str]  # (document id, sentence id)


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
