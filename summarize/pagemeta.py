"""HTML pages: the page's metadata (headline, date, authors, site, canonical URL, description, declared language).

trafilatura's `extract_metadata` reads the page's `<meta>` tags, OpenGraph, JSON-LD and its canonical link, and
htmldate (which ships with it) finds the publication date in the page's markup and URL. On top of that the title
is made the article's headline: a site's name around it ("Kim trifft Putin | tagesschau.de", "tagesschau.de -
Kim trifft Putin") is removed, and a title that is only the site's name gives way to the page's `<title>`, then
to its first `<h1>`. Nothing here changes `Document.text`; a page that cannot be parsed, or a machine without
trafilatura, just gives fewer keys.
"""

from __future__ import annotations

import logging
import re
from functools import cache
from urllib.parse import urlsplit

log = logging.getLogger(__name__)

# The keys this module may add to `Document.meta` (each only when the page gives it; values are strings).
PAGE_META_KEYS = ("title", "date", "authors", "site_name", "url", "description", "declared_language")
AUTHOR_SEPARATOR = "; "  # several authors in one string, as trafilatura joins them

# What stands between a headline and the site's name in a <title> or og:title: "|" anywhere, other marks only
# with white space on both sides (so "Geopolitik: USA" or "Baden-Württemberg" are never cut).
_SEPARATOR = re.compile(r"\s*\|\s*|\s+(?:[•»«›‹·–—~/:]|-{1,2}|::)\s+")
_DOMAIN = re.compile(r"^(?:www\.)?[\w-]+(?:\.[\w-]+)*\.[a-z]{2,}$", re.IGNORECASE)
_NOT_ALNUM = re.compile(r"[\W_]+")
_MIN_SITE_PART = 3  # characters of a normalised site name or host label that count ("taz", "ARD")
_MIN_SITE_PIECE = 5  # characters of a title's piece that may be a piece of the site's name


def page_meta(text: str) -> dict[str, str]:
    """The metadata an HTML page gives (see PAGE_META_KEYS), only the keys it has; never raises."""
    try:
        from trafilatura.metadata import extract_metadata
        from trafilatura.utils import load_html
    except ImportError:
        _warn_once("page metadata (date, authors, site) is not read: trafilatura is not installed")
        return {}
    try:
        tree = load_html(text)
        if tree is None:
            return {}
        # htmldate's extensive search guesses from any date in the text (a copyright year gives "2016-01-01")
        # and loads dateparser's locales (seconds, once): the page's own markup and URL are what count.
        found = extract_metadata(tree, extensive=False)
        return _meta_of(found, tree)
    except Exception as exc:  # noqa: BLE001 - a page's metadata is a bonus: a parser's fault never fails the page
        log.debug("page metadata not read: %s", exc)
        return {}


def _meta_of(found, tree) -> dict[str, str]:  # found: trafilatura.settings.Document; tree: lxml.html.HtmlElement
    site = _clean(found.sitename)
    url = _clean(found.url)
    host = (urlsplit(url).hostname or "") if url else ""
    h1 = next((t for t in (_clean("".join(h.itertext())) for h in tree.iter("h1")) if t), "")
    meta = {
        "title": headline(_clean(found.title), h1, site, host, _clean(tree.findtext(".//title"))),
        "date": _clean(found.date),
        "authors": _authors(found.author, site),
        "site_name": site,
        "url": url,
        "description": _clean(found.description),
        "declared_language": declared_language(tree),
    }
    return {k: v for k, v in meta.items() if v}


def headline(title: str, h1: str, site: str = "", host: str = "", page_title: str = "") -> str:
    """The article's headline: `title` (og:title, a JSON-LD headline or <title>) without the site's name, else the
    page's <title> without it, else the first <h1> (unless that too is only the site's name)."""
    names = _site_names(site, host)
    for candidate in (title, page_title):
        best = _without_site_name(candidate, h1, names)
        if best:
            return best
    return "" if _names_site(h1, names) else h1


