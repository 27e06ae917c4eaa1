"""The summarize stage: translated Documents → `DraftSummary` (provenance links it afterwards).

`ExtractiveSummarizer` picks central source sentences (no model); `AbstractiveSummarizer` generates
with a seq2seq model, map-reduce over token windows (`chunk`) when the input is too long, through an
engine (`engine.TransformersEngine` or `ctranslate2.CTranslate2Engine`).
`find_duplicate_groups` finds sentences repeated across the articles of a digest.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..errors import UsageError
from ..loading import load_model
from ..loading.devices import resolve_settings
from .base import DraftSummary, Summarizer
from .chunk import chunk_sentences
from .dedup import find_duplicate_groups
from .extractive import ExtractiveSummarizer

if TYPE_CHECKING:
    from ..settings import Settings
    from .abstractive import AbstractiveSummarizer


def load_summarizer(settings: Settings) -> Summarizer:
    """The summarizer the settings ask for; an abstractive one loads its model now (`loading.load_model`) and
    batches under the budgets `resolve_settings` chose."""
    if settings.summarizer == "extractive":
        return ExtractiveSummarizer()
    if settings.summarizer == "abstractive":
        from .abstractive import AbstractiveSummarizer

        settings = resolve_settings(settings)
        model = load_model(settings, "summarization")
        return AbstractiveSummarizer(model, num_beams=settings.summary_beams, overlap=settings.chunk_overlap,
                                     batch_size=settings.summary_batch_size,
                                     max_batch_tokens=settings.summary_batch_tokens)
    raise UsageError(f"no summarizer for {settings.summarizer!r}")


def __getattr__(name: str) -> object:
    # AbstractiveSummarizer's module imports nothing heavy, but keep it out of `import summarize`.
    if name == "AbstractiveSummarizer":
        from .abstractive import AbstractiveSummarizer

        return AbstractiveSummarizer
    raise AttributeError(name)


__all__ = [
    "AbstractiveSummarizer",
    "DraftSummary",
    "ExtractiveSummarizer",
    "Summarizer",
    "chunk_sentences",
    "find_duplicate_groups",
    "load_summarizer",
]
