"""Translation speed: naive loop vs our engine vs CTranslate2. Run by hand; prints a table.

Real weights cannot be downloaded here, so the model is random-weight with opus-mt-de-en's real
architecture (d_model 512, 6+6 layers, 8 heads, ffn 2048, vocab 58,101), and every engine generates a fixed
number of tokens (source length × 1.2: end of sentence held off until then), so all rows do the same work. Each row
runs in its own process so that its peak memory is its own. Rows on CPU: naive loop (one sentence per
`generate`, fp32), ours fp32 (`--no-int8`), ours int8 (the CPU default), CTranslate2 int8. On a GPU
(`--device cuda`): naive fp32, ours fp32, ours fp16, CTranslate2 fp16.

    python bench/bench_translate.py                 # 1,000 sentences (a few minutes on 2 cores)
    python bench/bench_translate.py --quick         # 200 sentences
    python bench/bench_translate.py --device cuda --sentences 5000
    python bench/bench_translate.py --retries --quick    # worst case: every sentence retried (beam 4)
"""

from __future__ import annotations

import argparse
import copy
import json
import math
import os
import platform
import resource
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT)]

MODEL_DIR = Path(os.environ.get("SUMMARIZE_BENCH_DIR", Path.home() / ".cache" / "summarize" / "bench")) / "opus-mt-arch"
ROWS = {  # row -> (engine, int8, dtype); "ours-int8" is the default CPU path, "ours-fp16" a GPU one
    "cpu": {"naive": ("naive", False, "float32"), "ours-fp32": ("ours", False, "float32"),
            "ours-int8": ("ours", True, "float32"), "ct2-int8": ("ct2", False, "auto")},
    "cuda": {"naive": ("naive", False, "float32"), "ours-fp32": ("ours", False, "float32"),
             "ours-fp16": ("ours", False, "float16"), "ct2-fp16": ("ct2", False, "auto")},
}  # fmt: skip
NAIVE_SUBSET = 40  # the naive loop is timed on a subset and its rate extrapolated
# `--retries`: the worst case of degenerate-output retries, every sentence retried once with beam search (beam 4,
# the same fixed output length), against the same engine with none. Row -> (engine row, retries).
RETRY_ROWS = {
    "ct2-int8": ("ct2-int8", None), "ct2-int8 all retried": ("ct2-int8", "batched"),
    "ct2-int8 all retried 1-by-1": ("ct2-int8", "one"),
    "ours-int8": ("ours-int8", None), "ours-int8 all retried": ("ours-int8", "batched"),
    "ours-int8 all retried 1-by-1": ("ours-int8", "one"),
    "ours-fp32": ("ours-fp32", None), "ours-fp32 all retried": ("ours-fp32", "batched"),
}  # fmt: skip


def build_model() -> Path:
    from tools.tiny_models import build_marian

    if not (MODEL_DIR / "config.json").exists():
        build_marian(MODEL_DIR, vocab_size=8000, model_vocab_size=58101, d_model=512, layers=6, heads=8, ffn=2048)
    return MODEL_DIR


def sentences(n: int) -> list[str]:
    from summarize import load_document

    pool = [s.text for f in sorted((ROOT / "seeds").glob("*.txt")) for s in load_document(f).content_sentences]
    return [pool[i % len(pool)] for i in range(n)]


def fixed_length(n_source_tokens: int) -> int:
    return math.ceil(n_source_tokens * 1.2)


def cap_random_outputs() -> None:
    """For whole-pipeline benchmarks, in this process: random weights never stop on their own and always look
    degenerate, so each output is capped at 1.2 × its source (real opus-mt's length) and retries are off."""
    from summarize.translate import base

    base._max_new_tokens = lambda source_tokens, window: min(window, fixed_length(source_tokens))
    base.is_degenerate = lambda english, german: False


