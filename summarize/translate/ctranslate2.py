"""The CTranslate2 engine: the same Marian model, converted once by ctranslate2's own converter.

int8 on CPU (float32 with `int8=False`), float16 on CUDA. Conversion and its cache live in
`loading.convert_ctranslate2`, shared with the summarizer's CTranslate2 engine.
"""

from __future__ import annotations

from collections.abc import Sequence

from ..loading import CTranslate2Model, ctranslate2_model
from .base import GenerationOptions, Hypothesis, Translator, as_confidence


class CTranslate2Translator(Translator):
    """Runs a converted Marian model (`loading.load_ctranslate2`) with `ctranslate2.Translator.translate_batch`."""

    engine = "ctranslate2"

    load_model = staticmethod(ctranslate2_model)

    def __init__(
        self,
        model: CTranslate2Model,
        *,
        num_beams: int = 1,
        max_batch_tokens: int | None = None,
    ) -> None:
        super().__init__(num_beams=num_beams, max_batch_tokens=max_batch_tokens, device_type=model.device_type)
        self.runtime = model.runtime
        self.tokenizer = model.tokenizer
        self.label = model.label
        self.compute_type = model.compute_type
        self.max_input_tokens = model.max_input_tokens

    def tokenize(self, texts: Sequence[str]) -> list[list[int]]:
        if not texts:
            return []
        return list(self.tokenizer(list(texts), truncation=False)["input_ids"])

    def decode(self, ids: Sequence[int]) -> str:
        return self.tokenizer.decode(list(ids), skip_special_tokens=True)

    def generate_ids(
        self, batch: Sequence[Sequence[int]], max_new_tokens: Sequence[int], options: GenerationOptions
    ) -> list[Hypothesis]:
        tokens = [self.tokenizer.convert_ids_to_tokens(list(ids)) for ids in batch]
        results = self.runtime.translate_batch(
            tokens,
            beam_size=options.num_beams,
            max_decoding_length=max(max_new_tokens),
            no_repeat_ngram_size=options.no_repeat_ngram_size,
            repetition_penalty=options.repetition_penalty,
            # The score, normalised by length (length_penalty 1, the default): the mean log-probability per token,
            # the sentence's confidence.
            return_scores=True,
            max_input_length=0,  # never truncate: the base class split every piece to fit the window
            max_batch_size=len(tokens),  # the base class already batched under the token budget
        )
        # One shared limit per call: each row is cut back to its own, so its output ignores its neighbours.
        return [
            Hypothesis(self.tokenizer.convert_tokens_to_ids(r.hypotheses[0][:limit]), _score(r))
            for r, limit in zip(results, max_new_tokens)
        ]


def _score(result) -> float | None:
    return as_confidence(float(result.scores[0])) if result.scores else None

