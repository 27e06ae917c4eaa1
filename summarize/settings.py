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
from dataclasses import dataclass
from typing import Any

from .errors import UsageError
from .version import __version__

DEFAULT_TRANSLATOR = "Helsinki-NLP/opus-mt-de-en"
DEFAULT_SUMMARIZER_MODEL = "sshleifer/distilbart-cnn-12-6"

SUMMARIZERS = ("abstractive", "extractive", "none")
FORMATS = ("json", "md", "html")
# "auto": CTranslate2 when the ctranslate2 package imports (a core dependency) on a device it runs on (cpu, cuda),
# else transformers; resolved before anything runs, so signatures and cache keys name the engine that ran.
ENGINES = ("auto", "transformers", "ctranslate2")
DEVICES_HELP = "auto|cpu|cuda|cuda:N|mps"
THREADS_HELP = "CPU threads of the models (default: OMP_NUM_THREADS when set, else the cores)."
DTYPES = ("auto", "float32", "float16", "bfloat16")
MAX_CHARS = 500_000  # per article; a longer one is an input error, never silently cut
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
    max_chars: int = MAX_CHARS
    chunk_overlap: int = 1  # sentences shared by neighbouring summarizer chunks
    support_threshold: float = SUPPORT_THRESHOLD

    def __post_init__(self) -> None:
        if self.lang != "en":
            raise UsageError(f"--lang {self.lang!r} is not supported: only 'en' (German→English) for now")
        if self.summarizer not in SUMMARIZERS:
            raise UsageError(f"summarizer must be one of {', '.join(SUMMARIZERS)}, not {self.summarizer!r}")
        parse_length(self.length)
        if self.engine not in ENGINES:
            raise UsageError(f"engine must be one of {', '.join(ENGINES)}, not {self.engine!r}")
        if self.dtype not in DTYPES:
            raise UsageError(f"dtype must be one of {', '.join(DTYPES)}, not {self.dtype!r}")
        if self.summarizer == "abstractive" and not self.translate:
            raise UsageError("without translation only the extractive summarizer can run (German summary)")
        if self.max_batch_tokens is not None and self.max_batch_tokens < 16:
            raise UsageError("max_batch_tokens must be at least 16")
        if self.summary_batch_size is not None and self.summary_batch_size < 1:
            raise UsageError(f"summary_batch_size must be at least 1, not {self.summary_batch_size}")
        if self.summary_batch_tokens is not None and self.summary_batch_tokens < 16:
            raise UsageError(f"summary_batch_tokens must be at least 16, not {self.summary_batch_tokens}")
        if self.max_chars < 1:
            raise UsageError("max_chars must be at least 1")
        if self.translation_beams < 1 or self.summary_beams < 1:
            raise UsageError("beam sizes must be at least 1")
        if self.threads is not None and self.threads < 1:
            raise UsageError(f"threads must be at least 1, not {self.threads}")
        if self.chunk_overlap < 0:
            raise UsageError(f"chunk overlap must be >= 0, not {self.chunk_overlap}")
        if not 0.0 <= self.support_threshold <= 1.0:
            raise UsageError(f"support threshold must be in [0, 1], not {self.support_threshold}")

    def replace(self, **changes: Any) -> Settings:
        return dataclasses.replace(self, **changes)

    @property
    def needs_models(self) -> bool:
        """Whether any model runs: translation, or an abstractive summary."""
        return self.translate or self.summarizer == "abstractive"

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
            f"eng={self.engine}",
        ]
        if self.needs_models:  # where and in what precision the models run (resolved settings say it exactly)
            kind = self.device.split(":")[0]
            if self.engine == "ctranslate2":
                parts += [kind, f"ct2-{ct2_compute_type(bool(self.int8), kind)}"]
            else:
                parts += [kind, self.dtype] + (["int8"] if self.int8 else [])
        parts.append(f"v={__version__}")
        return "|".join(parts)


def ct2_compute_type(int8: bool, device_type: str) -> str:
    """What the CTranslate2 engine runs both models in: int8 weights when asked (the CPU default), else the
    device's float type."""
    if int8:
        return "int8" if device_type == "cpu" else "int8_float16"
    return "float32" if device_type == "cpu" else "float16"


def _short(name: str) -> str:
    return name.rstrip("/").rsplit("/", 1)[-1]
