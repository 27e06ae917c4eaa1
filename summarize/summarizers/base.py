"""What every summarizer shares: the `Summarizer` base class and the draft record it returns.

A summarizer turns segmented (and usually translated) Documents into a `DraftSummary`: plain summary
sentences plus what it knows about where they came from. Linking them to German source spans is
`provenance`'s job, so the draft only carries ids and attention masses, never offsets.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from ..document import Document, SourceKey
from ..loading.devices import signature_part


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


class Summarizer(ABC):
    """Documents in (several: one digest across them), a draft summary out; as `Translator` for translation,
    the base owns the loop over many groups (`summarize_many`), which an engine that batches overrides."""

    label: str = "summarizer"  # "name@revision" of its model (a method without one: its name), in every result

    @abstractmethod
    def __call__(self, docs: Sequence[Document], *, length: str = "medium") -> DraftSummary:
        """One draft summary of `docs` (one article, or several for a digest)."""

    def summarize_many(self, groups: Sequence[Sequence[Document]], *, length: str = "medium") -> list[DraftSummary]:
        """One draft per group of documents, each what `self(group)` gives: one at a time here; an engine that
        batches model calls across the groups overrides this."""
        return [self(docs, length=length) for docs in groups]

    def signature_part(self) -> dict[str, str]:
        """This summarizer's fields of `Pipeline.signature` (`loading.devices.signature_part`): by default its
        label's model; a summarizer with an engine adds the engine, compute type and beams."""
        return signature_part(self.label)
