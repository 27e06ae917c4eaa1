"""Fixtures of web inputs (`tools.web_fixtures`): a local HTTP server and a WARC builder."""

from __future__ import annotations

import pytest

from tools.web_fixtures import serve, write_warc


@pytest.fixture(scope="module")
def web():
    """A local HTTP server (127.0.0.1, ephemeral port) for the module's tests."""
    state, httpd = serve()
    yield state
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture
def make_warc():
    """`write_warc`, for tests that build archives."""
    return write_warc
