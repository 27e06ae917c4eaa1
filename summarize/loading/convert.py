"""CTranslate2: convert a transformers model once (cached), and load the conversion, healing a damaged one.

`convert_ctranslate2` converts with ctranslate2's own converter into the cache (`cache.py`: entries keyed by
the model, its revision or files, the quantization and the ctranslate2 version; published whole or not at
all). `load_ctranslate2` loads it; an entry that fails its check or fails to load is moved aside and converted
again once, with one warning line; when that fails too, one UsageError line names the folder and how to clear
the cache.
"""

from __future__ import annotations

import hashlib
import logging
import shlex
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import ModelNotFoundError, UsageError
from .cache import claim, move_aside, publish
from .devices import compute_type, default_threads, resolve_device
from .hub import error_line, model_identity, model_source, revision_label
from .models import load_config, load_tokenizer, window_of

log = logging.getLogger(__name__)

# Bumped whenever what `convert_ctranslate2` writes changes (2: BART under transformers 5; the attention of
# all heads of the last decoder layer is returned), so that older cached conversions are not reused.
CT2_FORMAT = "2"
# What `ctranslate2.Translator` raises on a damaged folder: RuntimeError (model.bin's payload or version, a
# missing vocabulary, config.json's JSON), UnicodeDecodeError (a ValueError) for a garbled vocabulary.
_LOAD_ERRORS = (RuntimeError, ValueError, OSError)
# ...and what it raises when the folder is fine but the device is not (no int8 there, out of memory): not
# healed by converting again.
_DEVICE_TROUBLE = ("cuda", "out of memory", "compute type")


@dataclass(frozen=True)
class CTranslate2Model:
    """A model converted for CTranslate2 and loaded: the runtime, and the transformers tokenizer and configs
    that the engines still read (special tokens, window, generation settings)."""

    name: str  # as the user gave it: hub name or local path
    label: str  # "name@revision+ct2-<compute type>"
    runtime: Any  # ctranslate2.Translator
    tokenizer: Any
    config: Any
    generation: Any  # transformers GenerationConfig
    device_type: str  # "cpu" | "cuda"
    compute_type: str  # `devices.compute_type`: int8, int8_float16, float32, float16

    @property
    def max_input_tokens(self) -> int:
        return window_of(self.config, self.tokenizer)


def load_ctranslate2(
    name: str,
    *,
    role: str = "translation",
    device: str = "auto",
    revision: str | None = None,
    int8: bool | None = None,
    threads: int | None = None,
) -> CTranslate2Model:
    """Convert (once, cached) and load a model with CTranslate2. `int8` None: int8 on CPU, float16 on a GPU.

    A cached conversion that cannot be loaded is moved aside and converted again, once (one warning line);
    when the new one cannot be loaded either: UsageError."""
    ct2 = ctranslate2_module()  # a missing package is said before any model work
    torch_device = resolve_device(device)
    if torch_device.type not in ("cpu", "cuda"):
        raise UsageError(f"CTranslate2 runs on cpu or cuda, not {torch_device.type}")
    tokenizer = load_tokenizer(name, role=role, revision=revision)
    config, generation = load_config(name, role=role, revision=revision)
    runs_in = compute_type("ctranslate2", torch_device.type, int8=torch_device.type == "cpu" if int8 is None else int8)
    healing = False
    while True:
        folder, converted = _conversion(ct2, name, role, revision, runs_in, healing=healing)
        inode = None
        try:
            inode = folder.stat().st_ino
            runtime = ct2.Translator(str(folder), device=torch_device.type, device_index=torch_device.index or 0,
                                     compute_type=runs_in, intra_threads=threads or default_threads())
            break
        except _LOAD_ERRORS as exc:
            reason = error_line(exc)
            if any(word in reason.lower() for word in _DEVICE_TROUBLE):
                raise UsageError(f"{role} model {name!r}: CTranslate2 cannot run it on {torch_device} in "
                                 f"{runs_in} ({reason}); use --engine transformers") from None
            unloadable = _cache_error(name, role, f"CTranslate2 cannot load its conversion in {folder}"
                                      + (", made just now" if converted else ""), reason, folder.parent)
            if converted or healing:  # converted once already: converting again would not help
                raise unloadable from None
            try:
                move_aside(folder, f"cannot be loaded: {reason}", model=name, role=role, inode=inode)
            except OSError:  # a read-only cache: what is there cannot be replaced
                raise unloadable from None
            healing = True
    label = f"{name}@{revision_label(name, config, revision)}+ct2-{runs_in}"
    return CTranslate2Model(name, label, runtime, tokenizer, config, generation, torch_device.type, runs_in)


def ctranslate2_module() -> Any:
    try:
        import ctranslate2
    except ImportError:
        raise UsageError(
            "the ctranslate2 engine needs the ctranslate2 package: pip install ctranslate2 (or --engine transformers)"
        ) from None
    return ctranslate2


def _fingerprint(name: str, revision: str | None, quantization: str, version: str) -> str:
    # The model's identity: a local folder changed in place, or a hub model updated, is converted again.
    parts = [model_identity(name, revision), quantization, version, CT2_FORMAT]
    return hashlib.sha256("\x1f".join(parts).encode("utf-8", "surrogatepass")).hexdigest()[:24]


