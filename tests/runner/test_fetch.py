"""Fetching pages from a local server: each way a fetch fails gives one line, and limits hold (timeouts, the size
cap on a response that would send 1 GB, redirects, retries honouring Retry-After)."""

from __future__ import annotations

import socket
import time
import tracemalloc

import pytest

from summarize.errors import InputError
from summarize.runner.fetch import Fetcher, FetchLimits, is_url, user_agent
from summarize.runner.pages import content_type, html_problem

# Generous timeouts: a busy machine (the whole suite on 2 cores) may keep even a local server waiting a while.
FAST = FetchLimits(connect_timeout=5, read_timeout=5, deadline=15, max_bytes=1_000_000, max_redirects=3,
                   retries=2, backoff=0.05, max_retry_after=2)


def failure(url: str, limits: FetchLimits = FAST) -> str:
    with pytest.raises(InputError) as info:
        Fetcher(limits).fetch(url)
    assert info.value.name == url
    return info.value.reason


def test_an_article_page(web):
    page = Fetcher(FAST).fetch(web.url("/article/a"))
    assert page.url == web.url("/article/a") and page.charset == "utf-8"
    assert b"<h1>Bericht a</h1>" in page.body
    assert web.agents[-1] == user_agent() and user_agent().startswith("summarize/")


def test_a_redirect_is_followed_and_the_page_says_where_it_came_from(web):
    page = Fetcher(FAST).fetch(web.url("/moved/b"))
    assert page.url == web.url("/article/b") and b"Bericht b" in page.body


def test_gzip_content_encoding_is_undone_and_a_declared_charset_kept(web):
    assert b"<h1>Gepackt</h1>" in Fetcher(FAST).fetch(web.url("/gzip")).body
    assert Fetcher(FAST).fetch(web.url("/latin1")).charset == "iso-8859-1"


@pytest.mark.parametrize(("path", "reason"), [
    ("/missing", "HTTP 404 Not Found"),
    ("/pdf", "not an HTML page (application/pdf)"),
    ("/untyped", "not an HTML page (no Content-Type)"),
    ("/loop-a", "redirect loop: {base}/loop-a → {base}/loop-b → {base}/loop-a"),
    ("/hop/0", "more than 3 redirects"),
    ("/busy", "HTTP 429 Too Many Requests (asked to wait 3600 s, over the 2 s limit)"),
    ("/broken", "HTTP 500 Internal Server Error (3 tries)"),
], ids=lambda x: x if x.startswith("/") else None)
def test_each_failure_is_one_line(web, path, reason):
    assert failure(web.url(path)) == reason.format(base=web.base)


def test_a_slow_server_times_out(web):
    started = time.monotonic()
    assert failure(web.url("/slow"), FetchLimits(read_timeout=1)) == "timed out after 1 s reading"
    assert time.monotonic() - started < 4  # the server would answer after 5 s


def test_a_server_that_drips_meets_the_page_deadline(web):
    limits = FetchLimits(read_timeout=3, deadline=1)
    started = time.monotonic()
    assert failure(web.url("/drip"), limits) == "timed out: no whole page within 1 s"
    assert time.monotonic() - started < 3  # each byte came within the read timeout; the deadline ended it


def test_a_1_gb_response_stops_at_the_cap_and_memory_stays_small(web):
    tracemalloc.start()
    try:
        started = time.monotonic()
        assert failure(web.url("/huge")) == "over the 1 MB cap"
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 8_000_000, f"{peak:,} bytes held for a 1 MB cap"
    assert time.monotonic() - started < 5
    deadline = time.monotonic() + 5
    while web.sent["/huge"] == 0 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert 0 < web.sent["/huge"] < 100_000_000, "the server was cut off long before 1 GB"


def test_a_declared_length_over_the_cap_is_refused_before_reading(web):
    assert failure(web.url("/huge-declared")) == "over the 1 MB cap"


@pytest.mark.parametrize("path", ["/flaky", "/flaky-date"])
def test_a_503_is_retried_honouring_retry_after(web, path):
    started = time.monotonic()
    page = Fetcher(FAST).fetch(web.url(path))
    assert web.hits[path] == 2 and page.body.startswith(b"<!doctype html>")
    waited = time.monotonic() - started
    assert (waited >= 1) if path == "/flaky" else (waited < 1)  # Retry-After: 1 / a date already past


def test_a_retry_after_past_the_deadline_is_not_waited_for(web):
    started = time.monotonic()
    assert failure(web.url("/later"), FetchLimits(deadline=5)) == ("HTTP 503 Service Unavailable (no time left to "
                                                                   "retry within 5 s)")
    assert time.monotonic() - started < 5


def test_an_unresolvable_host_and_a_refused_connection():
    assert failure("http://nothing.invalid/artikel") == "DNS: no such host (nothing.invalid)"  # RFC 2606
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    assert failure(f"http://127.0.0.1:{port}/") == "connection refused"


def test_urls_and_content_types():
    assert is_url("https://x.de/a") and is_url("HTTP://x.de") and not is_url("x.html") and not is_url("ftp://x")
    assert content_type("Text/HTML; Charset=\"UTF-8\"") == ("text/html", "utf-8")
    assert content_type(None) == ("", None) and content_type("html")[0] == "html"
    assert html_problem("application/xhtml+xml") is None and html_problem("image/png") == "not an HTML page (image/png)"
