"""Hub name or local directory → (tokenizer, model) on a device. The only module that calls `from_pretrained`.

Loading goes through transformers' Auto classes, so any valid Marian, BART, PEGASUS or T5 directory loads.
Without internet, a hub name works only from the Hugging Face cache; a failure becomes one
`ModelNotFoundError` line that names the model and the ways to supply it.

CTranslate2 engines (translator and summarizer) get their model here too: `convert_ctranslate2` converts a
transformers model once with ctranslate2's own converter and caches the result under
`~/.cache/summarize/ct2/` (or `$SUMMARIZE_CACHE`), keyed by the model, its revision or files, the
quantization and the ctranslate2 version. Conversion writes to a temporary folder and renames it, so an
interrupted conversion is never used.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import hashlib
import logging
import os
import shutil
import socket
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .errors import ModelNotFoundError, UsageError

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class LoadedModel:
    """A tokenizer and a seq2seq model, ready for `generate`."""

    name: str  # as the user gave it: hub name or local path
    revision: str  # commit hash from the cache, "local", or the revision asked for
    tokenizer: Any
    model: Any
    device: Any  # torch.device

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


def _quiet_transformers() -> None:
    from huggingface_hub.utils import logging as hub_logging
    from transformers.utils import logging as hf_logging

    hf_logging.set_verbosity_error()
    hf_logging.disable_progress_bar()
    hub_logging.set_verbosity_error()  # its retry warnings; a failure still becomes one clear error line


def _revision_of(name: str, model: Any, revision: str | None) -> str:
    return revision_label(name, model.config, revision)


def revision_label(name: str, config: Any, revision: str | None) -> str:
    """What a result records as the model's revision: "local", the cache's commit hash, or what was asked for."""
    if Path(name).expanduser().is_dir():
        return "local"
    commit = getattr(config, "_commit_hash", None)
    return commit or revision or "main"


def _source(name: str, role: str, revision: str | None = None) -> str:
    """A local directory as an absolute path, else the hub name; a path-like name that is not there is an error,
    and so is a hub name that is neither in the cache nor reachable (at once, not after the hub client's retries)."""
    local = Path(name).expanduser()
    if local.is_dir():
        return str(local)
    if os.sep in name and (name.startswith((".", "/", "~")) or local.parent.is_dir()):
        raise ModelNotFoundError(name, role, "no such directory")
    if not _cached(name, revision) and not _hub_reachable():
        raise ModelNotFoundError(name, role, "not in the local cache and the hub is unreachable")
    return name


def _cached(name: str, revision: str | None) -> bool:
    from huggingface_hub import try_to_load_from_cache

    try:
        return isinstance(try_to_load_from_cache(name, "config.json", revision=revision), str)
    except ValueError:  # not a valid repo id: let from_pretrained say what is wrong
        return True


def _hub_reachable(timeout: float = 3.0) -> bool:
    """Whether the hub answers a TCP connection. Offline mode and proxies are left to the hub client itself."""
    from urllib.parse import urlsplit

    if os.environ.get("HF_HUB_OFFLINE", "0").lower() in ("1", "true", "yes", "on"):
        return True  # from_pretrained looks in the cache only and fails fast by itself
    if any(os.environ.get(v) for v in ("HTTPS_PROXY", "https_proxy", "ALL_PROXY", "all_proxy")):
        return True  # a direct connection says nothing about the route through a proxy
    endpoint = urlsplit(os.environ.get("HF_ENDPOINT") or "https://huggingface.co")
    port = endpoint.port or (80 if endpoint.scheme == "http" else 443)
    try:
        socket.create_connection((endpoint.hostname or "huggingface.co", port), timeout=timeout).close()
    except OSError:
        return False
    return True


def _not_found(name: str, role: str, exc: Exception) -> ModelNotFoundError:
    reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    if "offline" in reason.lower() or "connect" in reason.lower() or "huggingface.co" in reason:
        reason = "not in the local cache and the hub is unreachable"
    return ModelNotFoundError(name, role, reason[:200])


def load_tokenizer(name: str, *, role: str = "translation", revision: str | None = None) -> Any:
    """Only the tokenizer (engines such as CTranslate2 bring their own model runtime)."""
    from transformers import AutoTokenizer

    _quiet_transformers()
    try:
        return AutoTokenizer.from_pretrained(_source(name, role, revision), revision=revision)
    except (OSError, ValueError, KeyError) as exc:
        raise _not_found(name, role, exc) from None


def load_config(name: str, *, role: str = "summarization", revision: str | None = None) -> Any:
    """The model's `AutoConfig` and `GenerationConfig` (engines that run a converted model still read them)."""
    from transformers import AutoConfig, GenerationConfig

    _quiet_transformers()
    source = _source(name, role, revision)
    try:
        config = AutoConfig.from_pretrained(source, revision=revision)
    except (OSError, ValueError, KeyError) as exc:
        raise _not_found(name, role, exc) from None
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
) -> LoadedModel:
    """Load tokenizer + `AutoModelForSeq2SeqLM` by hub name or local dir, in eval mode on `device`."""
    try:
        from transformers import AutoModelForSeq2SeqLM, AutoTokenizer
    except ImportError as exc:  # pragma: no cover - a broken install
        raise ModelNotFoundError(name, role, f"transformers is not importable: {exc}") from None
    _quiet_transformers()
    torch_device = resolve_device(device)
    torch_dtype = resolve_dtype(dtype, torch_device)
    source = _source(name, role, revision)
    log.debug("loading %s model %s on %s (%s)", role, source, torch_device, torch_dtype)
    try:
        tokenizer = AutoTokenizer.from_pretrained(source, revision=revision)
        model = AutoModelForSeq2SeqLM.from_pretrained(source, revision=revision, dtype=torch_dtype)
    except (OSError, ValueError, KeyError) as exc:
        raise _not_found(name, role, exc) from None
    model.eval()
    if int8:
        if torch_device.type != "cpu":
            raise UsageError("--int8 is dynamic CPU quantization; on a GPU use --dtype float16/bfloat16")
        model = quantize_int8(model)
    model.to(torch_device)
    return LoadedModel(name, _revision_of(name, model, revision), tokenizer, model, torch_device)


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


