"""The summarizer's model calls behind one small interface, and its transformers implementation.

`AbstractiveSummarizer` (map-reduce, chunking, splitting, attention chaining) never touches a model: it hands
batches of token-id chunks to a `SummaryEngine`, which returns one `Generated` per chunk, and asks the engine
for each summary sentence's cross-attention over its chunk's source positions. Two engines implement it:
`TransformersEngine` (here; any `AutoModelForSeq2SeqLM`) and `CTranslate2Engine` (`ctranslate2.py`); the engine
table (`summarize.engines`) picks one by name and builds it with `load(settings)`.

Transformers: the encoder runs once per chunk. `generate` reads its output (`encoder_outputs=`), and so does
the provenance pass after it: one teacher-forced decoder pass over the summary's sentences with
`output_attentions=True`, averaged over layers and heads; the row that predicted a token is the one before it.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from ..loading import LoadedModel, transformers_model
from ..settings import Settings
from ..text import strip_controls


@dataclass(frozen=True, slots=True)
class Bounds:
    """Length of one generated summary, in new tokens (as `generate` counts them)."""

    min_new_tokens: int
    max_new_tokens: int


@dataclass(frozen=True, slots=True)
class DecodeOptions:
    num_beams: int = 4
    no_repeat_ngram_size: int = 3


@dataclass(frozen=True, slots=True, eq=False)
class Generated:
    """One chunk's summary text, and what its engine needs to attribute it (None: nothing, uniform mass)."""

    text: str
    state: Any = None


class SummaryEngine(ABC):
    """Runs a seq2seq summarization model: batches of source ids in, texts and cross-attention out."""

    engine: str  # its key in the engine table (`summarize.engines`): "transformers" | "ctranslate2"
    label: str  # "name@revision" (+ the CTranslate2 compute type), recorded in every result
    name: str  # the model as the user gave it: hub name or local path
    compute_type: str  # what the model runs in (`loading.devices.compute_type`)
    tokenizer: Any  # the model's transformers tokenizer: the summarizer tokenizes and splits with it
    config: Any  # the model's transformers config (model type, task prefix)
    max_input_tokens: int  # encoder window, special tokens included
    device_type: str  # "cpu", "cuda", "mps"

    @abstractmethod
    def generate(self, batch: Sequence[Sequence[int]], bounds: Bounds, options: DecodeOptions) -> list[Generated]:
        """One summary per row of source ids (special tokens included), in order."""

    @abstractmethod
    def attention(
        self, generated: Generated, spans: Sequence[tuple[int, int]], sentence_ids: Sequence[Sequence[int]]
    ) -> list[Any | None]:
        """Per summary sentence (`spans`: its characters in `generated.text`; `sentence_ids`: its ids alone),
        the cross-attention of the tokens that make it, summed: a vector over the chunk's source positions
        (a torch tensor or numpy array), or None where the engine has none."""


