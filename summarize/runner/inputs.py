"""Inputs: files, folders, URLs, WARC archives, stdin and JSONL records found as `InputItem`s, each with its
output name, and read into Documents as the run reaches them.

Finding is cheap and done first (a folder is listed, a URL noted); what costs is done per item when the run asks
for it: a file is read, a URL fetched (`fetch`), an archive's records read one by one (`warc`). So a run over
thousands of URLs or a 10,000-record archive starts at once and holds one page at a time. A page from the web
(fetched, or a record of an archive) is saved under the output folder by the runner, and the Document's offsets
point into that file.
"""

from __future__ import annotations

import json
import logging
import sys
from collections.abc import Callable, Collection, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from ..document import Document, DocumentId, document_from_text, is_document_id, replace
from ..errors import InputError, UsageError
from ..pipeline import load_document
from ..segment import segment
from .fetch import Fetcher, is_url
from .files import file_problem, safe_name, utf8_safe
from .pages import Page
from .warc import ARCHIVE_SUFFIXES, WarcArchive, is_archive

log = logging.getLogger(__name__)

# What a folder gives: articles (plain text, saved pages) and web archives, whose HTML responses are articles.
READABLE_SUFFIXES = (".txt", ".html", ".htm", *ARCHIVE_SUFFIXES)
# The metadata key of the URL a page was fetched from (after redirects), or an archived page's target URI.
SOURCE_URL = "source_url"

SavePage = Callable[["InputItem", bytes], str]  # writes a page's bytes under the output folder; returns the path


@dataclass(frozen=True, slots=True)
class InputItem:
    """One article to process: a file, a URL, a page of an archive, bytes from stdin, or the text of a JSONL
    record."""

    # As given (a file's stem, a URL, a JSONL record's "id": a number stays a number): the document id in every
    # output, and what `--jsonl` lines and `errors.jsonl` rows carry to join them back to the inputs.
    id: DocumentId
    path: str | None = None  # the file it comes from (a JSONL file, a WARC archive); None: stdin or a URL
    data: bytes | None = None  # bytes to decode (stdin); None: read `path` (or take `text`, or the page)
    error: str | None = None  # a bad JSONL record, a folder without articles: reported as this item's failure
    name: str = ""  # the stem of its output files: `safe_name(id)`, unique in the run (see `name_items`)
    text: str | None = None  # a JSONL record's text: text already, never decoded again
    url: str | None = None  # a page to fetch when the run reaches it
    page: Page | None = None  # a page in hand (an archive's record)

    def read(self, max_chars: int, *, fetcher: Fetcher | None = None, save_page: SavePage | None = None
             ) -> Document:
        """The segmented Document. A web page (`url` or `page`) is fetched with `fetcher` (a default one if
        None), saved with `save_page` (the Document's `path` is that file) and must hold article text."""
        if self.error:
            raise InputError(self.path or str(self.id), self.error)
        if self.page is not None or self.url is not None:
            page = self.page or (fetcher or Fetcher()).fetch(self.url or "")
            return self._read_page(page, max_chars, save_page)
        if self.text is not None:
            return _article(segment(document_from_text(self.text, self.id, max_chars=max_chars)), str(self.id))
        if self.data is not None:
            return _article(load_document(self.data, doc_id=self.id, max_chars=max_chars), str(self.id))
        path = Path(self.path or "")
        problem = file_problem(path)
        if problem:
            raise InputError(str(path), problem)
        return _article(load_document(path, doc_id=self.id, max_chars=max_chars), str(path))

    def _read_page(self, page: Page, max_chars: int, save_page: SavePage | None) -> Document:
        saved = save_page(self, page.body) if save_page else None
        # TODO(web): pass content_type=page.content_type (the HTTP header, whose charset the reader honours) once
        # load_document takes it, as the web branch's read_document does.
        doc = load_document(page.body, doc_id=self.id, max_chars=max_chars)
        return _article(replace(doc, path=saved, meta={**doc.meta, SOURCE_URL: page.url}), str(self.id))


def _article(doc: Document, where: str) -> Document:
    """An HTML page must hold article text: a page of scripts, or of menus and footers only, is an error, not an
    empty summary."""
    if doc.meta.get("format") != "html" or doc.content_sentences:
        return doc
    if not doc.sentences:  # the web branch's reader says this itself, in these words
        raise InputError(where, "no readable text (only markup, scripts, styles or invisible characters)")
    raise InputError(where, "no article text on the page (only navigation, header, footer or title)")


