"""Input size limits: the cap on an input's raw bytes (memory) and on an article's readable characters.

`settings.MAX_BYTES` guards memory whatever the input holds: a file is read only that far, a fetched page or an
archived response streamed only that far. `Settings.max_chars` (`--max-chars`) bounds the article: it counts
what a reader sees, a plain text's characters or an HTML page's text of blocks without its markup, so a page's
scripts and styles never make it too long. Either refuses the article with an InputError; nothing is ever cut.
"""

from __future__ import annotations

from .errors import InputError
from .html_blocks import looks_like_html, read_html
from .settings import MAX_BYTES, MAX_CHARS
from .text import plain_text


def over_cap(limit: int = MAX_BYTES) -> str:
    """The reason given for raw input over the byte cap ("over the 20 MB cap")."""
    return f"over the {limit / 1_000_000:g} MB cap"


def check_size(size: int, name: str, max_bytes: int = MAX_BYTES) -> None:
    """InputError when raw input of `size` bytes is over the cap that guards memory (settings.MAX_BYTES)."""
    if size > max_bytes:
        raise InputError(name, f"{size:,} bytes is {over_cap(max_bytes)} on an input's raw size")


def readable_chars(text: str) -> int:
    """The characters a reader sees: an HTML page's text of blocks without markup (`html_blocks`), any other text
    whole."""
    if not looks_like_html(text):
        return len(text)
    return sum(len(plain_text(text[b.start : b.end])) for b in read_html(text).blocks)


def check_length(text: str, name: str, max_chars: int = MAX_CHARS) -> None:
    """InputError when `text` has more than `max_chars` readable characters (`readable_chars`: a page's markup does
    not count): an article is refused, never cut."""
    if len(text) <= max_chars:  # never more readable characters than characters: no page to parse
        return
    readable = readable_chars(text)
    if readable > max_chars:
        what = "readable characters (the page's text, not its markup)" if readable < len(text) else "characters"
        raise InputError(name, f"{readable:,} {what} is over the limit of {max_chars:,} "
                               "(--max-chars / Settings.max_chars)")
