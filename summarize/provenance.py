"""Provenance: link each summary sentence to the German source sentences it rests on.

A summary sentence is compared with the English translation of every body sentence (the German text
when translation is off, or for a sentence without a translation). The lexical score, 0..1, is

    0.7 * F2(content terms) + 0.3 * recall(content bigrams)

where content terms are lower-cased, lightly stemmed words without stop words (en + de), names
(capitalised, not sentence-initial) and canonical numbers/dates (via `faithfulness`, so "11.000" ~ "11,000")
counted double. F2 weighs the recall of the summary sentence four times its precision (ROUGE-1-recall style
that still prefers the tighter of two sources). When the abstractive summarizer recorded cross-attention mass
per source sentence, the score is lexical * (0.7 + 0.3 * mass / best mass): attention re-ranks, never rescues.
Sources: the best candidate, then (greedy coverage) candidates adding summary terms the chosen ones lack,
then others that clear the threshold within 80% of the best; at most top_k, best first, document order
breaking ties. Links go to the German sentence's span through the 1:1 English-German sentence map; the
whole sentence is the span (no sub-span is guessed).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from itertools import pairwise

from .document import Document, DocumentId, SourceKey, SourceLink, SummarySentence, replace
from .faithfulness import check, extract_facts
from .settings import SUPPORT_THRESHOLD
from .text import STOPWORDS, UNHYPHENATED_WORD

# With attention: score = lexical * (0.7 + 0.3 * mass / best mass); without it, score = lexical.
LEXICAL_WEIGHT = 0.7
ATTENTION_WEIGHT = 0.3
BIGRAM_WEIGHT = 0.3  # of the lexical score; the rest is unigram F2
NAME_WEIGHT = 2.0
NUMBER_WEIGHT = 2.0
COVERAGE_MIN = 0.15  # a further source must add terms worth this share of the summary sentence
CLOSE_SCORE = 0.8  # or clear the threshold and score at least this fraction of the best
TOP_K = 3  # sources kept per summary sentence, at most

_SUFFIXES = ("ungen", "ung", "ing", "ed", "es", "en", "er", "s", "e")


@dataclass(frozen=True, slots=True)
class Candidate:
    """One source sentence a summary sentence may rest on."""

    document_id: DocumentId
    sentence_id: str
    start: int
    end: int
    text_de: str
    text_en: str | None

    @property
    def key(self) -> SourceKey:
        return (self.document_id, self.sentence_id)


def candidates_from(docs: Sequence[Document]) -> list[Candidate]:
    """Body sentences only: titles, bylines and boilerplate never support a summary."""
    return [
        Candidate(d.id, s.id, s.start, s.end, s.plain, s.translation)
        for d in docs
        for s in d.sentences
        if s.role == "body"
    ]


def stem(word: str) -> str:
    """Light, language-agnostic stemming: enough for 'sanctions' ~ 'sanction', 'talks' ~ 'talk'."""
    w = word.casefold()
    for suffix in _SUFFIXES:
        if len(w) - len(suffix) >= 4 and w.endswith(suffix):
            w = w[: -len(suffix)]
            break
    return w[:8]


def content_terms(text: str, lang: str) -> Counter[str]:
    """Weighted bag of content terms: stems (names x2) and canonical numbers and dates (x2)."""
    terms: Counter[str] = Counter()
    for m in UNHYPHENATED_WORD.finditer(text):
        word = re.sub(r"['’]s$", "", m.group(0))
        if word.casefold() in STOPWORDS or any(ch.isdigit() for ch in word):
            continue  # digits are counted once, canonically, through the facts below
        weight = NAME_WEIGHT if word[:1].isupper() and m.start() > 0 else 1.0
        terms[stem(word)] += weight
    for fact in extract_facts(text, lang):
        terms[f"#{fact.value.rstrip('%')}"] += NUMBER_WEIGHT
    return terms


def bigrams(text: str) -> set[tuple[str, str]]:
    """Stem bigrams of the content words, stop words removed (ROUGE-2 on content words)."""
    stems = [stem(w) for w in UNHYPHENATED_WORD.findall(text) if w.casefold() not in STOPWORDS]
    return set(pairwise(stems))


def _overlap(summary: Counter[str], source: Counter[str]) -> float:
    return sum(min(weight, source[term]) for term, weight in summary.items() if term in source)


@dataclass(frozen=True, slots=True)
class _Profile:
    """A text's terms and bigrams, computed once per text."""

    terms: Counter[str]
    bigrams: set[tuple[str, str]]

    @classmethod
    def of(cls, text: str, lang: str) -> _Profile:
        return cls(content_terms(text, lang), bigrams(text))


def _lexical(summary: _Profile, source: _Profile) -> float:
    total_s, total_c = sum(summary.terms.values()), sum(source.terms.values())
    if not total_s or not total_c:
        return 0.0
    hit = _overlap(summary.terms, source.terms)
    if not hit:
        return 0.0
    recall, precision = hit / total_s, hit / total_c
    f2 = 5 * precision * recall / (4 * precision + recall)
    bigram_recall = (
        len(summary.bigrams & source.bigrams) / len(summary.bigrams) if summary.bigrams else recall
    )
    return (1 - BIGRAM_WEIGHT) * f2 + BIGRAM_WEIGHT * bigram_recall


def _source_text(candidate: Candidate, lang: str) -> tuple[str, str]:
    """The text to compare with and its language: English translation for English summaries, else German."""
    if lang == "en" and candidate.text_en:
        return candidate.text_en, "en"
    return candidate.text_de, "de"


