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
import importlib.util
import logging
import os
import shutil
import socket
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .errors import ModelNotFoundError, UsageError
from .settings import Settings, ct2_compute_type, default_batch_tokens

if TYPE_CHECKING:
    from urllib.parse import SplitResult

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


@dataclass(frozen=True)
class CTranslate2Model:
    """A model converted for CTranslate2 and loaded: the runtime, and the transformers tokenizer and configs
    that the engines still read (special tokens, window, generation settings)."""

    name: str  # as the user gave it: hub name or local path
    label: str  # "name@revision+ct2-<compute type>"
    runtime: Any  # ctranslate2.Translator
    tokenizer: Any
    config: Any
    generation: Any  # transformers GenerationConfig
    device_type: str  # "cpu" | "cuda"
    compute_type: str

    @property
    def max_input_tokens(self) -> int:
        return window_of(self.config, self.tokenizer)


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
    if not _cached(name, revision):
        unreachable = _hub_unreachable()
        if unreachable:
            reason = f"not in the local cache and the hub is unreachable: {unreachable}"
            raise ModelNotFoundError(name, role, reason)
    return name


def _cached(name: str, revision: str | None) -> bool:
    from huggingface_hub import try_to_load_from_cache

    try:
        return isinstance(try_to_load_from_cache(name, "config.json", revision=revision), str)
    except ValueError:  # not a valid repo id: let from_pretrained say what is wrong
        return True


def model_identity(name: str, revision: str | None = None) -> str:
    """What a model name stands for now, found without loading it (cache keys use it, so a changed model is never
    answered from old results): a local folder by its files' names, sizes and modification times; a hub model by
    the commit of its snapshot in the local cache, else by the revision asked for."""
    from huggingface_hub import try_to_load_from_cache

    local = Path(name).expanduser()
    if local.is_dir():
        files = sorted(f for f in local.iterdir() if f.is_file() and not f.name.startswith("."))
        stats = "\x1f".join(f"{f.name}:{f.stat().st_size}:{f.stat().st_mtime_ns}" for f in files)
        return f"{local.resolve()}@{hashlib.sha256(stats.encode('utf-8', 'surrogatepass')).hexdigest()[:16]}"
    try:
        config = try_to_load_from_cache(name, "config.json", revision=revision)
    except ValueError:  # not a valid repo id: loading will say so
        config = None
    commit = Path(config).parent.name if isinstance(config, str) else revision or "main"
    return f"{name}@{commit}"


def _hub_unreachable(timeout: float = 3.0) -> str | None:
    """Why the hub cannot be reached, or None when it can (or when only the hub client can tell).

    Proxies are honoured as the hub client honours them (HTTPS_PROXY / HTTP_PROXY / ALL_PROXY, NO_PROXY): a
    proxy that refuses the connection, does not answer, or answers an HTTP CONNECT to the hub with an error
    is reported at once, instead of after the client's retries (49 s with a dead proxy)."""
    import urllib.request
    from urllib.parse import urlsplit

    if os.environ.get("HF_HUB_OFFLINE", "0").lower() in ("1", "true", "yes", "on"):
        return None  # from_pretrained looks in the cache only and fails fast by itself
    endpoint = urlsplit(os.environ.get("HF_ENDPOINT") or "https://huggingface.co")
    host = endpoint.hostname or "huggingface.co"
    port = endpoint.port or (80 if endpoint.scheme == "http" else 443)
    proxies = urllib.request.getproxies_environment()
    proxy = proxies.get(endpoint.scheme) or proxies.get("all")
    if not proxy or urllib.request.proxy_bypass_environment(host, proxies):
        failure = _connect_failure(host, port, timeout)
        return f"{host}:{port} {failure}" if failure else None
    parts = urlsplit(proxy if "://" in proxy else f"http://{proxy}")
    shown = f"{parts.scheme}://{parts.hostname}" + (f":{parts.port}" if parts.port else "")  # no credentials
    proxy_port = parts.port or _PROXY_PORTS.get(parts.scheme, 80)
    failure = _connect_failure(parts.hostname or "", proxy_port, timeout)
    if failure is None and parts.scheme == "http":  # a TLS or SOCKS proxy that answers: the client goes on
        failure = _tunnel_failure(parts, host, port, timeout)
    return f"proxy {shown} {failure}" if failure else None


