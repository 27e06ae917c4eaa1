"""Inputs: files, folders, stdin and JSONL records found and read as `InputItem`s, each with its output name."""

from __future__ import annotations

import json
import math
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from ..document import Document, document_from_text, replace
from ..errors import InputError, UsageError
from ..pipeline import load_document
from ..segment import segment
from .files import file_problem, safe_name, utf8_safe

GivenId = str | int | float  # a JSON record's "id" as given: a number stays a number


@dataclass(frozen=True, slots=True)
class InputItem:
    """One article to process: a file, bytes from stdin, or the text of a JSONL record."""

    id: str  # as given (a file's stem, a record's "id" as text): the document id in every output
    path: str | None = None  # the file it comes from (for a record, its JSONL file); None: stdin
    data: bytes | None = None  # bytes to decode (stdin); None: read `path` (or take `text`)
    error: str | None = None  # a bad JSONL record, a folder without articles: reported as this item's failure
    name: str = ""  # the stem of its output files: `safe_name(id)`, unique in the run (see `name_items`)
    text: str | None = None  # a JSONL record's text: text already, never decoded again
    given_id: GivenId | None = None  # a record's "id" exactly as its JSON gave it; None: `id`

    @property
    def join_id(self) -> GivenId:
        """The id that `--jsonl` lines and `errors.jsonl` rows carry, to join them back to the inputs."""
        return self.id if self.given_id is None else self.given_id

    def read(self, max_chars: int) -> Document:
        if self.error:
            raise InputError(self.path or self.id, self.error)
        if self.text is not None:
            return segment(document_from_text(self.text, self.id, max_chars=max_chars))
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

    A record's id is its "id" as given (a number: its digits in the document, the number itself in `--jsonl`
    lines and `errors.jsonl` rows); without one (missing, null or ""), `line<N>`. A record whose id an earlier
    record has, with other text, fails: an id names one article (the same id with the same text is the same
    article again)."""
    from_stdin = str(path) == "-"
    try:
        stream = (stdin or sys.stdin.buffer) if from_stdin else open(path, "rb")  # noqa: SIM115
    except OSError as exc:
        raise UsageError(f"cannot read {path}: {exc.strerror or exc}") from None
    source = None if from_stdin else str(path)
    items: list[InputItem] = []
    first: dict[str, tuple[int, str]] = {}  # JSON of an id -> (line, text) of the first record with it
    with stream:
        for n, line in enumerate(stream, 1):
            if not line.strip():
                continue
            doc_id, given, text, problem = _record(line, n)
            if not problem and given is not None:
                seen, seen_text = first.setdefault(json.dumps(given), (n, text))
                if seen_text != text:
                    problem = (f"duplicate id {json.dumps(given, ensure_ascii=False)}: line {seen} has it, with "
                               "other text")
            if problem:
                items.append(InputItem(id=doc_id, path=source, error=f"line {n}: {problem}", given_id=given))
            else:
                items.append(InputItem(id=doc_id, path=source, text=text, given_id=given))
    return name_items(items)


def _record(line: bytes, n: int) -> tuple[str, GivenId | None, str, str | None]:
    """One JSONL line → (id, id as given, text, problem); `problem` says for people what is wrong, None for a
    good record."""
    fallback = f"line{n}"
    try:
        record = json.loads(line)
    except UnicodeDecodeError:
        return fallback, None, "", "not valid JSON (not UTF-8 text)"
    except json.JSONDecodeError as exc:
        return fallback, None, "", f"not valid JSON ({exc.msg} at column {exc.colno})"
    if not isinstance(record, dict):
        return fallback, None, "", "not a JSON object"
    given = record.get("id")
    if given is None or given == "":
        doc_id, given = fallback, None
    elif isinstance(given, str) or (isinstance(given, (int, float)) and not isinstance(given, bool)
                                    and math.isfinite(given)):
        doc_id = str(given)
    else:
        return fallback, None, "", '"id" must be a string or a number'
    if utf8_safe(doc_id) != doc_id:
        return fallback, None, "", '"id" is not valid Unicode (a lone surrogate escape such as \\ud800)'
    if "text" not in record:
        return doc_id, given, "", 'no "text" field'
    text = record["text"]
    if not isinstance(text, str):
        return doc_id, given, "", '"text" is not a string'
    if utf8_safe(text) != text:
        return doc_id, given, "", '"text" is not valid Unicode (a lone surrogate escape such as \\ud800)'
    return doc_id, given, text, None


def name_items(items: Sequence[InputItem]) -> list[InputItem]:
    """Unique output names, ids untouched: `safe_name` of the id; where it would be the name of an earlier item
    (the same id twice, or names that differ only in case: one file on macOS and Windows), "-2", "-3"... is
    added: the first such name that is no item's own name in the run, so that it never takes another's."""
    own = {safe_name(item.id).casefold() for item in items}
    taken: set[str] = set()
    out = []
    for item in items:
        base = name = safe_name(item.id)
        n = 1
        while name.casefold() in taken or (n > 1 and name.casefold() in own):
            n += 1
            name = f"{base}-{n}"
        taken.add(name.casefold())
        out.append(replace(item, name=name))
    return out
