"""`Settings`: the one home of every default, shared by the Python API and the CLI."""

from __future__ import annotations

import dataclasses
import importlib.util
import re
from dataclasses import dataclass, field
from typing import Any

from . import __version__
from .errors import UsageError

DEFAULT_TRANSLATOR = "Helsinki-NLP/opus-mt-de-en"
DEFAULT_SUMMARIZER_MODEL = "sshleifer/distilbart-cnn-12-6"

SUMMARIZERS = ("abstractive", "extractive", "none")
LENGTHS = ("short", "medium", "long")
FORMATS = ("json", "md", "html")
# "auto": CTranslate2 when the ctranslate2 package imports (a core dependency) on a device it runs on (cpu, cuda),
# else transformers; resolved before anything runs, so signatures and cache keys name the engine that ran.
ENGINES = ("auto", "transformers", "ctranslate2")
DEVICES_HELP = "auto|cpu|cuda|cuda:N|mps"
DTYPES = ("auto", "float32", "float16", "bfloat16")
# Padded source tokens per translation batch when not set: measured best on CPU (bench/bench_translate.py,
# models.md); GPUs want larger batches (out-of-memory halves a batch, so a too-large budget only costs time).
BATCH_TOKENS_CPU = 2048
BATCH_TOKENS_GPU = 8192
# Padded source tokens per summarizer call (chunks of several articles batched together), by engine and device.
# CTranslate2 on CPU: 3 chunks of ~1,000 tokens are ~10 % faster than 2 and as fast as 4 or 5, and every chunk's
# beam-4 caches add ~100 MB; 3,072 keeps a translate + summarize run under 1.2 GB (models.md). Torch on CPU gains
# nothing from batching and runs one chunk at a time.
SUMMARY_BATCH_TOKENS_CT2_CPU = 3072
SUMMARY_BATCH_TOKENS_GPU = 8192


@dataclass(frozen=True, slots=True)
class Settings:
    """Everything that changes a result. Frozen: derive variants with `settings.replace(...)`."""

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
    translation_beams: int = 1  # greedy: fastest, and identical output whatever the batch size
    summary_beams: int = 4  # distilbart-cnn's own default
    # text handling
    max_chars: int = 500_000  # per article; larger is an input error, never a silent cut
    chunk_overlap: int = 1  # sentences shared by neighbouring summarizer chunks
    support_threshold: float = 0.25  # below: a summary sentence is flagged unsupported
    extra: dict[str, Any] = field(default_factory=dict, compare=False, hash=False)

    def __post_init__(self) -> None:
        if self.lang != "en":
            raise UsageError(f"--lang {self.lang!r} is not supported: only 'en' (German→English) for now")
        if self.summarizer not in SUMMARIZERS:
            raise UsageError(f"summarizer must be one of {', '.join(SUMMARIZERS)}, not {self.summarizer!r}")
        if self.length not in LENGTHS and not re.fullmatch(r"[1-9]\d*[st]", self.length):
            raise UsageError(
                f"length must be one of {', '.join(LENGTHS)}, or a count like 3s (sentences) or 120t (tokens); "
                f"not {self.length!r}"
            )
        if self.engine not in ENGINES:
            raise UsageError(f"engine must be one of {', '.join(ENGINES)}, not {self.engine!r}")
        if self.dtype not in DTYPES:
            raise UsageError(f"dtype must be one of {', '.join(DTYPES)}, not {self.dtype!r}")
        if self.summarizer == "abstractive" and not self.translate:
            raise UsageError("without translation only the extractive summarizer can run (German summary)")
        if self.max_batch_tokens is not None and self.max_batch_tokens < 16:
            raise UsageError("max_batch_tokens must be at least 16")
        if self.max_chars < 1:
            raise UsageError("max_chars must be at least 1")
        if self.translation_beams < 1 or self.summary_beams < 1:
            raise UsageError("beam sizes must be at least 1")

    def replace(self, **changes: Any) -> Settings:
        return dataclasses.replace(self, **changes)

    def resolved_for(self, device_type: str) -> Settings:
        """These settings with the choices left to the machine made for a device type ("cpu", "cuda", "mps"),
        so that signatures and cache keys say what really runs: the engine ("auto" becomes one), then int8."""
        settings = self
        if settings.engine == "auto":
            settings = settings.replace(engine=_auto_engine(device_type))
        if settings.int8 is None:
            if settings.engine == "ctranslate2":  # both models run in CTranslate2
                on = settings.translate or settings.summarizer == "abstractive"
            else:  # the transformers engine quantizes the translator only
                on = settings.translate
            settings = settings.replace(int8=device_type == "cpu" and on)
        return settings

    def resolved(self, auto_device_type: str | None = None) -> Settings:
        """`resolved_for` the device these settings name. "auto" means `auto_device_type` when given (a Ray
        worker's device, say), else what this machine has (imports torch, only when a model will run)."""
        if self.int8 is not None and self.engine != "auto":
            return self
        kind = self.device.split(":")[0]  # a named device is checked when loading
        if kind == "auto" and (self.translate or self.summarizer == "abstractive"):
            if auto_device_type is None:
                from .loading import resolve_device

                auto_device_type = resolve_device("auto").type
            kind = auto_device_type
        return self.resolved_for(kind)

    @property
    def signature(self) -> str:
        """A short, stable description of the settings that shape the output (like sacrebleu's)."""
        parts = [f"tr={_short(self.translator)}" if self.translate else "tr=none"]
        if self.summarizer == "abstractive":
            parts.append(f"sum={_short(self.summarizer_model)}")
        else:
            parts.append(f"sum={self.summarizer}")
        parts += [
            f"len={self.length}",
            f"beam={self.translation_beams}/{self.summary_beams}",
            f"eng={self.resolved().engine if self.engine == 'auto' else self.engine}",  # what runs, never "auto"
        ]
        if self.int8:
            parts.append("int8")
        parts.append(f"v={__version__}")
        return "|".join(parts)


def default_batch_tokens(device_type: str) -> int:
    """The translation batch budget (padded source tokens) when the settings leave it to the device."""
    return BATCH_TOKENS_CPU if device_type == "cpu" else BATCH_TOKENS_GPU


def default_summary_batch(engine: str, device_type: str) -> tuple[int | None, int | None]:
    """(chunks, padded source tokens) per summarizer call; None: no limit of that kind."""
    if device_type != "cpu":
        return 8, SUMMARY_BATCH_TOKENS_GPU
    if engine == "ctranslate2":
        return None, SUMMARY_BATCH_TOKENS_CT2_CPU
    return 1, None  # torch on CPU: one chunk at a time measured as fast as batches, and bounds memory


def _auto_engine(device_type: str) -> str:
    """What engine "auto" means on a device: CTranslate2 where it is installed and runs (cpu, cuda)."""
    if device_type in ("cpu", "cuda", "auto") and importlib.util.find_spec("ctranslate2") is not None:
        return "ctranslate2"
    return "transformers"


def _short(name: str) -> str:
    return name.rstrip("/").rsplit("/", 1)[-1]
