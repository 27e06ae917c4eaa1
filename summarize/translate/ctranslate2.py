"""The CTranslate2 engine: the same Marian model, converted once by ctranslate2's own converter.

int8 on CPU, float16 on CUDA. The converted model is cached under `~/.cache/summarize/ct2/` (or
`$SUMMARIZE_CACHE`), keyed by the model, its revision or files, the quantization and the ct2 version;
conversion writes to a temporary folder and renames it, so an interrupted conversion is never used.
"""

from __future__ import annotations

import hashlib
import logging
import os
import shutil
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from ..errors import ModelNotFoundError, UsageError
from ..loading import default_threads, load_tokenizer, model_identity, resolve_device
from ..settings import ct2_compute_type
from .base import GenerationOptions, Translator

log = logging.getLogger(__name__)


def _ctranslate2() -> Any:
    try:
        import ctranslate2
    except ImportError:
        raise UsageError("--engine ctranslate2 needs the ct2 extra: pip install 'summarize[ct2]'") from None
    return ctranslate2


def cache_root() -> Path:
    base = os.environ.get("SUMMARIZE_CACHE") or os.path.join(
        os.environ.get("XDG_CACHE_HOME", os.path.expanduser("~/.cache")), "summarize"
    )
    return Path(base) / "ct2"


def _fingerprint(name: str, revision: str | None, quantization: str, version: str) -> str:
    # The model's identity: a local folder changed in place, or a hub model updated, is converted again.
    parts = [model_identity(name, revision), quantization, version]
    return hashlib.sha256("\x1f".join(parts).encode("utf-8", "surrogatepass")).hexdigest()[:24]


def convert(name: str, *, revision: str | None = None, quantization: str = "int8") -> Path:
    """Convert (once) a transformers seq2seq model to a CTranslate2 folder; return the folder."""
    ct2 = _ctranslate2()
    target = cache_root() / _fingerprint(name, revision, quantization, ct2.__version__)
    if (target / "model.bin").exists():
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=".converting-", dir=target.parent))
    try:
        from ctranslate2.converters import TransformersConverter

        source = str(Path(name).expanduser()) if Path(name).expanduser().is_dir() else name
        log.debug("converting %s to CTranslate2 (%s) in %s", name, quantization, target)
        TransformersConverter(source, revision=revision).convert(str(tmp), quantization=quantization, force=True)
        try:
            tmp.rename(target)
        except OSError:  # another process converted it meanwhile
            if not (target / "model.bin").exists():
                raise
    except (OSError, ValueError, KeyError, NotImplementedError) as exc:
        raise ModelNotFoundError(name, "translation", f"CTranslate2 conversion failed: {exc}"[:200]) from None
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return target


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
        threads: int | None = None,
    ) -> None:
        super().__init__(num_beams=num_beams, max_batch_tokens=max_batch_tokens, device_type=device)
        ct2 = _ctranslate2()
        self.translator = ct2.Translator(
            str(model_dir), device=device, device_index=device_index, compute_type=compute_type,
            intra_threads=threads or default_threads(),
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
        num_beams: int = 1,
        max_batch_tokens: int | None = None,
        threads: int | None = None,
    ) -> CTranslate2Translator:
        _ctranslate2()  # a missing extra is said before any model work
        torch_device = resolve_device(device)
        if torch_device.type not in ("cpu", "cuda"):
            raise UsageError(f"CTranslate2 runs on cpu or cuda, not {torch_device.type}")
        tokenizer = load_tokenizer(name, role="translation", revision=revision)
        quantization = ct2_compute_type(torch_device.type)
        model_dir = convert(name, revision=revision, quantization=quantization)
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
            threads=threads,
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
            max_batch_size=len(tokens),  # the base class already batched under the token budget
        )
        # One shared limit per call: each row is cut back to its own, so its output ignores its neighbours.
        return [
            self.tokenizer.convert_tokens_to_ids(r.hypotheses[0][:limit]) for r, limit in zip(results, max_new_tokens)
        ]

