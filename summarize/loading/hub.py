"""The Hugging Face hub: where a model name points (local folder, cache, hub), what it stands for, why it is missing.

Without internet a hub name works only from the Hugging Face cache; a failure becomes one `ModelNotFoundError`
line that names the model and the ways to supply it. An unreachable hub (a dead proxy included) is reported at
once, not after the hub client's retries.
"""

from __future__ import annotations

import hashlib
import os
import socket
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import ModelNotFoundError

if TYPE_CHECKING:
    from urllib.parse import SplitResult


def revision_label(name: str, config: Any, revision: str | None) -> str:
    """What a result records as the model's revision: "local", the cache's commit hash, or what was asked for."""
    if Path(name).expanduser().is_dir():
        return "local"
    commit = getattr(config, "_commit_hash", None)
    return commit or revision or "main"


def model_source(name: str, role: str, revision: str | None = None) -> str:
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


def error_line(exc: BaseException) -> str:
    """An exception as one line of an error message: its message's first line, else its type's name."""
    return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__


def not_found_error(name: str, role: str, exc: Exception) -> ModelNotFoundError:
    reason = error_line(exc)
    if "offline" in reason.lower() or "connect" in reason.lower() or "huggingface.co" in reason:
        reason = "not in the local cache and the hub is unreachable"
    return ModelNotFoundError(name, role, reason[:200])

