"""Fetching web pages: an http(s) URL → a `Page` of HTML, one request at a time and within fixed limits.

urllib3 does the HTTP (it is what trafilatura, and requests, are built on; a plain connection pool is all
this needs). Its own retry and redirect handling is off: redirects and retries are followed here, so that each
way a fetch can fail gives one line for `errors.jsonl` ("HTTP 404 Not Found", "not an HTML page
(application/pdf)", "over the 20 MB cap", "timed out after 10 s reading", "DNS: no such host (x.invalid)",
"redirect loop: a → b → a"). The body is streamed and stops at the cap, so a 1 GB response costs 20 MB at most.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from functools import cache
from urllib.parse import urljoin, urlsplit

from ..errors import InputError
from ..limits import over_cap
from ..settings import MAX_BYTES
from ..version import __version__
from .pages import Page, html_problem

CONNECT_TIMEOUT = 10.0  # seconds to connect (DNS look-up not included: the resolver has its own)
READ_TIMEOUT = 10.0  # seconds of silence while waiting for the response or the next piece of its body
PAGE_DEADLINE = 60.0  # seconds for a whole page: redirects, retries and their waits, and the body
MAX_REDIRECTS = 5
RETRIES = 3  # more tries after a 429 or 5xx answer
BACKOFF = 1.0  # seconds before the first retry, doubled for each next one, unless the server says (Retry-After)
MAX_RETRY_AFTER = 30.0  # a server that asks for a longer wait is not retried
REDIRECTS = frozenset({301, 302, 303, 307, 308})
CHUNK = 64 * 1024
ACCEPT = {"Accept": "text/html,application/xhtml+xml;q=0.9,*/*;q=0.1", "Accept-Encoding": "gzip, deflate"}


@dataclass(frozen=True, slots=True)
class FetchLimits:
    """How long and how much a fetch may take (defaults: the constants above)."""

    connect_timeout: float = CONNECT_TIMEOUT
    read_timeout: float = READ_TIMEOUT
    deadline: float = PAGE_DEADLINE
    max_bytes: int = MAX_BYTES  # the page body after transfer and content decoding: read only this far
    max_redirects: int = MAX_REDIRECTS
    retries: int = RETRIES
    backoff: float = BACKOFF
    max_retry_after: float = MAX_RETRY_AFTER


def is_url(text: str) -> bool:
    """Whether an input names an http(s) URL rather than a file."""
    return text[:8].lower().startswith(("http://", "https://"))


@cache
def user_agent() -> str:
    """`summarize/<version> (+<project URL>)`: the URL is the project's Homepage in its package metadata."""
    from importlib.metadata import PackageNotFoundError, metadata

    try:
        urls = metadata("summarize").get_all("Project-URL") or []
    except PackageNotFoundError:  # run from a source tree that was never installed
        urls = []
    home = next((u.split(",", 1)[1].strip() for u in urls if u.lower().startswith("homepage,")), None)
    return f"summarize/{__version__}" + (f" (+{home})" if home else "")


