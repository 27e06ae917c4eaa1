"""Summarizer speed: distilbart-cnn-12-6's architecture, five ~900-token articles, exactly 100 new tokens.

Random weights (no hub here) with the real architecture: d_model 1024, 12 encoder + 6 decoder layers,
16 heads, ffn 4096, vocab 50,264. Rows: one article at a time fp32 (beam 4, what users hand-write),
batched fp32 beam 4, batched int8 beam 4, batched greedy fp32 (`--fast`), CTranslate2 int8 beam 4.
Run by hand; prints a table.

    python bench/bench_summarize.py            # 5 articles × 100 tokens
    python bench/bench_summarize.py --quick    # 2 articles × 30 tokens
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT)]
MODEL_DIR = Path(os.environ.get("SUMMARIZE_BENCH_DIR", Path.home() / ".cache" / "summarize" / "bench")) / "distilbart-arch"


def build_model() -> Path:
    from tools.tiny_models import build_bart

    if not (MODEL_DIR / "config.json").exists():
        build_bart(MODEL_DIR, vocab_size=8000, model_vocab_size=50264, d_model=1024, encoder_layers=12,
                   decoder_layers=6, heads=16, ffn=4096)
    return MODEL_DIR


def articles(n: int, tokenizer, target_tokens: int = 900) -> list[str]:
    from summarize import load_document

    pool = [s.text for f in sorted((ROOT / "seeds").glob("*.txt")) for s in load_document(f).content_sentences]
    out, i = [], 0
    for _ in range(n):
        text = ""
        while len(tokenizer(text).input_ids) < target_tokens:
            text += pool[i % len(pool)] + " "
            i += 1
        out.append(text.strip())
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--threads", type=int, default=min(2, os.cpu_count() or 1))
    args = parser.parse_args()
    n_articles, new_tokens = (2, 30) if args.quick else (5, 100)

    import torch

    torch.set_num_threads(args.threads)
    from summarize.loading import load_seq2seq, quantize_int8

    model_dir = str(build_model())
    loaded = load_seq2seq(model_dir, role="summarization", device="cpu")
    texts = articles(n_articles, loaded.tokenizer)
    fixed = {"min_new_tokens": new_tokens, "max_new_tokens": new_tokens, "no_repeat_ngram_size": 0}
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, torch threads {args.threads}; "
          f"{n_articles} articles of ~900 tokens, exactly {new_tokens} new tokens\n")

    def batched(model, beams: int) -> None:
        enc = loaded.tokenizer(texts, return_tensors="pt", padding=True)
        with torch.inference_mode():
            model.generate(**enc, num_beams=beams, **fixed)

    def one_at_a_time(model, beams: int) -> None:
        with torch.inference_mode():
            for text in texts:
                model.generate(**loaded.tokenizer(text, return_tensors="pt"), num_beams=beams, **fixed)

    rows = [
        ("one-at-a-time fp32 beam4", lambda: one_at_a_time(loaded.model, 4)),
        ("batched fp32 beam4", lambda: batched(loaded.model, 4)),
        ("batched greedy fp32", lambda: batched(loaded.model, 1)),
    ]
    int8 = quantize_int8(load_seq2seq(model_dir, role="summarization", device="cpu").model)
    rows.append(("batched int8 beam4", lambda: batched(int8, 4)))
    try:
        import ctranslate2

        from summarize.translate.ctranslate2 import convert

        os.environ.setdefault("SUMMARIZE_CACHE", str(MODEL_DIR.parent / "ct2-cache"))
        ct2 = ctranslate2.Translator(str(convert(model_dir)), device="cpu", compute_type="int8",
                                     intra_threads=args.threads)
        tokens = [loaded.tokenizer.convert_ids_to_tokens(loaded.tokenizer(t).input_ids) for t in texts]
        rows.append(("ctranslate2 int8 beam4", lambda: ct2.translate_batch(
            tokens, beam_size=4, min_decoding_length=new_tokens, max_decoding_length=new_tokens)))
    except Exception as exc:  # noqa: BLE001 - a row that cannot run is reported, not fatal
        print(f"ctranslate2 row skipped: {exc}")
    base = None
    print(f"{'path':<26} {'seconds':>8} {'vs one-at-a-time':>17}")
    for name, run in rows:
        start = time.perf_counter()
        run()
        seconds = time.perf_counter() - start
        base = base or seconds
        print(f"{name:<26} {seconds:8.1f} {seconds / base:16.2f}×")


if __name__ == "__main__":
    main()
