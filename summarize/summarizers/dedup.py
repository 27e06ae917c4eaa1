"""Near-duplicate German body sentences across (and within) documents.

News sites reuse paragraphs between related articles, so a digest sees the same sentence several
times, sometimes with a clause added or cut. Sentences are compared on normalised German text
(casefolded, quotes and punctuation removed, spaces collapsed): equal texts, or token sets whose
similarity is >= threshold, are duplicates. Similarity is the larger of Jaccard and containment (the
shorter sentence's share of tokens found in the longer), containment only between sentences of
similar length and some substance, so "Er sagte:" never joins a long sentence that contains it.
Candidate pairs come from prefix filtering (rarest tokens first), so this stays far below all pairs.
"""

from __future__ import annotations

import math
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Sequence

from ..document import Document, SourceKey
from ..errors import UsageError


def normalise(text: str) -> str:
    """Casefold, turn punctuation, quotes and symbols into spaces, collapse white space."""
    kept = (" " if unicodedata.category(ch)[0] in "PSZC" else ch for ch in text.casefold())
    return " ".join("".join(kept).split())


MIN_CONTAINED_TOKENS = 8  # containment counts only for sentences at least this long...
MIN_LENGTH_RATIO = 0.6  # ...and at most this much shorter than the other one


def similarity(a: frozenset[str], b: frozenset[str]) -> float:
    """max(Jaccard, containment) of two token sets, containment only for long, similar-sized sets."""
    if not a or not b:
        return 0.0
    shared = len(a & b)
    score = shared / len(a | b)
    small, large = sorted((len(a), len(b)))
    if small >= MIN_CONTAINED_TOKENS and small >= MIN_LENGTH_RATIO * large:
        score = max(score, shared / small)
    return score


def find_duplicate_groups(
    docs: Sequence[Document], *, threshold: float = 0.8
) -> tuple[tuple[SourceKey, ...], ...]:
    """Groups (size >= 2) of (document_id, sentence_id) whose German body sentences are near-duplicates.

    Members are in input order (document, then sentence); groups are ordered by their first member.
    """
    if not 0.0 < threshold <= 1.0:
        raise UsageError(f"duplicate threshold must be in (0, 1], not {threshold}")
    keys: list[SourceKey] = []
    texts: list[str] = []
    for doc in docs:
        for s in doc.content_sentences:
            norm = normalise(s.plain)
            if norm:  # a sentence of bare punctuation duplicates nothing
                keys.append((doc.id, s.id))
                texts.append(norm)
    token_sets = [frozenset(t.split()) for t in texts]
    parent = list(range(len(keys)))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for i, j in _candidate_pairs(token_sets, threshold):
        if texts[i] == texts[j] or similarity(token_sets[i], token_sets[j]) >= threshold:
            ri, rj = root(i), root(j)
            parent[max(ri, rj)] = min(ri, rj)  # the earliest member is the root: a stable order
    members: dict[int, list[int]] = defaultdict(list)
    for i in range(len(keys)):
        members[root(i)].append(i)
    return tuple(tuple(keys[i] for i in group) for _, group in sorted(members.items()) if len(group) >= 2)


def _candidate_pairs(token_sets: Sequence[frozenset[str]], threshold: float) -> set[tuple[int, int]]:
    """Pairs (i < j) that can reach the threshold: they share a token among each set's rarest few.

    Prefix filtering: both similarities need |A ∩ B| >= a = ceil(t · MIN_LENGTH_RATIO · |X|) for X = A
    and X = B, and sets sharing >= a tokens share one of each set's first |X| - a + 1 tokens in any
    fixed global order. Equal texts have equal sets, so they always pair up too.
    """
    freq = Counter(tok for tokens in token_sets for tok in tokens)
    index: dict[str, list[int]] = defaultdict(list)
    for i, tokens in enumerate(token_sets):
        ordered = sorted(tokens, key=lambda tok: (freq[tok], tok))
        for tok in ordered[: len(ordered) - math.ceil(threshold * MIN_LENGTH_RATIO * len(ordered)) + 1]:
            index[tok].append(i)
    pairs: set[tuple[int, int]] = set()
    for ids in index.values():
        for a in range(len(ids)):
            for b in range(a + 1, len(ids)):
                pairs.add((ids[a], ids[b]))
    return pairs
