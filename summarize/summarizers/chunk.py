"""Cut a run of sentences into token windows for a model with a fixed input length. Pure: no torch.

Chunks are consecutive sentence-index ranges. Each fits `window` tokens, counting `reserve` tokens per
chunk for special tokens and prompts; neighbours share up to `overlap` sentences so a summary of one
chunk sees the context of the one before. Nothing is ever dropped: a sentence that alone exceeds the
window gets a chunk of its own (callers split such sentences first).
"""

from __future__ import annotations

from collections.abc import Sequence

from ..errors import UsageError


def chunk_sentences(
    token_counts: Sequence[int], window: int, overlap: int = 1, *, reserve: int = 0
) -> list[range]:
    """Consecutive sentence ranges covering every index in order, each within `window - reserve` tokens.

    Neighbouring chunks share `overlap` sentences where that still leaves room for at least one new
    sentence (fewer otherwise, never a sentence that alone overflows). Every chunk adds at least one
    new sentence, so this always terminates, after at most len(token_counts) chunks.
    """
    if overlap < 0:
        raise UsageError(f"chunk overlap must be >= 0, not {overlap}")
    budget = window - reserve
    if budget < 1:
        raise UsageError(f"a {window}-token window leaves no room after {reserve} reserved tokens")
    chunks: list[range] = []
    n = len(token_counts)
    start = 0
    while start < n:
        end = start + 1  # always take one sentence, even one longer than the window
        total = token_counts[start]
        while end < n and total + token_counts[end] <= budget:
            total += token_counts[end]
            end += 1
        chunks.append(range(start, end))
        if end >= n:
            break
        start = _next_start(token_counts, start, end, overlap, budget)
    return chunks


def _next_start(token_counts: Sequence[int], start: int, end: int, overlap: int, budget: int) -> int:
    """Where the chunk after [start, end) begins: `overlap` back, less if the shared part leaves no room."""
    nxt = max(end - overlap, start + 1)
    # The shared sentences plus the next new one must fit; drop shared sentences until they do.
    while nxt < end and sum(token_counts[nxt : end + 1]) > budget:
        nxt += 1
    return nxt
