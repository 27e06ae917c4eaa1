"""The summarize stage: translated Documents → `DraftSummary` (provenance links it afterwards).

Every summarizer is a `Summarizer` (`base.py`). `ExtractiveSummarizer` picks central source sentences (no
model); `AbstractiveSummarizer` generates with a seq2seq model, map-reduce over token windows (`chunk`) when the
input is too long, through an engine (`engine.TransformersEngine` or `ctranslate2.CTranslate2Engine`), which
the engine table (`summarize.engines`) picks by name and loads. `find_duplicate_groups` finds sentences
repeated across the articles of a digest.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .base import DraftSummary, Summarizer
from .chunk import chunk_sentences
from .dedup import find_duplicate_groups
from .extractive import ExtractiveSummarizer

if TYPE_CHECKING:
    from .abstractive import AbstractiveSummarizer


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
]
