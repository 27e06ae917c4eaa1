"""The result cache: finished results under `<out>/.cache/<key>.json`, checked before they are served; twins."""

from __future__ import annotations

import json
import logging
import shutil
from typing import Any

from ..document import SCHEMA_VERSION, Document, DocumentId, Result
from ..errors import OutputError
from ..pipeline import twin_key, twin_result
from .files import OutputFolder, write_atomic

CACHE_DIR = ".cache"
log = logging.getLogger(__name__)


class DamagedEntry(ValueError):
    """A cache entry that must not be served (it is recomputed and overwritten)."""


class ResultCache:
    """Results keyed by `Pipeline.cache_key`, so that a rerun (or a run resumed after a kill) redoes nothing; and
    the articles finished in this run by their `twin_key`, so that the same article under another name (as news
    feeds deliver) is written from the first one's result instead of computed again.

    An entry is served only when it is whole and is the one asked for: this schema version, the document's id,
    sha256, text and sentences, and a valid Result. Anything else (a torn or edited file, another document's
    entry, a folder in its place) is a miss: recomputed and overwritten, never served or crashed on."""

    def __init__(self, folder: OutputFolder) -> None:
        self.folder = folder
        self._finished: dict[str, tuple[str, DocumentId]] = {}  # twin key -> (cache key, document id) of the first

    def get(self, key: str, doc: Document, *, doc_id: DocumentId | None = None) -> Result | None:
        """The cached result of `doc` (as read and segmented) under `key`; None when absent or damaged. `doc_id`:
        the id the entry must have, when not `doc`'s own (a twin's entry)."""
        try:
            path = self.folder.path(CACHE_DIR, f"{key}.json")
            entry = json.loads(path.read_bytes())
        except FileNotFoundError:
            return None
        except (OSError, OutputError, ValueError) as exc:  # unreadable, not UTF-8, not JSON
            log.info("cache entry %s is unreadable (%s): recomputed", key, exc)
            return None
        try:
            return _checked(entry, doc, doc.id if doc_id is None else doc_id)
        except (DamagedEntry, AttributeError, KeyError, TypeError, ValueError) as exc:
            log.info("cache entry %s is damaged (%s): recomputed", key, exc)
            return None

    def put(self, key: str, rendered: str) -> None:
        """Store a result's JSON (`render_json`) under `key`, atomically, over whatever was there."""
        path = self.folder.path(CACHE_DIR, f"{key}.json")
        if path.is_dir() and not path.is_symlink():  # nothing but a cache entry is ever meant to be there
            shutil.rmtree(path)
        write_atomic(path, rendered)

    def finished(self, doc: Document, key: str) -> None:
        """`doc` was finished in this run under cache key `key`: its twins may be written from it."""
        self._finished.setdefault(twin_key(doc), (key, doc.id))

    def twin(self, doc: Document) -> Result | None:
        """The result of an identical article finished earlier in this run, renamed to `doc`; None if none."""
        first = self._finished.get(twin_key(doc))
        done = self.get(first[0], doc, doc_id=first[1]) if first is not None else None
        return twin_result(done, doc) if done is not None else None


def _checked(entry: Any, doc: Document, doc_id: DocumentId) -> Result:
    """The entry as a Result, if it is `doc`'s under `doc_id`; DamagedEntry (or a parse error) if not."""
    if not isinstance(entry, dict) or entry.get("schema_version") != SCHEMA_VERSION:
        raise DamagedEntry(f"not schema {SCHEMA_VERSION}")
    document = entry.get("document")
    # Compared as JSON: the id 42 is not the id "42", nor 42.0 (each is some input's own).
    if not isinstance(document, dict) or json.dumps(document.get("id")) != json.dumps(doc_id) \
            or document.get("sha256") != doc.sha256:
        raise DamagedEntry("another document")
    result = Result.from_dict(entry)
    cached = result.document
    if cached.text != doc.text or _layout(cached) != _layout(doc):
        raise DamagedEntry("another text or other sentences")
    return result


def _layout(doc: Document) -> list[tuple[Any, ...]]:
    return [(s.id, s.start, s.end, s.role, s.text) for s in doc.sentences]
