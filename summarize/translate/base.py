"""The translation stage: one English string for every German sentence, in order, never truncated.

`Translator` does the engine-independent work once (EasyNMT's batching shape, Argos' base-class idea):
tokenize, split sentences longer than the model window at clause boundaries, sort by length, batch under a
padded-token budget, restore the order, check for degenerate output and retry those with beam search.
Engines only implement `tokenize`, `generate_ids` and `decode`, name the `loading` function of their model
(`load_model`, which `load(settings)` calls for the engine table `summarize.engines`), and say what they run in
(`engine`, `compute_type`: their part of the signature). An engine that knows the model's score of its output
returns `Hypothesis(ids, score)`: the mean log-probability per generated token, which becomes each sentence's
`confidence` (the translation checks flag a low one).

Retries are batched like the first pass, under the same budget: every retried piece gets a length limit that
depends on its own length only (its first-pass limit rounded up to a step of `RETRY_LIMITS`), and a batch
holds pieces of one step, so that a retry's output never depends on the pieces it was batched with.
"""

from __future__ import annotations

import logging
import math
from abc import ABC, abstractmethod
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

from ..batching import batches_under_budget
from ..document import Document, Sentence, replace
from ..loading.devices import default_batch_tokens, signature_part
from ..loading.models import release_memory
from ..segment import split_clauses
from ..settings import Settings
from ..text import has_letter, repeated_phrase, strip_controls

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class GenerationOptions:
    num_beams: int = 1
    no_repeat_ngram_size: int = 0
    repetition_penalty: float = 1.0


@dataclass(frozen=True, slots=True)
class Hypothesis:
    """Generated target ids and the model's mean log-probability per generated token (None: not known)."""

    ids: list[int]
    score: float | None = None


GeneratedIds = list[int] | Hypothesis  # what `generate_ids` gives per row: bare ids, or ids with their score


def _hypothesis(generated: GeneratedIds | None) -> Hypothesis:
    if isinstance(generated, Hypothesis):
        return generated
    return Hypothesis(list(generated or []))


@dataclass(frozen=True, slots=True)
class Scored:
    """One English translation and the model's confidence in it (None: not reported, or nothing was run)."""

    text: str
    confidence: float | None = None


# Retried with these when greedy output is empty or loops (Marian's known failure modes on odd input).
RETRY_OPTIONS = GenerationOptions(num_beams=4, no_repeat_ngram_size=3, repetition_penalty=1.2)
# Length limits of batched retries: a piece's own limit rounded up to the next step (at most 1.5x), so that
# pieces of similar length share a batch and one limit. A real translation ends far below either limit.
RETRY_LIMITS = (16, 24, 32, 48, 64, 96, 128, 192, 256, 384, 512, 768, 1024)