def discover_inputs(paths: Iterable[str | Path], *, stdin: IO[bytes] | None = None,
                    on_note: Callable[[str], None] | None = None) -> Iterator[InputItem]:
    """Files as given, folders as their readable entries (`READABLE_SUFFIXES`, sorted), http(s) URLs as pages to
    fetch, WARC archives as their HTML pages, `-` as stdin: lazily, as the caller iterates. An entry that cannot be
    read (a broken link, a folder, a FIFO), a folder without any readable file, a damaged archive and one without
    HTML pages become failing items: never skipped without a word. What an archive skipped (requests, images...)
    is said through `on_note` (default: the log), one line per archive."""
    return name_items(_expand(_find(paths), stdin, on_note or log.info))


@dataclass(frozen=True, slots=True)
class Survey:
    """What a run of a list of inputs will read, found before reading it."""

    files: list[str]  # the local files (which no output may replace)
    total: int | None  # articles; None when an archive is among them (its records are counted as read)
    ids: list[DocumentId]  # the ids known before reading (an archive's are not): their own names stay theirs


def survey(inputs: Collection[InputItem | str | Path]) -> Survey:
    """What a list of items and paths (see `discover_inputs`) gives, found without reading any of it."""
    found = [x for raw in inputs for x in ([raw] if isinstance(raw, InputItem) else _find([raw]))]
    items = [x for x in found if isinstance(x, InputItem)]
    files = [str(x) for x in found if isinstance(x, Path)] + [x.path for x in items if x.path]
    return Survey(files, None if any(isinstance(x, Path) for x in found) else len(found), [x.id for x in items])


_STDIN = "-"


def _find(paths: Iterable[str | Path]) -> Iterator[InputItem | Path | str]:
    """Each path as an item to read, an archive's Path (its records: `archive_items`) or `_STDIN` (read by
    `_expand`, so that finding never reads); folders listed."""
    for raw in paths:
        if str(raw) == _STDIN:
            yield _STDIN
        elif isinstance(raw, str) and is_url(raw):
            yield InputItem(id=utf8_safe(raw), url=raw)
        elif Path(raw).is_dir():
            p = Path(raw)
            entries = folder_entries(p)
            if not entries:
                yield InputItem(id=utf8_safe(p.name) or "input", path=str(p),
                                error=f"no readable files in this folder ({readable_kinds()})")
            for f in entries:
                yield f if is_archive(f) and f.is_file() else InputItem(id=utf8_safe(f.stem), path=str(f))
        elif is_archive(raw) and Path(raw).is_file():
            yield Path(raw)
        else:  # a missing or unreadable file becomes a per-file error later, not a crash now
            p = Path(raw)
            yield InputItem(id=utf8_safe(p.stem) or "input", path=str(p))


def readable_kinds() -> str:
    """"*.txt, *.html, ...": what a folder gives, for messages."""
    return ", ".join("*" + suffix for suffix in READABLE_SUFFIXES)


def folder_entries(folder: Path) -> list[Path]:
    """A folder's entries that a run reads, by name: visible, with a readable suffix (any case), sorted."""
    try:
        names = sorted(e.name for e in folder.iterdir())
    except OSError:
        return []
    return [folder / n for n in names if not n.startswith(".") and n.lower().endswith(READABLE_SUFFIXES)]


def _expand(found: Iterable[InputItem | Path | str], stdin: IO[bytes] | None, on_note: Callable[[str], None]
            ) -> Iterator[InputItem]:
    for x in found:
        if isinstance(x, InputItem):
            yield x
        elif isinstance(x, Path):
            yield from archive_items(x, on_note)
        else:
            yield InputItem(id="stdin", data=(stdin or sys.stdin.buffer).read())


def archive_items(path: Path, on_note: Callable[[str], None]) -> Iterator[InputItem]:
    """An archive's HTML pages as items, read as the caller iterates; its damage, or its having no HTML page, as
    one failing item named after the archive."""
    archive = WarcArchive(path)
    where, name = str(path), utf8_safe(path.name)
    problem = file_problem(path)
    if problem:
        yield InputItem(id=name, path=where, error=problem)
        return
    try:
        for uri, page in archive:
            yield InputItem(id=utf8_safe(uri), path=where, page=page) if isinstance(page, Page) else \
                InputItem(id=utf8_safe(uri), path=where, error=page)
    except InputError as exc:
        yield InputItem(id=name, path=where, error=exc.reason)
    else:
        if not archive.pages:
            skipped = archive.skipped_summary()
            yield InputItem(id=name, path=where, error="no HTML pages in this archive" + (
                f": {skipped}" if skipped else " (no records)"))
            return
    if archive.skipped:
        on_note(f"{where}: {archive.pages} HTML page{'s' * (archive.pages != 1)} read; {archive.skipped_summary()}")