def _without_site_name(title: str, h1: str, names: frozenset[str]) -> str:
    """`title` without the site's name around it; "" when nothing else is left."""
    kept = _without_site(title, _parts(title), names)
    best = title[kept[0][0] : kept[-1][1]].strip() if kept else ""
    if h1 and len(kept) > 1 and _norm(title[kept[0][0] : kept[0][1]]) == _norm(h1):
        best = h1  # "Headline | Section | Publisher": the h1 says where the headline ends
    return "" if _names_site(best, names) else best


def _parts(title: str) -> list[tuple[int, int]]:
    """The (start, end) of each piece of `title` between separators."""
    spans, start = [], 0
    for m in _SEPARATOR.finditer(title):
        if m.start() > start:
            spans.append((start, m.start()))
        start = m.end()
    if start < len(title):
        spans.append((start, len(title)))
    return spans


def _without_site(title: str, parts: list[tuple[int, int]], names: frozenset[str]) -> list[tuple[int, int]]:
    """The parts without the site's name: none from the first later part that names the site on, and not a first
    part that does when more follow ("tagesschau.de - Kim trifft Putin")."""
    names_site = [_names_site(title[a:b], names) for a, b in parts]
    # After the headline, a piece that holds the site's name is the site's ("brand eins online").
    cut = next((i for i in range(1, len(parts)) if names_site[i] or _holds_site(title[parts[i][0] : parts[i][1]], names)),
               len(parts))
    kept = parts[:cut]
    return kept[1:] if len(kept) > 1 and names_site[0] else kept


def _site_names(site: str, host: str) -> frozenset[str]:
    """Normalised ways a title names its site: the site name, the host ("tagesschau.de") and its labels."""
    names = {_norm(site)} if site else set()
    host = host.lower().removeprefix("www.")
    if host:
        names.add(_norm(host))
        names.update(_norm(label) for label in host.split(".")[:-1])
    return frozenset(n for n in names if len(n) >= _MIN_SITE_PART)


def _names_site(part: str, names: frozenset[str]) -> bool:
    """Whether a piece of a title is the site's name: a domain, a known name, or a piece of the site's name
    ("Martina Berg" of "Martina Berg - Lady 50plus")."""
    if _DOMAIN.match(part.strip()):
        return True
    n = _norm(part)
    return any(n == name or (len(n) >= _MIN_SITE_PIECE and n in name) for name in names) if n else False


def _holds_site(part: str, names: frozenset[str]) -> bool:
    n = _norm(part)
    return any(len(name) >= _MIN_SITE_PIECE and name in n for name in names)


def _authors(author: str | None, site: str) -> str:
    """trafilatura's authors ("A; B"), without the site's own name given as an author."""
    if not author:
        return ""
    site_norm = _norm(site)
    names = [a.strip() for a in author.split(";") if a.strip() and _norm(a) != site_norm]
    return AUTHOR_SEPARATOR.join(dict.fromkeys(names))


def declared_language(tree) -> str:
    """The language the page declares: <html lang> (or xml:lang), else <meta http-equiv="content-language">, as a
    BCP 47 tag ("de", "de-DE"); "" if none."""
    root = tree.getroottree().getroot()
    tag = root.get("lang") or root.get("{http://www.w3.org/XML/1998/namespace}lang") or root.get("xml:lang")
    if not tag:
        for meta in root.iter("meta"):
            if (meta.get("http-equiv") or "").lower() == "content-language":
                tag = meta.get("content")
                break
    tag = (tag or "").strip().split(",")[0].strip().replace("_", "-")
    if not re.fullmatch(r"[A-Za-z]{2,3}(?:-[A-Za-z0-9]{1,8})*", tag):
        return ""
    primary, *rest = tag.split("-")
    return "-".join([primary.lower(), *(r.upper() if len(r) == 2 else r for r in rest)])


def _norm(text: str) -> str:
    return _NOT_ALNUM.sub("", text.casefold())


def _clean(value: object) -> str:
    return " ".join(str(value).split()) if value else ""


@cache
def _warn_once(message: str) -> None:
    log.warning(message)
