"""Measured translation quality: BLEU and chrF in sentence mode and in document (pipeline) mode.

Sentence mode sends each source line to the translator as given: the model's own quality. Document mode
joins consecutive lines into pseudo-articles and runs them through our whole pipeline (segmentation,
long-sentence splitting, batching), then scores each pseudo-article against its joined reference lines.
Both modes are scored at document level too, on the same pseudo-articles, so the difference between them
is what the pipeline costs or gains and nothing else (chrF and BLEU both change a little when segments are
joined, because n-grams then cross line boundaries).

Every run also checks coverage: missing translations, length-ratio outliers, degenerate (looping) output
and, in document mode, how the segmenter's sentence count differs from the line count.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from ..errors import UsageError
from ..loading.devices import signature_part
from ..text import has_letter
from ..translate.base import Scored, Translator, is_degenerate

if TYPE_CHECKING:
    from ..document import Document
    from ..pipeline import Pipeline

# Char-length ratio hyp/src outside this range, for sources of at least MIN_RATIO_CHARS characters, is
# flagged: below, content was probably dropped; above, the model probably hallucinated or looped.
RATIO_RANGE = (0.5, 2.0)
MIN_RATIO_CHARS = 20
MAX_EXAMPLES = 5  # examples listed per coverage check; counts are always complete
EXAMPLE_CHARS = 160

# Spaces make one paragraph per pseudo-article, so the segmenter must find every boundary itself (titles
# and bylines without final punctuation get merged, as in scraped text); newlines would hand it the lines.
JOINERS = {"space": " ", "newline": "\n"}


class SentenceTranslator(Protocol):
    """What sentence mode needs: `summarize.translate.Translator` or any duck-typed stand-in."""

    label: str

    def translate_sentences(self, texts: Sequence[str]) -> list[str]: ...


class StandInTranslator(Translator):
    """A duck-typed stand-in (a `translate_sentences` method, a `label`) as the `Translator` a Pipeline runs: its
    sentences go to the stand-in as they are, and it signs the results with its label alone."""

    max_input_tokens = 1 << 30  # never split: the stand-in is given whole sentences

    def __init__(self, inner: SentenceTranslator) -> None:
        super().__init__()
        self.inner = inner
        self.label = getattr(inner, "label", type(inner).__name__)

    def translate_scored(self, texts: Sequence[str]) -> list[Scored]:
        return [Scored(text) for text in self.inner.translate_sentences(list(texts))]

    def signature_part(self) -> dict[str, str]:
        return signature_part(self.label)

    def tokenize(self, texts: Sequence[str]) -> list[list[int]]:
        raise NotImplementedError("a stand-in translates whole sentences (translate_scored)")

    def generate_ids(self, batch: Any, max_new_tokens: Any, options: Any) -> list[list[int]]:
        raise NotImplementedError("a stand-in translates whole sentences (translate_scored)")

    def decode(self, ids: Sequence[int]) -> str:
        raise NotImplementedError("a stand-in translates whole sentences (translate_scored)")


@dataclass(frozen=True, slots=True)
class MetricScores:
    """Corpus BLEU and chrF over one list of hypotheses, with sacrebleu's signatures."""

    bleu: float
    chrf: float
    bleu_signature: str
    chrf_signature: str
    segments: int

    def to_dict(self) -> dict[str, Any]:
        return {
            "bleu": round(self.bleu, 2),
            "chrf": round(self.chrf, 2),
            "bleu_signature": self.bleu_signature,
            "chrf_signature": self.chrf_signature,
            "segments": self.segments,
        }


