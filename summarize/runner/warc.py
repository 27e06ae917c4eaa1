"""WARC archives: the HTML responses of a `.warc` or `.warc.gz` file as `Page`s, read one record at a time.

warcio parses the records; each HTML `response` (HTTP 2xx, text/html or application/xhtml+xml) becomes a Page
of its decoded HTTP body (headers removed, chunked and gzip transfer undone: `content_stream()`), with the
charset its Content-Type declares. Every other record (request, metadata, warcinfo, revisit, an image or a
redirect...) is skipped and counted. Records are read as the caller asks for the next one, so memory stays flat
whatever the archive's size.

warcio reads a cut-short archive without a word (the records after the cut just do not come), so damage is
found here: a record shorter than its Content-Length, a gzip member that does not end, bytes left that are no
record. The pages before the damage are given; then `iter` raises InputError naming the archive and the byte.
"""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

from ..errors import InputError
from ..limits import over_cap
from ..settings import MAX_BYTES
from .pages import Page, content_type, html_problem

ARCHIVE_SUFFIXES = (".warc", ".warc.gz")


def is_archive(path: str | Path) -> bool:
    return str(path).lower().endswith(ARCHIVE_SUFFIXES)


class WarcArchive:
    """The pages of one archive. Iterate once for (target URI, Page or the reason this page is not read); then
    `pages` and `skipped` say what the archive held."""

    def __init__(self, path: str | Path, *, max_bytes: int = MAX_BYTES) -> None:
        self.path = Path(path)
        self.max_bytes = max_bytes
        self.pages = 0  # HTML responses, read or over the cap
        self.skipped: Counter[str] = Counter()  # why other records were not read: "request", "image/png"...

    def __iter__(self) -> Iterator[tuple[str, Page | str]]:
        from warcio.archiveiterator import ArchiveIterator

        with open(self.path, "rb") as f:
            size = os.fstat(f.fileno()).st_size
            records = ArchiveIterator(f)
            start = 0  # where the record being read begins (a byte of the file, compressed or not)
            try:
                for record in records:
                    start = records.offset
                    page = self._page(record)
                    records.read_to_end()  # the rest of the record, unread: what the checks below measure
                    if _cut_short(record, records):
                        break
                    if page is not None:
                        self.pages += 1
                        yield page
                    start = records.offset
                else:
                    if records.offset >= size:
                        return
                    start = records.offset  # bytes after the last whole record that are no record
            except Exception as exc:  # noqa: BLE001 - warcio's errors on damaged input are of many kinds
                if start == 0 and not self.pages and not self.skipped:
                    raise InputError(str(self.path), f"not a WARC archive ({_first_line(exc)})") from None
                raise InputError(str(self.path), f"damaged or cut short at byte {start:,} "
                                                 f"({_first_line(exc)}); the records before it were read") from None
        raise InputError(str(self.path), f"damaged or cut short at byte {start:,}; the records before it were read")

    def _page(self, record) -> tuple[str, Page | str] | None:
        """(URI, Page or why not) for an HTML response; None, counted as skipped, for any other record."""
        uri = record.rec_headers.get_header("WARC-Target-URI") or f"{self.path.name}#record"
        if record.rec_type != "response":
            self.skipped[record.rec_type or "unknown"] += 1
            return None
        http = record.http_headers
        if http is None or record.content_type is None or "http" not in record.content_type.lower():
            self.skipped["non-HTTP response"] += 1
            return None
        status = http.get_statuscode() or ""
        if not status.startswith("2"):
            self.skipped[f"HTTP {status or '?'}"] += 1
            return None
        header = http.get_header("Content-Type")
        if html_problem(header):
            self.skipped[content_type(header)[0] or "no Content-Type"] += 1
            return None
        body = record.content_stream().read(self.max_bytes + 1)
        if len(body) > self.max_bytes:
            return uri, over_cap(self.max_bytes)
        return uri, Page(uri, body, header)

    def skipped_summary(self) -> str:
        """"12 other records skipped (6 request, 5 image/png, 1 warcinfo)"; "" when none."""
        total = sum(self.skipped.values())
        if not total:
            return ""
        kinds = ", ".join(f"{n} {kind}" for kind, n in sorted(self.skipped.items(), key=lambda kv: (-kv[1], kv[0])))
        return f"{total} record{'s' * (total != 1)} skipped ({kinds})"


def _cut_short(record, records) -> bool:
    """Whether this record ended before its end: fewer bytes than its Content-Length, no Content-Length at all (its
    header was cut), or a gzip member that stopped before its end."""
    from warcio.limitreader import LimitReader

    if not (record.rec_headers.get_header("Content-Length") or "").strip().isdigit():
        return True
    if isinstance(record.raw_stream, LimitReader) and record.raw_stream.limit > 0:
        return True
    decompressor = getattr(records.reader, "decompressor", None)  # zlib's, for the member being read
    return decompressor is not None and not decompressor.eof


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__
