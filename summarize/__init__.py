"""summarize: German→English translation and summarization with sentence-level provenance."""

from __future__ import annotations

__version__ = "0.1.0"

from .document import (  # noqa: E402
    Document,
    Result,
    Sentence,
    SourceLink,
    Summary,
    SummarySentence,
    read_document,
)
from .errors import InputError, ModelNotFoundError, SummarizeError, UsageError  # noqa: E402
from .settings import Settings  # noqa: E402

__all__ = [
    "Document",
    "InputError",
    "ModelNotFoundError",
    "Pipeline",
    "Result",
    "Sentence",
    "Settings",
    "SourceLink",
    "Summary",
    "SummarizeError",
    "SummarySentence",
    "UsageError",
    "__version__",
    "load_document",
    "read_document",
]


def __getattr__(name: str):  # lazy: `import summarize` stays light
    if name in ("Pipeline", "load_document"):
        from . import pipeline

        return getattr(pipeline, name)
    raise AttributeError(name)