@dataclass(frozen=True, slots=True)
class CoverageCheck:
    """One check (e.g. missing translations): how many units failed it, and the first few."""

    name: str
    count: int
    examples: tuple[dict[str, Any], ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {"count": self.count, "examples": list(self.examples)}


@dataclass(frozen=True, slots=True)
class Coverage:
    units: int  # sentences checked (source lines in sentence mode, segmented sentences in document mode)
    checks: tuple[CoverageCheck, ...]

    def check(self, name: str) -> CoverageCheck:
        return next(c for c in self.checks if c.name == name)

    def to_dict(self) -> dict[str, Any]:
        return {"units": self.units, **{c.name: c.to_dict() for c in self.checks}}


@dataclass(frozen=True, slots=True)
class Segmentation:
    """Document mode: segmented sentences vs source lines (0 delta: the segmenter found the lines)."""

    source_lines: int
    sentences: int
    documents_changed: int
    examples: tuple[dict[str, Any], ...] = ()

    @property
    def delta(self) -> int:
        return self.sentences - self.source_lines

    def to_dict(self) -> dict[str, Any]:
        return {
            "source_lines": self.source_lines,
            "sentences": self.sentences,
            "delta": self.delta,
            "documents_changed": self.documents_changed,
            "examples": list(self.examples),
        }


@dataclass(frozen=True, slots=True)
class ModeResult:
    name: str  # "sentence" | "document"
    scores: MetricScores  # sentence mode: per line; document mode: per pseudo-article
    doc_scores: MetricScores  # per pseudo-article in both modes: the comparable figure
    coverage: Coverage
    seconds: float
    segmentation: Segmentation | None = None

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {
            **self.scores.to_dict(),
            "document_level": self.doc_scores.to_dict(),
            "seconds": round(self.seconds, 2),
            "coverage": self.coverage.to_dict(),
        }
        if self.segmentation is not None:
            d["segmentation"] = self.segmentation.to_dict()
        return d


@dataclass(frozen=True, slots=True)
class TranslationReport:
    model: str
    signature: str
    lines: int
    documents: int
    lines_per_doc: int
    joiner: str
    sentence: ModeResult
    document: ModeResult
    meta: dict[str, Any] = field(default_factory=dict)

    @property
    def delta_bleu(self) -> float:
        """Document mode minus sentence mode, both scored per pseudo-article: the pipeline's effect."""
        return self.document.doc_scores.bleu - self.sentence.doc_scores.bleu

    @property
    def delta_chrf(self) -> float:
        return self.document.doc_scores.chrf - self.sentence.doc_scores.chrf

    def to_dict(self) -> dict[str, Any]:
        return {
            "model": self.model,
            "signature": self.signature,
            "lines": self.lines,
            "documents": self.documents,
            "lines_per_doc": self.lines_per_doc,
            "joiner": self.joiner,
            **self.meta,
            "sentence_mode": self.sentence.to_dict(),
            "document_mode": self.document.to_dict(),
            "delta": {"bleu": round(self.delta_bleu, 2), "chrf": round(self.delta_chrf, 2)},
        }


# --- reading -----------------------------------------------------------------------------------------


def read_parallel(src: str | Path, ref: str | Path, *, limit: int | None = None) -> tuple[list[str], list[str]]:
    """Aligned source and reference lines (first `limit`); a UsageError if they do not align."""
    src_lines = _read_lines(src)
    ref_lines = _read_lines(ref)
    if len(src_lines) != len(ref_lines):
        raise UsageError(f"{src} has {len(src_lines)} lines but {ref} has {len(ref_lines)}: not a parallel pair")
    if limit is not None:
        if limit < 1:
            raise UsageError(f"--limit must be at least 1, not {limit}")
        src_lines, ref_lines = src_lines[:limit], ref_lines[:limit]
    return src_lines, ref_lines


def _read_lines(path: str | Path) -> list[str]:
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise UsageError(f"cannot read {path}: {exc.strerror or exc}") from None
    return [line.strip() for line in text.splitlines()]


# --- scoring -----------------------------------------------------------------------------------------


def score(hypotheses: Sequence[str], references: Sequence[str]) -> MetricScores:
    """sacrebleu's corpus BLEU and chrF (default settings, one reference)."""
    from sacrebleu.metrics import BLEU, CHRF

    bleu, chrf = BLEU(), CHRF()
    hyps, refs = list(hypotheses), [list(references)]
    return MetricScores(
        bleu=bleu.corpus_score(hyps, refs).score,
        chrf=chrf.corpus_score(hyps, refs).score,
        bleu_signature=str(bleu.get_signature()),
        chrf_signature=str(chrf.get_signature()),
        segments=len(hyps),
    )


def group_lines(lines: Sequence[str], lines_per_doc: int) -> list[list[str]]:
    """Consecutive runs of `lines_per_doc` lines (the last one may be shorter)."""
    if lines_per_doc < 1:
        raise UsageError(f"--lines-per-doc must be at least 1, not {lines_per_doc}")
    return [list(lines[i : i + lines_per_doc]) for i in range(0, len(lines), lines_per_doc)]


def join_document(lines: Sequence[str], joiner: str = " ") -> str:
    return joiner.join(line for line in lines if line)


# --- coverage ----------------------------------------------------------------------------------------

COVERAGE_CHECKS = ("missing", "copied_source", "length_ratio_outliers", "degenerate")


def check_coverage(sources: Sequence[str], hypotheses: Sequence[str | None], ids: Sequence[str]) -> Coverage:
    """Missing translations, German copied through untranslated, char-length-ratio outliers and
    degenerate (looping/runaway) output."""
    missing: list[dict[str, Any]] = []
    ratio: list[dict[str, Any]] = []
    degenerate: list[dict[str, Any]] = []
    copied: list[dict[str, Any]] = []
    low, high = RATIO_RANGE
    for unit_id, src, hyp in zip(ids, sources, hypotheses):
        if not has_letter(src):
            continue  # numbers and dashes come back as they are; nothing to check
        english = (hyp or "").strip()
        if not english:
            missing.append(_example(unit_id, src, english))
            continue
        if english == src.strip() and len(src) >= MIN_RATIO_CHARS:
            copied.append(_example(unit_id, src, english))  # the engine's fallback: German kept, not lost
        if len(src) >= MIN_RATIO_CHARS and not low <= len(english) / len(src) <= high:
            ratio.append(_example(unit_id, src, english, ratio=round(len(english) / len(src), 2)))
        if is_degenerate(english, src):
            degenerate.append(_example(unit_id, src, english))
    return Coverage(
        units=len(sources),
        checks=(
            _check("missing", missing),
            _check("copied_source", copied),
            _check("length_ratio_outliers", ratio),
            _check("degenerate", degenerate),
        ),
    )


def _check(name: str, failures: list[dict[str, Any]]) -> CoverageCheck:
    return CoverageCheck(name, len(failures), tuple(failures[:MAX_EXAMPLES]))


def _example(unit_id: str, src: str, hyp: str, **extra: Any) -> dict[str, Any]:
    return {"id": unit_id, "de": clip(src), "en": clip(hyp), **extra}


def clip(text: str) -> str:
    """An example's text as reports show it: at most EXAMPLE_CHARS characters."""
    return text if len(text) <= EXAMPLE_CHARS else text[: EXAMPLE_CHARS - 1] + "…"


# --- the two modes -----------------------------------------------------------------------------------


def evaluate_sentence_mode(
    translator: SentenceTranslator, src_lines: Sequence[str], ref_lines: Sequence[str], lines_per_doc: int
) -> ModeResult:
    """Each source line translated as given; scored per line and per pseudo-article."""
    started = time.perf_counter()
    hyps = list(translator.translate_sentences(list(src_lines)))
    seconds = time.perf_counter() - started
    hyps += [""] * (len(src_lines) - len(hyps))  # a short answer counts as missing, never misaligns
    doc_hyps = [join_document(g) for g in group_lines(hyps, lines_per_doc)]
    doc_refs = [join_document(g) for g in group_lines(ref_lines, lines_per_doc)]
    return ModeResult(
        name="sentence",
        scores=score(hyps, ref_lines),
        doc_scores=score(doc_hyps, doc_refs),
        coverage=check_coverage(src_lines, hyps, [f"line {i + 1}" for i in range(len(src_lines))]),
        seconds=seconds,
    )


def evaluate_document_mode(
    pipeline: Pipeline,
    src_lines: Sequence[str],
    ref_lines: Sequence[str],
    lines_per_doc: int,
    *,
    joiner: str = " ",
) -> ModeResult:
    """Pseudo-articles through the whole pipeline; each compared with its joined reference lines."""
    from ..document import document_from_text

    src_groups = group_lines(src_lines, lines_per_doc)
    ref_groups = group_lines(ref_lines, lines_per_doc)
    # Documents, not strings: a long string would otherwise be tried as a file path first.
    docs = [
        document_from_text(join_document(g, joiner), doc_id=f"doc{n:03d}")
        for n, g in enumerate(src_groups, start=1)
    ]
    started = time.perf_counter()
    results = pipeline.translate_many(docs)
    seconds = time.perf_counter() - started
    translated = [r.document for r in results]
    sentences = [(d.id, s) for d in translated for s in d.sentences]
    doc_hyps = [join_document([s.translation or "" for s in d.sentences]) for d in translated]
    doc_refs = [join_document(g) for g in ref_groups]
    doc_scores = score(doc_hyps, doc_refs)
    return ModeResult(
        name="document",
        scores=doc_scores,
        doc_scores=doc_scores,
        coverage=check_coverage(
            [s.text for _, s in sentences],
            [s.translation for _, s in sentences],
            [f"{doc_id}/{s.id}" for doc_id, s in sentences],
        ),
        seconds=seconds,
        segmentation=_segmentation(src_groups, translated),
    )


def _segmentation(src_groups: Sequence[Sequence[str]], docs: Sequence[Document]) -> Segmentation:
    lines = [sum(1 for line in g if line) for g in src_groups]
    changed = [
        {"id": d.id, "lines": n, "sentences": len(d.sentences)}
        for n, d in zip(lines, docs)
        if len(d.sentences) != n
    ]
    return Segmentation(
        source_lines=sum(lines),
        sentences=sum(len(d.sentences) for d in docs),
        documents_changed=len(changed),
        examples=tuple(changed[:MAX_EXAMPLES]),
    )


def evaluate_translation(
    translator_or_pipeline: SentenceTranslator | Pipeline,
    src_lines: Sequence[str],
    ref_lines: Sequence[str],
    *,
    lines_per_doc: int = 20,
    joiner: str = "space",
    progress: Callable[[str], None] | None = None,
) -> TranslationReport:
    """BLEU/chrF in sentence mode and document mode on the same model, with coverage checks.

    A bare translator is wrapped in a Pipeline (only its segmentation and translation stages run), so
    stand-ins with a `label` and a `translate_sentences` method work too.
    """
    from ..pipeline import Pipeline
    from ..settings import Settings

    if len(src_lines) != len(ref_lines):
        raise UsageError(f"{len(src_lines)} source lines but {len(ref_lines)} reference lines")
    if not src_lines:
        raise UsageError("no lines to evaluate")
    if joiner not in JOINERS:
        raise UsageError(f"joiner must be one of {', '.join(JOINERS)}, not {joiner!r}")
    if isinstance(translator_or_pipeline, Pipeline):
        pipeline = translator_or_pipeline
    else:
        bare = translator_or_pipeline
        bare = bare if isinstance(bare, Translator) else StandInTranslator(bare)
        pipeline = Pipeline(Settings(translator=bare.label, summarizer="none"), translator=bare)
    translator = pipeline.translator
    note = progress or (lambda _: None)
    note(f"sentence mode: {len(src_lines)} lines")
    sentence = evaluate_sentence_mode(translator, src_lines, ref_lines, lines_per_doc)
    note(f"document mode: {len(group_lines(src_lines, lines_per_doc))} pseudo-articles")
    document = evaluate_document_mode(pipeline, src_lines, ref_lines, lines_per_doc, joiner=JOINERS[joiner])
    return TranslationReport(
        model=translator.label,
        signature=pipeline.signature,
        lines=len(src_lines),
        documents=document.scores.segments,
        lines_per_doc=lines_per_doc,
        joiner=joiner,
        sentence=sentence,
        document=document,
    )


__all__ = [
    "COVERAGE_CHECKS",
    "Coverage",
    "CoverageCheck",
    "MetricScores",
    "ModeResult",
    "Segmentation",
    "TranslationReport",
    "check_coverage",
    "evaluate_translation",
    "group_lines",
    "read_parallel",
    "score",
]