def read_url_list(path: str | Path, *, stdin: IO[bytes] | None = None) -> Iterator[InputItem]:
    """URLs to fetch, one per line of a file or stdin (`-`); blank lines and `#` comments are skipped, and a line
    that is not an http(s) URL becomes a failing item. The file is opened now (UsageError if it cannot be) and
    read as the caller iterates."""
    stream, source = _open(path, stdin)

    def items() -> Iterator[InputItem]:
        with stream:
            for n, raw in enumerate(stream, 1):
                line = raw.decode("utf-8", "replace").strip()
                if not line or line.startswith("#"):
                    continue
                if is_url(line) and not any(c.isspace() for c in line):
                    yield InputItem(id=line, url=line)
                else:
                    yield InputItem(id=f"line{n}", path=source, error=f"line {n}: not an http(s) URL: {line[:80]}")

    return name_items(items())


def read_jsonl_inputs(path: str | Path, *, stdin: IO[bytes] | None = None) -> list[InputItem]:
    """`{"id": ..., "text": ...}` records, one per line; a bad line becomes a failing item, not a crash.

    A record's id is its "id" exactly as given (a number stays a number: in the document, the `--jsonl` lines
    and the `errors.jsonl` rows); without one (missing, null or ""), `line<N>`. A record whose id an earlier
    record has, with other text, fails: an id names one article (the same id with the same text is the same
    article again)."""
    stream, source = _open(path, stdin)
    items: list[InputItem] = []
    first: dict[str, tuple[int, str]] = {}  # JSON of an id -> (line, text) of the first record with it
    with stream:
        for n, line in enumerate(stream, 1):
            if not line.strip():
                continue
            given, text, problem = _record(line)
            if not problem and given is not None:
                seen, seen_text = first.setdefault(json.dumps(given), (n, text))
                if seen_text != text:
                    problem = (f"duplicate id {json.dumps(given, ensure_ascii=False)}: line {seen} has it, with "
                               "other text")
            doc_id = f"line{n}" if given is None else given
            if problem:
                items.append(InputItem(id=doc_id, path=source, error=f"line {n}: {problem}"))
            else:
                items.append(InputItem(id=doc_id, path=source, text=text))
    return list(name_items(items))


def _open(path: str | Path, stdin: IO[bytes] | None) -> tuple[IO[bytes], str | None]:
    """A list file, or stdin for `-`, opened for reading (UsageError if it cannot be), and its path (None: stdin)."""
    if str(path) == _STDIN:
        return stdin or sys.stdin.buffer, None
    try:
        return open(path, "rb"), str(path)  # closed by the reader
    except OSError as exc:
        raise UsageError(f"cannot read {path}: {exc.strerror or exc}") from None


def _record(line: bytes) -> tuple[DocumentId | None, str, str | None]:
    """One JSONL line → (its "id" as given, None without one or where the line has no good one; text;
    problem), `problem` saying for people what is wrong, None for a good record."""
    try:
        record = json.loads(line)
    except UnicodeDecodeError:
        return None, "", "not valid JSON (not UTF-8 text)"
    except json.JSONDecodeError as exc:
        return None, "", f"not valid JSON ({exc.msg} at column {exc.colno})"
    if not isinstance(record, dict):
        return None, "", "not a JSON object"
    given = record.get("id")
    if given is None or given == "":
        given = None
    elif not is_document_id(given):
        return None, "", '"id" must be a string or a number'
    elif isinstance(given, str) and utf8_safe(given) != given:
        return None, "", '"id" is not valid Unicode (a lone surrogate escape such as \\ud800)'
    if "text" not in record:
        return given, "", 'no "text" field'
    text = record["text"]
    if not isinstance(text, str):
        return given, "", '"text" is not a string'
    if utf8_safe(text) != text:
        return given, "", '"text" is not valid Unicode (a lone surrogate escape such as \\ud800)'
    return given, text, None


def name_items(items: Iterable[InputItem], *, known: Iterable[DocumentId] = ()) -> Iterator[InputItem]:
    """Unique output names, ids untouched: `safe_name` of the id; where it would be the name of an earlier item
    (the same id twice, or names that differ only in case: one file on macOS and Windows), "-2", "-3"... is
    added: the first such name that is no item's own name in the run, so that it never takes another's. Lazy
    over a stream, which keeps only the names taken so far: there only the ids in `known` (and those seen) are
    kept from, and a later item whose own name an earlier one took gets a suffix itself (a list is looked at
    whole first, so that never happens)."""
    listed = [item.id for item in items] if isinstance(items, Collection) else []
    own = {safe_name(str(doc_id)).casefold() for doc_id in [*known, *listed]}
    taken: set[str] = set()
    for item in items:
        base = name = safe_name(str(item.id))
        own.add(base.casefold())
        n = 1
        while name.casefold() in taken or (n > 1 and name.casefold() in own):
            n += 1
            name = f"{base}-{n}"
        taken.add(name.casefold())
        yield replace(item, name=name)
