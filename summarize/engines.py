"""The engine table: an engine's name → the class that runs each stage on it, imported on first use.

One table for both stages, as sacrebleu names a class per key and imports it lazily: the resolved
`Settings.engine` ("auto" becomes a key here in `loading.resolve_settings`) picks the translator and the
summarizer's engine, and each class loads its own model from the settings (`load(settings)`). `planned_part`
says what an engine will contribute to the signature without loading it (the Ray driver, whose workers load
the models; a cache key asked for before the first model loads).
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import import_module
from typing import Any

from .errors import UsageError
from .loading.devices import resolve_settings, role_compute_type, signature_part
from .settings import Settings
from .summarizers import ExtractiveSummarizer, Summarizer
from .translate import Translator


@dataclass(frozen=True, slots=True)
class Engine:
    """Where one engine's stage classes live, as "module:Class" (imported when first asked for)."""

    translator: str  # a `Translator` with `load(settings)`
    summarizer: str  # a `SummaryEngine` with `load(settings)`, behind `AbstractiveSummarizer`


ENGINES: dict[str, Engine] = {
    "transformers": Engine(
        translator="summarize.translate.marian:MarianTranslator",
        summarizer="summarize.summarizers.engine:TransformersEngine",
    ),
    "ctranslate2": Engine(
        translator="summarize.translate.ctranslate2:CTranslate2Translator",
        summarizer="summarize.summarizers.ctranslate2:CTranslate2Engine",
    ),
}


def engine_class(name: str, stage: str) -> Any:
    """The class that runs `stage` ("translator" or "summarizer") on the engine `name`, imported now."""
    if name not in ENGINES:
        raise UsageError(f"no engine {name!r}: use one of {', '.join(ENGINES)}")
    module, _, cls = getattr(ENGINES[name], stage).partition(":")
    return getattr(import_module(module), cls)


def load_translator(settings: Settings) -> Translator:
    """The translator the settings ask for, its model loaded, batching under the budget `resolve_settings`
    chose."""
    settings = resolve_settings(settings)
    return engine_class(settings.engine, "translator").load(settings)


def load_summarizer(settings: Settings) -> Summarizer:
    """The summarizer the settings ask for; an abstractive one loads its model now and batches under the budgets
    `resolve_settings` chose."""
    if settings.summarizer == "extractive":
        return ExtractiveSummarizer()
    if settings.summarizer != "abstractive":
        raise UsageError(f"no summarizer for {settings.summarizer!r}")
    from .summarizers.abstractive import AbstractiveSummarizer

    settings = resolve_settings(settings)
    engine = engine_class(settings.engine, "summarizer").load(settings)
    return AbstractiveSummarizer(engine, num_beams=settings.summary_beams, overlap=settings.chunk_overlap,
                                 batch_size=settings.summary_batch_size, max_batch_tokens=settings.summary_batch_tokens)


def planned_part(settings: Settings, role: str) -> dict[str, str]:
    """The fields that the engine of resolved settings will add to the signature for a role's model, said without
    loading it: what its `signature_part()` says once loaded (the loaders derive the compute type the same way,
    `loading.devices.compute_type`; tests/test_pipeline.py holds both engines to it)."""
    if role == "translation":
        model, beams = settings.translator, settings.translation_beams
    else:
        model, beams = settings.summarizer_model, settings.summary_beams
    return signature_part(model, settings.engine, role_compute_type(settings, role), beams)


__all__ = ["ENGINES", "Engine", "engine_class", "load_summarizer", "load_translator", "planned_part"]
