"""Translation stage: the `Translator` base and its engines (transformers, CTranslate2), which the engine table
(`summarize.engines`) picks and loads."""

from __future__ import annotations

from .base import GenerationOptions, Translator, is_degenerate, translate_documents

__all__ = ["GenerationOptions", "Translator", "is_degenerate", "translate_documents"]