class TransformersEngine(SummaryEngine):
    """A transformers seq2seq model: `generate`, then one teacher-forced pass on the same encoder output."""

    engine = "transformers"

    @classmethod
    def load(cls, settings: Settings) -> TransformersEngine:
        """The summarization model of resolved settings, loaded on their device in their dtype."""
        return cls(transformers_model(settings, "summarization"))

    def __init__(self, loaded: LoadedModel) -> None:
        self.loaded = loaded
        self.label = loaded.label
        self.name = loaded.name
        self.compute_type = loaded.compute_type
        self.tokenizer = loaded.tokenizer
        self.config = loaded.model.config
        self.max_input_tokens = loaded.max_input_tokens
        self.device_type = loaded.device.type
        self._prefix, _ = special_frame(loaded.tokenizer)

    def generate(self, batch: Sequence[Sequence[int]], bounds: Bounds, options: DecodeOptions) -> list[Generated]:
        import torch
        from transformers.modeling_outputs import BaseModelOutput

        model, tokenizer, device = self.loaded.model, self.tokenizer, self.loaded.device
        pad = pad_id(model, tokenizer)
        width = max(len(ids) for ids in batch)
        input_ids = torch.tensor([list(ids) + [pad] * (width - len(ids)) for ids in batch], dtype=torch.long)
        mask = torch.tensor([[1] * len(ids) + [0] * (width - len(ids)) for ids in batch], dtype=torch.long)
        input_ids, mask = input_ids.to(device), mask.to(device)
        with torch.inference_mode():
            # The encoder runs once: `generate` reads its output, and so does the attention pass afterwards.
            hidden = model.get_encoder()(input_ids=input_ids, attention_mask=mask).last_hidden_state
            out = model.generate(
                encoder_outputs=BaseModelOutput(last_hidden_state=hidden),
                attention_mask=mask,
                num_beams=options.num_beams,
                do_sample=False,
                no_repeat_ngram_size=options.no_repeat_ngram_size,
                # These take precedence over the model's own min_length/max_length (distilbart-cnn: 56/142).
                min_new_tokens=bounds.min_new_tokens,
                max_new_tokens=bounds.max_new_tokens,
            )
        # Models can emit NUL, ESC...: they never reach the next level or the outputs.
        texts = [strip_controls(tokenizer.decode(seq, skip_special_tokens=True)).strip() for seq in out.tolist()]
        # Each row's encoder states without its padding: the attention pass reads them as a batch of one.
        return [Generated(text, hidden[row : row + 1, : len(ids)]) for row, (text, ids) in enumerate(zip(texts, batch))]

    def attention(
        self, generated: Generated, spans: Sequence[tuple[int, int]], sentence_ids: Sequence[Sequence[int]]
    ) -> list[Any | None]:
        """Teacher-forced: the decoder reads [start] + prefix + the sentences' ids; rows past the decoder's
        position limit, or a model that returns no attentions, give None (the caller's uniform mass)."""
        import torch
        from transformers.modeling_outputs import BaseModelOutput

        hidden = generated.state
        if hidden is None:
            return [None for _ in sentence_ids]
        model = self.loaded.model
        start = model.config.decoder_start_token_id
        if start is None:
            start = pad_id(model, self.tokenizer)
        decoder = [start, *self._prefix]
        token_spans = []
        for ids in sentence_ids:
            token_spans.append((len(decoder), len(decoder) + len(ids)))
            decoder += ids
        decoder = decoder[: self.max_input_tokens]
        with torch.inference_mode(), eager_attention(model):
            out = model(
                encoder_outputs=BaseModelOutput(last_hidden_state=hidden),
                decoder_input_ids=torch.tensor([decoder], device=self.loaded.device),
                output_attentions=True,
                use_cache=False,
            )
        layers = [a for a in (out.cross_attentions or ()) if a is not None]
        if not layers:
            return [None for _ in sentence_ids]
        attn = torch.stack([a[0].float() for a in layers]).mean(dim=(0, 1))  # (target, source)
        result: list[Any | None] = []
        for a, b in token_spans:
            rows = attn[max(a - 1, 0) : min(b - 1, attn.shape[0])]
            result.append(rows.sum(dim=0) if rows.shape[0] else None)
        return result


# --- helpers shared by the engines and the summarizer --------------------------------------------------


def special_frame(tokenizer: Any) -> tuple[tuple[int, ...], tuple[int, ...]]:
    """The special ids the tokenizer puts before and after a text (BART: <s> … </s>; T5: … </s>)."""
    bare = tokenizer("a", add_special_tokens=False)["input_ids"]
    full = tokenizer("a")["input_ids"]
    for i in range(len(full) - len(bare) + 1):
        if full[i : i + len(bare)] == bare:
            return tuple(full[:i]), tuple(full[i + len(bare) :])
    return (), ()


def pad_id(model: Any, tokenizer: Any) -> int:
    for value in (tokenizer.pad_token_id, model.config.pad_token_id, model.config.eos_token_id):
        if isinstance(value, int):
            return value
    return 0


@contextmanager
def eager_attention(model: Any) -> Iterator[None]:
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


__all__ = ["Bounds", "DecodeOptions", "Generated", "SummaryEngine", "TransformersEngine"]
