"""Hub name or local directory → (tokenizer, model) on a device. The only module that calls `from_pretrained`.

Loading goes through transformers' Auto classes, so any valid Marian, BART, PEGASUS or T5 directory loads.
Without internet, a hub name works only from the Hugging Face cache; a failure becomes one
`ModelNotFoundError` line that names the model and the ways to supply it.
"""

from __future__ import annotations

import hashlib
import logging
import os
import socket
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .errors import ModelNotFoundError, UsageError
from .settings import Settings, default_batch_tokens

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
        cfg = self.model.config
        limit = getattr(cfg, "max_position_embeddings", None) or getattr(cfg, "n_positions", None)
        tok_limit = getattr(self.tokenizer, "model_max_length", None)
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
    Made here: the device ("auto" → a concrete one), the dtype ("auto" → float32 on CPU; on a GPU bfloat16
    where supported, else float16; left "auto" for a GPU this process cannot see), int8 (on for the
    transformers translator on CPU), the translation batch budget, and the CPU threads (`default_threads`;
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
    int8 = settings.int8
    if int8 is None:
        int8 = kind == "cpu" and settings.translate and settings.engine == "transformers"
    return settings.replace(
        device=device,
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


def _revision_of(name: str, model: Any, revision: str | None) -> str:
    if Path(name).is_dir():
        return "local"
    commit = getattr(model.config, "_commit_hash", None)
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
