"""Result → JSON text. Pure: no file I/O. Byte-stable: the same Result always gives the same bytes."""

from __future__ import annotations

import json
from collections.abc import Sequence
from functools import lru_cache
from importlib import resources
from typing import Any

from ..document import SCHEMA_VERSION, Document, Result, Summary, with_distinct_ids


def render_json(result: Result) -> str:
    return json.dumps(result.to_dict(), ensure_ascii=False, indent=2) + "\n"


def render_digest_json(summary: Summary, documents: Sequence[Document], signature: str) -> str:
    """A digest (one summary across several articles) and the articles it covers, as JSON; each article under
    its id in the digest (`with_distinct_ids`)."""
    documents = with_distinct_ids(documents)
    return json.dumps(
        {"schema_version": SCHEMA_VERSION, "signature": signature, "summary": summary.to_dict(),
         "documents": [{"id": d.id, "path": d.path, "title": d.title} for d in documents]},
        ensure_ascii=False, indent=2) + "\n"


@lru_cache(maxsize=1)
def load_schema() -> dict[str, Any]:
    """The packaged JSON Schema (draft 2020-12) of `Result.to_dict()`."""
    text = resources.files("summarize").joinpath("schema/result.schema.json").read_text(encoding="utf-8")
    return json.loads(text)
