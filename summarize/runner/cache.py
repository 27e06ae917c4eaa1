"""The result cache: finished results under `<out>/.cache/<key>.json`, and the twins finished in this run."""

from __future__ import annotations

import json

from ..document import Document, Result
from ..errors import OutputError
from ..pipeline import twin_key, twin_result
from .files import OutputFolder, write_atomic

CACHE_DIR = ".cache"


class ResultCache:
    """Results keyed by `Pipeline.cache_key`, so that a rerun (or a run resumed after a kill) redoes nothing; and
    the articles finished in this run by their `twin_key`, so that the same article under another name (as news
    feeds deliver) is written from the first one's result instead of computed again."""

    def __init__(self, folder: OutputFolder) -> None:
        self.folder = folder
        self._finished: dict[str, str] = {}  # twin key of an article finished in this run -> its cache key

    def get(self, key: str) -> Result | None:
        """The cached result under `key`; None when absent or unreadable (it is recomputed)."""
        try:
            path = self.folder.path(CACHE_DIR, f"{key}.json")
            return Result.from_dict(json.loads(path.read_text(encoding="utf-8")))
        except (OSError, OutputError, ValueError, KeyError, TypeError):
            return None

    def put(self, key: str, rendered: str) -> None:
        """Store a result's JSON (`render_json`) under `key`, atomically."""
        write_atomic(self.folder.path(CACHE_DIR, f"{key}.json"), rendered)

    def finished(self, doc: Document, key: str) -> None:
        """`doc` was finished in this run under cache key `key`: its twins may be written from it."""
        self._finished.setdefault(twin_key(doc), key)

    def twin(self, doc: Document) -> Result | None:
        """The result of an identical article finished earlier in this run, renamed to `doc`; None if none."""
        key = self._finished.get(twin_key(doc))
        done = self.get(key) if key is not None else None
        return twin_result(done, doc) if done is not None else None
