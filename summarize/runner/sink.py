"""The `--jsonl` stream: one result per line, appended and synced, each article once across reruns."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import IO

from ..document import Result
from ..errors import UsageError


class JsonlSink:
    """Appends one Result per line; on resume, a torn last line is cut and ids already there are skipped."""

    def __init__(self, target: str | Path) -> None:
        self.stdout = str(target) == "-"
        self.done: set[str] = set()
        if self.stdout:
            self.stream: IO[str] = sys.stdout
            return
        path = Path(target)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            if path.exists():
                self._recover(path)
            self.stream = open(path, "a", encoding="utf-8", newline="\n")  # noqa: SIM115
        except OSError as exc:
            raise UsageError(f"cannot write --jsonl {target}: {exc.strerror or exc}") from None

    def _recover(self, path: Path) -> None:
        data = path.read_bytes()
        keep = data[: data.rfind(b"\n") + 1]  # everything up to the last complete line
        if len(keep) != len(data):
            with open(path, "r+b") as f:
                f.truncate(len(keep))
        for line in keep.splitlines():
            try:
                record = json.loads(line)
                self.done.add(record.get("cache_key") or record["document"]["id"])
            except (ValueError, KeyError, TypeError):
                continue

    def write(self, result: Result, key: str) -> None:
        if key in self.done:
            return
        # The cache key rides along so that a resumed run knows which lines are already there.
        self.stream.write(json.dumps({"cache_key": key, **result.to_dict()}, ensure_ascii=False) + "\n")
        self.stream.flush()
        if not self.stdout:
            os.fsync(self.stream.fileno())
        self.done.add(key)

    def close(self) -> None:
        if not self.stdout:
            self.stream.close()
