"""Abstractive summaries with any seq2seq model (BART, PEGASUS, T5...), map-reduce past the window.

The input is the English translations of the body sentences. Sentences are tokenized one by one and
their ids concatenated, so the token span of every source sentence is known exactly. When the whole
input fits the encoder window, one `generate` call summarizes it. Otherwise the sentences are cut into
overlapping chunks that fit (`chunk.chunk_sentences`), every chunk is summarized (batched), and the
chunk summaries, split into sentences, become the input of the next level, until it fits. Nothing is
truncated: a sentence longer than the window is split at clause boundaries first.

Provenance: after each `generate`, one teacher-forced forward pass with `output_attentions=True` gives
the cross-attention of every summary token over the source tokens. Averaged over layers and heads and
summed per summary sentence and source sentence, it is each summary sentence's attention mass over
the sentences it read; across levels these masses chain (a matrix product) down to the body sentences.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from ..document import Document
from ..errors import UsageError
from ..loading import LoadedModel, load_seq2seq
from ..settings import LengthSpec, parse_length
from ..text import strip_controls
from .base import DraftSummary, SourceKey
from .chunk import chunk_sentences

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
class _Bounds:
    min_new_tokens: int
    max_new_tokens: int


class AbstractiveSummarizer:
    """Generated English summary of translated documents; map-reduce when they exceed the window."""

    def __init__(
        self,
        model: LoadedModel,
        *,
        num_beams: int = 4,
        overlap: int = 1,
        no_repeat_ngram_size: int = 3,
        batch_size: int | None = None,
    ) -> None:
        # Chunks summarized in one `generate`. Each row holds num_beams cross-attention caches of the whole
        # window (distilbart, 1024 tokens, beam 4: ~200 MB a row). A CPU gains little from batching rows
        # that long, so it takes one at a time and stays within its memory target (models.md); GPUs take 8.
        if batch_size is None:
            batch_size = 1 if model.device.type == "cpu" else 8
        if num_beams < 1 or batch_size < 1 or overlap < 0 or no_repeat_ngram_size < 0:
            raise UsageError("num_beams and batch_size must be >= 1; overlap and no_repeat_ngram_size >= 0")
        self.model = model
        self.num_beams = num_beams
        self.overlap = overlap
        self.no_repeat_ngram_size = no_repeat_ngram_size
        self.batch_size = batch_size
        self.window = model.max_input_tokens
        self._prefix, self._suffix = _special_frame(model.tokenizer)
        task_prefix = _task_prefix(model.model.config)
        self._task_ids = tuple(self._tokenize([task_prefix])[0]) if task_prefix else ()
        # Special tokens and the task prefix come with every chunk: reserve room for them.
        self.reserve = len(self._prefix) + len(self._suffix) + len(self._task_ids)
        if self.window - self.reserve < 8:
            raise UsageError(f"{model.label}: a {self.window}-token window is too small to summarize with")

    @classmethod
    def from_pretrained(
        cls,
        name: str,
        *,
        device: str = "auto",
        dtype: str = "auto",
        revision: str | None = None,
        int8: bool = False,
        threads: int | None = None,
        **options: Any,
    ) -> AbstractiveSummarizer:
        """Load a summarization model by hub name or local directory (see `loading.load_seq2seq`)."""
        loaded = load_seq2seq(
            name, role="summarization", device=device, dtype=dtype, revision=revision, int8=int8, threads=threads
        )
        return cls(loaded, **options)

    @property
    def label(self) -> str:
        return self.model.label

    # --- the call ---------------------------------------------------------------------------------
    def __call__(self, docs: Sequence[Document], *, length: str = "medium") -> DraftSummary:
        spec = parse_length(length)
        keys, texts = _body_translations(docs)
        if not texts:
            return DraftSummary((), "abstractive", self.label, chunks=0, levels=0, attention=())
        units = [
            _Unit(text, tuple(ids), {i: 1.0})
            for i, (text, ids) in enumerate(zip(texts, self._tokenize(texts)))
        ]
        final, chunks, levels = self._reduce(units, spec)
        final = [u for u in final if u.text.strip()][: spec.max_sentences]
        return DraftSummary(
            sentences=tuple(u.text for u in final),
            method="abstractive",
            model=self.label,
            chunks=chunks,
            levels=levels,
            attention=tuple({keys[i]: m for i, m in sorted(u.mass.items()) if m > 0.0} for u in final),
        )

    def _reduce(self, units: list[_Unit], spec: LengthSpec) -> tuple[list[_Unit], int, int]:
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
                summary = self._summarize_chunks([units], self._final_bounds(spec))[0]
                # A model that generates nothing still leaves the (short) input as the summary.
                return (summary or units), first_chunks or 1, levels + 1
            chunks = chunk_sentences(
                [len(u.ids) for u in units], self.window, self.overlap, reserve=self.reserve
            )
            first_chunks = first_chunks or len(chunks)
            shorter = self._map_level([[units[i] for i in c] for c in chunks], total, spec)
            if shorter is None:  # the model cannot shrink this any more: keep what there is
                return units, first_chunks, max(levels, 1)
            units, levels = shorter, levels + 1

    def _map_level(self, chunks: list[list[_Unit]], total: int, spec: LengthSpec) -> list[_Unit] | None:
        """The chunk summaries' sentences, if together they are shorter than the level's input."""
        budget = min(
            self._final_bounds(spec).max_new_tokens, max(MIN_CHUNK_SUMMARY_TOKENS, total // (2 * len(chunks)))
        )
        while budget >= 1:
            bounds = _Bounds(min(spec.min_new_tokens, budget // 2), budget)
            summaries = self._summarize_chunks(chunks, bounds)
            units = [u for summary in summaries for u in summary]
            if units and sum(len(u.ids) for u in units) < total:
                return units
            budget //= 2
        return None

    def _final_bounds(self, spec: LengthSpec) -> _Bounds:
        # The decoder has a position limit too (BART: the same 1024); keep a little room for specials.
        most = max(1, min(spec.max_new_tokens, self.window - 4))
        return _Bounds(min(spec.min_new_tokens, most), most)

    # --- one level: generate, then attention ------------------------------------------------------
    def _summarize_chunks(self, chunks: Sequence[Sequence[_Unit]], bounds: _Bounds) -> list[list[_Unit]]:
        """Summaries of several chunks (each a list of units that fits the window), batched."""
        sources = [self._source_ids(chunk) for chunk in chunks]
        texts: list[str] = []
        for start in range(0, len(sources), self.batch_size):
            texts += self._generate(sources[start : start + self.batch_size], bounds)
        return [self._attributed(chunk, ids, text) for chunk, ids, text in zip(chunks, sources, texts)]

    def _source_ids(self, chunk: Sequence[_Unit]) -> list[int]:
        ids = [*self._prefix, *self._task_ids]
        for u in chunk:
            ids += u.ids
        return ids + list(self._suffix)

    def _generate(self, batch: Sequence[Sequence[int]], bounds: _Bounds) -> list[str]:
        import torch

        model, tokenizer = self.model.model, self.model.tokenizer
        pad = _pad_id(model, tokenizer)
        width = max(len(ids) for ids in batch)
        input_ids = torch.tensor([list(ids) + [pad] * (width - len(ids)) for ids in batch], dtype=torch.long)
        mask = torch.tensor([[1] * len(ids) + [0] * (width - len(ids)) for ids in batch], dtype=torch.long)
        with torch.inference_mode():
            out = model.generate(
                input_ids=input_ids.to(self.model.device),
                attention_mask=mask.to(self.model.device),
                num_beams=self.num_beams,
                do_sample=False,
                no_repeat_ngram_size=self.no_repeat_ngram_size,
                # These take precedence over the model's own min_length/max_length (distilbart-cnn: 56/142).
                min_new_tokens=bounds.min_new_tokens,
                max_new_tokens=bounds.max_new_tokens,
            )
        return [strip_controls(tokenizer.decode(seq, skip_special_tokens=True)).strip() for seq in out.tolist()]

    def _attributed(self, chunk: Sequence[_Unit], source_ids: list[int], text: str) -> list[_Unit]:
        """The summary's sentences as units, each with its attention mass chained to body sentences."""
        from ..segment import split_sentences

        sentences = [text[a:b] for a, b in split_sentences(text, 0, None)] if text else []
        sentences = [s for s in sentences if s.strip()]
        if not sentences:
            return []
        sentence_ids = self._tokenize(sentences)
        per_unit = self._cross_attention(chunk, source_ids, sentence_ids)
        units = []
        for sentence, ids, over_units in zip(sentences, sentence_ids, per_unit):
            mass: Mass = {}
            for unit, weight in zip(chunk, over_units):
                for body, m in unit.mass.items():
                    mass[body] = mass.get(body, 0.0) + weight * m
            units.append(_Unit(sentence, tuple(ids), mass))
        return units

    def _cross_attention(
        self, chunk: Sequence[_Unit], source_ids: list[int], sentence_ids: list[list[int]]
    ) -> list[list[float]]:
        """Per summary sentence, its normalised cross-attention mass over the chunk's units.

        Teacher-forced: the decoder reads [start] + prefix + the summary's tokens; the row that
        predicted a token is the one before it. Rows past the decoder's position limit, or a model
        that returns no attentions, give a sentence the uniform mass (never a made-up peak).
        """
        import torch

        model = self.model.model
        start = model.config.decoder_start_token_id
        if start is None:
            start = _pad_id(model, self.model.tokenizer)
        decoder = [start, *self._prefix]
        spans = []
        for ids in sentence_ids:
            spans.append((len(decoder), len(decoder) + len(ids)))
            decoder += ids
        decoder = decoder[: self.window]
        uniform = [1.0 / len(chunk)] * len(chunk)
        with torch.inference_mode():
            # The encoder runs on its own first: asked for attentions, it would return every encoder layer's
            # (heads × window × window) too, ~0.8 GB for distilbart at 1024 tokens, that nobody reads.
            encoded = model.get_encoder()(input_ids=torch.tensor([source_ids], device=self.model.device))
            with _eager_attention(model):
                out = model(
                    encoder_outputs=encoded,
                    decoder_input_ids=torch.tensor([decoder], device=self.model.device),
                    output_attentions=True,
                    use_cache=False,
                )
        layers = [a for a in (out.cross_attentions or ()) if a is not None]
        if not layers:
            return [uniform for _ in sentence_ids]
        attn = torch.stack([a[0].float() for a in layers]).mean(dim=(0, 1))  # (target, source)
        # Columns of each unit inside source_ids (after the specials and the task prefix).
        bounds, pos = [], len(self._prefix) + len(self._task_ids)
        for unit in chunk:
            bounds.append((pos, pos + len(unit.ids)))
            pos += len(unit.ids)
        result = []
        for a, b in spans:
            rows = attn[max(a - 1, 0) : min(b - 1, attn.shape[0])]
            if rows.shape[0] == 0:
                result.append(uniform)
                continue
            per_source = rows.sum(dim=0)
            weights = [float(per_source[lo:hi].sum()) for lo, hi in bounds]
            total = sum(weights)
            result.append([w / total for w in weights] if total > 0 else uniform)
        return result

    # --- tokens --------------------------------------------------------------------------------------
    def _tokenize(self, texts: Sequence[str]) -> list[list[int]]:
        """Ids without special tokens, each text with a leading space: the form a sentence has when it
        follows another in running text (byte-level BPE marks it), so ids concatenate like the joined text."""
        if not texts:
            return []
        return [
            list(ids)
            for ids in self.model.tokenizer([" " + t for t in texts], add_special_tokens=False)["input_ids"]
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
            yield self.model.tokenizer.decode(part, skip_special_tokens=True).strip(), part


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


def _special_frame(tokenizer: Any) -> tuple[tuple[int, ...], tuple[int, ...]]:
    """The special ids the tokenizer puts before and after a text (BART: <s> … </s>; T5: … </s>)."""
    bare = tokenizer("a", add_special_tokens=False)["input_ids"]
    full = tokenizer("a")["input_ids"]
    for i in range(len(full) - len(bare) + 1):
        if full[i : i + len(bare)] == bare:
            return tuple(full[:i]), tuple(full[i + len(bare) :])
    return (), ()


def _pad_id(model: Any, tokenizer: Any) -> int:
    for value in (tokenizer.pad_token_id, model.config.pad_token_id, model.config.eos_token_id):
        if isinstance(value, int):
            return value
    return 0


@contextmanager
def _eager_attention(model: Any) -> Iterator[None]:
    """SDPA and flash kernels return no attention weights: switch to eager for one pass."""
    previous = getattr(model.config, "_attn_implementation", None)
    switch = previous not in (None, "eager") and hasattr(model, "set_attn_implementation")
    if switch:
        model.set_attn_implementation("eager")
    try:
        yield
    finally:
        if switch:
            model.set_attn_implementation(previous)


__all__ = ["AbstractiveSummarizer"]