class Translator(ABC):
    """Translate German sentences to English, one output per input."""

    label: str  # "name@revision", recorded in every result
    max_input_tokens: int  # encoder window, special tokens included
    engine: str = ""  # its key in the engine table (`summarize.engines`); "" for a stand-in
    compute_type: str = ""  # what its model runs in (`loading.devices.compute_type`); "" when not known

    def __init__(
        self,
        *,
        num_beams: int = 1,
        max_batch_tokens: int | None = None,
        device_type: str = "cpu",
    ) -> None:
        self.options = GenerationOptions(num_beams=num_beams)
        # `load` passes the budget of the resolved settings; engines built directly (tests, benches)
        # get the device's, from the one place budgets are chosen.
        self.max_batch_tokens = max_batch_tokens or default_batch_tokens(device_type)

    # An engine's `loading` function of (settings, role) that gives `__init__` its model.
    load_model: ClassVar[Callable[[Settings, str], Any]]

    @classmethod
    def load(cls, settings: Settings) -> Translator:
        """The translator of resolved settings (the engine table calls it): its model loaded, and converted
        once where the engine needs that, batching under their budget."""
        return cls(cls.load_model(settings, "translation"), num_beams=settings.translation_beams,
                   max_batch_tokens=settings.max_batch_tokens)

    # --- what an engine implements ---------------------------------------------------------------
    @abstractmethod
    def tokenize(self, texts: Sequence[str]) -> list[list[int]]:
        """Source token ids with the model's special tokens, never truncated."""

    @abstractmethod
    def generate_ids(
        self, batch: Sequence[Sequence[int]], max_new_tokens: Sequence[int], options: GenerationOptions
    ) -> Sequence[GeneratedIds]:
        """Target ids (special tokens may be included) for a batch of source ids, same order; a `Hypothesis`
        per row when the engine knows the model's score.

        `max_new_tokens[i]` caps row i by its own source length, never by its neighbours', so that a row's
        output does not depend on the batch it landed in."""

    @abstractmethod
    def decode(self, ids: Sequence[int]) -> str:
        """Target ids → text, special tokens skipped."""

    # --- shared work ------------------------------------------------------------------------------
    def signature_part(self) -> dict[str, str]:
        """This translator's fields of `Pipeline.signature`: its model, engine, compute type and beams."""
        return signature_part(self.label, self.engine, self.compute_type, self.options.num_beams)

    def count_tokens(self, texts: Sequence[str]) -> list[int]:
        return [len(ids) for ids in self.tokenize(texts)]

    def fits(self, text: str) -> bool:
        return self.count_tokens([text])[0] <= self.max_input_tokens

    def translate_sentences(self, texts: Sequence[str]) -> list[str]:
        """One non-empty English string per German sentence. Long sentences are split, never cut."""
        return [scored.text for scored in self.translate_scored(texts)]

    def translate_scored(self, texts: Sequence[str]) -> list[Scored]:
        """`translate_sentences` with the model's confidence per sentence: the mean log-probability per token
        over the sentence's pieces (None where the engine reports none, or nothing was translated)."""
        pieces: list[str] = []  # what goes to the model
        owners: list[int] = []  # pieces[i] belongs to texts[owners[i]]
        piece_ids: list[list[int]] = []  # pieces[i]'s token ids
        clauses: list[int] = []  # pieces cut from a sentence over the window: tokenized on their own below
        # Numbers, bullets, dashes: nothing to translate, copied as they are.
        results: list[str | None] = [None if has_letter(text) else text.strip() for text in texts]
        wordy = [i for i, r in enumerate(results) if r is None]
        # Each sentence is tokenized once: its ids measure it and, when it fits, go to the model as they are.
        for i, ids in zip(wordy, self.tokenize([texts[i] for i in wordy]) if wordy else []):
            text = texts[i]
            fits = len(ids) <= self.max_input_tokens
            for start, end in [(0, len(text))] if fits else split_clauses(text, self.fits):
                if not fits:
                    clauses.append(len(pieces))
                pieces.append(text[start:end])
                owners.append(i)
                piece_ids.append(ids if fits else [])
        for n, ids in zip(clauses, self.tokenize([pieces[n] for n in clauses]) if clauses else []):
            piece_ids[n] = ids
        translated = self._translate_pieces(pieces, piece_ids)
        joined: dict[int, list[tuple[str, Hypothesis]]] = {}
        for owner, piece in zip(owners, translated):
            joined.setdefault(owner, []).append(piece)
        confidence: dict[int, float | None] = {}
        for owner, parts in joined.items():
            results[owner] = " ".join(text for text, _ in parts if text)
            confidence[owner] = _mean_score([h for _, h in parts])
        release_memory()  # the batches' freed memory, before the summarizer allocates its own
        # The model may still return nothing for a piece; keep the German rather than lose the sentence.
        return [
            Scored(r, confidence.get(i)) if r else Scored(texts[i].strip()) for i, r in enumerate(results)
        ]

    def _translate_pieces(self, pieces: Sequence[str], ids: Sequence[list[int]]) -> list[tuple[str, Hypothesis]]:
        """Each piece's translation and hypothesis, from its token ids `ids` (tokenized by the caller)."""
        if not pieces:
            return []
        out: list[Hypothesis] = [Hypothesis([])] * len(pieces)
        # Longest first: batches of similar length waste little padding, and OOM shows up at once.
        order = sorted(range(len(ids)), key=lambda i: (-len(ids[i]), i))
        for batch in batches_under_budget(order, lambda i: len(ids[i]), self.max_batch_tokens):
            limits = [self._limit(ids[i]) for i in batch]
            log.debug("batch of %d pieces, longest %d tokens", len(batch), len(ids[batch[0]]))
            generated = self._generate_halving([ids[i] for i in batch], limits, self.options)
            for i, g in zip(batch, generated):
                out[i] = _hypothesis(g)
        texts = [self.decode(h.ids) for h in out]
        retry = [i for i, t in enumerate(texts) if is_degenerate(t, pieces[i])]
        if retry and self.options != RETRY_OPTIONS:
            log.debug("%d degenerate outputs, retrying with beam search", len(retry))
            for i, hypothesis in self._retry(retry, ids):
                texts[i], out[i] = self.decode(hypothesis.ids), hypothesis
        return [(_clean(t), h) for t, h in zip(texts, out)]

    def _retry(self, retry: Sequence[int], ids: Sequence[Sequence[int]]) -> list[tuple[int, Hypothesis]]:
        """(piece index, new hypothesis) for every piece in `retry`, once each: beam search, batched by limit
        step."""
        limits = {i: retry_limit(len(ids[i]), self.max_input_tokens) for i in retry}
        order = sorted(retry, key=lambda i: (-limits[i], -len(ids[i]), i))
        out = []
        for step in sorted(set(limits.values()), reverse=True):
            group = [i for i in order if limits[i] == step]
            for batch in batches_under_budget(group, lambda i: len(ids[i]), self.max_batch_tokens):
                generated = self._generate_halving([list(ids[i]) for i in batch], [step] * len(batch), RETRY_OPTIONS)
                out += [(i, _hypothesis(g)) for i, g in zip(batch, generated)]
        return out

    def _limit(self, ids: Sequence[int]) -> int:
        return _max_new_tokens(len(ids), self.max_input_tokens)

    def _generate_halving(
        self, batch: list[list[int]], max_new_tokens: list[int], options: GenerationOptions
    ) -> list[GeneratedIds]:
        """Generate, halving the batch on out-of-memory instead of failing the run."""
        try:
            return list(self.generate_ids(batch, max_new_tokens, options))
        except Exception as exc:  # torch.OutOfMemoryError and CUDA/ct2 allocation errors alike
            if not _is_oom(exc) or len(batch) == 1:
                raise
            half = len(batch) // 2
            return self._generate_halving(batch[:half], max_new_tokens[:half], options) + self._generate_halving(
                batch[half:], max_new_tokens[half:], options
            )


