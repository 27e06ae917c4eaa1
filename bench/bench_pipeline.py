"""Where the time goes: the whole pipeline on the seeds (translate + extractive summary + all renderers).

Uses the random-weight opus-mt-architecture model that `bench_translate.py` builds (real weights cannot be
downloaded here); model loading is excluded. Prints seconds per stage and each stage's share: everything
but the model calls should be well under 5 % of the total. Run by hand.

    python bench/bench_pipeline.py [--int8]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "bench"), str(ROOT / "tests")]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--int8", action="store_true")
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()

    import torch
    from bench_translate import build_model

    from summarize import Pipeline, Settings
    from summarize.document import Result, read_document
    from summarize.pipeline import _linked_sentences
    from summarize.render import render_html, render_json, render_markdown
    from summarize.segment import segment
    from summarize.translate import translate_documents

    torch.set_num_threads(args.threads)
    settings = Settings(translator=str(build_model()), summarizer="extractive", device="cpu", int8=args.int8)
    pipe = Pipeline(settings)
    pipe.load_models()
    files = sorted((ROOT / "seeds").glob("*.txt"))
    timings: dict[str, float] = {}

    def timed(stage: str, fn, *a):
        start = time.perf_counter()
        out = fn(*a)
        timings[stage] = timings.get(stage, 0.0) + time.perf_counter() - start
        return out

    raw = timed("read", lambda: [read_document(f) for f in files])
    docs = timed("segmentation", lambda: [segment(d) for d in raw])
    docs = timed("translation (model)", translate_documents, docs, pipe.translator)
    drafts = timed("summary (extractive)", lambda: [pipe.summarizer([d], length="medium") for d in docs])
    timed("alignment", lambda: [_linked_sentences(dr, [d], settings, "en") for dr, d in zip(drafts, docs)])
    results = [Result(document=d, summary=pipe.summarize([d])) for d in docs]  # the renderers' input
    timed("rendering", lambda: [(render_json(r), render_markdown(r), render_html(r)) for r in results])
    total = sum(timings.values())
    n = sum(len(d.sentences) for d in docs)
    print(f"{len(files)} seed articles, {n} sentences, int8={args.int8}, torch threads {args.threads}\n")
    print(f"{'stage':<22} {'seconds':>8} {'share':>7}")
    for stage, seconds in timings.items():
        print(f"{stage:<22} {seconds:8.2f} {seconds / total:6.1%}")
    outside = total - timings["translation (model)"]
    print(f"{'total':<22} {total:8.2f}\neverything but the model calls: {outside / total:.1%}")


if __name__ == "__main__":
    main()
