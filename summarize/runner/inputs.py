"""Inputs: files, folders, stdin and JSONL records found and read as `InputItem`s, each with its output name."""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from ..document import Document, replace
from ..errors import InputError, UsageError
from ..pipeline import load_document
from .files import file_problem, safe_name, utf8_safe


@dataclass(frozen=True, slots=True)
class InputItem:
    """One article to process: a file, or text from stdin / a JSONL record."""

    id: str  # as given (a file's stem, a record's "id"): the document id in every output
    path: str | None = None  # the file it comes from (for a record, its JSONL file); None: stdin
    data: bytes | None = None  # the text itself (stdin, a record); None: read `path`
    error: str | None = None  # a bad JSONL record, a folder without articles: reported as this item's failure
    name: str = ""  # the stem of its output files: `safe_name(id)`, unique in the run (see `name_items`)

    def read(self, max_chars: int) -> Document:
        if self.error:
            raise InputError(self.path or self.id, self.error)
        if self.data is not None:
            return load_document(self.data, doc_id=self.id, max_chars=max_chars)
        path = Path(self.path or "")
        problem = file_problem(path)
        if problem:
            raise InputError(str(path), problem)
        return load_document(path, doc_id=self.id, max_chars=max_chars)


def discover_inputs(paths: Sequence[str | Path], *, stdin: IO[bytes] | None = None) -> list[InputItem]:
    """Files as given, folders as their `*.txt` entries (sorted), `-` as stdin. An entry that cannot be read (a
    broken link, a folder, a FIFO) and a folder without any `*.txt` become failing items: never skipped without a
    word."""
    items: list[InputItem] = []
    for raw in paths:
        if str(raw) == "-":
            stream = stdin or sys.stdin.buffer
            items.append(InputItem(id="stdin", data=stream.read()))
            continue
        p = Path(raw)
        if p.is_dir():
            entries = sorted(p.glob("*.txt"))
            if not entries:
                items.append(InputItem(id=utf8_safe(p.name) or "input", path=str(p),
                                       error="no *.txt files in this folder"))
            items += [InputItem(id=utf8_safe(f.stem), path=str(f)) for f in entries]
        else:  # a missing or unreadable file becomes a per-file error later, not a crash now
            items.append(InputItem(id=utf8_safe(p.stem) or "input", path=str(p)))
    return name_items(items)


def read_jsonl_inputs(path: str | Path, *, stdin: IO[bytes] | None = None) -> list[InputItem]:
    """`{"id": ..., "text": ...}` records, one per line; a bad line becomes a failing item, not a crash.

    A record's id is its "id" as given (a number: its digits); without one (missing, null or ""), `line<N>`."""
    from_stdin = str(path) == "-"
    try:
        stream = (stdin or sys.stdin.buffer) if from_stdin else open(path, "rb")  # noqa: SIM115
    except OSError as exc:
        raise UsageError(f"cannot read {path}: {exc.strerror or exc}") from None
    source = None if from_stdin else str(path)
    items: list[InputItem] = []
    with stream:
        for n, line in enumerate(stream, 1):
            if not line.strip():
                continue
            doc_id, text, problem = _record(line, n)
            if problem:
                items.append(InputItem(id=doc_id, path=source, error=f"line {n}: {problem}"))
            else:
                items.append(InputItem(id=doc_id, path=source, data=text.encode("utf-8")))
    return name_items(items)


def _record(line: bytes, n: int) -> tuple[str, str, str | None]:
    """One JSONL line → (id, text, problem); `problem` says for people what is wrong, None for a good record."""
    fallback = f"line{n}"
    try:
        record = json.loads(line)
    except UnicodeDecodeError:
        return fallback, "", "not valid JSON (not UTF-8 text)"
    except json.JSONDecodeError as exc:
        return fallback, "", f"not valid JSON ({exc.msg} at column {exc.colno})"
    if not isinstance(record, dict):
        return fallback, "", "not a JSON object"
    raw_id = record.get("id")
    if raw_id is None or raw_id == "":
        doc_id = fallback
    elif isinstance(raw_id, (str, int, float)) and not isinstance(raw_id, bool):
        doc_id = str(raw_id)
    else:
        return fallback, "", '"id" must be a string or a number'
    if utf8_safe(doc_id) != doc_id:
        return fallback, "", '"id" is not valid Unicode (a lone surrogate escape such as \\ud800)'
    if "text" not in record:
        return doc_id, "", 'no "text" field'
    text = record["text"]
    if not isinstance(text, str):
        return doc_id, "", '"text" is not a string'
    if utf8_safe(text) != text:
        return doc_id, "", '"text" is not valid Unicode (a lone surrogate escape such as \\ud800)'
    return doc_id, text, None


def name_items(items: Sequence[InputItem]) -> list[InputItem]:
    """Unique ids ("x", "x-2", ...) and unique output names: `safe_name` of the id, with "-2"... where two names
    differ only in case (one file on macOS and Windows)."""
    ids: set[str] = set()
    names: set[str] = set()
    out = []
    for item in items:
        doc_id = _first_free(item.id, ids)
        name = _first_free(safe_name(doc_id), names, fold=True)
        out.append(replace(item, id=doc_id, name=name))
    return out


def _first_free(base: str, taken: set[str], *, fold: bool = False) -> str:
    candidate, n = base, 1
    while (candidate.casefold() if fold else candidate) in taken:
        n += 1
        candidate = f"{base}-{n}"
    taken.add(candidate.casefold() if fold else candidate)
    return candidate
