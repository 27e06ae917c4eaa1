"""Abstractive summaries with any seq2seq model (BART, PEGASUS, T5...), map-reduce past the window.

The input is the English translations of the body sentences. Sentences are tokenized one by one and
their ids concatenated, so the token span of every source sentence is known exactly. When the whole
input fits the encoder window, one generation summarizes it. Otherwise the sentences are cut into
overlapping chunks that fit (`chunk.chunk_sentences`), every chunk is summarized, and the chunk
summaries, split into sentences, become the input of the next level, until it fits. Nothing is
truncated: a sentence longer than the window is split at clause boundaries first.

Several summaries at once (`summarize_many`, one per article): each article's map-reduce runs as a
generator that asks for chunk summaries and waits; the chunks all articles ask for at the same time are
batched together (same length bounds, padded source tokens under a budget), so one model call serves
several articles. A chunk's summary never depends on its batch on an exact engine (tests).

The model calls sit behind `engine.SummaryEngine` (transformers or CTranslate2); this module is
engine-independent. Provenance: the engine gives, per summary sentence, its cross-attention summed over
the sentence's tokens for every source position; summed per source unit and normalised, that is each summary
sentence's attention mass over the sentences it read; across levels these masses chain (a matrix product)
down to the body sentences.
"""

from __future__ import annotations

import warnings
from collections.abc import Generator, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from ..batching import batches_under_budget
from ..document import Document, SourceKey
from ..errors import UsageError
from ..loading.convert import CTranslate2Model
from ..loading.devices import BY_DEVICE, ByDevice, default_summary_batch, signature_part
from ..loading.models import LoadedModel
from ..settings import LengthSpec, parse_length
from ..text import strip_controls
from .base import DraftSummary, Summarizer
from .chunk import chunk_sentences
from .engine import Bounds, DecodeOptions, Generated, SummaryEngine, TransformersEngine, special_frame

Mass = dict[int, float]  # body-sentence index -> attention mass; the masses of one unit sum to 1

T5_TYPES = ("t5", "mt5", "umt5", "longt5")  # trained with a task prefix in the input text
MIN_CHUNK_SUMMARY_TOKENS = 16  # a chunk summary shorter than this says too little to build on


@dataclass(frozen=True, slots=True)
class _Unit:
    """One sentence of a level's input: the text, its token ids (no specials), where it comes from."""

    text: str
    ids: tuple[int, ...]
    mass: Mass


@dataclass(frozen=True, slots=True)
class _Request:
    """What one article's map-reduce needs next: summaries of these chunks, within these bounds."""

    chunks: list[list[_Unit]]
    bounds: Bounds


# An article's map-reduce: yields requests, is sent back the chunks' summaries (as units), returns
# (final units, first-level chunks, levels).
_Reduction = Generator[_Request, list[list[_Unit]], tuple[list[_Unit], int, int]]


