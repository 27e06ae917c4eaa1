"""summarize: German→English translation and summarization with sentence-level provenance."""

from __future__ import annotations

__version__ = "0.1.0"

from .checks import Flag, check_translation
from .document import (
    Document,
    Result,
    Sentence,
    SourceLink,
    Summary,
    SummarySentence,
    read_document,
)
from .errors import InputError, ModelNotFoundError, SummarizeError, UsageError
from .settings import Settings

__all__ = [
    "Document",
    "Flag",
    "InputError",
    "ModelNotFoundError",
    "Pipeline",
    "Result",
    "Sentence",
    "Settings",
    "SourceLink",
    "SummarizeError",
    "Summary",
    "SummarySentence",
    "UsageError",
    "__version__",
    "check_translation",
    "load_document",
    "read_document",
]


def __getattr__(name: str):  # lazy: `import summarize` stays light
    if name in ("Pipeline", "load_document"):
        from . import pipeline

        return getattr(pipeline, name)
    raise AttributeError(name)
