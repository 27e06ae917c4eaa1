"""Ray backend throughput with 1 and 2 local workers, against the local path. Run by hand; prints a table.

The seeds are copied into a folder of `--copies` × 5 articles and translated with the random-weight
opus-mt-de-en-architecture model from `bench_translate.py` (default settings: int8 on CPU), with the
extractive summarizer, so the work is the translator's; as random weights never stop on their own, outputs
are capped at 1.2 × the source and retries are off, in this process and (by a setup hook) in every worker. Each Ray worker is an actor with one CPU (Ray sets
its torch threads to 1); the local row runs in this process with as many threads as the machine has cores.
Times are wall-clock for the whole run, model loading in every actor included; Ray's own start-up is not.

    pip install -e '.[ray]'
    python bench/bench_ray.py                 # 8 copies: 40 articles
    python bench/bench_ray.py --copies 2
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "bench")]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--copies", type=int, default=8)
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    args = parser.parse_args()

    import ray
    import torch
    from bench_translate import build_model, cap_random_outputs

    from summarize import Pipeline, Settings
    from summarize.runner import FolderRunner, RayOptions, discover_inputs, run_batch

    settings = Settings(translator=str(build_model()), summarizer="extractive", device="cpu")
    work = Path(tempfile.mkdtemp(prefix="bench-ray-"))
    inputs = work / "in"
    inputs.mkdir()
    for n in range(args.copies):
        for f in sorted((ROOT / "seeds").glob("*.txt")):
            shutil.copy(f, inputs / f"{n:03d}_{f.name}")
    items = list(discover_inputs([inputs]))
    sentences = sum(len(Pipeline(settings.replace(translate=False)).prepare(Path(i.path)).sentences) for i in items)
    cores = os.cpu_count() or 1
    print(f"{len(items)} articles, {sentences} sentences; {cores} cores; {Pipeline(settings).signature}\n")
    rows = []

    cap_random_outputs()  # outputs at 1.2 × source, no retries (random weights): see bench_translate.py
    torch.set_num_threads(cores)
    start = time.perf_counter()
    FolderRunner(Pipeline(settings), work / "local", formats=["json"], use_cache=False).run(items)
    rows.append((f"local, {cores} torch threads", time.perf_counter() - start))

    def worker_setup() -> None:  # runs in every Ray worker process (pickled by value from __main__)
        sys.path[:0] = [str(ROOT), str(ROOT / "bench")]
        from bench_translate import cap_random_outputs

        cap_random_outputs()

    ray.init(num_cpus=cores, include_dashboard=False, log_to_driver=False, logging_level="ERROR",
             runtime_env={"worker_process_setup_hook": worker_setup})
    try:
        for workers in args.workers:
            start = time.perf_counter()
            report = run_batch([inputs], work / f"ray{workers}", settings=settings, ray=RayOptions(workers=workers),
                               formats=["json"], use_cache=False)
            assert not report.failed, report.failed
            rows.append((f"ray, {workers} worker(s) × 1 CPU", time.perf_counter() - start))
    finally:
        ray.shutdown()
        shutil.rmtree(work, ignore_errors=True)
    one_worker = next((s for name, s in rows if name.startswith("ray, 1 ")), rows[0][1])
    print(f"{'run':<28} {'seconds':>8} {'sent/s':>8} {'vs 1 worker':>12}")
    for name, seconds in rows:
        print(f"{name:<28} {seconds:8.1f} {sentences / seconds:8.1f} {one_worker / seconds:11.2f}×")


if __name__ == "__main__":
    main()
