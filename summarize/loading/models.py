"""`from_pretrained` loading: hub name or local folder → (tokenizer, model) on a device; int8 and memory release.

The only module that calls `from_pretrained` for a runnable model. Loading goes through transformers' Auto
classes, so any valid Marian, BART, PEGASUS or T5 folder loads.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import logging
import sys
from dataclasses import dataclass
from typing import Any

from ..errors import ModelNotFoundError, UsageError
from .devices import compute_type, resolve_device, resolve_dtype
from .hub import model_source, not_found_error, revision_label

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class LoadedModel:
    """A tokenizer and a seq2seq model, ready for `generate`."""

    name: str  # as the user gave it: hub name or local path
    revision: str  # commit hash from the cache, "local", or the revision asked for
    tokenizer: Any
    model: Any
    device: Any  # torch.device
    compute_type: str = "float32"  # `devices.compute_type`: the dtype, or int8 (dynamic quantization)

    @property
    def label(self) -> str:
        return f"{self.name}@{self.revision}"

    @property
    def max_input_tokens(self) -> int:
        """The encoder window in tokens, from the model config (512 for opus-mt, 1024 for BART)."""
        return window_of(self.model.config, self.tokenizer)


def window_of(config: Any, tokenizer: Any) -> int:
    """The encoder window in tokens: the smaller of the model's position limit and the tokenizer's."""
    limit = getattr(config, "max_position_embeddings", None) or getattr(config, "n_positions", None)
    tok_limit = getattr(tokenizer, "model_max_length", None)
    candidates = [v for v in (limit, tok_limit) if isinstance(v, int) and 0 < v < 1_000_000]
    return min(candidates) if candidates else 512


def _quiet_transformers() -> None:
    """Warnings off, and transformers' own bars (weights read from disk); the hub's download bars stay as the
    user set them (HF_HUB_DISABLE_PROGRESS_BARS, `huggingface_hub.utils.disable_progress_bars`): a first run
    downloads about 1.5 GB, and should show it."""
    from huggingface_hub.utils import are_progress_bars_disabled, enable_progress_bars
    from huggingface_hub.utils import logging as hub_logging
    from transformers.utils import logging as hf_logging

    hf_logging.set_verbosity_error()
    hub_logging.set_verbosity_error()  # its retry warnings; a failure still becomes one clear error line
    downloads_shown = not are_progress_bars_disabled()
    hf_logging.disable_progress_bar()  # this turns the hub's bars off too...
    if downloads_shown:
        enable_progress_bars()  # ...so they are turned back on


def load_tokenizer(name: str, *, role: str = "translation", revision: str | None = None) -> Any:
    """Only the tokenizer (engines such as CTranslate2 bring their own model runtime)."""
    from transformers import AutoTokenizer

    _quiet_transformers()
    try:
        return AutoTokenizer.from_pretrained(model_source(name, role, revision), revision=revision)
    except (OSError, ValueError, KeyError) as exc:
        raise not_found_error(name, role, exc) from None


def load_config(name: str, *, role: str = "summarization", revision: str | None = None) -> Any:
    """The model's `AutoConfig` and `GenerationConfig` (engines that run a converted model still read them)."""
    from transformers import AutoConfig, GenerationConfig

    _quiet_transformers()
    source = model_source(name, role, revision)
    try:
        config = AutoConfig.from_pretrained(source, revision=revision)
    except (OSError, ValueError, KeyError) as exc:
        raise not_found_error(name, role, exc) from None
    try:
        generation = GenerationConfig.from_pretrained(source, revision=revision)
    except (OSError, ValueError, KeyError):  # no generation_config.json: the model config carries the settings
        generation = GenerationConfig.from_model_config(config)
    return config, generation


def load_seq2seq(
    name: str,
    *,
    role: str = "translation",
    device: str = "auto",
    dtype: str = "auto",
    revision: str | None = None,
    int8: bool = False,
    threads: int | None = None,
) -> LoadedModel:
    """Load tokenizer + `AutoModelForSeq2SeqLM` by hub name or local dir, in eval mode on `device`; `threads`
    sets torch's CPU threads (for the whole process: torch has one pool)."""
    try:
        import torch
        from transformers import AutoModelForSeq2SeqLM, AutoTokenizer
    except ImportError as exc:  # pragma: no cover - a broken install
        raise ModelNotFoundError(name, role, f"transformers is not importable: {exc}") from None
    if threads:
        torch.set_num_threads(threads)
    _quiet_transformers()
    torch_device = resolve_device(device)
    torch_dtype = resolve_dtype(dtype, torch_device)
    source = model_source(name, role, revision)
    log.debug("loading %s model %s on %s (%s)", role, source, torch_device, torch_dtype)
    try:
        tokenizer = AutoTokenizer.from_pretrained(source, revision=revision)
        model = AutoModelForSeq2SeqLM.from_pretrained(source, revision=revision, dtype=torch_dtype)
    except (OSError, ValueError, KeyError) as exc:
        raise not_found_error(name, role, exc) from None
    model.eval()
    if int8:
        if torch_device.type != "cpu":
            raise UsageError("--int8 is dynamic CPU quantization; on a GPU use --dtype float16/bfloat16")
        model = quantize_int8(model)
    model.to(torch_device)
    runs_in = compute_type("transformers", torch_device.type, int8=int8, dtype=str(torch_dtype).removeprefix("torch."))
    return LoadedModel(name, revision_label(name, model.config, revision), tokenizer, model, torch_device, runs_in)


def quantize_int8(model: Any) -> Any:
    """Dynamic int8 quantization of every Linear layer (CPU), the output projection included; embeddings stay fp32.

    `torch.ao.quantization.quantize_dynamic` is deprecated in favour of torchao but still works and needs no
    extra dependency; its deprecation warning is silenced: int8 is a deliberate default on CPU (models.md).
    """
    import warnings

    import torch

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        # In place: a copy would hold the fp32 and the int8 weights at once (peak memory).
        return torch.ao.quantization.quantize_dynamic(model, {torch.nn.Linear}, dtype=torch.qint8, inplace=True)


def release_memory() -> None:
    """Give freed heap back to the OS. glibc keeps what a thread frees in that thread's arena; CTranslate2 runs
    each model in its own thread pool, so without this the summarizer's beam caches pile up on top of the
    translator's freed batches (~100 MB more peak RSS on the seeds; models.md). No-op where glibc is absent."""
    if not sys.platform.startswith("linux"):
        return
    try:
        ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):  # musl and friends have no malloc_trim
        pass


