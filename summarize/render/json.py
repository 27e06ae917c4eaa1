"""Result → JSON text. Pure: no file I/O. Byte-stable: the same Result always gives the same bytes."""

from __future__ import annotations

import json
from functools import lru_cache
from importlib import resources
from typing import Any

from ..document import Result


def render_json(result: Result) -> str:
    return json.dumps(result.to_dict(), ensure_ascii=False, indent=2) + "\n"


def render_jsonl_line(result: Result) -> str:
    return json.dumps(result.to_dict(), ensure_ascii=False, separators=(",", ":")) + "\n"


@lru_cache(maxsize=1)
def load_schema() -> dict[str, Any]:
    """The packaged JSON Schema (draft 2020-12) of `Result.to_dict()`."""
    text = resources.files("summarize").joinpath("schema/result.schema.json").read_text(encoding="utf-8")
    return json.loads(text)
