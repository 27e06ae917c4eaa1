"""Translation speed: naive loop vs our engine (fp32, int8) vs CTranslate2 int8. Run by hand; prints a table.

Real weights cannot be downloaded here, so the model is random-weight with opus-mt-de-en's real
architecture (d_model 512, 6+6 layers, 8 heads, ffn 2048, vocab 58,101), and every engine generates a fixed
number of tokens (source length × 1.2), so all rows do the same work. Each row runs in its own process so
that its peak RSS is its own.

    python bench/bench_translate.py                 # 1,000 sentences (a few minutes on 2 cores)
    python bench/bench_translate.py --quick         # 200 sentences
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import math
import os
import platform
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

MODEL_DIR = Path(os.environ.get("SUMMARIZE_BENCH_DIR", Path.home() / ".cache" / "summarize" / "bench")) / "opus-mt-arch"
ROWS = ("naive", "ours-fp32", "ours-int8", "ct2-int8")
NAIVE_SUBSET = 40  # the naive loop is timed on a subset and its rate extrapolated


def build_model() -> Path:
    from tiny_models import build_marian

    if not (MODEL_DIR / "config.json").exists():
        build_marian(MODEL_DIR, vocab_size=8000, model_vocab_size=58101, d_model=512, layers=6, heads=8, ffn=2048)
    return MODEL_DIR


def sentences(n: int) -> list[str]:
    from summarize import load_document

    pool = [s.text for f in sorted((ROOT / "seeds").glob("*.txt")) for s in load_document(f).content_sentences]
    return [pool[i % len(pool)] for i in range(n)]


def fixed_length(n_source_tokens: int) -> int:
    return math.ceil(n_source_tokens * 1.2)


def run_row(row: str, n: int, threads: int, max_batch_tokens: int) -> dict:
    import torch

    torch.set_num_threads(threads)
    texts = sentences(n)
    model_dir = str(build_model())
    from summarize.translate.base import GenerationOptions

    if row == "naive":
        from summarize.loading import load_seq2seq

        loaded = load_seq2seq(model_dir, device="cpu")
        texts = texts[:NAIVE_SUBSET]
        start = time.perf_counter()
        target_tokens = 0
        with torch.inference_mode():
            for text in texts:  # what a user hand-writes: one sentence at a time, plain generate
                enc = loaded.tokenizer(text, return_tensors="pt")
                length = fixed_length(enc.input_ids.shape[1])
                loaded.model.generate(**enc, min_new_tokens=length, max_new_tokens=length, num_beams=1)
                target_tokens += length
        seconds = time.perf_counter() - start
    else:
        # Every engine runs its own code with the output length fixed through `min_new_tokens`.
        def fixed(options: GenerationOptions, batch) -> tuple[list[int], GenerationOptions]:
            length = fixed_length(max(len(ids) for ids in batch))  # CTranslate2 takes one length per batch
            return [length] * len(batch), dataclasses.replace(options, min_new_tokens=length)

        if row.startswith("ours"):
            from summarize.translate.marian import MarianTranslator

            class Fixed(MarianTranslator):
                def generate_ids(self, batch, max_new_tokens, options: GenerationOptions):
                    return super().generate_ids(batch, *fixed(options, batch))

            engine = Fixed.from_pretrained(model_dir, device="cpu", int8=row.endswith("int8"),
                                           max_batch_tokens=max_batch_tokens)
        else:
            os.environ.setdefault("SUMMARIZE_CACHE", str(MODEL_DIR.parent / "ct2-cache"))
            from summarize.translate.ctranslate2 import CTranslate2Translator

            class FixedCt2(CTranslate2Translator):
                def generate_ids(self, batch, max_new_tokens, options: GenerationOptions):
                    return super().generate_ids(batch, *fixed(options, batch))

            engine = FixedCt2.from_pretrained(model_dir, device="cpu", max_batch_tokens=max_batch_tokens)
        # Degenerate-output retries would add work that differs per engine: off for the benchmark.
        from summarize.translate import base

        base.is_degenerate = lambda english, german: False
        target_tokens = sum(fixed_length(n) for n in engine.count_tokens(texts))
        start = time.perf_counter()
        engine.translate_sentences(texts)
        seconds = time.perf_counter() - start
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {"row": row, "sentences": len(texts), "seconds": seconds, "target_tokens": target_tokens, "peak_mb": peak_mb}


def main() -> None:
    from summarize import Settings

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sentences", type=int, default=1000)
    parser.add_argument("--quick", action="store_true", help="200 sentences")
    parser.add_argument("--threads", type=int, default=min(2, os.cpu_count() or 1))
    parser.add_argument("--max-batch-tokens", type=int, default=Settings().max_batch_tokens)
    parser.add_argument("--row", choices=ROWS, help=argparse.SUPPRESS)  # internal: one row in this process
    args = parser.parse_args()
    n = 200 if args.quick else args.sentences
    if args.row:
        print(json.dumps(run_row(args.row, n, args.threads, args.max_batch_tokens)))
        return
    build_model()
    import ctranslate2
    import torch
    import transformers

    print(f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, torch threads {args.threads}; "
          f"torch {torch.__version__}, transformers {transformers.__version__}, ctranslate2 {ctranslate2.__version__}")
    print(f"model: random weights, opus-mt-de-en architecture; {n} seed sentences; output length = 1.2 × source\n")
    results = []
    for row in ROWS:
        proc = subprocess.run([sys.executable, __file__, "--row", row, "--sentences", str(n), "--threads",
                               str(args.threads), "--max-batch-tokens", str(args.max_batch_tokens)],
                              capture_output=True, text=True, check=True)
        results.append(json.loads(proc.stdout.strip().splitlines()[-1]))
    naive_rate = results[0]["sentences"] / results[0]["seconds"]
    print(f"{'engine':<12} {'sent/s':>8} {'tok/s':>8} {'peak RSS':>10} {'speed-up':>9}")
    for r in results:
        rate = r["sentences"] / r["seconds"]
        print(f"{r['row']:<12} {rate:8.1f} {r['target_tokens'] / r['seconds']:8.0f} {r['peak_mb']:8.0f}MB "
              f"{rate / naive_rate:8.1f}×")


if __name__ == "__main__":
    main()
