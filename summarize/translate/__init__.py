"""Translation stage: the `Translator` base and its engines (transformers, CTranslate2)."""

from __future__ import annotations

from ..loading import load_model
from ..loading.convert import CTranslate2Model
from ..loading.devices import resolve_settings
from ..settings import Settings
from .base import GenerationOptions, Translator, is_degenerate, translate_documents

__all__ = ["GenerationOptions", "Translator", "is_degenerate", "load_translator", "translate_documents"]


def load_translator(settings: Settings) -> Translator:
    """The translation engine the settings ask for, its model loaded (`loading.load_model`), batching under the
    budget `resolve_settings` chose."""
    settings = resolve_settings(settings)
    model = load_model(settings, "translation")
    options = {"num_beams": settings.translation_beams, "max_batch_tokens": settings.max_batch_tokens}
    if isinstance(model, CTranslate2Model):
        from .ctranslate2 import CTranslate2Translator

        return CTranslate2Translator(model, **options)
    from .marian import MarianTranslator

    return MarianTranslator(model, **options)
