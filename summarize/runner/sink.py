"""JSON-lines files a run appends as it goes, one synced line at a time: the `--jsonl` results, `errors.jsonl`."""

from __future__ import annotations

import errno
import json
import os
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import IO

from ..document import DocumentId, Result
from ..errors import UsageError
from .files import utf8_safe

FULL = frozenset({errno.ENOSPC, errno.EDQUOT})  # the disk, or this user's quota on it, is full


def disk_full(exc: OSError) -> bool:
    return exc.errno in FULL


class LineLog:
    """A JSON-lines file appended one line at a time, each flushed and synced before the next (`None`: stdout).
    A torn last line (a run killed while writing it) is cut when the file is opened, so no line is ever glued
    to the next run's first."""

    def __init__(self, path: Path | None) -> None:
        self.path = path
        if path is None:
            self.stream: IO[str] = sys.stdout
            return
        if path.exists():
            _cut_torn_line(path)
        self.stream = open(path, "a", encoding="utf-8", newline="\n")  # noqa: SIM115

    def lines(self) -> Iterator[bytes]:
        """The complete lines already in the file."""
        if self.path is not None:
            with open(self.path, "rb") as f:
                yield from f

    def append(self, line: str) -> None:
        self.stream.write(line)
        self.stream.flush()
        if self.path is not None:
            os.fsync(self.stream.fileno())

    def close(self) -> None:
        if self.path is not None:
            self.stream.close()


def _cut_torn_line(path: Path) -> None:
    """Cut whatever follows the last newline (read from the end: the file may be large)."""
    with open(path, "r+b") as f:
        end = pos = f.seek(0, os.SEEK_END)
        keep = 0
        while pos > 0:
            step = min(pos, 1 << 16)
            pos -= step
            f.seek(pos)
            newline = f.read(step).rfind(b"\n")
            if newline >= 0:
                keep = pos + newline + 1
                break
        if keep != end:
            f.truncate(keep)


class ErrorLog(LineLog):
    """`errors.jsonl`: a row per failed input, appended as the run goes, so that an interrupted or crashed run
    keeps its errors; earlier runs' rows stay, and each row says which run wrote it (its start time)."""

    def __init__(self, path: Path, run: str) -> None:
        super().__init__(path)
        self.run = run

    def add(self, doc_id: DocumentId, path: str | None, error: str | None) -> None:
        row = {"id": doc_id, "path": path, "error": error, "run": self.run}
        self.append(json.dumps({k: utf8_safe(v) if isinstance(v, str) else v for k, v in row.items()},
                               ensure_ascii=False) + "\n")


class JsonlSink(LineLog):
    """`--jsonl`: one Result per line, with the input's id as given and the cache key. On resume, a torn last line
    is cut and the articles already there are skipped. A write that fails stops the stream (its reason in
    `error`) but not the run: the article's own outputs are written, and a rerun appends what is missing."""

    def __init__(self, target: str | Path) -> None:
        self.target = str(target)
        path = None if self.target == "-" else Path(target)
        try:
            if path is not None:
                path.parent.mkdir(parents=True, exist_ok=True)
            super().__init__(path)
            self._done = {_mark(line) for line in self.lines()} - {None}
        except OSError as exc:
            raise UsageError(f"cannot write --jsonl {target}: {exc.strerror or exc}") from None
        self.error: str | None = None
        self.full = False  # the write failed because the disk is full

    def written(self, key: str, doc_id: DocumentId) -> bool:
        return json.dumps([key, doc_id]) in self._done

    def write(self, result: Result, key: str, doc_id: DocumentId) -> None:
        """Append `result` unless it is there already; never raises (see `error`)."""
        if self.error is not None or self.written(key, doc_id):
            return
        # The cache key rides along so that a resumed run knows which lines are already there.
        line = json.dumps({"id": doc_id, "cache_key": key, **result.to_dict()}, ensure_ascii=False) + "\n"
        try:
            self.append(line)
        except OSError as exc:
            self.error = f"cannot write --jsonl {self.target}: {exc.strerror or exc}"
            self.full = disk_full(exc)
            return
        self._done.add(json.dumps([key, doc_id]))


def _mark(line: bytes) -> str | None:
    """What identifies a line's article: its cache key and the id as given (lines written before ids were kept
    as given: the document's id)."""
    try:
        record = json.loads(line)
        given = record["id"] if "id" in record else record["document"]["id"]
        return json.dumps([record.get("cache_key") or record["document"]["id"], given])
    except (ValueError, KeyError, TypeError):
        return None
