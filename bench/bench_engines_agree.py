"""How often the summarizer's two engines produce the same summary tokens, on the tests' tiny random BART.

transformers fp32 (`--engine transformers --no-int8`) against CTranslate2 float32 (`--engine ctranslate2
--no-int8`), and CTranslate2 int8 (the CPU default) against both: greedy and beam 4, with and without
`no_repeat_ngram_size=3`, on up to 60 chunks of 2-4 consecutive seed sentences (those that fit the 128-token window) (the summarizer's own source ids, length
bounds 10..40 new tokens). Two models: the tests' tiny BART as built (its near-degenerate output repeats a few
tokens), and the same with larger random weights (N(0, 0.3)), whose output varies from chunk to chunk.
The greedy fp32 pair must agree everywhere (a test checks it on the tests' model); beam search is reported,
and again against transformers with `renormalize_logits=True`: CTranslate2 renormalizes the scores after banning
repeated n-grams, transformers by default does not, so beam scores (not greedy picks) differ where a ban hits.

    python bench/bench_engines_agree.py              # 60 chunks per setting
"""

from __future__ import annotations

import argparse
import functools
import os
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--chunks", type=int, default=60)
    args = parser.parse_args()

    import torch

    from summarize import load_document
    from tools.tiny_models import build_bart

    torch.set_num_threads(1)
    with tempfile.TemporaryDirectory() as tmp:
        os.environ["SUMMARIZE_CACHE"] = str(Path(tmp) / "ct2")
        plain = build_bart(Path(tmp) / "tiny", max_positions=128)
        spread = build_bart(Path(tmp) / "spread", max_positions=128)
        spread_weights(spread)
        lines = [s.plain for f in sorted((ROOT / "seeds").glob("*.txt")) for s in load_document(f).content_sentences]
        print("chunks whose summaries agree token for token (one chunk per call):")
        print(f"{'model':<8} {'search':<20} {'fp32 = ct2 f32':>15} {'ct2 int8 = ct2 f32':>19} "
              f"{'ct2 int8 = fp32':>16} {'fp32 renorm. = ct2 f32':>23}")
        for label, folder in (("tiny", plain), ("spread", spread)):
            compare(label, str(folder), lines, args.chunks)


def spread_weights(folder: Path) -> None:
    import torch
    from transformers import BartForConditionalGeneration

    model = BartForConditionalGeneration.from_pretrained(folder)
    torch.manual_seed(0)
    with torch.no_grad():
        for p in model.parameters():
            if p.dim() > 1:
                p.normal_(0.0, 0.3)
    model.save_pretrained(folder)


def compare(label: str, folder: str, lines: list[str], n: int) -> None:
    from summarize.loading import load_ctranslate2, load_seq2seq
    from summarize.summarizers.abstractive import AbstractiveSummarizer
    from summarize.summarizers.ctranslate2 import CTranslate2Engine
    from summarize.summarizers.engine import Bounds, DecodeOptions, TransformersEngine

    fp32 = TransformersEngine(load_seq2seq(folder, role="summarization", device="cpu", dtype="float32"))
    f32 = CTranslate2Engine(load_ctranslate2(folder, role="summarization", device="cpu", int8=False))
    int8 = CTranslate2Engine(load_ctranslate2(folder, role="summarization", device="cpu", int8=True))
    summarizer = AbstractiveSummarizer(fp32)
    sources, i = [], 0
    while len(sources) < n and i < len(lines):
        ids = summarizer._source_ids(summarizer._units(lines[i : i + 2 + i % 3]))
        if len(ids) <= 128:
            sources.append(ids)
        i += 2 + i % 3
    bounds = Bounds(10, 40)
    renormalized = TransformersEngine(fp32.loaded)
    model = fp32.loaded.model
    generate = model.generate
    for beams in (1, 4):
        for ngram in (0, 3):
            options = DecodeOptions(num_beams=beams, no_repeat_ngram_size=ngram)
            # One chunk per call: agreement between engines, not between batch shapes.
            a, b, c = ([e.generate([ids], bounds, options)[0] for ids in sources] for e in (fp32, f32, int8))
            model.generate = functools.partial(generate, renormalize_logits=True)
            d = [renormalized.generate([ids], bounds, options)[0] for ids in sources]
            model.generate = generate
            same = [sum(x.text == y.text for x, y in zip(p, q)) for p, q in ((a, b), (c, b), (c, a), (d, b))]
            search = f"{'greedy' if beams == 1 else 'beam 4'}{', no-repeat 3' if ngram else ''}"
            cells = " ".join(f"{f'{k}/{len(sources)}':>{w}}" for k, w in zip(same, (15, 19, 16, 23)))
            print(f"{label:<8} {search:<20} {cells}")


if __name__ == "__main__":
    main()