# --- CTranslate2 ---------------------------------------------------------------------------------------

# Bumped whenever what `convert_ctranslate2` writes changes (2: BART under transformers 5; the attention of
# all heads of the last decoder layer is returned), so that older cached conversions are not reused.
CT2_FORMAT = "2"


def ctranslate2_module() -> Any:
    try:
        import ctranslate2
    except ImportError:
        raise UsageError(
            "the ctranslate2 engine needs the ctranslate2 package: pip install ctranslate2 (or --engine transformers)"
        ) from None
    return ctranslate2


def ctranslate2_threads() -> int:
    """Threads for a CTranslate2 model: OMP_NUM_THREADS when set, else what torch uses (the tests pin 1)."""
    threads = int(os.environ.get("OMP_NUM_THREADS", "0") or 0)
    if threads:
        return threads
    try:
        import torch

        return torch.get_num_threads()
    except ImportError:  # pragma: no cover
        return os.cpu_count() or 1


def ctranslate2_compute_type(device_type: str, int8: bool) -> str:
    """int8 (CPU) / int8_float16 (GPU) when int8, else float32 (CPU) / float16 (GPU)."""
    if device_type == "cpu":
        return "int8" if int8 else "float32"
    return "int8_float16" if int8 else "float16"


def cache_root() -> Path:
    base = os.environ.get("SUMMARIZE_CACHE") or os.path.join(
        os.environ.get("XDG_CACHE_HOME", os.path.expanduser("~/.cache")), "summarize"
    )
    return Path(base) / "ct2"


def _fingerprint(name: str, revision: str | None, quantization: str, version: str) -> str:
    parts = [name, revision or "", quantization, version, CT2_FORMAT]
    local = Path(name).expanduser()
    if local.is_dir():  # a local folder can change in place: its files' sizes and times are part of the key
        parts = [str(local.resolve()), quantization, version, CT2_FORMAT]
        parts += [f"{f.name}:{f.stat().st_size}:{f.stat().st_mtime_ns}" for f in sorted(local.iterdir()) if f.is_file()]
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()[:24]


