"""The machine's choices: device, engine, dtype, int8, batch budgets and CPU threads, made once (`resolve_settings`).

Everything left to the machine in a `Settings` ("auto", None) is decided here and nowhere else, so that the
signature and the cache keys say what really runs: what a model runs in (`compute_type`) is derived here too,
and the loaders load what it says. torch is imported only to look at the machine.
"""

from __future__ import annotations

import enum
import importlib.util
import os
from typing import Any

from ..errors import UsageError
from ..settings import Settings
from ..text import model_short_name

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
SUMMARY_BATCH_SIZE_GPU = 8


def resolve_device(device: str = "auto") -> Any:
    import torch

    if device == "auto":
        if torch.cuda.is_available():
            return torch.device("cuda")
        if getattr(torch.backends, "mps", None) and torch.backends.mps.is_available():
            return torch.device("mps")
        return torch.device("cpu")
    try:
        dev = torch.device(device)
    except (RuntimeError, ValueError):
        raise UsageError(f"unknown device {device!r}: use auto, cpu, cuda, cuda:N or mps") from None
    if dev.type == "cuda" and not torch.cuda.is_available():
        raise UsageError(f"device {device!r} asked for, but torch sees no CUDA GPU")
    if dev.type == "mps" and not torch.backends.mps.is_available():
        raise UsageError("device 'mps' asked for, but torch sees no Apple GPU")
    return dev


def resolve_settings(settings: Settings, device_type: str | None = None) -> Settings:
    """The settings with every choice left to the machine made: the one place where they are made.

    `device_type` ("cpu", "cuda", "mps") is the device the models will run on when that is not this process's
    own (a Ray worker's); None: this machine's, found through torch (imported only when a model will run).
    Made here: the device ("auto" → a concrete one), the engine ("auto" → CTranslate2 where it is installed
    and runs: cpu and cuda), the dtype ("auto" → float32 on CPU; on a GPU bfloat16 where supported, else
    float16; left "auto" for a GPU this process cannot see), int8 (on CPU: both models with CTranslate2, the
    translator with transformers), every batch budget (each one asked as None: the translation budget,
    `default_batch_tokens`; an abstractive summarizer's chunks and tokens per call, `default_summary_batch`,
    where None stays None: no limit), and the CPU threads (`default_threads`; left open for another machine,
    whose own share of cores its workers find). Resolving resolved settings changes nothing, so workers may
    call this again on what the driver sent them.
    """
    if not settings.needs_models:
        return settings
    device = settings.device
    if device == "auto":
        device = device_type or resolve_device("auto").type
    kind = device.split(":")[0]
    dtype = settings.dtype
    if dtype == "auto" and kind != "cuda":
        dtype = "float32"
    elif dtype == "auto" and device_type is None:
        dtype = str(resolve_dtype("auto", resolve_device(device))).removeprefix("torch.")
    engine = settings.engine
    if engine == "auto":
        engine = "ctranslate2" if kind in ("cpu", "cuda") and importlib.util.find_spec("ctranslate2") else "transformers"
    int8 = settings.int8
    if int8 is None:  # the transformers engine quantizes the translator only: without one, nothing is int8
        int8 = kind == "cpu" and (settings.translate or engine == "ctranslate2")
    summary_size, summary_tokens = settings.summary_batch_size, settings.summary_batch_tokens
    if settings.summarizer == "abstractive":
        default_size, default_tokens = default_summary_batch(engine, kind)
        summary_size = default_size if summary_size is None else summary_size
        summary_tokens = default_tokens if summary_tokens is None else summary_tokens
    return settings.replace(
        device=device,
        engine=engine,
        dtype=dtype,
        int8=int8,
        max_batch_tokens=settings.max_batch_tokens or default_batch_tokens(kind),
        summary_batch_size=summary_size,
        summary_batch_tokens=summary_tokens,
        threads=settings.threads or (default_threads() if device_type is None else None),
    )


