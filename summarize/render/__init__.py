"""Renderers: Result → str (JSON, Markdown, HTML). Pure functions, no file I/O; they import only records."""

from __future__ import annotations

from .html import render_digest_html, render_html, render_index
from .json import render_digest_json, render_json
from .markdown import render_digest_markdown, render_markdown

__all__ = [
    "render_digest_html",
    "render_digest_json",
    "render_digest_markdown",
    "render_html",
    "render_index",
    "render_json",
    "render_markdown",
]
