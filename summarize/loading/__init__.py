"""Hub name or folder → a runnable model: the names the rest of the package imports from `loading`.

Which loader runs is the engine table's choice (`summarize.engines`). The package's modules, one job each:
`devices` (the machine's choices: `resolve_settings`, every batch budget, what a model runs in), `hub` (where a model name points, its identity, "not found" errors), `models` (`from_pretrained`,
int8, memory release), `convert` (CTranslate2: conversion and loading) and `cache` (the conversions' cache:
whole entries, healing, leftovers, the fallback). torch, transformers and ctranslate2 are imported only inside
functions.
"""

from __future__ import annotations

from ..settings import Settings
from .cache import cache_root
from .convert import (
    CT2_FORMAT,
    CTranslate2Model,
    convert_ctranslate2,
    ctranslate2_module,
    load_ctranslate2,
)
from .devices import default_threads, model_int8, resolve_device, resolve_dtype, resolve_settings
from .hub import _hub_unreachable as _hub_unreachable  # private, but tests reach it here
from .hub import model_identity, revision_label
from .models import (
    LoadedModel,
    load_config,
    load_seq2seq,
    load_tokenizer,
    quantize_int8,
    release_memory,
    window_of,
)

__all__ = [
    "CT2_FORMAT",
    "CTranslate2Model",
    "LoadedModel",
    "cache_root",
    "convert_ctranslate2",
    "ctranslate2_model",
    "ctranslate2_module",
    "default_threads",
    "load_config",
    "load_ctranslate2",
    "load_seq2seq",
    "load_tokenizer",
    "model_identity",
    "model_int8",
    "quantize_int8",
    "release_memory",
    "resolve_device",
    "resolve_dtype",
    "resolve_settings",
    "revision_label",
    "transformers_model",
    "window_of",
]


def transformers_model(settings: Settings, role: str) -> LoadedModel:
    """The model of a role ("translation" or "summarization") for the transformers engine, as resolved settings
    ask for it: on their device in their dtype, int8 (dynamic, CPU) where `model_int8` says."""
    return load_seq2seq(_name(settings, role), role=role, device=settings.device, dtype=settings.dtype,
                        revision=settings.revision, int8=model_int8(settings, role), threads=settings.threads)


def ctranslate2_model(settings: Settings, role: str) -> CTranslate2Model:
    """The model of a role for the CTranslate2 engine, as resolved settings ask for it: converted once (cached),
    int8 where `model_int8` says."""
    return load_ctranslate2(_name(settings, role), role=role, device=settings.device, revision=settings.revision,
                            int8=model_int8(settings, role), threads=settings.threads)


def _name(settings: Settings, role: str) -> str:
    return settings.translator if role == "translation" else settings.summarizer_model

