"""Translation stage: the `Translator` base and its engines (transformers, CTranslate2)."""

from __future__ import annotations

from ..settings import Settings
from .base import GenerationOptions, Translator, is_degenerate, translate_documents

__all__ = ["GenerationOptions", "Translator", "is_degenerate", "load_translator", "translate_documents"]


def load_translator(settings: Settings) -> Translator:
    """The engine named by `settings.engine` ("auto" resolved first), loaded once."""
    settings = settings.resolved()
    if settings.engine == "ctranslate2":
        from .ctranslate2 import CTranslate2Translator

        return CTranslate2Translator.from_pretrained(
            settings.translator,
            device=settings.device,
            revision=settings.revision,
            int8=bool(settings.int8),
            num_beams=settings.translation_beams,
            max_batch_tokens=settings.max_batch_tokens,
        )
    from .marian import MarianTranslator

    return MarianTranslator.from_pretrained(
        settings.translator,
        device=settings.device,
        dtype=settings.dtype,
        revision=settings.revision,
        int8=bool(settings.int8),
        num_beams=settings.translation_beams,
        max_batch_tokens=settings.max_batch_tokens,
    )
