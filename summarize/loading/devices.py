"""The machine's choices: device, engine, dtype, int8, batch budgets and CPU threads, made once (`resolve_settings`).

Everything left to the machine in a `Settings` ("auto", None) is decided here and nowhere else, so that the
signature and the cache keys say what really runs. torch is imported only to look at the machine.
"""

from __future__ import annotations

import importlib.util
import os
from typing import Any

from ..errors import UsageError
from ..settings import Settings, default_batch_tokens


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
    translator with transformers), the translation batch budget, and the CPU threads (`default_threads`;
    left open for another machine, whose own share of cores its workers find). Resolving resolved settings
    changes nothing, so workers may call this again on what the driver sent them.
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
    return settings.replace(
        device=device,
        engine=engine,
        dtype=dtype,
        int8=int8,
        max_batch_tokens=settings.max_batch_tokens or default_batch_tokens(kind),
        threads=settings.threads or (default_threads() if device_type is None else None),
    )


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