def convert_ctranslate2(
    name: str, *, role: str = "translation", revision: str | None = None, quantization: str = "int8"
) -> Path:
    """Convert (once) a transformers seq2seq model to a CTranslate2 folder; return the folder.

    Errors: ModelNotFoundError when the model cannot be read, UsageError when it cannot be converted
    (an architecture CTranslate2 has no converter for, a tokenizer smaller than the model's vocabulary)."""
    ct2 = ctranslate2_module()
    target = cache_root() / _fingerprint(name, revision, quantization, ct2.__version__)
    if (target / "model.bin").exists():
        return target
    source = _source(name, role, revision)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=".converting-", dir=target.parent))
    try:
        log.debug("converting %s to CTranslate2 (%s) in %s", name, quantization, target)
        _converter(ct2, source, name, role, revision).convert(str(tmp), quantization=quantization, force=True)
        try:
            tmp.rename(target)
        except OSError:  # another process converted it meanwhile
            if not (target / "model.bin").exists():
                raise
    except UsageError:
        raise
    except (OSError, ValueError, KeyError, NotImplementedError) as exc:
        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        if "No conversion is registered" in reason:
            raise UsageError(
                f"{role} model {name!r}: CTranslate2 cannot convert this architecture; use --engine transformers"
            ) from None
        raise ModelNotFoundError(name, role, f"CTranslate2 conversion failed: {reason}"[:200]) from None
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return target


def _converter(ct2: Any, source: str, name: str, role: str, revision: str | None) -> Any:
    """ctranslate2's TransformersConverter, with what it needs under transformers 5, on loaded copies only."""
    import numpy as np
    from ctranslate2.converters import TransformersConverter

    # BART-style converters take the vocabulary from the tokenizer (cut to the model's size when longer, as
    # distilbart's 50,265 tokens for 50,264 rows); a shorter one cannot describe the model's output layer.
    vocabulary_from_tokenizer = _model_type(source, revision) in ("bart", "mbart", "pegasus")

    class Converter(TransformersConverter):  # type: ignore[misc, valid-type]
        vocab_size: int | None = None

        def load_model(self, model_class: Any, model_name_or_path: str, **kwargs: Any) -> Any:
            config = kwargs.get("config")
            # The BART converter reads `normalize_before`, which transformers 5's BartConfig no longer has.
            # BART (and distilbart) are post-norm. Set on the loaded config, never in the user's folder.
            if getattr(config, "model_type", None) == "bart" and not hasattr(config, "normalize_before"):
                config.normalize_before = False
            self.vocab_size = getattr(config, "vocab_size", None)
            return super().load_model(model_class, model_name_or_path, **kwargs)

        def load_tokenizer(self, tokenizer_class: Any, model_name_or_path: str, **kwargs: Any) -> Any:
            tokenizer = super().load_tokenizer(tokenizer_class, model_name_or_path, **kwargs)
            n = len(tokenizer)
            if vocabulary_from_tokenizer and self.vocab_size and n < self.vocab_size:
                raise UsageError(
                    f"{role} model {name!r}: its tokenizer has {n} tokens but the model's vocabulary has "
                    f"{self.vocab_size}; CTranslate2 needs them to match (use --engine transformers)"
                )
            return tokenizer

        def _load(self) -> Any:
            spec = super()._load()
            decoder = getattr(spec, "decoder", None)
            heads = getattr(decoder, "num_heads", None)
            if decoder is not None and heads is not None:
                # `return_attention` gives the mean over these heads of the last layer: all of them, as the
                # transformers engine averages (not only the first head, CTranslate2's default).
                decoder.alignment_heads = np.dtype("int16").type(int(heads))
            return spec

    return Converter(source, revision=revision)


def _model_type(source: str, revision: str | None) -> str | None:
    from transformers import AutoConfig

    try:
        return AutoConfig.from_pretrained(source, revision=revision).model_type
    except (OSError, ValueError, KeyError):
        return None  # the converter itself will say what is wrong