def link_sentence(
    text: str,
    candidates: Sequence[Candidate],
    *,
    attention: Mapping[SourceKey, float] | None = None,
    threshold: float = SUPPORT_THRESHOLD,
    top_k: int = TOP_K,
    lang: str = "en",
) -> SummarySentence:
    """Score every candidate, keep the best plus complementary ones, flag weak support, check facts."""
    return _link(text, candidates, _profiles(candidates, lang), attention, threshold, top_k, lang)


def _profiles(candidates: Sequence[Candidate], lang: str) -> list[_Profile]:
    """Each candidate's profile, made once for all the summary sentences compared with it."""
    return [_Profile.of(*_source_text(c, lang)) for c in candidates]


def _link(
    text: str,
    candidates: Sequence[Candidate],
    profiles: Sequence[_Profile],
    attention: Mapping[SourceKey, float] | None,
    threshold: float,
    top_k: int,
    lang: str,
) -> SummarySentence:
    """`link_sentence` with the candidates' profiles given (`_profiles`)."""
    summary = _Profile.of(text, lang)
    scores = [_lexical(summary, p) for p in profiles]
    if attention:
        # Mass normalised to the best-attended candidate, so a flat spread still ranks. The blend is
        # multiplicative: attention re-ranks lexical evidence but never creates it, since a model attends
        # somewhere even while it hallucinates; the best-attended candidate keeps its full lexical score,
        # so the threshold means the same with and without attention.
        best_mass = max((attention.get(c.key, 0.0) for c in candidates), default=0.0) or 1.0
        scores = [
            lex
            * (LEXICAL_WEIGHT + ATTENTION_WEIGHT * min(1.0, max(0.0, attention.get(c.key, 0.0)) / best_mass))
            for c, lex in zip(candidates, scores)
        ]
    # Rounded before sorting so that ties in the output are ties in the order (document order breaks them).
    scores = [round(min(1.0, max(0.0, s)), 4) for s in scores]
    order = sorted((i for i, s in enumerate(scores) if s > 0), key=lambda i: (-scores[i], i))
    chosen = _select(summary, order, profiles, scores, top_k, threshold)
    links = tuple(
        SourceLink(
            candidates[i].document_id,
            candidates[i].sentence_id,
            candidates[i].start,
            candidates[i].end,
            scores[i],
        )
        for i in chosen
    )
    support = links[0].score if links else 0.0
    warnings = (
        check(
            text, [candidates[i].text_de for i in chosen], [candidates[i].text_en for i in chosen], lang=lang
        )
        if chosen
        else ()
    )
    return SummarySentence(text, links, support, support < threshold, warnings)


def _select(
    summary: _Profile,
    order: list[int],
    profiles: Sequence[_Profile],
    scores: list[float],
    top_k: int,
    threshold: float,
) -> list[int]:
    """The best candidate; then, greedily, those covering summary terms still uncovered (merged
    sentences); then any left that clear the threshold on their own. Best first."""
    if not order or top_k < 1:
        return []
    chosen = [order[0]]
    covered = Counter(profiles[order[0]].terms)
    for i in order[1:]:
        if len(chosen) == top_k:
            break
        missing = Counter({t: w for t, w in summary.terms.items() if t not in covered})
        if not missing:
            break
        # Measured against the whole sentence, so a few leftover words never pull in a weak source.
        gain = _overlap(missing, profiles[i].terms) / sum(summary.terms.values())
        if gain >= COVERAGE_MIN:
            chosen.append(i)
            covered += profiles[i].terms
    for i in order[1:]:
        if len(chosen) == top_k:
            break
        if i not in chosen and scores[i] >= max(threshold, CLOSE_SCORE * scores[order[0]]):
            chosen.append(i)
    return sorted(chosen, key=lambda i: (-scores[i], i))


def with_source_flags(
    sentences: Sequence[SummarySentence], docs: Sequence[Document]
) -> tuple[SummarySentence, ...]:
    """The summary's sentences, each with a warning for every source whose translation is flagged (`checks`):
    a summary resting on a doubtful translation says so, naming the source sentence and why."""
    by_key = {(d.id, s.id): s for d in docs for s in d.sentences}
    multi = len(docs) > 1

    def warned(sentence: SummarySentence) -> SummarySentence:
        warnings = tuple(
            f"source {f'{link.document_id}:' if multi else ''}{link.sentence_id} is flagged ({flag.kind}): "
            f"{flag.message}"
            for link in sentence.sources
            for flag in by_key[link.document_id, link.sentence_id].flags
        )
        return replace(sentence, warnings=sentence.warnings + warnings) if warnings else sentence

    return tuple(warned(s) for s in sentences)


def link_summary(
    texts: Sequence[str],
    candidates: Sequence[Candidate],
    *,
    attention: Sequence[Mapping[SourceKey, float] | None] | None = None,
    threshold: float = SUPPORT_THRESHOLD,
    lang: str = "en",
) -> tuple[SummarySentence, ...]:
    """`link_sentence` for each summary sentence; attention[i] belongs to texts[i] (None: lexical only)."""
    profiles = _profiles(candidates, lang) if texts else []
    return tuple(
        _link(text, candidates, profiles, attention[i] if attention and i < len(attention) else None, threshold,
              TOP_K, lang)
        for i, text in enumerate(texts)
    )
