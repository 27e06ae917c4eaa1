"""Overlong sentences: cut a sentence into pieces that each fit a model, at clause boundaries first."""

from __future__ import annotations

import bisect
import re
from collections.abc import Callable

from .text import ZERO_WIDTH, strip_span

__all__ = ["split_clauses"]

Span = tuple[int, int]

_CONJUNCTIONS = (
    "und oder aber denn sondern weil dass daß wenn während obwohl als nachdem bevor damit sodass ob wie wo "
    "die der das dem den deren dessen welche welcher welches welchem welchen was wobei weshalb sowie"
)
# Cut priorities inside the prefix that fits: 3 clause boundary, 2 any comma, 1 white space.
_CLAUSE_CUTS = (
    (3, re.compile(r"[;:](?=\s)")),
    (3, re.compile(r",(?=\s+(?:" + "|".join(_CONJUNCTIONS.split()) + r")\b)")),
    (3, re.compile(r"\S(?=\s+[–—-]\s)")),  # cut before a dash: it opens the next piece
    (2, re.compile(r",(?=\s)")),
)
_MIN_FILL = 0.5  # a clause or comma cut must keep at least this share of the longest fitting prefix


def split_clauses(text: str, fits: Callable[[str], bool]) -> list[Span]:
    """Spans (relative to text) of pieces that each satisfy `fits`, cut at clause boundaries first.

    Greedy: gallop then binary-search the longest prefix that fits (over word ends, or over
    characters inside a word longer than the limit), then cut at the best boundary in it.
    `fits` is called O(log n) times per piece and is assumed monotone in the prefix length.
    A single character that does not fit is still emitted (nothing is ever dropped).
    """
    spans: list[Span] = []
    word_ends = [m.end() for m in re.finditer(r"\S+", text)]
    start, _ = strip_span(text, 0, len(text))
    while start < len(text):
        start = _skip_space(text, start, len(text))
        if start >= len(text):
            break
        _, last = strip_span(text, start, len(text))
        if fits(text[start:last]):
            spans.append((start, last))
            break
        ends = word_ends[bisect.bisect_right(word_ends, start) :]
        k = _longest_fitting(lambda i, a=start, e=ends: fits(text[a : e[i]]), len(ends))
        if k < 0:  # even the first word is too long: cut inside it
            first_end = ends[0]
            n = _longest_fitting(lambda i, a=start: fits(text[a : a + i + 1]), first_end - start)
            cut = start + max(n, 0) + 1
        else:
            cut = _best_cut(text, start, ends[k])
        spans.append((start, cut))
        start = cut
    return spans


def _longest_fitting(ok: Callable[[int], bool], n: int) -> int:
    """Largest i in [0, n) with ok(i) (ok monotone: True then False), or -1; O(log i) calls."""
    if n == 0 or not ok(0):
        return -1
    lo, step = 0, 1  # ok(lo) holds
    while lo + step < n and ok(lo + step):
        lo += step
        step *= 2
    hi = min(n, lo + step)  # ok(hi) fails, or hi == n
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if ok(mid):
            lo = mid
        else:
            hi = mid
    return lo


def _best_cut(text: str, start: int, limit: int) -> int:
    """The end of the piece text[start:limit] that fits: the best boundary in its last part."""
    floor = start + int((limit - start) * _MIN_FILL)
    window = text[floor:limit]
    for priority in (3, 2):
        best = max(
            (
                floor + m.end()
                for p, pattern in _CLAUSE_CUTS
                if p == priority
                for m in pattern.finditer(window)
            ),
            default=None,
        )
        if best is not None:
            return best
    return limit  # the word boundary


def _skip_space(text: str, pos: int, end: int) -> int:
    while pos < end and (text[pos].isspace() or text[pos] in ZERO_WIDTH):
        pos += 1
    return pos
