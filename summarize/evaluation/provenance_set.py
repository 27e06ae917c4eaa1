"""A provenance test set built from real news text (newstest2019 de-en, reference side).

Consecutive lines form a pseudo-article; each line is a candidate source sentence (the English reference
as its "translation", the aligned German line as its text). Summary sentences are made from known lines
by rules, each with its gold source ids:

- compression: keep the main clause, drop an opening phrase, parentheses, adjectives and fillers;
- merge: join the main clauses of two lines of the article;
- paraphrase: swap words for synonyms, reorder clauses, move the speech attribution ("X said");
- fabricated: words spliced from two lines of far-away articles, whose gold is "no source".

Deterministic for a given seed (one `random.Random`, lines visited in order).
"""

from __future__ import annotations

import random
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..provenance import Candidate, link_sentence
from ..settings import SUPPORT_THRESHOLD

KINDS = ("compression", "merge", "paraphrase", "fabricated")
MIN_WORDS = 8  # lines shorter than this (headlines, bylines) are candidates but never summarised
SYNONYMS = {
    "said": "stated", "says": "states", "people": "individuals", "government": "administration",
    "big": "large", "large": "big", "small": "little", "buy": "purchase", "bought": "purchased",
    "help": "assist", "helped": "assisted", "begin": "start", "began": "started", "start": "begin",
    "started": "began", "show": "demonstrate", "shows": "demonstrates", "showed": "demonstrated",
    "important": "significant", "many": "numerous", "however": "yet", "children": "kids", "car": "vehicle",
    "cars": "vehicles", "city": "town", "country": "nation", "rise": "increase", "rose": "increased",
    "fell": "dropped", "need": "require", "needs": "requires", "wanted": "sought", "told": "informed",
    "went": "headed", "very": "highly", "quickly": "rapidly", "about": "around", "police": "officers",
    "killed": "slain", "company": "firm", "companies": "firms", "money": "funds", "job": "position",
    "jobs": "positions", "end": "finish", "ended": "finished", "try": "attempt", "tried": "attempted",
    "get": "obtain", "got": "obtained", "think": "believe", "thinks": "believes", "hard": "difficult",
    "enough": "sufficient", "often": "frequently", "almost": "nearly", "now": "currently",
    "explained": "described", "announced": "declared", "decided": "chose", "received": "got",
    "discussed": "debated", "reported": "stated", "problem": "issue", "problems": "issues",
    "meeting": "gathering", "doctor": "physician", "house": "home", "world": "globe", "women": "females",
    "men": "males", "child": "kid", "old": "elderly", "new": "fresh", "fast": "quick", "injured": "hurt",
    "happy": "glad", "attack": "assault", "attacked": "assaulted", "building": "structure",
}  # fmt: skip
_FILLER_WORDS = (
    "very really just also now still already even quite currently recently apparently actually simply "
    "particularly especially completely totally almost"
)
FILLERS = frozenset(_FILLER_WORDS.split())
# Suffixes that mark most English adjectives; dropped only when the word is not the last of its phrase.
_ADJECTIVE = re.compile(r"^[a-z]+(?:al|ive|ous|ful|ic|able|ible|less|ish|ary|ian)$")
_CLAUSE_BREAK = re.compile(
    r",\s+(?:which|who|whose|while|but|although|because|as|so|after|before|when)\b|;|:\s| - | – "
)
_SAID = r"(?P<verb>said|says|explained|added|stated)"
_ATTRIBUTION_TAIL = re.compile(
    rf"^(?P<quote>.+?),?\s+(?P<who>(?:he|she|they|[A-Z][\w.' -]{{1,40}}?))\s+{_SAID}\.?$"
)
_ATTRIBUTION_HEAD = re.compile(rf"^(?P<who>[A-Z][\w.' -]{{1,40}}?)\s+{_SAID}\s+(?:that\s+)?(?P<rest>.+)$")


@dataclass(frozen=True)
class ProvenanceCase:
    article_id: str
    summary: str
    gold: frozenset[str]  # sentence ids; empty: the sentence has no source
    candidates: tuple[Candidate, ...]
    kind: str


# --- rules ----------------------------------------------------------------------------------------


def _words(text: str) -> list[str]:
    return text.strip().rstrip(".!?\"'“”").split()


def _sentence(words: Sequence[str]) -> str:
    text = " ".join(words).strip(" ,;:-–").rstrip(".!?")
    return text[:1].upper() + text[1:] + "." if text else ""


