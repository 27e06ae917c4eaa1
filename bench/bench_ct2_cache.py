"""What the CTranslate2 cache's check costs per load, next to a hash of the whole files and the load itself.

Every load checks the cache entry first (`loading.cache.entry_problem`: each file's size and a hash of its first
and last MiB). The model is random-weight with opus-mt-de-en's real architecture (as in bench_translate.py),
converted in int8 (the CPU default, model.bin ~75 MB) and float32 (~300 MB, the size of distilbart in int8).
Times are medians with the files in the page cache, as on every load but the first after a reboot.

    python bench/bench_ct2_cache.py
"""

from __future__ import annotations

import hashlib
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT)]

MODEL_DIR = Path(os.environ.get("SUMMARIZE_BENCH_DIR", Path.home() / ".cache" / "summarize" / "bench")) / "opus-mt-arch"


def median_ms(run, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        run()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def whole_hash(folder: Path) -> None:
    for path in folder.iterdir():
        digest = hashlib.blake2b(digest_size=16)
        with path.open("rb") as f:
            while chunk := f.read(1 << 20):
                digest.update(chunk)


def main() -> None:
    from summarize.loading import convert_ctranslate2
    from tools.tiny_models import build_marian

    if not (MODEL_DIR / "config.json").exists():
        build_marian(MODEL_DIR, vocab_size=8000, model_vocab_size=58101, d_model=512, layers=6, heads=8, ffn=2048)
    with tempfile.TemporaryDirectory() as cache:
        os.environ["SUMMARIZE_CACHE"] = cache
        print("| conversion | model.bin | check (per load) | whole-file blake2b | ctranslate2.Translator load |")
        print("|---|---|---|---|---|")
        for quantization in ("int8", "float32"):
            print(row(convert_ctranslate2(str(MODEL_DIR), quantization=quantization), quantization))


def row(entry: Path, quantization: str) -> str:
    import ctranslate2

    from summarize.loading.cache import entry_problem

    assert entry_problem(entry) is None
    size = (entry / "model.bin").stat().st_size / 1e6
    check = median_ms(lambda: entry_problem(entry), 21)
    full = median_ms(lambda: whole_hash(entry), 5)
    load = median_ms(lambda: ctranslate2.Translator(str(entry), device="cpu", compute_type=quantization,
                                                    intra_threads=1), 3)
    return f"| {quantization} | {size:.0f} MB | {check:.1f} ms | {full:.0f} ms | {load:.0f} ms |"


if __name__ == "__main__":
    main()
