"""summarize: German→English translation and summarization with sentence-level provenance.

The public API: `Pipeline` (one article or many, as records), `Settings` (every option and its default),
`load_document` (a file → a segmented `Document`), `run_batch` (files and folders → an output folder, what the
CLI runs), the records, and the errors. Heavy modules (torch, the pipeline) load on first use.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .document import (
    Document,
    Flag,
    Result,
    Sentence,
    SourceLink,
    Summary,
    SummarySentence,
    read_document,
)
from .errors import InputError, ModelNotFoundError, SummarizeError, UsageError
from .settings import Settings
from .version import __version__

if TYPE_CHECKING:
    from .checks import check_translation
    from .pipeline import Pipeline, load_document
    from .runner import RayOptions, RunReport, run_batch

__all__ = [
    "Document",
    "Flag",
    "InputError",
    "ModelNotFoundError",
    "Pipeline",
    "RayOptions",
    "Result",
    "RunReport",
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
    "run_batch",
]

_LAZY = {
    "Pipeline": "pipeline", "load_document": "pipeline", "check_translation": "checks",
    "run_batch": "runner", "RayOptions": "runner", "RunReport": "runner",
}  # fmt: skip


def __getattr__(name: str):  # lazy: `import summarize` stays light
    if name in _LAZY:
        from importlib import import_module

        return getattr(import_module(f".{_LAZY[name]}", __name__), name)
    raise AttributeError(name)