_PROXY_PORTS = {"https": 443, "socks4": 1080, "socks5": 1080, "socks5h": 1080}


def _connect_failure(host: str, port: int, timeout: float) -> str | None:
    """How a TCP connection to host:port fails ("refused the connection", "timed out"...), or None."""
    try:
        socket.create_connection((host, port), timeout=timeout).close()
    except ConnectionRefusedError:
        return "refused the connection"
    except TimeoutError:
        return f"did not answer within {timeout:g} s"
    except OSError as exc:
        return f"cannot be reached ({exc.strerror or exc})"
    return None


def _tunnel_failure(proxy: SplitResult, host: str, port: int, timeout: float) -> str | None:
    """The answer of an HTTP proxy asked to CONNECT to host:port, when it is an error; None for 200 or no
    answer in time (a slow proxy may still get there: the hub client decides)."""
    import base64
    import http.client
    from urllib.parse import unquote

    headers = {}
    if proxy.username:
        credentials = f"{unquote(proxy.username)}:{unquote(proxy.password or '')}".encode()
        headers["Proxy-Authorization"] = "Basic " + base64.b64encode(credentials).decode()
    connection = http.client.HTTPConnection(proxy.hostname or "", proxy.port or 80, timeout=timeout)
    connection.set_tunnel(host, port, headers=headers)
    try:
        connection.connect()
    except TimeoutError:
        return None
    except OSError as exc:  # "Tunnel connection failed: 502 Bad Gateway", a reset...
        return f"answered: {str(exc).strip() or type(exc).__name__}"
    finally:
        connection.close()
    return None


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
    return LoadedModel(name, revision_label(name, model.config, revision), tokenizer, model, torch_device)


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


def load_ctranslate2(
    name: str,
    *,
    role: str = "translation",
    device: str = "auto",
    revision: str | None = None,
    int8: bool | None = None,
    threads: int | None = None,
) -> CTranslate2Model:
    """Convert (once, cached) and load a model with CTranslate2. `int8` None: int8 on CPU, float16 on a GPU."""
    ct2 = ctranslate2_module()  # a missing package is said before any model work
    torch_device = resolve_device(device)
    if torch_device.type not in ("cpu", "cuda"):
        raise UsageError(f"CTranslate2 runs on cpu or cuda, not {torch_device.type}")
    tokenizer = load_tokenizer(name, role=role, revision=revision)
    config, generation = load_config(name, role=role, revision=revision)
    compute_type = ct2_compute_type(torch_device.type == "cpu" if int8 is None else int8, torch_device.type)
    model_dir = convert_ctranslate2(name, role=role, revision=revision, quantization=compute_type)
    runtime = ct2.Translator(str(model_dir), device=torch_device.type, device_index=torch_device.index or 0,
                             compute_type=compute_type, intra_threads=threads or default_threads())
    label = f"{name}@{revision_label(name, config, revision)}+ct2-{compute_type}"
    return CTranslate2Model(name, label, runtime, tokenizer, config, generation, torch_device.type, compute_type)


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


def cache_root() -> Path:
    base = os.environ.get("SUMMARIZE_CACHE") or os.path.join(
        os.environ.get("XDG_CACHE_HOME", os.path.expanduser("~/.cache")), "summarize"
    )
    return Path(base) / "ct2"


def _fingerprint(name: str, revision: str | None, quantization: str, version: str) -> str:
    # The model's identity: a local folder changed in place, or a hub model updated, is converted again.
    parts = [model_identity(name, revision), quantization, version, CT2_FORMAT]
    return hashlib.sha256("\x1f".join(parts).encode("utf-8", "surrogatepass")).hexdigest()[:24]


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
            model = super().load_model(model_class, model_name_or_path, **kwargs)
            config = model.config
            # The BART converter reads `normalize_before`, which BartConfig no longer has (transformers >= 4.56).
            # BART (and distilbart) are post-norm. Set on the loaded config, never in the user's folder.
            if getattr(config, "model_type", None) == "bart" and not hasattr(config, "normalize_before"):
                config.normalize_before = False
            self.vocab_size = getattr(config, "vocab_size", None)
            return model

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
