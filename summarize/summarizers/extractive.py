"""Extractive summaries: the most central body sentences, non-redundant, in document order.

LexRank-style: sentences are TF-IDF bags of words, the graph is their cosine similarity, and a
sentence's score is its PageRank-style centrality. Picks then follow maximal marginal relevance (MMR):
centrality minus similarity to what was already picked, so a digest of articles that reuse the same
paragraph picks it once. English translations are used when present, else the German text (so
`--no-translate` gives a German summary). Pure Python, deterministic, no model.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from ..document import Document, SourceKey
from ..settings import parse_length
from ..text import STOPWORDS, word_parts
from .base import DraftSummary, Summarizer
from .dedup import find_duplicate_groups, normalise, similarity

DAMPING = 0.85
ITERATIONS = 100  # power iteration converges in far fewer steps on news-sized graphs
TOLERANCE = 1e-10
MMR_LAMBDA = 0.7  # weight of centrality against redundancy
DUPLICATE_SIMILARITY = 0.8  # cosine at or above this to a pick: a repeat, never picked
MIN_WORDS = 4  # shorter sentences ("Er sagte:") are picked only when nothing else is left


@dataclass(frozen=True, slots=True)
class _Candidate:
    key: SourceKey
    text: str  # what the summary shows: the translation, or the German text
    words: tuple[str, ...]


class ExtractiveSummarizer(Summarizer):
    """Central, non-redundant body sentences in document order; provenance exact by construction."""

    label = "extractive"

    def __call__(self, docs: Sequence[Document], *, length: str = "medium") -> DraftSummary:
        spec = parse_length(length)
        candidates = _candidates(docs)
        graph = _similarity_graph(_tfidf([c.words for c in candidates]))
        repeats = _repeat_pairs(docs, candidates, graph)
        picked = _mmr_picks(candidates, graph, _centrality(graph), repeats, spec.max_sentences)
        chosen = [candidates[i] for i in sorted(picked)]  # document order (docs in the order given)
        return DraftSummary(
            sentences=tuple(c.text for c in chosen),
            method="extractive",
            model=None,
            chunks=1,
            levels=1,
            attention=None,
            exact_sources=tuple((c.key,) for c in chosen),
        )


def _candidates(docs: Sequence[Document]) -> list[_Candidate]:
    out = []
    for doc in docs:
        for s in doc.content_sentences:
            text = s.translation if s.translation and s.translation.strip() else s.plain
            if text.strip():
                out.append(_Candidate((doc.id, s.id), text.strip(), _words(text)))
    return out


def _words(text: str) -> tuple[str, ...]:
    return tuple(w for w in word_parts(text.casefold()) if w not in STOPWORDS and not w.isdigit())


def _tfidf(bags: Sequence[Sequence[str]]) -> list[dict[str, float]]:
    """Unit-length TF-IDF vectors (smoothed idf, so a word in every sentence still counts a little)."""
    df = Counter(w for bag in bags for w in set(bag))
    n = len(bags)
    vectors = []
    for bag in bags:
        weights = {w: tf * (math.log((1 + n) / (1 + df[w])) + 1.0) for w, tf in Counter(bag).items()}
        norm = math.sqrt(sum(v * v for v in weights.values()))
        vectors.append({w: v / norm for w, v in weights.items()} if norm else {})
    return vectors


Graph = list[dict[int, float]]  # sentence -> {other sentence: cosine > 0}; symmetric, no self loops


def _similarity_graph(vectors: Sequence[dict[str, float]]) -> Graph:
    """Cosine similarities of all pairs that share a word (the others are 0), via an inverted index."""
    postings: dict[str, list[tuple[int, float]]] = {}
    for i, vec in enumerate(vectors):
        for w, v in vec.items():
            postings.setdefault(w, []).append((i, v))
    graph: Graph = [{} for _ in vectors]
    for entries in postings.values():
        for a, (i, vi) in enumerate(entries):
            for j, vj in entries[a + 1 :]:
                graph[i][j] = graph[i].get(j, 0.0) + vi * vj
    for i, row in enumerate(graph):
        for j, sim in row.items():
            graph[j][i] = sim
    return graph


def _centrality(graph: Graph) -> list[float]:
    """PageRank over the similarity graph (continuous LexRank); isolated sentences spread evenly."""
    n = len(graph)
    if n == 0:
        return []
    out_weight = [sum(row.values()) for row in graph]
    score = [1.0 / n] * n
    for _ in range(ITERATIONS):
        dangling = sum(score[j] for j in range(n) if out_weight[j] <= 0.0)
        new = [(1 - DAMPING) / n + DAMPING * dangling / n] * n
        for j, row in enumerate(graph):
            if out_weight[j] > 0.0:
                share = DAMPING * score[j] / out_weight[j]
                for i, sim in row.items():
                    new[i] += share * sim
        delta = sum(abs(x - y) for x, y in zip(new, score))
        score = new
        if delta < TOLERANCE:
            break
    return score


def _mmr_picks(
    candidates: Sequence[_Candidate],
    graph: Graph,
    centrality: Sequence[float],
    repeats: set[tuple[int, int]],
    k: int,
) -> list[int]:
    """Greedy MMR: best λ·centrality − (1−λ)·max similarity to the picks; repeats are never picked."""
    top = max(centrality, default=0.0) or 1.0
    relevance = [c / top for c in centrality]
    picked: list[int] = []
    for min_words in (MIN_WORDS, 0):  # substantial sentences first; short ones only to fill up
        while len(picked) < k:
            best, best_score = None, -math.inf
            for i, cand in enumerate(candidates):
                if i in picked or len(cand.words) < min_words or any((i, j) in repeats for j in picked):
                    continue
                redundancy = max((graph[i].get(j, 0.0) for j in picked), default=0.0)
                if redundancy >= DUPLICATE_SIMILARITY:
                    continue
                score = MMR_LAMBDA * relevance[i] - (1 - MMR_LAMBDA) * redundancy
                if score > best_score:  # strict: ties go to the earlier sentence
                    best, best_score = i, score
            if best is None:
                break
            picked.append(best)
    return picked


def _repeat_pairs(
    docs: Sequence[Document], candidates: Sequence[_Candidate], graph: Graph
) -> set[tuple[int, int]]:
    """Candidate pairs that repeat each other: a German duplicate group, or near-equal shown text
    (the translations of two copies may differ a little even when the German is the same)."""
    index = {c.key: i for i, c in enumerate(candidates)}
    pairs: set[tuple[int, int]] = set()
    for group in find_duplicate_groups(docs) if docs else ():
        members = [index[k] for k in group if k in index]
        pairs |= {(a, b) for a in members for b in members if a != b}
    shown = [frozenset(normalise(c.text).split()) for c in candidates]
    for i, neighbours in enumerate(graph):  # only sentences that share a word can be near-equal
        for j in neighbours:
            if (i, j) not in pairs and similarity(shown[i], shown[j]) >= DUPLICATE_SIMILARITY:
                pairs |= {(i, j), (j, i)}
    return pairs
