"""Fixtures of the summarizer tests: the seed articles (segmented, with stand-in translations) and
tiny random seq2seq models with a 128-token window, so map-reduce triggers on one article."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from summarize.document import Document, read_document, replace
from summarize.segment import segment
from tools.tiny_models import SEEDS, build_bart, seed_lines

WINDOW = 128  # encoder positions of the tiny models: the seed articles are several windows long


def fake_translation(text: str) -> str:
    """A stand-in English translation that differs from the German text (and is deterministic)."""
    return "EN " + " ".join(reversed(text.split()))


def translated(doc: Document) -> Document:
    return replace(
        doc, sentences=tuple(replace(s, translation=fake_translation(s.text)) for s in doc.sentences)
    )


@pytest.fixture(scope="session")
def translate_doc():
    """translate_doc(doc) → the doc with a stand-in English translation on every sentence."""
    return translated


@pytest.fixture(scope="session")
def seed_docs() -> tuple[Document, ...]:
    """The five seed articles, segmented (German only)."""
    return tuple(segment(read_document(p)) for p in sorted(SEEDS.glob("*.txt")))


@pytest.fixture(scope="session")
def translated_docs(seed_docs: tuple[Document, ...]) -> tuple[Document, ...]:
    return tuple(translated(d) for d in seed_docs)


@pytest.fixture(scope="session")
def bart_128(tmp_path_factory: pytest.TempPathFactory):
    """A tiny random BART (d_model 16, 1+1 layers, 128 positions) loaded through `load_seq2seq`."""
    from summarize.loading import load_seq2seq

    path = build_bart(tmp_path_factory.mktemp("bart-128"), max_positions=WINDOW)
    return load_seq2seq(str(path), role="summarization", device="cpu", dtype="float32")


@pytest.fixture(scope="session")
def bart_128_ct2(bart_128):
    """The same tiny BART converted by CTranslate2: int8 (the CPU default) and float32."""
    pytest.importorskip("ctranslate2")
    from summarize.loading import load_ctranslate2
    from summarize.summarizers.ctranslate2 import CTranslate2Engine

    return {
        "int8": CTranslate2Engine(load_ctranslate2(bart_128.name, role="summarization", device="cpu")),
        "float32": CTranslate2Engine(load_ctranslate2(bart_128.name, role="summarization", device="cpu", int8=False)),
    }


@pytest.fixture(params=["transformers", "ctranslate2"])
def engine(request, bart_128):
    """The tiny BART behind each summarizer engine (CTranslate2: int8, its CPU default)."""
    from summarize.summarizers.engine import TransformersEngine

    if request.param == "transformers":
        return TransformersEngine(bart_128)
    return request.getfixturevalue("bart_128_ct2")["int8"]


@pytest.fixture(scope="session")
def t5_128(tmp_path_factory: pytest.TempPathFactory):
    """A tiny random T5 with a SentencePiece unigram tokenizer (T5's format), 128-token window."""
    import sentencepiece as spm
    import torch
    from transformers import AutoTokenizer, T5Config, T5ForConditionalGeneration

    from summarize.loading import load_seq2seq

    out = tmp_path_factory.mktemp("t5-128")
    buf = io.BytesIO()
    spm.SentencePieceTrainer.train(
        sentence_iterator=iter(seed_lines()),
        model_writer=buf,
        vocab_size=800,
        model_type="unigram",
        character_coverage=1.0,
        pad_id=0,
        eos_id=1,
        unk_id=2,
        bos_id=-1,
        minloglevel=2,
        hard_vocab_limit=False,
    )
    # T5's own files (spiece.model + its config): every transformers release since the lower bound reads them.
    (out / "spiece.model").write_bytes(buf.getvalue())
    (out / "tokenizer_config.json").write_text(
        json.dumps({"tokenizer_class": "T5Tokenizer", "extra_ids": 0, "model_max_length": WINDOW, "legacy": True})
    )
    tokenizer = AutoTokenizer.from_pretrained(out)
    config = T5Config(
        vocab_size=len(tokenizer), d_model=16, d_kv=8, d_ff=32, num_layers=1, num_decoder_layers=1,
        num_heads=2, pad_token_id=0, eos_token_id=1, decoder_start_token_id=0,
    )  # fmt: skip
    torch.manual_seed(0)
    T5ForConditionalGeneration(config).eval().save_pretrained(out)
    return load_seq2seq(str(Path(out)), role="summarization", device="cpu", dtype="float32")
