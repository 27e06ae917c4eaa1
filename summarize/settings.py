"""`Settings`: the one home of every default and every validation rule, shared by the Python API and the CLI.

Pure data: nothing here imports torch or looks at the machine. Choices left to the machine ("auto" device and
dtype, int8, the batch budgets, threads) stay open in a `Settings` as asked, and `loading.resolve_settings`
(`loading/devices.py`, which also holds the measured budgets) makes them, once, so that signatures and cache
keys say what really runs.
"""

from __future__ import annotations

import dataclasses
import math
import re
import types
import typing
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from .errors import UsageError

DEFAULT_TRANSLATOR = "Helsinki-NLP/opus-mt-de-en"
DEFAULT_SUMMARIZER_MODEL = "sshleifer/distilbart-cnn-12-6"

SUMMARIZERS = ("abstractive", "extractive", "none")
FORMATS = ("json", "md", "html")
# "auto", or a key of the engine table (`summarize.engines.ENGINES`, which a test holds to this list). "auto":
# CTranslate2 when the ctranslate2 package imports (a core dependency) on a device it runs on (cpu, cuda), else
# transformers; resolved before anything runs, so signatures and cache keys name the engine that ran.
ENGINES = ("auto", "transformers", "ctranslate2")
DEVICES_HELP = "auto|cpu|cuda|cuda:N|mps"
THREADS_HELP = "CPU threads of the models (default: OMP_NUM_THREADS when set, else the cores)."
DTYPES = ("auto", "float32", "float16", "bfloat16")
MAX_CHARS = 500_000  # readable characters per article (a page's text, not its markup); more is an input error, never cut
# Raw bytes of one input (a file, a fetched page, an archived response): the guard on memory, whatever its text.
# A news page is well under 2 MB; a saved page with inlined images or a long PDF-like page fits; a 1 GB response is
# dropped at the cap as it streams.
MAX_BYTES = 20_000_000
SUPPORT_THRESHOLD = 0.25  # a summary sentence whose best source scores below this is flagged unsupported


@dataclass(frozen=True, slots=True)
class LengthSpec:
    """How long a summary may be: a sentence cap on every path, token bounds for generated text."""

    max_sentences: int
    min_new_tokens: int
    max_new_tokens: int


# Named lengths. "medium" is distilbart-cnn's own generation default (56..142 tokens).
LENGTHS: dict[str, LengthSpec] = {
    "short": LengthSpec(max_sentences=3, min_new_tokens=30, max_new_tokens=80),
    "medium": LengthSpec(max_sentences=5, min_new_tokens=56, max_new_tokens=142),
    "long": LengthSpec(max_sentences=8, min_new_tokens=100, max_new_tokens=256),
}
TOKENS_PER_SENTENCE = 20  # rough size of a news sentence, to turn "<N>t" into a sentence cap
_COUNT = re.compile(r"([1-9]\d*)([st])")


def parse_length(length: str) -> LengthSpec:
    """A length option → LengthSpec: short, medium, long, "<N>s" (sentences) or "<N>t" (tokens); else UsageError."""
    key = length.strip().lower() if isinstance(length, str) else ""
    if key in LENGTHS:
        return LENGTHS[key]
    match = _COUNT.fullmatch(key)
    if not match:
        raise UsageError(
            f"length must be short, medium, long, or a count like 3s (sentences) or 120t (tokens); not {length!r}"
        )
    n, unit = int(match.group(1)), match.group(2)
    if unit == "s":
        # Generated sentences run 15-40 tokens; the sentence cap is what the user asked for.
        return LengthSpec(max_sentences=n, min_new_tokens=min(8 * n, 512), max_new_tokens=40 * n)
    return LengthSpec(
        max_sentences=max(1, math.ceil(n / TOKENS_PER_SENTENCE)), min_new_tokens=n // 2, max_new_tokens=n
    )