def main_clause(line: str) -> str:
    """The line up to its first subordinate clause, parenthesis or dash, if that leaves five words."""
    line = re.sub(r"\s*\([^)]*\)", "", line)
    head = _CLAUSE_BREAK.split(line, maxsplit=1)[0]
    return head if len(head.split()) >= 5 else line


def compress(line: str, rng: random.Random) -> str:
    """Main clause, without an opening phrase ('In the afternoon, '), fillers and (some) adjectives."""
    text = main_clause(line)
    opening = re.match(r"^[^,]{3,40},\s+(?=\S+\s+\S+\s+\S+\s+\S+)", text)
    if opening and rng.random() < 0.7:
        text = text[opening.end() :]
    words = [w for w in _words(text) if w.casefold() not in FILLERS]
    kept = [
        w
        for i, w in enumerate(words)
        if not (_ADJECTIVE.match(w) and i + 1 < len(words) and rng.random() < 0.8)
    ]
    if len(kept) < 5 or kept == _words(line):  # nothing to drop: keep the first 60 percent
        kept = _words(line)[: max(6, len(_words(line)) * 3 // 5)]
    return _sentence(kept)


def merge(a: str, b: str, rng: random.Random) -> str:
    """The main clauses of two lines (6 to 18 words each) joined into one sentence."""
    first, second = (_part(line) for line in (a, b))
    if not _looks_like_name(second[0]):
        second[0] = second[0].lower()
    joiner = rng.choice([", and", ";", ", while", " -"])
    return _sentence([*first[:-1], first[-1].rstrip(".,;:") + joiner, *second])


def _part(line: str) -> list[str]:
    words = _words(main_clause(line))
    if len(words) < 6:
        words = _words(line)
    return words[:18]


def _looks_like_name(word: str) -> bool:
    return word[:1].isupper() and word.casefold() not in (
        "the",
        "a",
        "an",
        "this",
        "it",
        "he",
        "she",
        "they",
        "we",
        "in",
        "on",
        "at",
        "as",
        "there",
    )


def paraphrase(line: str, rng: random.Random) -> str:
    """Synonyms, a moved speech attribution or reordered clauses; always changes something."""
    text = line.strip().rstrip(".")
    if m := _ATTRIBUTION_HEAD.match(text):  # "X said that Y" → "Y, X said" (light change of voice)
        text = f"{m['rest'][:1].upper()}{m['rest'][1:]}, {m['who']} {m['verb']}"
    elif m := _ATTRIBUTION_TAIL.match(text):  # "Y, X said" → "According to X, Y"
        who = (
            m["who"]
            if m["who"] not in ("he", "she", "they")
            else {"he": "him", "she": "her"}.get(m["who"], "them")
        )
        quote = m["quote"].strip("\"'“”„ ,")
        first = quote[:1] if _looks_like_name(quote.split()[0]) else quote[:1].lower()
        text = f"According to {who}, {first}{quote[1:]}"
    else:
        parts = text.split(", ", 1)
        if len(parts) == 2 and len(parts[0].split()) >= 3 and len(parts[1].split()) >= 4:
            tail = parts[1][:1].upper() + parts[1][1:]
            head = parts[0] if _looks_like_name(parts[0].split()[0]) else parts[0][:1].lower() + parts[0][1:]
            text = f"{tail}, {head}"
    words = text.split()
    swapped = [_swap(w) if rng.random() < 0.85 else w for w in words]
    if swapped == _words(line):  # nothing moved or swapped: drop the fillers and adjectives instead
        return compress(line, rng)
    return _sentence(swapped)


def _swap(word: str) -> str:
    core = word.strip(".,;:!?\"'“”")
    synonym = SYNONYMS.get(core.casefold())
    if not synonym or not core:
        return word
    if core[:1].isupper():
        synonym = synonym[:1].upper() + synonym[1:]
    return word.replace(core, synonym, 1)


def fabricate(a: str, b: str, rng: random.Random) -> str:
    """The first half of one far-away line and the second half of another: fluent-looking, unsupported."""
    wa, wb = _words(a), _words(b)
    cut_a, cut_b = max(3, len(wa) // 2), len(wb) // 2
    return _sentence([*wa[:cut_a], *wb[cut_b:]])


# --- building and scoring -----------------------------------------------------------------------------


def build_cases(
    en_path: Path,
    de_path: Path | None = None,
    *,
    article_lines: int = 20,
    per_article: int = 4,
    seed: int = 0,
    limit_articles: int | None = None,
) -> list[ProvenanceCase]:
    """Cases cycling through KINDS per article; without `de_path` the English line stands in for German."""
    en = Path(en_path).read_text(encoding="utf-8").splitlines()
    de = Path(de_path).read_text(encoding="utf-8").splitlines() if de_path else en
    if len(de) != len(en):
        raise ValueError(f"{en_path} and {de_path} are not aligned ({len(en)} vs {len(de)} lines)")
    rng = random.Random(seed)
    n_articles = len(en) // article_lines
    if limit_articles is not None:
        n_articles = min(n_articles, limit_articles)
    usable_lines = [i for i, line in enumerate(en) if len(line.split()) >= MIN_WORDS]
    cases: list[ProvenanceCase] = []
    for a in range(n_articles):
        lo, article_id = a * article_lines, f"a{a:03d}"
        # Offsets as if the article's German lines were joined by newlines into one text.
        starts = [sum(len(de[lo + j]) + 1 for j in range(i)) for i in range(article_lines)]
        candidates = tuple(
            Candidate(article_id, f"s{i + 1}", starts[i], starts[i] + len(de[lo + i]), de[lo + i], en[lo + i])
            for i in range(article_lines)
        )
        usable = [c for c in candidates if len((c.text_en or "").split()) >= MIN_WORDS]
        if len(usable) < 3:
            continue
        far = [
            i
            for i in usable_lines
            if abs(i - lo) >= 3 * article_lines and abs(i - lo) < len(en) - 3 * article_lines
        ] or [i for i in usable_lines if not lo <= i < lo + article_lines]  # a short file: any other article
        for k in range(per_article):
            kind = KINDS[k % len(KINDS)]
            if kind == "merge":
                x, y = sorted(rng.sample(usable, 2), key=lambda c: int(c.sentence_id[1:]))
                summary, gold = merge(x.text_en or "", y.text_en or "", rng), {x.sentence_id, y.sentence_id}
            elif kind == "fabricated":
                summary, gold = fabricate(en[rng.choice(far)], en[rng.choice(far)], rng), set()
            else:
                c = rng.choice(usable)
                make = compress if kind == "compression" else paraphrase
                summary, gold = make(c.text_en or "", rng), {c.sentence_id}
            cases.append(ProvenanceCase(article_id, summary, frozenset(gold), candidates, kind))
    return cases


def evaluate(cases: Sequence[ProvenanceCase], *, threshold: float = SUPPORT_THRESHOLD, lang: str = "en") -> dict[str, Any]:
    """precision@1 and recall over cases with a source; unsupported detection over fabricated ones.

    precision_at_1: the top source is a gold one (cases with a gold source that got any source);
    recall: gold ids found among the sources; link_precision: sources that are gold;
    unsupported_detected: fabricated cases flagged; false_unsupported: real cases flagged;
    per_kind: case counts; p_at_1_by_kind: precision@1 per kind.
    """
    per_kind: dict[str, int] = {}
    kind_hits: dict[str, int] = {}
    kind_linked: dict[str, int] = {}
    top_hits = linked_cases = found = gold_total = real = false_unsupported = fabricated = flagged = 0
    links = gold_links = 0
    for case in cases:
        per_kind[case.kind] = per_kind.get(case.kind, 0) + 1
        linked = link_sentence(case.summary, case.candidates, threshold=threshold, lang=lang)
        ids = [s.sentence_id for s in linked.sources]
        if not case.gold:
            fabricated += 1
            flagged += linked.unsupported
            continue
        real += 1
        false_unsupported += linked.unsupported
        found += len(case.gold & set(ids))
        gold_total += len(case.gold)
        links += len(ids)
        gold_links += sum(i in case.gold for i in ids)
        if ids:
            linked_cases += 1
            kind_linked[case.kind] = kind_linked.get(case.kind, 0) + 1
            hit = ids[0] in case.gold
            top_hits += hit
            kind_hits[case.kind] = kind_hits.get(case.kind, 0) + hit
    return {
        "cases": len(cases),
        "per_kind": per_kind,
        "precision_at_1": _ratio(top_hits, linked_cases),
        "recall": _ratio(found, gold_total),
        "link_precision": _ratio(gold_links, links),
        "unsupported_detected": _ratio(flagged, fabricated),
        "false_unsupported": _ratio(false_unsupported, real),
        "p_at_1_by_kind": {k: _ratio(kind_hits.get(k, 0), n) for k, n in sorted(kind_linked.items())},
        "threshold": threshold,
    }


def _ratio(part: int, whole: int) -> float:
    return round(part / whole, 4) if whole else 0.0
