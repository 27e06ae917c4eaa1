"""The whole pipeline on the seeds against the hand-written script: seconds per stage, and each row's peak RSS.

Random-weight models with the real architectures (real weights cannot be downloaded here): opus-mt-de-en's from
`bench_translate.py` and distilbart-cnn-12-6's from `bench_summarize.py`. Random translations are gibberish of
random length, so every row summarizes the German text as its stand-in English (the same length class as a real
translation, so map-reduce does the work real input needs); translations are fixed at 1.2 × the source tokens
and degenerate-output retries are off (see `bench_translate.cap_random_outputs`).

Rows, each in its own process (so that its peak RSS is its own), one after the other, printed as one table:
  hand-written   what a user writes: per-sentence `generate` for translation (fp32, greedy), then one
                 `generate` per article with the summarizer's own settings (beam 4, fp32; input cut at 1,024
                 tokens, no provenance): the baseline
  default        `Settings()` as this machine resolves it (engine auto: CTranslate2 int8 for both models here)
  transformers   `--engine transformers`: int8 translator, fp32 beam-4 summarizer one chunk at a time
  fast           the default with `--fast` (greedy summaries)
  retries        the default in the worst case of degenerate-output retries: every sentence retried with beam 4
Below the table each row's translation checks are timed on their own (they run inside the translation stage).
Our rows run `Pipeline` stage by stage: read, segment, translate, summarize (`summarize_many`: chunks of all
articles batched), provenance, render; model loading is timed as its own stage. CTranslate2 converts each model
once: a first row (`convert`) does it into a fresh cache and reports its time and peak RSS; the timed rows load
the converted models from that cache, as every run after the first does. The machine is shared: the timed rows run
in `--repeat` interleaved rounds and the table shows each row's fastest round (peak RSS: the largest).

    python bench/bench_pipeline.py                               # all rows on the 5 seeds (~5 min on 2 cores)
    python bench/bench_pipeline.py --rows default,transformers   # a subset (the hand-written row always runs)
    python bench/bench_pipeline.py --summarizer extractive       # translation + extractive summary only
    python bench/bench_pipeline.py --device cuda                 # GPU rows (not measured here: no GPU)
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "bench")]
ROWS = ("convert", "hand-written", "default", "transformers", "fast", "retries")


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run_row(row: str, args: argparse.Namespace) -> dict:
    import torch
    from bench_summarize import build_model as build_summarizer
    from bench_translate import build_model as build_translator
    from bench_translate import cap_random_outputs, fixed_length

    torch.set_num_threads(args.threads)
    cap_random_outputs()  # outputs at 1.2 × source, no retries: see bench_translate.py
    if row == "retries":  # the worst case: every sentence found degenerate and retried (beam 4, batched)
        from summarize.translate import base

        base.is_degenerate = lambda english, german: True
    files = sorted((ROOT / "seeds").glob("*.txt"))[: args.articles]
    translator, summarizer = str(build_translator()), str(build_summarizer())
    timings: dict[str, float] = {}

    def timed(stage: str, fn, *a):
        start = time.perf_counter()
        out = fn(*a)
        if args.device.startswith("cuda"):
            torch.cuda.synchronize()
        timings[stage] = timings.get(stage, 0.0) + time.perf_counter() - start
        return out

    from summarize import Settings
    from summarize.document import read_document, replace
    from summarize.segment import segment

    if row == "hand-written":
        from summarize.loading import load_seq2seq

        tr = timed("loading models", lambda: load_seq2seq(translator, device=args.device, dtype="float32"))
        sm = timed("loading models", lambda: load_seq2seq(summarizer, role="summarization", device=args.device,
                                                          dtype="float32"))
        docs = timed("read + segment", lambda: [segment(read_document(f)) for f in files])

        def translate() -> list[list[str]]:
            out = []
            with torch.inference_mode():
                for doc in docs:
                    english = []
                    for s in doc.sentences:  # one sentence per `generate`
                        enc = tr.tokenizer(s.plain, return_tensors="pt").to(tr.device)
                        n = fixed_length(enc.input_ids.shape[1])
                        ids = tr.model.generate(**enc, min_new_tokens=n, max_new_tokens=n, num_beams=1)
                        english.append(tr.tokenizer.decode(ids[0], skip_special_tokens=True))
                    out.append(english)
            return out

        def summarize() -> list[str]:
            out = []
            with torch.inference_mode():
                for doc in docs:  # the stand-in English: the German body text, as in our rows
                    text = " ".join(s.plain for s in doc.content_sentences)
                    enc = sm.tokenizer(text, return_tensors="pt", truncation=True, max_length=1024).to(sm.device)
                    ids = sm.model.generate(**enc)  # the model's own settings: beam 4, 56..142 tokens
                    out.append(sm.tokenizer.decode(ids[0], skip_special_tokens=True))
            return out

        timed("translation (model)", translate)
        timed(f"summary ({args.summarizer})", summarize)
    else:
        from summarize import Pipeline
        from summarize.document import Result
        from summarize.render import render_html, render_json, render_markdown

        settings = Settings(translator=translator, summarizer_model=summarizer, summarizer=args.summarizer,
                            device=args.device)
        if row == "transformers":
            settings = settings.replace(engine="transformers")
        if row == "fast":
            settings = settings.replace(summary_beams=1)
        pipe = timed("loading models", Pipeline, settings)
        timed("loading models", pipe.load_models)
        if row == "convert":
            return {"row": row, "timings": timings, "peak_mb": peak_mb(), "signature": pipe.signature}
        raw = timed("read + segment", lambda: [read_document(f) for f in files])
        docs = timed("read + segment", lambda: [segment(d) for d in raw])
        docs = timed("translation (model)", lambda: pipe.translate_many(docs))
        docs = [r.document for r in docs]
        # The translation checks run inside `translate_many` (timed above); timed again on their own for their share.
        from summarize.checks import check_document

        start = time.perf_counter()
        [check_document(d) for d in docs]
        checks_s = time.perf_counter() - start
        if args.summarizer == "abstractive":  # the German text as stand-in English (see the module docstring)
            docs = [replace(d, sentences=tuple(replace(s, translation=s.plain) for s in d.sentences)) for d in docs]
        summary = pipe.summarizer
        drafts = timed(f"summary ({args.summarizer})",
                       lambda: summary.summarize_many([[d] for d in docs], length=settings.length))
        # What `Pipeline.summarize_many` does after the model: provenance links for every draft sentence.
        linked = timed("alignment", lambda: [pipe._summary([d], [d], dr) for dr, d in zip(drafts, docs)])
        results = [Result(document=d, summary=s) for d, s in zip(docs, linked)]
        timed("rendering", lambda: [(render_json(r), render_markdown(r), render_html(r)) for r in results])
        assert all(len(s.sentences) == len(dr.sentences) for s, dr in zip(linked, drafts))
        return {"row": row, "timings": timings, "peak_mb": peak_mb(), "signature": pipe.signature,
                "sentences": sum(len(d.sentences) for d in docs), "checks_s": checks_s}
    return {"row": row, "timings": timings, "peak_mb": peak_mb(), "signature": "hand-written",
            "sentences": sum(len(d.sentences) for d in docs)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--summarizer", choices=("extractive", "abstractive"), default="abstractive")
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--articles", type=int, default=5, help="the first N seeds")
    parser.add_argument("--rows", help=f"comma-separated subset of {', '.join(ROWS[2:])}")
    parser.add_argument("--skip-baseline", action="store_true", help="no hand-written row (no speed-up column)")
    parser.add_argument("--repeat", type=int, default=2, help="interleaved rounds; the fastest counts")
    parser.add_argument("--row", help=argparse.SUPPRESS)  # internal: one row in this process
    args = parser.parse_args()
    if args.row:
        print(json.dumps(run_row(args.row, args)))
        return
    from bench_summarize import build_model as build_summarizer
    from bench_translate import build_model as build_translator

    build_translator(), build_summarizer()  # once, before any row (cached under ~/.cache/summarize/bench)
    rows = ["convert", *([] if args.skip_baseline else ["hand-written"]), *(args.rows.split(",") if args.rows else ROWS[2:])]
    runs: dict[str, list[dict]] = {row: [] for row in rows}
    with tempfile.TemporaryDirectory(prefix="ct2-first-run-") as cache:
        env = {**os.environ, "SUMMARIZE_CACHE": cache}  # a fresh cache: the first row converts, the rest load
        for round_ in range(max(1, args.repeat)):
            for row in rows if round_ == 0 else rows[1:]:
                cmd = [sys.executable, __file__, "--row", row, "--summarizer", args.summarizer, "--device",
                       args.device, "--threads", str(args.threads), "--articles", str(args.articles)]
                proc = subprocess.run(cmd, capture_output=True, text=True, env=env, check=False)
                if proc.returncode:
                    sys.exit(f"row {row} failed:\n{proc.stderr[-3000:]}")
                runs[row].append(json.loads(proc.stdout.strip().splitlines()[-1]))
                print(f"  {row}: done (round {round_ + 1})", file=sys.stderr)
    results = []
    for row in rows:  # each row's fastest round, with the largest peak RSS of all its rounds
        best = min(runs[row], key=lambda r: sum(r["timings"].values()))
        results.append({**best, "peak_mb": max(r["peak_mb"] for r in runs[row])})
    convert, rest = results[0], results[1:]
    base = None if args.skip_baseline else sum(rest[0]["timings"].values())
    print(f"{args.articles} seed articles, {rest[0]['sentences']} sentences; summarizer {args.summarizer}; "
          f"{args.threads} threads; device {args.device}; load {_load()}")
    print(f"first run only: CTranslate2 conversion of both models, model loading included: "
          f"{sum(convert['timings'].values()):.1f} s, peak RSS {convert['peak_mb']:.0f} MB ({convert['signature']})\n")
    stages = ["loading models", "read + segment", "translation (model)", f"summary ({args.summarizer})",
              "alignment", "rendering"]
    print(f"{'row':<14}" + "".join(f"{s.split(' (')[0][:12]:>13}" for s in stages)
          + f"{'total s':>9}{'speed-up':>9}{'peak RSS':>10}")
    for r in rest:
        total = sum(r["timings"].values())
        cells = "".join(f"{r['timings'][s]:13.2f}" if s in r["timings"] else f"{'-':>13}" for s in stages)
        speed = f"{base / total:8.1f}×" if base else f"{'-':>9}"
        print(f"{r['row']:<14}{cells}{total:9.1f}{speed}{r['peak_mb']:7.0f} MB")
    for r in rest if args.skip_baseline else rest[1:]:
        share = 100 * r["checks_s"] / r["timings"]["translation (model)"]
        print(f"  {r['row']}: {r['signature']}; translation checks {r['checks_s'] * 1000:.0f} ms "
              f"({share:.1f} % of the translation stage, which includes them)")
    print(f"fastest of {max(1, args.repeat)} interleaved rounds; load at the end: {_load()}")


def _load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


if __name__ == "__main__":
    main()