@dataclass(frozen=True, slots=True)
class Settings:
    """Everything that changes a result. Frozen: derive variants with `settings.replace(...)`. Every field is
    checked when made, its type from its annotation and its value by FIELD_RULES: a bad one is a UsageError."""

    # models
    translator: str = DEFAULT_TRANSLATOR
    summarizer_model: str = DEFAULT_SUMMARIZER_MODEL
    revision: str | None = None  # hub revision for both models (None: the default branch)
    # what to do
    lang: str = "en"
    translate: bool = True
    summarizer: str = "abstractive"
    length: str = "medium"
    # where and how fast
    engine: str = "auto"  # auto | transformers | ctranslate2 (see ENGINES)
    device: str = "auto"
    dtype: str = "auto"  # float16 / bfloat16 only on GPU
    # int8 weights. transformers engine: dynamic int8 quantization of the translator's Linear layers (the
    # summarizer stays fp32). ctranslate2 engine: both models int8 (float32 / float16 without). None: on CPU,
    # off on GPUs (models.md has the measured speed and the published quality cost).
    int8: bool | None = None
    max_batch_tokens: int | None = None  # padded source tokens per translation batch; None: by device
    # The summarizer's batches (chunks of several articles per model call): at most `summary_batch_size` chunks
    # and `summary_batch_tokens` padded source tokens per call. None as asked: by engine and device
    # (`loading.devices.summary_batch`); None in resolved settings: no limit of that kind.
    summary_batch_size: int | None = None
    summary_batch_tokens: int | None = None
    translation_beams: int = 1  # greedy: fastest, and identical output whatever the batch size
    summary_beams: int = 4  # distilbart-cnn's own default
    # CPU threads of torch and CTranslate2. None: OMP_NUM_THREADS when set, else the cores this process may use
    # (`loading.resolve_settings`). Threads change the speed, not the output: signatures and cache keys leave
    # them out.
    threads: int | None = None
    # text handling
    max_chars: int = MAX_CHARS  # readable characters (an HTML page's text, not its markup); raw size: MAX_BYTES
    chunk_overlap: int = 1  # sentences shared by neighbouring summarizer chunks
    support_threshold: float = SUPPORT_THRESHOLD

    def __post_init__(self) -> None:
        for f in dataclasses.fields(self):
            value = getattr(self, f.name)
            problem = _type_problem(f.name, value, _FIELD_TYPES[f.name])
            if problem is None and value is not None and f.name in FIELD_RULES:
                problem = FIELD_RULES[f.name](f.name, value)
            if problem:
                raise UsageError(problem)
            if type(value) is int and int not in _FIELD_TYPES[f.name]:  # a float field: 1 → 1.0, one repr in keys
                object.__setattr__(self, f.name, float(value))
        if self.summarizer == "abstractive" and not self.translate:
            raise UsageError("without translation only the extractive summarizer can run (German summary)")

    def replace(self, **changes: Any) -> Settings:
        return dataclasses.replace(self, **changes)

    @property
    def needs_models(self) -> bool:
        """Whether any model runs: translation, or an abstractive summary."""
        return self.translate or self.summarizer == "abstractive"


# --- validation: what each field accepts ---------------------------------------------------------------------
# Types come from the annotations (`int | None`...): ints are ints (never bools or strings), a float field takes
# an int too. Values are checked by FIELD_RULES: field name → a function of (name, value), given a value of the
# right type other than None, that says what is wrong with it, or None. A field whose every value of its type is
# good (a bool) has no rule; tests/test_settings.py makes every field name a bad value, or say it has none.


def _type_problem(name: str, value: Any, allowed: tuple[type, ...]) -> str | None:
    if isinstance(value, bool):
        ok = bool in allowed
    elif isinstance(value, int):
        ok = int in allowed or float in allowed
    else:
        ok = isinstance(value, allowed)
    if ok:
        return None
    kinds = " or ".join(_TYPE_NAMES.get(t, t.__name__) for t in allowed)
    return f"Settings.{name} must be {kinds}, not {type(value).__name__} {value!r}"


_TYPE_NAMES = {str: "a string", int: "an int", float: "a number", bool: "True or False", type(None): "None"}


def _one_of(choices: tuple[str, ...]) -> Callable[[str, str], str | None]:
    def rule(name: str, value: str) -> str | None:
        return None if value in choices else f"{name} must be one of {', '.join(choices)}, not {value!r}"

    return rule


def _at_least(low: float) -> Callable[[str, float], str | None]:
    def rule(name: str, value: float) -> str | None:
        return None if value >= low else f"{name} must be at least {low}, not {value!r}"

    return rule


def _not_blank(name: str, value: str) -> str | None:
    return None if value.strip() else f"{name} must name a model (a hub name or a local directory), not {value!r}"


def _length(name: str, value: str) -> str | None:
    try:
        parse_length(value)
    except UsageError as exc:
        return str(exc)
    return None


_DEVICE = re.compile(r"auto|cpu|mps|cuda(?::\d+)?")


def _device(name: str, value: str) -> str | None:
    """The device's spelling only: whether this machine has it is `loading.resolve_settings`'s to say."""
    return None if _DEVICE.fullmatch(value) else f"device must be {DEVICES_HELP}, not {value!r}"


FIELD_RULES: dict[str, Callable[[str, Any], str | None]] = {
    "translator": _not_blank,
    "summarizer_model": _not_blank,
    "revision": lambda name, v: None if v.strip() else f"{name} must be a branch, tag or commit (or None), not {v!r}",
    "lang": lambda name, v: None if v == "en" else f"--lang {v!r} is not supported: only 'en' (German→English) for now",
    "summarizer": _one_of(SUMMARIZERS),
    "length": _length,
    "engine": _one_of(ENGINES),
    "device": _device,
    "dtype": _one_of(DTYPES),
    "max_batch_tokens": _at_least(16),
    "summary_batch_size": _at_least(1),
    "summary_batch_tokens": _at_least(16),
    "translation_beams": _at_least(1),
    "summary_beams": _at_least(1),
    "threads": _at_least(1),
    "max_chars": _at_least(1),
    "chunk_overlap": _at_least(0),
    "support_threshold": lambda name, v: None if 0.0 <= v <= 1.0 else f"{name} must be in [0, 1], not {v!r}",
}


def _classes(hint: Any) -> tuple[type, ...]:
    """An annotation → the classes it accepts: `int | None` → (int, NoneType); `tuple[str, ...]` → (tuple,)."""
    union = typing.get_origin(hint) in (typing.Union, types.UnionType)
    return tuple(typing.get_origin(a) or a for a in (typing.get_args(hint) if union else (hint,)))


_FIELD_TYPES: dict[str, tuple[type, ...]] = {
    name: _classes(hint) for name, hint in typing.get_type_hints(Settings).items() if not name.startswith("_")
}
