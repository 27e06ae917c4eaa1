"""The summarizer's CTranslate2 engine: the same seq2seq model, converted once (`loading.convert_ctranslate2`).

int8 on CPU (float32 with `int8=False`), float16 on CUDA. What shapes the output is kept: beam size, length
bounds and `no_repeat_ngram_size` from the summarizer; the length penalty, repetition penalty, forced first
token (BART's `<s>`, as a target prefix), suppressed tokens and bad words from the model's generation config.
`generate` counts a forced last `</s>` as a new token and CTranslate2 never emits one, so its limit is one lower.

Provenance needs no second pass: `translate_batch(..., return_attention=True)` returns, for the best hypothesis,
the cross-attention of the step that produced each token (the mean over all heads of the last decoder layer,
set at conversion). Each summary sentence sums the rows of the tokens whose characters fall inside it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ..loading import CTranslate2Model, ctranslate2_model
from ..settings import Settings
from ..text import strip_controls
from .engine import Bounds, DecodeOptions, Generated, SummaryEngine


class CTranslate2Engine(SummaryEngine):
    """Runs a converted summarization model with `ctranslate2.Translator.translate_batch`."""

    engine = "ctranslate2"

    @classmethod
    def load(cls, settings: Settings) -> CTranslate2Engine:
        """The summarization model of resolved settings, converted (once) and loaded."""
        return cls(ctranslate2_model(settings, "summarization"))

    def __init__(self, model: CTranslate2Model) -> None:
        """`model`: `loading.ctranslate2_model(settings, "summarization")` or `loading.load_ctranslate2`."""
        self.runtime = model.runtime
        self.tokenizer = model.tokenizer
        self.config = model.config
        self.label = model.label
        self.name = model.name
        self.device_type = model.device_type
        self.max_input_tokens = model.max_input_tokens
        self.compute_type = model.compute_type
        generation, tokenizer = model.generation, model.tokenizer
        self.length_penalty = float(_setting(generation, "length_penalty", 1.0))
        self.repetition_penalty = float(_setting(generation, "repetition_penalty", 1.0))
        forced_bos = _setting(generation, "forced_bos_token_id", None)
        self._prefix = [tokenizer.convert_ids_to_tokens(int(forced_bos))] if forced_bos is not None else None
        self._forced_eos = _setting(generation, "forced_eos_token_id", None) is not None
        banned = [[int(t)] for t in (_setting(generation, "suppress_tokens", None) or ())]
        banned += [[int(t) for t in words] for words in (_setting(generation, "bad_words_ids", None) or ())]
        self._suppress = [tokenizer.convert_ids_to_tokens(words) for words in banned] or None

    def generate(self, batch: Sequence[Sequence[int]], bounds: Bounds, options: DecodeOptions) -> list[Generated]:
        import numpy as np

        tokens = [self.tokenizer.convert_ids_to_tokens(list(ids)) for ids in batch]
        most = max(1, bounds.max_new_tokens - (1 if self._forced_eos else 0))
        results = self.runtime.translate_batch(
            tokens,
            [list(self._prefix) for _ in tokens] if self._prefix else None,
            beam_size=options.num_beams,
            length_penalty=self.length_penalty,
            repetition_penalty=self.repetition_penalty,
            no_repeat_ngram_size=options.no_repeat_ngram_size,
            suppress_sequences=self._suppress,
            min_decoding_length=min(bounds.min_new_tokens, most),
            max_decoding_length=most,
            max_input_length=0,  # never truncate: every chunk fits the window
            return_attention=True,
            max_batch_size=len(tokens),  # the summarizer already batched under its token budget
        )
        out = []
        for result in results:
            ids = self.tokenizer.convert_tokens_to_ids(result.hypotheses[0])
            text = _decoded(self.tokenizer, ids).strip()
            attention = np.asarray(result.attention[0], dtype=np.float32) if result.attention else None
            out.append(Generated(text, (ids, attention) if attention is not None and attention.size else None))
        return out

    def attention(
        self, generated: Generated, spans: Sequence[tuple[int, int]], sentence_ids: Sequence[Sequence[int]]
    ) -> list[Any | None]:
        if generated.state is None:
            return [None for _ in spans]
        ids, attention = generated.state
        ends = _token_ends(self.tokenizer, ids)
        result: list[Any | None] = []
        for a, b in spans:
            rows = [t for t, (start, end) in enumerate(ends) if end > start and a <= end - 1 < b]
            result.append(attention[rows].sum(axis=0) if rows and max(rows) < attention.shape[0] else None)
        return result


def _token_ends(tokenizer: Any, ids: Sequence[int]) -> list[tuple[int, int]]:
    """Each token's characters [start, end) in the decoded, stripped text (empty for special tokens)."""
    full = _decoded(tokenizer, ids)
    lead = len(full) - len(full.lstrip())
    spans, previous = [], 0
    for k in range(1, len(ids) + 1):
        # A byte-level token may end inside a character: the prefix then decodes shorter, never longer.
        end = max(previous, min(len(full), len(_decoded(tokenizer, ids[:k]))))
        spans.append((max(previous - lead, 0), max(end - lead, 0)))
        previous = end
    return spans


def _decoded(tokenizer: Any, ids: Sequence[int]) -> str:
    """Text of ids as the summary shows it: models can emit NUL, ESC...; they never reach the outputs. Character
    by character, so the text of a prefix of ids is a prefix of the text (token spans stay aligned)."""
    return strip_controls(tokenizer.decode(list(ids), skip_special_tokens=True))


def _setting(generation: Any, name: str, default: Any) -> Any:
    value = getattr(generation, name, None)
    return default if value is None else value


__all__ = ["CTranslate2Engine"]
