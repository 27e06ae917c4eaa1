"""Builders of tiny random-weight models with real tokenizers, saved with `save_pretrained`.

The hub is unreachable here, so tests (and the benchmark, with real-size configs) make their own models:
a SentencePiece model trained on the seed articles for Marian, a byte-level BPE trained on them for BART.
Output is gibberish; the loading, tokenizing, batching and generation code paths are the real ones.
"""

from __future__ import annotations

import io
import json
from collections.abc import Iterable
from pathlib import Path

SEEDS = Path(__file__).resolve().parent.parent / "seeds"


def seed_lines() -> list[str]:
    return [
        line.strip()
        for f in sorted(SEEDS.glob("*.txt"))
        for line in f.read_text(encoding="utf-8").splitlines()
        if line.strip()
    ]


def build_marian(
    out: Path,
    *,
    vocab_size: int = 1000,
    model_vocab_size: int | None = None,
    d_model: int = 16,
    layers: int = 1,
    heads: int = 2,
    ffn: int = 32,
    max_positions: int = 512,
    seed: int = 0,
    lines: Iterable[str] | None = None,
) -> Path:
    """A MarianMTModel + MarianTokenizer directory, laid out like opus-mt (pad last). `model_vocab_size` pads the
    vocabulary with unused entries (the benchmark uses it to get opus-mt's real 58,101-token output layer)."""
    import sentencepiece as spm
    import torch
    from transformers import MarianConfig, MarianMTModel, MarianTokenizer

    out.mkdir(parents=True, exist_ok=True)
    buf = io.BytesIO()
    spm.SentencePieceTrainer.train(
        sentence_iterator=iter(list(lines or seed_lines())),
        model_writer=buf,
        vocab_size=vocab_size,
        model_type="unigram",
        character_coverage=1.0,
        pad_id=-1,
        bos_id=-1,
        eos_id=-1,
        unk_id=0,
        minloglevel=2,
        hard_vocab_limit=False,
    )
    for name in ("source.spm", "target.spm"):
        (out / name).write_bytes(buf.getvalue())
    sp = spm.SentencePieceProcessor(model_proto=buf.getvalue())
    # opus-mt's layout: </s> 0, <unk> 1, the pieces, and <pad> last (CTranslate2's converter relies on it).
    vocab = {"</s>": 0, "<unk>": 1}
    for i in range(sp.get_piece_size()):
        vocab.setdefault(sp.id_to_piece(i), len(vocab))
    while len(vocab) < (model_vocab_size or 0) - 1:  # the benchmark's real-size output layer
        vocab[f"<extra_{len(vocab)}>"] = len(vocab)
    pad_id = vocab.setdefault("<pad>", len(vocab))
    (out / "vocab.json").write_text(json.dumps(vocab, ensure_ascii=False), encoding="utf-8")
    tok = MarianTokenizer(
        str(out / "source.spm"), str(out / "target.spm"), str(out / "vocab.json"),
        source_lang="de", target_lang="en", model_max_length=max_positions,
    )
    tok.save_pretrained(out)
    config = MarianConfig(
        vocab_size=len(vocab),
        d_model=d_model,
        encoder_layers=layers,
        decoder_layers=layers,
        encoder_attention_heads=heads,
        decoder_attention_heads=heads,
        encoder_ffn_dim=ffn,
        decoder_ffn_dim=ffn,
        max_position_embeddings=max_positions,
        pad_token_id=pad_id,
        eos_token_id=0,
        decoder_start_token_id=pad_id,
        forced_eos_token_id=0,
        scale_embedding=True,
    )
    torch.manual_seed(seed)
    model = MarianMTModel(config).eval()
    model.generation_config.bad_words_ids = [[pad_id]]  # as in opus-mt's config: never generate <pad>
    model.save_pretrained(out)
    return out


def build_bart(
    out: Path,
    *,
    vocab_size: int = 1200,
    model_vocab_size: int | None = None,
    d_model: int = 16,
    encoder_layers: int = 1,
    decoder_layers: int = 1,
    heads: int = 2,
    ffn: int = 32,
    max_positions: int = 1024,
    seed: int = 0,
    lines: Iterable[str] | None = None,
) -> Path:
    """A BartForConditionalGeneration + byte-level BPE tokenizer (BART's real tokenizer format)."""
    import torch
    from tokenizers import ByteLevelBPETokenizer
    from transformers import BartConfig, BartForConditionalGeneration, BartTokenizer

    out.mkdir(parents=True, exist_ok=True)
    bpe = ByteLevelBPETokenizer()
    bpe.train_from_iterator(
        list(lines or seed_lines()),
        vocab_size=vocab_size,
        min_frequency=1,
        special_tokens=["<s>", "<pad>", "</s>", "<unk>", "<mask>"],
        show_progress=False,
    )
    bpe.save_model(str(out))  # vocab.json + merges.txt, the files BartTokenizer reads
    tok = BartTokenizer(str(out / "vocab.json"), str(out / "merges.txt"), model_max_length=max_positions)
    tok.save_pretrained(out)
    config = BartConfig(
        vocab_size=max(model_vocab_size or 0, len(tok)),
        d_model=d_model,
        encoder_layers=encoder_layers,
        decoder_layers=decoder_layers,
        encoder_attention_heads=heads,
        decoder_attention_heads=heads,
        encoder_ffn_dim=ffn,
        decoder_ffn_dim=ffn,
        max_position_embeddings=max_positions,
        bos_token_id=0,
        pad_token_id=1,
        eos_token_id=2,
        decoder_start_token_id=2,
        forced_bos_token_id=0,
        forced_eos_token_id=2,
    )
    torch.manual_seed(seed)
    BartForConditionalGeneration(config).eval().save_pretrained(out)
    return out