@contextmanager
def marian_min_length(engine, length: int):
    """While it lasts, the transformers engine generates `length` new tokens on every row: end of sentence is
    banned in its greedy loop, and `generate` (beam search: the retries) reads `min_new_tokens` from the model's
    generation config. Only this benchmark fixes lengths, so the package has no option for it."""
    plan, config = engine._greedy, engine.loaded.model.generation_config
    if plan is not None:
        engine._greedy = copy.copy(plan)
        engine._greedy.banned = tuple(plan.banned) + tuple(plan.eos)
    config.min_new_tokens = length
    try:
        yield
    finally:
        engine._greedy, config.min_new_tokens = plan, None


class FullLengthRuntime:
    """A `ctranslate2.Translator` whose outputs all run to their limit (`min_decoding_length` = the maximum)."""

    def __init__(self, runtime) -> None:
        self.runtime = runtime

    def translate_batch(self, tokens, *args, **options):
        return self.runtime.translate_batch(tokens, *args, min_decoding_length=options["max_decoding_length"], **options)


def retry_one_at_a_time(engine) -> None:
    """Retries as they ran before they were batched, for the row that batching is measured against: each piece
    alone, under its first-pass limit. The package only batches them; this lives here, over its private steps."""
    from summarize.translate.base import RETRY_OPTIONS, _hypothesis

    def alone(retry, ids):
        return [(i, _hypothesis(engine._generate_halving([list(ids[i])], [engine._limit(ids[i])], RETRY_OPTIONS)[0]))
                for i in retry]  # fmt: skip

    engine._retry = alone


def run_row(row: str, device: str, n: int, threads: int, max_batch_tokens: int) -> dict:
    import torch

    torch.set_num_threads(threads)
    engine_row, retries = RETRY_ROWS.get(row, (row, None))
    engine_name, int8, dtype = ROWS[device.split(":")[0]][engine_row]
    texts = sentences(n)
    model_dir = str(build_model())
    from summarize.translate.base import GenerationOptions

    def sync() -> None:
        if device.startswith("cuda"):
            torch.cuda.synchronize()

    if engine_name == "naive":
        from summarize.loading import load_seq2seq

        loaded = load_seq2seq(model_dir, device=device, dtype=dtype)
        texts = texts[:NAIVE_SUBSET]
        start = time.perf_counter()
        target_tokens = 0
        with torch.inference_mode():
            for text in texts:  # what a user hand-writes: one sentence at a time, plain generate
                enc = loaded.tokenizer(text, return_tensors="pt").to(loaded.device)
                length = fixed_length(enc.input_ids.shape[1])
                loaded.model.generate(**enc, min_new_tokens=length, max_new_tokens=length, num_beams=1)
                target_tokens += length
        sync()
        seconds = time.perf_counter() - start
    else:
        # Every engine runs its own code with the output length fixed (one length per batch, as CTranslate2 takes).
        def fixed(batch) -> list[int]:
            return [fixed_length(max(len(ids) for ids in batch))] * len(batch)

        if engine_name == "ours":
            from summarize.translate.marian import MarianTranslator

            class Fixed(MarianTranslator):
                def generate_ids(self, batch, max_new_tokens, options: GenerationOptions):
                    limits = fixed(batch)
                    with marian_min_length(self, limits[0]):
                        return super().generate_ids(batch, limits, options)

            from summarize.loading import load_seq2seq

            loaded = load_seq2seq(model_dir, device=device, dtype=dtype, int8=int8)
            engine = Fixed(loaded, max_batch_tokens=max_batch_tokens)
        else:
            os.environ.setdefault("SUMMARIZE_CACHE", str(MODEL_DIR.parent / "ct2-cache"))
            from summarize.translate.ctranslate2 import CTranslate2Translator

            class FixedCt2(CTranslate2Translator):
                def generate_ids(self, batch, max_new_tokens, options: GenerationOptions):
                    return super().generate_ids(batch, fixed(batch), options)

            from summarize.loading import load_ctranslate2

            engine = FixedCt2(load_ctranslate2(model_dir, device=device), max_batch_tokens=max_batch_tokens)
            engine.runtime = FullLengthRuntime(engine.runtime)
        # Degenerate-output retries would add work that differs per engine: off for the benchmark, or (--retries)
        # every sentence retried, the worst case.
        from summarize.translate import base

        base.is_degenerate = (lambda english, german: True) if retries else (lambda english, german: False)
        if retries == "one":
            retry_one_at_a_time(engine)
        target_tokens = sum(fixed_length(n) for n in engine.count_tokens(texts))
        engine.translate_sentences(texts[:8])  # warm-up (GPU kernels, allocator)
        sync()
        start = time.perf_counter()
        engine.translate_sentences(texts)
        sync()
        seconds = time.perf_counter() - start
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    gpu_mb = torch.cuda.max_memory_allocated() / 2**20 if device.startswith("cuda") else 0.0
    return {"row": row, "sentences": len(texts), "seconds": seconds, "target_tokens": target_tokens,
            "peak_mb": peak_mb, "gpu_mb": gpu_mb}


