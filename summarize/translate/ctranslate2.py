"""The CTranslate2 engine: the same Marian model, converted once by ctranslate2's own converter.

int8 on CPU (float32 with `int8=False`), float16 on CUDA. Conversion and its cache live in
`loading.convert_ctranslate2`, shared with the summarizer's CTranslate2 engine.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from ..errors import UsageError
from ..loading import (
    convert_ctranslate2,
    ctranslate2_compute_type,
    ctranslate2_module,
    ctranslate2_threads,
    load_tokenizer,
    resolve_device,
)
from .base import GenerationOptions, Translator

log = logging.getLogger(__name__)


class CTranslate2Translator(Translator):
    """Runs a converted Marian model with `ctranslate2.Translator.translate_batch`."""

    def __init__(
        self,
        model_dir: Path,
        tokenizer: Any,
        *,
        label: str,
        device: str = "cpu",
        device_index: int = 0,
        compute_type: str = "int8",
        num_beams: int = 1,
        max_batch_tokens: int | None = None,
        batch_retries: bool = True,
    ) -> None:
        super().__init__(
            num_beams=num_beams, max_batch_tokens=max_batch_tokens, device_type=device, batch_retries=batch_retries
        )
        self.translator = ctranslate2_module().Translator(
            str(model_dir), device=device, device_index=device_index, compute_type=compute_type,
            intra_threads=ctranslate2_threads(),
        )
        self.tokenizer = tokenizer
        self.label = label
        self.max_input_tokens = int(getattr(tokenizer, "model_max_length", 512) or 512)
        if self.max_input_tokens > 100_000:  # tokenizers without a limit report a huge sentinel
            self.max_input_tokens = 512

    @classmethod
    def from_pretrained(
        cls,
        name: str,
        *,
        device: str = "auto",
        revision: str | None = None,
        int8: bool | None = None,
        num_beams: int = 1,
        max_batch_tokens: int | None = None,
        batch_retries: bool = True,
    ) -> CTranslate2Translator:
        """`int8`: int8 weights (None: on CPU only; a GPU runs float16, or int8_float16 when asked)."""
        torch_device = resolve_device(device)
        if torch_device.type not in ("cpu", "cuda"):
            raise UsageError(f"CTranslate2 runs on cpu or cuda, not {torch_device.type}")
        tokenizer = load_tokenizer(name, role="translation", revision=revision)
        quantization = ctranslate2_compute_type(torch_device.type, torch_device.type == "cpu" if int8 is None else int8)
        model_dir = convert_ctranslate2(name, role="translation", revision=revision, quantization=quantization)
        local = Path(name).expanduser().is_dir()
        label = f"{name}@{'local' if local else revision or 'main'}+ct2-{quantization}"
        return cls(
            model_dir,
            tokenizer,
            label=label,
            device=torch_device.type,
            device_index=torch_device.index or 0,
            compute_type=quantization,
            num_beams=num_beams,
            max_batch_tokens=max_batch_tokens,
            batch_retries=batch_retries,
        )

    def tokenize(self, texts: Sequence[str]) -> list[list[int]]:
        if not texts:
            return []
        return list(self.tokenizer(list(texts), truncation=False)["input_ids"])

    def decode(self, ids: Sequence[int]) -> str:
        return self.tokenizer.decode(list(ids), skip_special_tokens=True)

    def generate_ids(
        self, batch: Sequence[Sequence[int]], max_new_tokens: Sequence[int], options: GenerationOptions
    ) -> list[list[int]]:
        tokens = [self.tokenizer.convert_ids_to_tokens(list(ids)) for ids in batch]
        results = self.translator.translate_batch(
            tokens,
            beam_size=options.num_beams,
            max_decoding_length=max(max_new_tokens),
            min_decoding_length=options.min_new_tokens,
            no_repeat_ngram_size=options.no_repeat_ngram_size,
            repetition_penalty=options.repetition_penalty,
            return_scores=False,
            max_input_length=0,  # never truncate: the base class split every piece to fit the window
            max_batch_size=len(tokens),  # the base class already batched under the token budget
        )
        # One shared limit per call: each row is cut back to its own, so its output ignores its neighbours.
        return [
            self.tokenizer.convert_tokens_to_ids(r.hypotheses[0][:limit]) for r, limit in zip(results, max_new_tokens)
        ]

