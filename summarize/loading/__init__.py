"""Settings → a runnable model (`load_model`), and the names the rest of the package imports from `loading`.

The package's modules, one job each: `devices` (the machine's choices: `resolve_settings`, every batch
budget), `hub` (where a model name points, its identity, "not found" errors), `models` (`from_pretrained`,
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
from .devices import default_threads, resolve_device, resolve_dtype, resolve_settings
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
    "ctranslate2_module",
    "default_threads",
    "load_config",
    "load_ctranslate2",
    "load_model",
    "load_seq2seq",
    "load_tokenizer",
    "model_identity",
    "quantize_int8",
    "release_memory",
    "resolve_device",
    "resolve_dtype",
    "resolve_settings",
    "revision_label",
    "window_of",
]


def load_model(settings: Settings, role: str) -> LoadedModel | CTranslate2Model:
    """The model of a role ("translation" or "summarization") as the settings ask for it: the one place where
    settings become a runnable model. CTranslate2: converted once (cached), int8 as resolved for both models;
    transformers: on the device in its dtype, int8 (dynamic, CPU) for the translator only."""
    settings = resolve_settings(settings)
    name = settings.translator if role == "translation" else settings.summarizer_model
    if settings.engine == "ctranslate2":
        return load_ctranslate2(name, role=role, device=settings.device, revision=settings.revision,
                                int8=settings.int8, threads=settings.threads)
    return load_seq2seq(name, role=role, device=settings.device, dtype=settings.dtype, revision=settings.revision,
                        int8=bool(settings.int8) and role == "translation", threads=settings.threads)


