"""What the CTranslate2 cache's check costs per load, next to a hash of the whole files and the load itself.

Every load checks the cache entry first (`loading.cache.entry_problem`): each file's size and stat, and a SHA-256
of the whole file when its stat changed since its last check (a write, a copy: then the new stat is recorded).
Measured: the check of an unchanged entry, the check after every file was touched (hashed whole), and the load.
The model is random-weight with opus-mt-de-en's real architecture (as in bench_translate.py),
converted in int8 (the CPU default, model.bin ~75 MB) and float32 (~300 MB, the size of distilbart in int8).
Times are medians with the files in the page cache, as on every load but the first after a reboot.

    python bench/bench_ct2_cache.py
"""

from __future__ import annotations

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


def touched_check(folder: Path) -> None:
    """entry_problem after each file's stat changed (its ctime: as after a write or a copy): every file hashed."""
    from summarize.loading.cache import CHECK_FILE, entry_problem

    for path in folder.iterdir():
        if path.name != CHECK_FILE:
            os.utime(path)
    assert entry_problem(folder) is None


def main() -> None:
    from summarize.loading import convert_ctranslate2
    from tools.tiny_models import build_marian

    if not (MODEL_DIR / "config.json").exists():
        build_marian(MODEL_DIR, vocab_size=8000, model_vocab_size=58101, d_model=512, layers=6, heads=8, ffn=2048)
    with tempfile.TemporaryDirectory() as cache:
        os.environ["SUMMARIZE_CACHE"] = cache
        print("| conversion | model.bin | check (per load) | check after a change (sha256 whole) | ctranslate2.Translator load |")
        print("|---|---|---|---|---|")
        for quantization in ("int8", "float32"):
            print(row(convert_ctranslate2(str(MODEL_DIR), quantization=quantization), quantization))


def row(entry: Path, quantization: str) -> str:
    import ctranslate2

    from summarize.loading.cache import entry_problem

    assert entry_problem(entry) is None
    size = (entry / "model.bin").stat().st_size / 1e6
    check = median_ms(lambda: entry_problem(entry), 21)
    full = median_ms(lambda: touched_check(entry), 5)
    load = median_ms(lambda: ctranslate2.Translator(str(entry), device="cpu", compute_type=quantization,
                                                    intra_threads=1), 3)
    return f"| {quantization} | {size:.0f} MB | {check:.1f} ms | {full:.0f} ms | {load:.0f} ms |"


if __name__ == "__main__":
    main()
