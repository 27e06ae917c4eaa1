"""summarize: German→English translation and summarization with sentence-level provenance.

The public API: `Pipeline` (one article or many, as records), `Settings` (every option and its default),
`load_document` (a file → a segmented `Document`), `run_batch` (files and folders → an output folder, what the
CLI runs), the records, and the errors.

Every name loads on first use (PEP 562 `__getattr__`). The `summarize` command and `python -m summarize`
import this package before `__main__` can set its Ctrl-C handler, so importing it runs no other module of
ours: the records, errors and settings it used to import took 45 ms, and a Ctrl-C in them was a traceback.
"""

TYPE_CHECKING = False  # what typing.TYPE_CHECKING is, without importing typing (9 ms on a bare interpreter)
if TYPE_CHECKING:
    from .checks import check_translation
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
    from .pipeline import Pipeline, load_document
    from .runner import RayOptions, RunReport, run_batch
    from .settings import Settings
    from .version import __version__

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

_HOME = {  # each public name → the module that defines it
    "Document": "document", "Flag": "document", "Result": "document", "Sentence": "document",
    "SourceLink": "document", "Summary": "document", "SummarySentence": "document",
    "read_document": "document", "InputError": "errors", "ModelNotFoundError": "errors",
    "SummarizeError": "errors", "UsageError": "errors",
    "Pipeline": "pipeline", "load_document": "pipeline", "check_translation": "checks",
    "run_batch": "runner", "RayOptions": "runner", "RunReport": "runner",
    "Settings": "settings", "__version__": "version",
}  # fmt: skip


def __getattr__(name: str) -> object:
    if name not in _HOME:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    from importlib import import_module

    value = getattr(import_module(f".{_HOME[name]}", __name__), name)
    globals()[name] = value  # later look-ups skip this function
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