def convert_ctranslate2(
    name: str, *, role: str = "translation", revision: str | None = None, quantization: str = "int8"
) -> Path:
    """Convert (once) a transformers seq2seq model to a CTranslate2 folder; return the folder. A cached one
    that fails its check is moved aside and converted again (one warning line).

    Errors: ModelNotFoundError when the model cannot be read, UsageError when it cannot be converted
    (an architecture CTranslate2 has no converter for, a tokenizer smaller than the model's vocabulary), or
    when neither the cache nor a temporary one can be written."""
    return _conversion(ctranslate2_module(), name, role, revision, quantization)[0]


def _conversion(
    ct2: Any, name: str, role: str, revision: str | None, quantization: str, *, healing: bool = False
) -> tuple[Path, bool]:
    """(the folder of a whole conversion, whether this call converted it). `healing`: the entry was damaged, so
    a failure now is said with the cache's folder and how to clear it."""
    slot = claim(_fingerprint(name, revision, quantization, ct2.__version__), model=name, role=role)
    if slot.temp is None:
        return slot.entry, False
    healing = healing or slot.healing
    try:
        source = model_source(name, role, revision)
        log.debug("converting %s to CTranslate2 (%s) in %s", name, quantization, slot.entry)
        _converter(ct2, source, name, role, revision).convert(str(slot.temp), quantization=quantization, force=True)
        publish(slot.temp, slot.entry, model=name)
    except UsageError:
        raise
    except (OSError, RuntimeError, ValueError, KeyError, NotImplementedError) as exc:
        reason = error_line(exc)
        if "No conversion is registered" in reason:
            raise UsageError(
                f"{role} model {name!r}: CTranslate2 cannot convert this architecture; use --engine transformers"
            ) from None
        if healing:
            raise _cache_error(name, role, f"its CTranslate2 conversion in {slot.entry} was damaged and "
                               "converting it again failed", reason, slot.entry.parent) from None
        raise ModelNotFoundError(name, role, f"CTranslate2 conversion failed: {reason}"[:200]) from None
    finally:
        shutil.rmtree(slot.temp, ignore_errors=True)
    return slot.entry, True


def _cache_error(name: str, role: str, what: str, reason: str, root: Path) -> UsageError:
    return UsageError(f"{role} model {name!r}: {what} ({reason[:200]}); clear the cache (rm -rf "
                      f"{shlex.quote(str(root))}) and run again, or set SUMMARIZE_CACHE to another folder, or use "
                      "--engine transformers")


def _converter(ct2: Any, source: str, name: str, role: str, revision: str | None) -> Any:
    """ctranslate2's TransformersConverter, with what it needs under transformers 5, on loaded copies only."""
    import numpy as np
    from ctranslate2.converters import TransformersConverter

    # BART-style converters take the vocabulary from the tokenizer (cut to the model's size when longer, as
    # distilbart's 50,265 tokens for 50,264 rows); a shorter one cannot describe the model's output layer.
    vocabulary_from_tokenizer = _model_type(source, revision) in ("bart", "mbart", "pegasus")

    class Converter(TransformersConverter):  # type: ignore[misc, valid-type]
        vocab_size: int | None = None

        def load_model(self, model_class: Any, model_name_or_path: str, **kwargs: Any) -> Any:
            model = super().load_model(model_class, model_name_or_path, **kwargs)
            config = model.config
            # The BART converter reads `normalize_before`, which BartConfig no longer has (transformers >= 4.56).
            # BART (and distilbart) are post-norm. Set on the loaded config, never in the user's folder.
            if getattr(config, "model_type", None) == "bart" and not hasattr(config, "normalize_before"):
                config.normalize_before = False
            self.vocab_size = getattr(config, "vocab_size", None)
            return model

        def load_tokenizer(self, tokenizer_class: Any, model_name_or_path: str, **kwargs: Any) -> Any:
            tokenizer = super().load_tokenizer(tokenizer_class, model_name_or_path, **kwargs)
            n = len(tokenizer)
            if vocabulary_from_tokenizer and self.vocab_size and n < self.vocab_size:
                raise UsageError(
                    f"{role} model {name!r}: its tokenizer has {n} tokens but the model's vocabulary has "
                    f"{self.vocab_size}; CTranslate2 needs them to match (use --engine transformers)"
                )
            return tokenizer

        def _load(self) -> Any:
            spec = super()._load()
            decoder = getattr(spec, "decoder", None)
            heads = getattr(decoder, "num_heads", None)
            if decoder is not None and heads is not None:
                # `return_attention` gives the mean over these heads of the last layer: all of them, as the
                # transformers engine averages (not only the first head, CTranslate2's default).
                decoder.alignment_heads = np.dtype("int16").type(int(heads))
            return spec

    return Converter(source, revision=revision)


def _model_type(source: str, revision: str | None) -> str | None:
    from transformers import AutoConfig

    try:
        return AutoConfig.from_pretrained(source, revision=revision).model_type
    except (OSError, ValueError, KeyError):
        return None  # the converter itself will say what is wrong
