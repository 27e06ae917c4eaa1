"""`Settings`: pure data with one home for every default and every validation rule."""

from __future__ import annotations

import dataclasses
import subprocess
import sys

import pytest

from summarize import Settings, UsageError
from summarize.settings import FIELD_RULES, LENGTHS, MAX_CHARS, SUPPORT_THRESHOLD, parse_length


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


# Every field: (a value of the wrong type, a value of the right type that is wrong, or NO_BAD_VALUE when every
# value of its type is good). A field added to Settings without a row here fails `test_every_field_has_a_row`.
NO_BAD_VALUE = object()
BAD = {
    "translator": (None, " "),
    "summarizer_model": (3, ""),
    "revision": (b"main", ""),
    "lang": (None, "fr"),
    "translate": ("yes", NO_BAD_VALUE),
    "summarizer": (["extractive"], "lexrank"),
    "length": (5, "huge"),
    "engine": (None, "onnx"),
    "device": (0, "tpu"),
    "dtype": (None, "int4"),
    "int8": (1, NO_BAD_VALUE),
    "max_batch_tokens": ("4096", 8),
    "summary_batch_size": (8.0, 0),
    "summary_batch_tokens": ("4096", 8),
    "translation_beams": (True, 0),
    "summary_beams": (4.0, 0),
    "threads": ("2", 0),
    "max_chars": ("abc", 0),
    "chunk_overlap": (None, -1),
    "support_threshold": ("0.5", 1.5),
}
FIELDS = [f.name for f in dataclasses.fields(Settings)]


def test_every_field_has_a_row():
    assert [name for name in FIELDS if name not in BAD] == [], "add the new Settings field to BAD"
    assert set(BAD) <= set(FIELDS)
    # and every field whose type allows bad values has a rule for them
    assert [name for name in FIELDS if BAD[name][1] is not NO_BAD_VALUE and name not in FIELD_RULES] == []


@pytest.mark.parametrize("name", FIELDS)
def test_a_value_of_the_wrong_type_is_a_usage_error(name):
    with pytest.raises(UsageError, match=rf"Settings\.{name} must be "):
        Settings(**{name: BAD[name][0]})


@pytest.mark.parametrize("name", [n for n in FIELDS if BAD[n][1] is not NO_BAD_VALUE])
def test_a_wrong_value_is_a_usage_error(name):
    with pytest.raises(UsageError) as caught:
        Settings(**{name: BAD[name][1]})
    assert not isinstance(caught.value, TypeError)


@pytest.mark.parametrize(
    ("name", "value"),
    [("threads", True), ("max_chars", 1e6), ("max_chars", "500000"), ("translate", 0), ("int8", "no"),
     ("support_threshold", float("nan")), ("support_threshold", None), ("device", "cuda:"), ("device", "CPU"),
     ("device", "cuda:x"), ("device", " cpu"), ("device", "gpu"), ("device", "tpu")],
    ids=repr,
)
def test_more_bad_values(name, value):
    with pytest.raises(UsageError):
        Settings(**{name: value})


@pytest.mark.parametrize(
    "changes",
    [{"device": d} for d in ("auto", "cpu", "cuda", "cuda:0", "cuda:12", "mps")]
    + [{"threads": 2}, {"max_batch_tokens": None}, {"int8": False}, {"revision": "v1.0"}, {"support_threshold": 0},
       {"translate": False, "summarizer": "extractive"}],
    ids=lambda c: ",".join(f"{k}={v}" for k, v in c.items()),
)
def test_good_values_are_accepted_without_looking_at_the_machine(changes):
    assert {k: getattr(Settings(**changes), k) for k in changes} == changes


def test_a_float_field_given_an_int_holds_a_float():
    assert repr(Settings(support_threshold=1).support_threshold) == "1.0"