def as_confidence(mean_logprob: float) -> float | None:
    """A mean log-probability per token as a sentence's confidence: at most 0 (rounding may overshoot), None when
    it is not a number (nothing scored, or a banned token chosen)."""
    return min(0.0, mean_logprob) if math.isfinite(mean_logprob) else None


def _mean_score(hypotheses: Sequence[Hypothesis]) -> float | None:
    """Token-weighted mean of the pieces' scores: a sentence's confidence (None if any piece has no score)."""
    if not hypotheses or any(h.score is None for h in hypotheses):
        return None
    weights = [max(1, len(h.ids)) for h in hypotheses]
    return round(sum(h.score * w for h, w in zip(hypotheses, weights)) / sum(weights), 4)  # type: ignore[operator]


def _is_oom(exc: Exception) -> bool:
    return "out of memory" in str(exc).lower() or type(exc).__name__ == "OutOfMemoryError"


def _max_new_tokens(source_tokens: int, window: int) -> int:
    # English runs ~1.1-1.3× the German token count with opus-mt; 2× + 10 leaves room, the window caps it.
    return min(window, 2 * source_tokens + 10)


def retry_limit(source_tokens: int, window: int) -> int:
    """A batched retry's length limit: the first-pass limit rounded up to a `RETRY_LIMITS` step, within the window."""
    own = _max_new_tokens(source_tokens, window)
    return min(window, next((step for step in RETRY_LIMITS if step >= own), own))


RETRY_REPEATS = 4  # a phrase this many times in a row (`repeated_phrase`) is a loop worth a beam-search retry


def is_degenerate(english: str, german: str) -> bool:
    """Empty output, a phrase looping RETRY_REPEATS+ times where the German does not, or output far longer
    than the source."""
    text = english.strip()
    if not text:
        return True
    if repeated_phrase(text, RETRY_REPEATS) and not repeated_phrase(german, RETRY_REPEATS):
        return True
    return len(text) > 4 * len(german) + 20


def _clean(text: str) -> str:
    return " ".join(strip_controls(text).split())  # models can emit NUL, ESC...: never let them into .md/.html


def translate_documents(docs: Sequence[Document], translator: Translator) -> list[Document]:
    """Translate every sentence a model reads (`Document.model_sentences`: a web page's boilerplate is left
    untranslated) of every document in one length-sorted pass; returns new Documents."""
    # Models read the plain text (markup removed); a sentence of bare markup ("<br>") is copied through.
    flat = [s.plain for d in docs for s in d.model_sentences]
    scored = getattr(translator, "translate_scored", None)  # a stand-in may only have `translate_sentences`
    english = iter(scored(flat) if scored else [Scored(t) for t in translator.translate_sentences(flat)])
    out = []
    for d in docs:
        read = {s.index for s in d.model_sentences}
        sentences = tuple(_translated(s, next(english)) if s.index in read else s for s in d.sentences)
        out.append(replace(d, sentences=sentences))
    return out


def _translated(sentence: Sentence, english: Scored) -> Sentence:
    if not sentence.plain:
        return replace(sentence, translation=sentence.text)
    return replace(sentence, translation=english.text, confidence=english.confidence)