class Fetcher:
    """Fetches pages one at a time (so never two at once from one host), reusing connections."""

    def __init__(self, limits: FetchLimits | None = None) -> None:
        import urllib3

        self.limits = limits or FetchLimits()
        self._pool = urllib3.PoolManager(num_pools=16, retries=False, headers={"User-Agent": user_agent(), **ACCEPT})
        self._one_at_a_time = threading.Lock()

    def fetch(self, url: str) -> Page:
        """The page at `url`, after redirects; InputError(url, reason) when there is none to read."""
        with self._one_at_a_time:
            deadline = time.monotonic() + self.limits.deadline
            chain = [url]
            tries, pause = 0, 0.0
            while True:
                time.sleep(pause)  # before a retry: the last answer's connection is closed by then
                pause = 0.0
                response = self._request(url, chain[-1], deadline)
                complete = False
                try:
                    status = response.status
                    if status in REDIRECTS:
                        chain.append(self._redirect(url, chain, response.headers.get("Location")))
                        continue
                    if status == 429 or 500 <= status < 600:
                        pause = self._retry_wait(url, status, response, tries, deadline)
                        tries += 1
                        continue
                    if not 200 <= status < 300:
                        raise InputError(url, _status(status, response.reason))
                    problem = html_problem(response.headers.get("Content-Type"))
                    if problem:
                        raise InputError(url, problem)
                    body = self._body(url, response, deadline)
                    complete = True
                    return Page(chain[-1], body, response.headers.get("Content-Type"))
                finally:
                    if not complete:  # an unread body (a redirect, an error, the cap) is not drained: dropped
                        response.close()
                    response.release_conn()

    def _request(self, url: str, target: str, deadline: float):  # -> urllib3.BaseHTTPResponse
        from urllib3 import exceptions as e

        left = deadline - time.monotonic()
        if left <= 0:
            raise InputError(url, f"timed out: no page within {self.limits.deadline:g} s")
        try:
            return self._pool.request("GET", target, preload_content=False, redirect=False,
                                      timeout=_timeout(self.limits, left))
        except e.NameResolutionError:
            raise InputError(url, f"DNS: no such host ({urlsplit(target).hostname})") from None
        except e.NewConnectionError as exc:  # before ConnectTimeoutError, of which urllib3 makes it a kind
            refused = isinstance(exc.__cause__ or exc.__context__, ConnectionRefusedError)
            raise InputError(url, "connection refused" if refused else f"cannot connect: {_cause(exc)}") from None
        except e.ConnectTimeoutError:
            raise InputError(url, f"timed out after {self.limits.connect_timeout:g} s connecting") from None
        except e.ReadTimeoutError:
            raise InputError(url, self._read_timed_out(deadline)) from None
        except e.SSLError as exc:
            raise InputError(url, f"TLS: {_cause(exc)}") from None
        except e.LocationValueError as exc:
            raise InputError(url, f"not a valid URL: {exc}") from None
        except e.HTTPError as exc:
            raise InputError(url, f"connection failed: {_cause(exc)}") from None

    def _redirect(self, url: str, chain: list[str], location: str | None) -> str:
        if not location:
            raise InputError(url, "a redirect without a Location")
        target = urljoin(chain[-1], location.strip())
        if target in chain:
            raise InputError(url, "redirect loop: " + " → ".join(_short(u) for u in [*chain[chain.index(target):],
                                                                                       target]))
        if len(chain) > self.limits.max_redirects:
            raise InputError(url, f"more than {self.limits.max_redirects} redirects")
        if not is_url(target):
            raise InputError(url, f"redirected to a URL that is not http(s): {_short(target)}")
        return target

    def _retry_wait(self, url: str, status: int, response, tries: int, deadline: float) -> float:
        """Seconds to wait before the next try after a 429 or 5xx; InputError when it is the last answer."""
        from urllib3.exceptions import InvalidHeader
        from urllib3.util import Retry

        failed = _status(status, response.reason)
        if tries >= self.limits.retries:
            raise InputError(url, f"{failed} ({tries + 1} tries)" if tries else failed)
        wait = self.limits.backoff * 2**tries
        header = response.headers.get("Retry-After")
        if header:
            try:
                wait = Retry().parse_retry_after(header)  # seconds or an HTTP date
            except InvalidHeader:
                pass
            if wait > self.limits.max_retry_after:
                raise InputError(url, f"{failed} (asked to wait {wait:.0f} s, over the "
                                      f"{self.limits.max_retry_after:g} s limit)")
        if time.monotonic() + wait >= deadline:
            raise InputError(url, f"{failed} (no time left to retry within {self.limits.deadline:g} s)")
        return wait

    def _body(self, url: str, response, deadline: float) -> bytes:
        """The decoded body, read as it arrives (`read1`: a server that drips a byte at a time still meets the
        deadline) and dropped at the cap."""
        from urllib3 import exceptions as e

        cap = self.limits.max_bytes
        declared = response.headers.get("Content-Length", "")
        if declared.isdigit() and int(declared) > cap and not response.headers.get("Content-Encoding"):
            raise InputError(url, over_cap(cap))
        chunks, size = [], 0
        try:
            while chunk := response.read1(CHUNK, decode_content=True):
                size += len(chunk)
                if size > cap:
                    raise InputError(url, over_cap(cap))
                if time.monotonic() > deadline:
                    raise InputError(url, f"timed out: no whole page within {self.limits.deadline:g} s")
                chunks.append(chunk)
        except e.ReadTimeoutError:
            raise InputError(url, self._read_timed_out(deadline)) from None
        except (e.ProtocolError, e.DecodeError) as exc:
            raise InputError(url, f"the response broke off: {_cause(exc)}") from None
        return b"".join(chunks)

    def _read_timed_out(self, deadline: float) -> str:
        if time.monotonic() >= deadline - 0.01:  # the socket's timeout was cut short by the page's deadline
            return f"timed out: no whole page within {self.limits.deadline:g} s"
        return f"timed out after {self.limits.read_timeout:g} s reading"


def _timeout(limits: FetchLimits, left: float):
    """This request's timeouts: the configured ones, never past the page's deadline."""
    import urllib3

    return urllib3.Timeout(connect=min(limits.connect_timeout, left), read=min(limits.read_timeout, left))


def _status(status: int, reason: str | None) -> str:
    from http import HTTPStatus

    try:
        phrase = HTTPStatus(status).phrase
    except ValueError:
        phrase = reason or ""
    return f"HTTP {status} {phrase}".rstrip()


def _cause(exc: BaseException) -> str:
    """The innermost message of a urllib3 error (its own wraps the socket's)."""
    inner = exc.__cause__ or exc.__context__
    return str(inner or exc).splitlines()[0] if (inner or exc) else type(exc).__name__


def _short(url: str, width: int = 80) -> str:
    return url if len(url) <= width else url[: width - 1] + "…"
