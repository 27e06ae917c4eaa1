"""Bytes to text, as a reader decodes them: a byte-order mark, an HTML page's declared charset, UTF-8, Windows-1252."""

from __future__ import annotations

import codecs
import re

from .errors import InputError

_WIDE_BOMS = (  # UTF-32 first: its little-endian mark begins with UTF-16's
    (b"\xff\xfe\x00\x00", "utf-32-le"),
    (b"\x00\x00\xfe\xff", "utf-32-be"),
    (b"\xff\xfe", "utf-16-le"),
    (b"\xfe\xff", "utf-16-be"),
)


def decode_bytes(data: bytes, *, name: str = "<input>") -> tuple[str, str, tuple[str, ...]]:
    """Decode article bytes; return (text, encoding, warnings). Raises InputError for binary data."""
    if not data.strip():
        raise InputError(name, "empty input")
    for bom, codec in _WIDE_BOMS:  # UTF-16/32 text (Windows "Unicode" files) is text, though full of NUL bytes
        if data.startswith(bom):
            try:
                text = data[len(bom) :].decode(codec)
            except UnicodeDecodeError as exc:
                raise InputError(name, f"starts with a {codec.upper()} byte-order mark but is not {codec.upper()}: {exc.reason}") from None
            if not text.strip():
                raise InputError(name, "empty input (only white space)")
            return text, codec, (f"decoded as {codec.upper()} (byte-order mark)",)
    if b"\x00" in data[:65536]:
        raise InputError(name, "binary file (contains NUL bytes), not text")
    warnings: list[str] = []
    text: str | None = None
    declared = declared_charset(data)
    if declared not in (None, "utf-8"):
        try:
            text, encoding = data.decode(declared), declared  # even where the bytes are valid UTF-8 too
        except UnicodeDecodeError as exc:
            warnings.append(f"declares {declared} but is not (byte {exc.start}); decoded without it")
    if text is None:
        try:
            text = data.decode("utf-8")
            encoding = "utf-8"
        except UnicodeDecodeError as exc:
            # Old German sites still serve Windows-1252/Latin-1; cp1252 is its superset for printable text.
            try:
                text = data.decode("cp1252")
                encoding = "cp1252"
            except UnicodeDecodeError:
                text = data.decode("latin-1")
                encoding = "latin-1"
            warnings.append(f"not valid UTF-8 (byte {exc.start}); decoded as {encoding}")
    controls = sum(1 for ch in text[:65536] if ord(ch) < 32 and ch not in "\t\n\r\f\v")
    if controls > 0.05 * min(len(text), 65536):
        raise InputError(name, "binary file (mostly control characters), not text")
    # The text is kept exactly as decoded (BOM and \r\n included) so offsets point into the file's text.
    if not text.strip():
        raise InputError(name, "empty input (only white space)")
    return text, encoding, tuple(warnings)


# A <meta charset="..."> or <meta http-equiv="Content-Type" content="...; charset=...">.
_META_CHARSET = re.compile(rb"""<meta\b[^>]*?charset\s*=\s*["']?\s*([A-Za-z0-9._:-]+)""", re.IGNORECASE)


def declared_charset(data: bytes) -> str | None:
    """The charset an HTML page declares in a <meta> tag of its first 1,024 bytes (where browsers look for it),
    as Python's codec name; None for other text, a byte-order mark (which outranks it), or a name Python does
    not know. As browsers read them (WHATWG Encoding): ISO-8859-1 and ASCII are Windows-1252, and UTF-16/32,
    which a tag in ASCII bytes cannot be, is UTF-8."""
    head = data[:1024]
    if not head.lstrip().startswith(b"<"):
        return None
    match = _META_CHARSET.search(head)
    try:
        name = codecs.lookup(match[1].decode("ascii")).name if match else None
        b"<".decode(name or "utf-8")  # a text encoding, not "base64" or "zlib"
    except (LookupError, UnicodeDecodeError):
        return None
    if name in ("iso8859-1", "ascii"):
        return "cp1252"
    return "utf-8" if name and name.startswith(("utf-16", "utf-32")) else name
