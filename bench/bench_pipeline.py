"""Where the time and memory go: the whole pipeline on the seeds, stage by stage, and its peak RSS.

Uses random-weight models with the real architectures (real weights cannot be downloaded here): opus-mt-de-en's
from `bench_translate.py` and, with `--summarizer abstractive`, distilbart-cnn-12-6's from `bench_summarize.py`
(which then summarizes the German text as a stand-in for the gibberish translations, see below).
Settings are the defaults (int8 translator on CPU, beam-4 fp32 summarizer) unless flags say otherwise; model
loading is timed as its own stage. Prints seconds per stage, each stage's share, and the process's peak RSS
(the target: < 2.5 GB for a translate + summarize run). Run by hand.

    python bench/bench_pipeline.py                            # translate + extractive summary
    python bench/bench_pipeline.py --summarizer abstractive   # translate + distilbart-size summarizer
"""

from __future__ import annotations

import argparse
import resource
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "bench")]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--summarizer", choices=("extractive", "abstractive"), default="extractive")
    parser.add_argument("--no-int8", action="store_true", help="fp32 translator")
    parser.add_argument("--fast", action="store_true", help="greedy summarizer (the CLI's --fast)")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--articles", type=int, default=5, help="the first N seeds")
    args = parser.parse_args()

    import torch
    from bench_summarize import build_model as build_summarizer
    from bench_translate import build_model as build_translator
    from bench_translate import cap_random_outputs

    from summarize import Pipeline, Settings
    from summarize.document import Result, read_document, replace
    from summarize.pipeline import _linked_sentences
    from summarize.render import render_html, render_json, render_markdown
    from summarize.segment import segment
    from summarize.translate import translate_documents

    torch.set_num_threads(args.threads)
    cap_random_outputs()  # outputs at 1.2 × source, no retries: see bench_translate.py
    settings = Settings(
        translator=str(build_translator()), summarizer_model=str(build_summarizer()), summarizer=args.summarizer,
        device="cpu", int8=False if args.no_int8 else None, summary_beams=1 if args.fast else 4,
    )
    files = sorted((ROOT / "seeds").glob("*.txt"))[: args.articles]
    timings: dict[str, float] = {}
    peaks: dict[str, float] = {}  # peak RSS (MB) of the process when the stage ended

    def timed(stage: str, fn, *a):
        start = time.perf_counter()
        out = fn(*a)
        timings[stage] = timings.get(stage, 0.0) + time.perf_counter() - start
        peaks[stage] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        return out

    pipe = timed("loading models", Pipeline, settings)
    timed("loading models", pipe.load_models)
    if args.summarizer == "abstractive":
        # The stand-in's tokenizer (trained on the seeds) knows ~3,000 of the 50,264 ids of distilbart's output
        # layer; the others decode to nothing. Real weights never pick them; random ones would, all the time.
        loaded = pipe.summarizer.model
        loaded.model.generation_config.suppress_tokens = list(range(len(loaded.tokenizer), loaded.model.config.vocab_size))
    raw = timed("read", lambda: [read_document(f) for f in files])
    docs = timed("segmentation", lambda: [segment(d) for d in raw])
    docs = timed("translation (model)", translate_documents, docs, pipe.translator)
    if args.summarizer == "abstractive":
        # Random translations are gibberish of random length; the summarizer reads the German text as its stand-in
        # English (the same length class as a real translation), so map-reduce does the work real input needs.
        docs = [replace(d, sentences=tuple(replace(s, translation=s.text) for s in d.sentences)) for d in docs]
    drafts = timed(f"summary ({args.summarizer})", lambda: [pipe.summarizer([d], length="medium") for d in docs])
    linked = timed("alignment", lambda: [_linked_sentences(dr, [d], pipe.settings, "en") for dr, d in zip(drafts, docs)])
    results = [Result(document=d, summary=pipe.summarize([d])) for d in docs]  # the renderers' input
    timed("rendering", lambda: [(render_json(r), render_markdown(r), render_html(r)) for r in results])
    assert all(len(s) == len(dr.sentences) for s, dr in zip(linked, drafts))
    total = sum(timings.values())
    n = sum(len(d.sentences) for d in docs)
    print(f"{len(files)} seed articles, {n} sentences; {pipe.settings.signature}; torch threads {args.threads}\n")
    print(f"{'stage':<26} {'seconds':>8} {'share':>7} {'peak RSS after':>15}")
    for stage, seconds in timings.items():
        print(f"{stage:<26} {seconds:8.2f} {seconds / total:6.1%} {peaks[stage]:12.0f} MB")
    models = timings["loading models"] + timings["translation (model)"]
    models += timings[f"summary ({args.summarizer})"] if args.summarizer == "abstractive" else 0.0
    print(f"{'total':<26} {total:8.2f}\neverything but loading and model calls: {(total - models) / total:.1%}")


if __name__ == "__main__":
    main()
