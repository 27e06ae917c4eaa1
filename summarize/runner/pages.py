"""Web pages as the runner holds them: the HTML bytes of a fetched URL or an archived response, and their origin.

`fetch` (URLs) and `warc` (archives) both make `Page`s and both accept only HTML responses, by the same test
(`html_problem`) and under the one raw-size cap (`settings.MAX_BYTES`); `inputs` turns a Page into a Document.
"""

from __future__ import annotations

from dataclasses import dataclass
from email.message import Message

# Media types read as pages; any other response is an error (fetched) or skipped (archived).
HTML_TYPES = frozenset({"text/html", "application/xhtml+xml"})


@dataclass(frozen=True, slots=True)
class Page:
    """An HTML response body as the server meant it (transfer and content encodings removed)."""

    url: str  # where the body came from: the URL after redirects, or a WARC record's target URI
    body: bytes
    content_type: str | None = None  # the HTTP Content-Type header as served (its charset is the reader's to use)

    @property
    def charset(self) -> str | None:
        """The charset the Content-Type declares, if any."""
        return content_type(self.content_type)[1]


def content_type(header: str | None) -> tuple[str, str | None]:
    """A Content-Type header → (media type in lower case, declared charset or None); ("", None) without one."""
    if not header or not header.strip():
        return "", None
    message = Message()
    message["Content-Type"] = header
    mime = message.get_content_type()
    if mime == "text/plain" and "/" not in header.split(";")[0]:  # what `email` makes of a malformed type
        mime = header.split(";")[0].strip().lower()
    return mime, message.get_content_charset() or None


def html_problem(header: str | None) -> str | None:
    """Why a response with this Content-Type is not read as a page; None for HTML."""
    mime, _ = content_type(header)
    if not mime:
        return "not an HTML page (no Content-Type)"
    if mime not in HTML_TYPES:
        return f"not an HTML page ({mime})"
    return None


