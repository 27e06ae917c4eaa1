"""What the reports show of an article's metadata: its date, authors, site and a link to the page (http(s) only)."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import quote, urlsplit

from ..document import Document

# Characters a link keeps as they are; anything else (white space, quotes, <, >, backticks, non-ASCII) is
# percent-encoded, so a page's URL can break neither Markdown nor an HTML attribute.
_URL_SAFE = "/:?#[]@!$&'()*+,;=%~-._"


@dataclass(frozen=True, slots=True)
class PageFacts:
    """The metadata a report shows; "" where the article does not give it."""

    date: str = ""
    authors: str = ""  # "A; B"
    site: str = ""  # the site's name, else the link's host
    link: str = ""  # the page: its canonical URL, else where it was fetched from; only http(s)

    @classmethod
    def of(cls, doc: Document) -> PageFacts:
        meta = doc.meta or {}
        link = safe_link(meta.get("url", "")) or safe_link(meta.get("source_url", ""))
        site = meta.get("site_name", "") or (urlsplit(link).hostname or "" if link else "")
        return cls(date=meta.get("date", ""), authors=meta.get("authors", ""), site=site, link=link)


def safe_link(url: str) -> str:
    """`url` fit for an href: an http(s) URL with a host, percent-encoded where it must be; "" for anything else
    (a `javascript:` or `data:` URL a page names as its own is never a link)."""
    url = url.strip()
    try:
        parts = urlsplit(url)
    except ValueError:
        return ""
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        return ""
    return quote(url, safe=_URL_SAFE)