class AbstractiveSummarizer(Summarizer):
    """Generated English summary of translated documents; map-reduce when they exceed the window."""

    def __init__(
        self,
        engine: SummaryEngine | LoadedModel | CTranslate2Model,
        *,
        num_beams: int = 4,
        overlap: int = 1,
        no_repeat_ngram_size: int = 3,
        batch_size: int | None | ByDevice = BY_DEVICE,
        max_batch_tokens: int | None | ByDevice = BY_DEVICE,
    ) -> None:
        """`engine`: the model behind its engine (`TransformersEngine(loaded)`, `CTranslate2Engine(model)`, or
        the engine table's `summarize.engines.load_summarizer`); a bare loaded model is deprecated. Per model
        call at most `batch_size` chunks and `max_batch_tokens` padded source tokens; None: no limit of that
        kind. The loader passes the budgets of the resolved settings; left out, they are the engine and device's
        (`loading.devices.default_summary_batch`)."""
        if not isinstance(engine, SummaryEngine):
            engine = _wrapped(engine)
        # Each chunk holds num_beams cross-attention caches of the whole window (distilbart, 1024 tokens,
        # beam 4: ~200 MB a chunk): the budgets bound the memory of a call.
        rows, tokens = default_summary_batch(engine.engine, engine.device_type)
        batch_size = rows if batch_size is BY_DEVICE else batch_size
        max_batch_tokens = tokens if max_batch_tokens is BY_DEVICE else max_batch_tokens
        if num_beams < 1 or overlap < 0 or no_repeat_ngram_size < 0 or (batch_size or 1) < 1:
            raise UsageError("num_beams and batch_size must be >= 1; overlap and no_repeat_ngram_size >= 0")
        self.engine = engine
        self.num_beams = num_beams
        self.overlap = overlap
        self.no_repeat_ngram_size = no_repeat_ngram_size
        self.batch_size = batch_size
        self.max_batch_tokens = max_batch_tokens
        self.options = DecodeOptions(num_beams=num_beams, no_repeat_ngram_size=no_repeat_ngram_size)
        self.window = engine.max_input_tokens
        self.tokenizer = engine.tokenizer
        self._prefix, self._suffix = special_frame(engine.tokenizer)
        task_prefix = _task_prefix(engine.config)
        self._task_ids = tuple(self._tokenize([task_prefix])[0]) if task_prefix else ()
        # Special tokens and the task prefix come with every chunk: reserve room for them.
        self.reserve = len(self._prefix) + len(self._suffix) + len(self._task_ids)
        if self.window - self.reserve < 8:
            raise UsageError(f"{engine.label}: a {self.window}-token window is too small to summarize with")

    @property
    def label(self) -> str:  # type: ignore[override]
        return self.engine.label

    def signature_part(self) -> dict[str, str]:
        """The model, engine, compute type and beams that make the summaries."""
        return signature_part(self.engine.name, self.engine.engine, self.engine.compute_type, self.num_beams)

    # --- the calls ----------------------------------------------------------------------------------
    def __call__(self, docs: Sequence[Document], *, length: str | LengthSpec = "medium") -> DraftSummary:
        return self.summarize_many([docs], length=length)[0]

    def summarize_many(
        self, groups: Sequence[Sequence[Document]], *, length: str | LengthSpec = "medium"
    ) -> list[DraftSummary]:
        """One draft per group of documents (one article, or several for a digest), model calls batched
        across the groups. Each draft is what `self(group)` gives."""
        spec = length if isinstance(length, LengthSpec) else parse_length(length)
        drafts: list[DraftSummary | None] = [None] * len(groups)
        running: dict[int, tuple[_Reduction, list[SourceKey], _Request]] = {}
        for n, docs in enumerate(groups):
            keys, texts = _body_translations(docs)
            if not texts:
                drafts[n] = DraftSummary((), "abstractive", self.label, chunks=0, levels=0, attention=())
                continue
            reduction = self._reduce(self._units(texts), spec)
            running[n] = (reduction, keys, next(reduction))
        while running:
            answers = self._answer({n: request for n, (_, _, request) in running.items()})
            for n in list(running):
                reduction, keys, _ = running[n]
                try:
                    running[n] = (reduction, keys, reduction.send(answers[n]))
                except StopIteration as done:
                    final, chunks, levels = done.value
                    drafts[n] = self._draft(final, keys, chunks, levels, spec)
                    del running[n]
        return [d for d in drafts if d is not None]

    def _draft(
        self, final: list[_Unit], keys: list[SourceKey], chunks: int, levels: int, spec: LengthSpec
    ) -> DraftSummary:
        # Models can emit NUL, ESC...: never let them into .md/.html (spans were taken on the text as decoded).
        final = [u for u in final if strip_controls(u.text).strip()][: spec.max_sentences]
        return DraftSummary(
            sentences=tuple(" ".join(strip_controls(u.text).split()) for u in final),
            method="abstractive",
            model=self.label,
            chunks=chunks,
            levels=levels,
            attention=tuple({keys[i]: m for i, m in sorted(u.mass.items()) if m > 0.0} for u in final),
        )

    def _reduce(self, units: list[_Unit], spec: LengthSpec) -> _Reduction:
        """Summarize level after level until the input fits; return (final units, first-level chunks, levels).

        Every map level must shrink the input (counted in tokens). If it does not, the chunk budget is
        halved and the level retried; if even one token per chunk does not shrink it, the level's input
        (the previous level's chunk summaries, or the source sentences) is the result, concatenated.
        So this always terminates, after at most as many levels as the input has tokens.
        """
        budget = self.window - self.reserve
        first_chunks, levels = 0, 0
        while True:
            units = self._split_oversize(units, budget)
            total = sum(len(u.ids) for u in units)
            if total <= budget:
                summary = (yield _Request([units], self._final_bounds(spec)))[0]
                # A model that generates nothing still leaves the (short) input as the summary.
                return (summary or units), first_chunks or 1, levels + 1
            chunks = chunk_sentences(
                [len(u.ids) for u in units], self.window, self.overlap, reserve=self.reserve
            )
            first_chunks = first_chunks or len(chunks)
            shorter = yield from self._map_level([[units[i] for i in c] for c in chunks], total, spec)
            if shorter is None:  # the model cannot shrink this any more: keep what there is
                return units, first_chunks, max(levels, 1)
            units, levels = shorter, levels + 1

    def _map_level(
        self, chunks: list[list[_Unit]], total: int, spec: LengthSpec
    ) -> Generator[_Request, list[list[_Unit]], list[_Unit] | None]:
        """The chunk summaries' sentences, if together they are shorter than the level's input."""
        budget = min(
            self._final_bounds(spec).max_new_tokens, max(MIN_CHUNK_SUMMARY_TOKENS, total // (2 * len(chunks)))
        )
        while budget >= 1:
            bounds = Bounds(min(spec.min_new_tokens, budget // 2), budget)
            summaries = yield _Request(chunks, bounds)
            units = [u for summary in summaries for u in summary]
            if units and sum(len(u.ids) for u in units) < total:
                return units
            budget //= 2
        return None

    def _final_bounds(self, spec: LengthSpec) -> Bounds:
        # The decoder has a position limit too (BART: the same 1024); keep a little room for specials.
        most = max(1, min(spec.max_new_tokens, self.window - 4))
        return Bounds(min(spec.min_new_tokens, most), most)

    # --- one round: every pending chunk, batched, then attributed ----------------------------------
    def _answer(self, requests: dict[int, _Request]) -> dict[int, list[list[_Unit]]]:
        """Summaries (as units) of every chunk of every request. Chunks with the same bounds share model
        calls, longest first, under `batch_size` chunks and `max_batch_tokens` padded source tokens."""
        answers = {n: [[] for _ in r.chunks] for n, r in requests.items()}
        pending = [
            (n, j, chunk, self._source_ids(chunk), r.bounds)
            for n, r in requests.items()
            for j, chunk in enumerate(r.chunks)
        ]
        for bounds in dict.fromkeys(p[4] for p in pending):  # in order of first appearance
            group = sorted((p for p in pending if p[4] == bounds), key=lambda p: (-len(p[3]), p[0], p[1]))
            for batch in batches_under_budget(group, lambda p: len(p[3]), self.max_batch_tokens, self.batch_size):
                generated = self._generate([p[3] for p in batch], bounds)
                for (n, j, chunk, source, _), g in zip(batch, generated):
                    answers[n][j] = self._attributed(chunk, source, g)
        return answers

    def _source_ids(self, chunk: Sequence[_Unit]) -> list[int]:
        ids = [*self._prefix, *self._task_ids]
        for u in chunk:
            ids += u.ids
        return ids + list(self._suffix)

    def _generate(self, batch: Sequence[Sequence[int]], bounds: Bounds) -> list[Generated]:
        return self.engine.generate(batch, bounds, self.options)

    def _attributed(self, chunk: Sequence[_Unit], source_ids: list[int], generated: Generated) -> list[_Unit]:
        """The summary's sentences as units, each with its attention mass chained to body sentences."""
        from ..segment import split_sentences

        text = generated.text
        spans = [(a, b) for a, b in split_sentences(text, 0, None)] if text else []
        spans = [(a, b) for a, b in spans if text[a:b].strip()]
        if not spans:
            return []
        sentences = [text[a:b] for a, b in spans]
        sentence_ids = self._tokenize(sentences)
        per_unit = self._unit_weights(chunk, self.engine.attention(generated, spans, sentence_ids))
        units = []
        for sentence, ids, over_units in zip(sentences, sentence_ids, per_unit):
            mass: Mass = {}
            for unit, weight in zip(chunk, over_units):
                for body, m in unit.mass.items():
                    mass[body] = mass.get(body, 0.0) + weight * m
            units.append(_Unit(sentence, tuple(ids), mass))
        return units

    def _unit_weights(self, chunk: Sequence[_Unit], per_source: Sequence[Any | None]) -> list[list[float]]:
        """Per summary sentence, its normalised attention mass over the chunk's units. A sentence the engine
        has no attention for gets the uniform mass (never a made-up peak)."""
        uniform = [1.0 / len(chunk)] * len(chunk)
        # Columns of each unit inside the source ids (after the specials and the task prefix).
        bounds, pos = [], len(self._prefix) + len(self._task_ids)
        for unit in chunk:
            bounds.append((pos, pos + len(unit.ids)))
            pos += len(unit.ids)
        result = []
        for vector in per_source:
            if vector is None:
                result.append(uniform)
                continue
            weights = [float(vector[lo:hi].sum()) for lo, hi in bounds]
            total = sum(weights)
            result.append([w / total for w in weights] if total > 0 else uniform)
        return result

    # --- tokens --------------------------------------------------------------------------------------
    def _units(self, texts: Sequence[str]) -> list[_Unit]:
        """The first level's input: sentence i carries all of body sentence i's mass."""
        return [_Unit(text, tuple(ids), {i: 1.0}) for i, (text, ids) in enumerate(zip(texts, self._tokenize(texts)))]

    def _tokenize(self, texts: Sequence[str]) -> list[list[int]]:
        """Ids without special tokens, each text with a leading space: the form a sentence has when it
        follows another in running text (byte-level BPE marks it), so ids concatenate like the joined text."""
        if not texts:
            return []
        return [
            list(ids)
            for ids in self.tokenizer([" " + t for t in texts], add_special_tokens=False)["input_ids"]
        ]

    def _split_oversize(self, units: list[_Unit], budget: int) -> list[_Unit]:
        """Units that fit `budget` tokens: a longer sentence is cut at clause boundaries, then by tokens."""
        from ..segment import split_clauses

        def fits(piece: str) -> bool:
            return len(self._tokenize([piece])[0]) <= budget

        out: list[_Unit] = []
        for unit in units:
            if len(unit.ids) <= budget:
                out.append(unit)
                continue
            pieces = [unit.text[a:b] for a, b in split_clauses(unit.text, fits)]
            for piece, ids in zip(pieces, self._tokenize(pieces)):
                out += [
                    _Unit(text, tuple(part), unit.mass) for text, part in self._by_tokens(piece, ids, budget)
                ]
        return out

    def _by_tokens(self, text: str, ids: list[int], budget: int) -> Iterator[tuple[str, list[int]]]:
        """Last resort for a clause that still overflows (tokenization is not monotone in rare cases)."""
        if len(ids) <= budget:
            yield text, ids
            return
        for start in range(0, len(ids), budget):
            part = ids[start : start + budget]
            yield self.tokenizer.decode(part, skip_special_tokens=True).strip(), part


def _wrapped(model: LoadedModel | CTranslate2Model) -> SummaryEngine:
    """Deprecated: a bare loaded model, behind the engine that runs its kind (the engine is chosen by name, from
    settings, in `summarize.engines`; this only keeps old calls working)."""
    warnings.warn("AbstractiveSummarizer(model) with a bare loaded model is deprecated: pass its engine, "
                  "TransformersEngine(model) or CTranslate2Engine(model)", DeprecationWarning, stacklevel=3)
    if isinstance(model, CTranslate2Model):
        from .ctranslate2 import CTranslate2Engine

        return CTranslate2Engine(model)
    return TransformersEngine(model)


# --- helpers ------------------------------------------------------------------------------------------


def _body_translations(docs: Sequence[Document]) -> tuple[list[SourceKey], list[str]]:
    keys, texts = [], []
    for doc in docs:
        for s in doc.content_sentences:
            if s.translation is None:
                raise UsageError(
                    f"{doc.id}: the abstractive summarizer needs translated documents "
                    "(use the extractive summarizer without translation)"
                )
            if s.translation.strip():
                keys.append((doc.id, s.id))
                texts.append(" ".join(s.translation.split()))
    return keys, texts


def _task_prefix(config: Any) -> str:
    """T5-style models expect "summarize: " before the text (from task_specific_params when given)."""
    params = getattr(config, "task_specific_params", None) or {}
    prefix = (params.get("summarization") or {}).get("prefix")
    if prefix:
        return str(prefix).strip()
    return "summarize:" if getattr(config, "model_type", "") in T5_TYPES else ""


__all__ = ["AbstractiveSummarizer"]