def compute_type(engine: str, device_type: str, *, int8: bool, dtype: str = "float32") -> str:
    """What a model runs in: the one place it is derived (the loaders load it, the signature names it).
    CTranslate2: int8 weights when asked (int8_float16 on a GPU), else the device's float type; transformers:
    int8 (dynamic quantization of the Linear layers, CPU only) when asked, else the dtype."""
    if engine == "ctranslate2":
        if int8:
            return "int8" if device_type == "cpu" else "int8_float16"
        return "float32" if device_type == "cpu" else "float16"
    return "int8" if int8 else dtype


def model_int8(settings: Settings, role: str) -> bool:
    """Whether the model of a role ("translation", "summarization") is int8 under resolved settings: CTranslate2
    runs both models int8 when asked, transformers the translator only (the summarizer stays in its dtype)."""
    return bool(settings.int8) and (settings.engine == "ctranslate2" or role == "translation")


def role_compute_type(settings: Settings, role: str) -> str:
    """What the model of a role runs in under resolved settings, said without loading it."""
    return compute_type(settings.engine, settings.device.split(":")[0], int8=model_int8(settings, role),
                        dtype=settings.dtype)


def signature_part(model: str, engine: str = "", compute: str = "", beams: int | None = None) -> dict[str, str]:
    """One stage's fields of `Pipeline.signature`, as the engine that ran says them (as each sacrebleu metric
    adds its own): the model's short name (`model`: its name, or its label "name@revision", whose revision is
    left out), the engine (its key in `summarize.engines.ENGINES`), what the model runs in and the beams; a
    field the stage does not have (a method without a model) is left out."""
    short = model_short_name(model)
    short = short.rpartition("@")[0] or short
    fields = {"": short, "eng": engine, "compute": compute, "beam": "" if beams is None else str(beams)}
    return {key: value for key, value in fields.items() if value or not key}


def default_batch_tokens(device_type: str) -> int:
    """The translation batch budget (padded source tokens) when the settings leave it to the device."""
    return BATCH_TOKENS_CPU if device_type == "cpu" else BATCH_TOKENS_GPU


def default_summary_batch(engine: str, device_type: str) -> tuple[int | None, int | None]:
    """(chunks, padded source tokens) per summarizer call when the settings leave them to the engine and
    device; None: no limit of that kind."""
    if device_type != "cpu":
        return SUMMARY_BATCH_SIZE_GPU, SUMMARY_BATCH_TOKENS_GPU
    if engine == "ctranslate2":
        return None, SUMMARY_BATCH_TOKENS_CT2_CPU
    return 1, None  # torch on CPU: one chunk at a time measured as fast as batches, and bounds memory


class ByDevice(enum.Enum):
    """The type of `BY_DEVICE`."""

    BY_DEVICE = "by engine and device"


# What an engine's constructor takes for a budget it is not given (tests and benches build engines directly;
# the loaders pass the resolved settings' budgets, where None means no limit): `default_summary_batch`'s.
BY_DEVICE = ByDevice.BY_DEVICE


def default_threads() -> int:
    """OMP_NUM_THREADS when set (a scheduler's, Ray's or the user's share of the machine), else the cores this
    process may run on. More threads than cores spin against each other: on a busy machine, far slower."""
    try:
        threads = int(os.environ.get("OMP_NUM_THREADS", "").split(",")[0])
    except ValueError:
        threads = 0
    if threads >= 1:
        return threads
    if hasattr(os, "sched_getaffinity"):  # Linux: the cores a container or taskset leaves us
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


def resolve_dtype(dtype: str, device: Any) -> Any:
    import torch

    if dtype == "auto":
        # Half precision only where it is fast and safe: bf16 on GPUs that have it, else fp16 on CUDA.
        if device.type == "cuda":
            return torch.bfloat16 if torch.cuda.is_bf16_supported() else torch.float16
        return torch.float32
    table = {"float32": torch.float32, "float16": torch.float16, "bfloat16": torch.bfloat16}
    if dtype != "float32" and device.type == "cpu":
        raise UsageError(f"dtype {dtype} is for GPUs; on CPU use float32 (and --int8 for speed)")
    return table[dtype]

