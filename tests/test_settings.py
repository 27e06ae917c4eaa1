"""`Settings`: pure data with one home for every default and every validation rule."""

from __future__ import annotations

import dataclasses
import subprocess
import sys

import pytest

from summarize import Settings, UsageError
from summarize.settings import LENGTHS, MAX_CHARS, SUPPORT_THRESHOLD, parse_length


def test_settings_module_imports_neither_torch_nor_the_package_root():
    code = ("import sys; import summarize.settings; "
            "print(sorted(m for m in ('torch', 'transformers', 'summarize.loading', 'summarize.pipeline') "
            "if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


@pytest.mark.parametrize(
    "changes",
    [
        {"lang": "fr"}, {"summarizer": "lexrank"}, {"length": "huge"}, {"length": "0s"}, {"engine": "onnx"},
        {"dtype": "int4"}, {"translate": False, "summarizer": "abstractive"}, {"max_batch_tokens": 8},
        {"max_chars": 0}, {"translation_beams": 0}, {"summary_beams": 0}, {"chunk_overlap": -1},
        {"support_threshold": 1.5}, {"threads": 0}, {"summary_batch_size": 0}, {"summary_batch_tokens": 8},
    ],
    ids=lambda c: ",".join(f"{k}={v}" for k, v in c.items()),
)
def test_bad_values_are_usage_errors(changes):
    with pytest.raises(UsageError):
        Settings(**changes)


@pytest.mark.parametrize(
    ("length", "sentences", "min_tokens", "max_tokens"),
    [("short", 3, 30, 80), ("medium", 5, 56, 142), ("3s", 3, 24, 120), ("120t", 6, 60, 120), (" Long ", 8, 100, 256)],
)
def test_lengths_parse_in_one_place(length, sentences, min_tokens, max_tokens):
    spec = parse_length(length)
    assert (spec.max_sentences, spec.min_new_tokens, spec.max_new_tokens) == (sentences, min_tokens, max_tokens)
    Settings(length=length)  # and Settings accepts exactly what parse_length accepts


def test_defaults_have_one_home():
    s = Settings()
    assert s.max_chars == MAX_CHARS and s.support_threshold == SUPPORT_THRESHOLD
    assert set(LENGTHS) == {"short", "medium", "long"}


def test_settings_are_frozen_and_replace_validates():
    s = Settings()
    with pytest.raises(dataclasses.FrozenInstanceError):
        s.lang = "de"  # type: ignore[misc]
    with pytest.raises(UsageError):
        s.replace(summary_beams=0)
