"""The transformers engine: any Marian (or other seq2seq) model through `AutoModelForSeq2SeqLM.generate`."""

from __future__ import annotations

from collections.abc import Sequence

from ..loading import LoadedModel, load_seq2seq
from .base import GenerationOptions, Translator


class MarianTranslator(Translator):
    """opus-mt-de-en by default; batched greedy `generate` under `torch.inference_mode`."""

    def __init__(self, loaded: LoadedModel, *, num_beams: int = 1, max_batch_tokens: int = 4096) -> None:
        super().__init__(num_beams=num_beams, max_batch_tokens=max_batch_tokens)
        self.loaded = loaded
        self.label = loaded.label
        self.max_input_tokens = loaded.max_input_tokens
        tok = loaded.tokenizer
        self._pad_id = tok.pad_token_id if tok.pad_token_id is not None else 0

    @classmethod
    def from_pretrained(
        cls,
        name: str,
        *,
        device: str = "auto",
        dtype: str = "auto",
        revision: str | None = None,
        int8: bool = False,
        num_beams: int = 1,
        max_batch_tokens: int = 4096,
    ) -> MarianTranslator:
        loaded = load_seq2seq(name, role="translation", device=device, dtype=dtype, revision=revision, int8=int8)
        return cls(loaded, num_beams=num_beams, max_batch_tokens=max_batch_tokens)

    def tokenize(self, texts: Sequence[str]) -> list[list[int]]:
        if not texts:
            return []
        return list(self.loaded.tokenizer(list(texts), truncation=False)["input_ids"])

    def decode(self, ids: Sequence[int]) -> str:
        return self.loaded.tokenizer.decode(list(ids), skip_special_tokens=True)

    def generate_ids(
        self, batch: Sequence[Sequence[int]], max_new_tokens: int, options: GenerationOptions
    ) -> list[list[int]]:
        import torch

        width = max(len(ids) for ids in batch)
        input_ids = torch.full((len(batch), width), self._pad_id, dtype=torch.long)
        attention_mask = torch.zeros((len(batch), width), dtype=torch.long)
        for row, ids in enumerate(batch):  # right padding, as the Marian tokenizer pads
            input_ids[row, : len(ids)] = torch.tensor(list(ids), dtype=torch.long)
            attention_mask[row, : len(ids)] = 1
        device = self.loaded.device
        with torch.inference_mode():
            out = self.loaded.model.generate(
                input_ids=input_ids.to(device),
                attention_mask=attention_mask.to(device),
                max_new_tokens=max_new_tokens,
                num_beams=options.num_beams,
                do_sample=False,
                no_repeat_ngram_size=options.no_repeat_ngram_size,
                repetition_penalty=options.repetition_penalty,
                early_stopping=options.num_beams > 1,
            )
        return [row.tolist() for row in out.cpu()]