def main() -> None:
    from summarize.loading.devices import default_batch_tokens

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sentences", type=int, default=1000)
    parser.add_argument("--quick", action="store_true", help="200 sentences")
    parser.add_argument("--device", default="cpu", help="cpu or cuda[:N]")
    parser.add_argument("--threads", type=int, default=min(2, os.cpu_count() or 1))
    parser.add_argument("--max-batch-tokens", type=int, default=None, help="default: the device's default")
    parser.add_argument("--retries", action="store_true", help="rows with every sentence retried (worst case)")
    parser.add_argument("--rows", help="comma-separated subset of the rows (the first row always runs)")
    parser.add_argument("--row", help=argparse.SUPPRESS)  # internal: one row in this process
    args = parser.parse_args()
    n = 200 if args.quick else args.sentences
    kind = args.device.split(":")[0]
    budget = args.max_batch_tokens or default_batch_tokens(kind)
    if args.row:
        print(json.dumps(run_row(args.row, args.device, n, args.threads, budget)))
        return
    build_model()
    import ctranslate2
    import torch
    import transformers

    gpu = f", {torch.cuda.get_device_name(args.device)}" if kind == "cuda" else ""
    print(f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, torch threads "
          f"{args.threads}{gpu}; torch {torch.__version__}, transformers {transformers.__version__}, "
          f"ctranslate2 {ctranslate2.__version__}")
    print(f"model: random weights, opus-mt-de-en architecture; {n} seed sentences; output length = 1.2 × source; "
          f"{budget} padded tokens per batch\n")
    results = []
    rows = list(RETRY_ROWS if args.retries else ROWS[kind])
    if args.rows:
        rows = [r for n, r in enumerate(rows) if n == 0 or r in args.rows.split(",")]
    for row in rows:
        proc = subprocess.run([sys.executable, __file__, "--row", row, "--device", args.device, "--sentences",
                               str(n), "--threads", str(args.threads), "--max-batch-tokens", str(budget)],
                              capture_output=True, text=True, check=True)
        results.append(json.loads(proc.stdout.strip().splitlines()[-1]))
    naive_rate = results[0]["sentences"] / results[0]["seconds"]
    width = max(len(r["row"]) for r in results) + 1
    print(f"{'engine':<{width}} {'sent/s':>8} {'tok/s':>8} {'peak RSS':>10} {'GPU mem':>9} {'speed-up':>9}"
          + ("  cost vs no retries" if args.retries else ""))
    plain: dict[str, float] = {}
    for r in results:
        rate = r["sentences"] / r["seconds"]
        gpu_mem = f"{r['gpu_mb']:7.0f}MB" if r["gpu_mb"] else f"{'-':>9}"
        engine_row, retries = RETRY_ROWS.get(r["row"], (r["row"], None))
        cost = ""
        if args.retries:
            plain.setdefault(engine_row, r["seconds"])
            cost = f"  {r['seconds'] / plain[engine_row]:.2f}×" if retries else ""
        print(f"{r['row']:<{width}} {rate:8.1f} {r['target_tokens'] / r['seconds']:8.0f} {r['peak_mb']:8.0f}MB "
              f"{gpu_mem} {rate / naive_rate:8.1f}×{cost}")
    print(f"load at the end: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
