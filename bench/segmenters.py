"""Score sentence segmenters on the German news case table; print accuracy and speed.

    python bench/segmenters.py

Rows: each library on its own (whole case text in, stripped sentences out), and our segmenter
(`summarize.segment`: lines/blocks, German-news vetoes and extra cuts) on top of each base.
Accuracy is the share of cases whose sentence list matches exactly. Speed is measured on the five
seeds and on a 1 MB single line (a real paragraph repeated).
"""

from __future__ import annotations

import functools
import sys
import time
from collections.abc import Callable
from pathlib import Path
from unittest import mock

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT)]

from summarize import segment as segment_module
from summarize.document import document_from_text
from summarize.segment import BaseSplitter, pysbd_sentences, segment, split_sentences
from tools.segment_cases import SENTENCE_CASES

Splitter = Callable[[str], list[str]]


def syntok_sentences(text: str) -> list[str]:
    from syntok import segmenter

    return ["".join(t.spacing + t.value for t in s) for p in segmenter.analyze(text) for s in p]


def blingfire_sentences(text: str) -> list[str]:
    import blingfire

    return blingfire.text_to_sentences(text).split("\n")


def no_base(text: str) -> list[str]:
    return [text]  # only our rule candidates cut


BASES: dict[str, BaseSplitter] = {
    "pysbd": pysbd_sentences, "syntok": syntok_sentences, "blingfire": blingfire_sentences, "rules": no_base,
}


def library(name: str) -> Splitter:
    base = BASES[name]
    return lambda text: [s.strip() for s in base(text) if s.strip()]


def ours(base_name: str) -> Splitter:
    """Our segmenter over another base: `segment` splits every block with `split_sentences`, here given `base`."""
    with_base = functools.partial(split_sentences, base=BASES[base_name])

    def split(text: str) -> list[str]:
        with mock.patch.object(segment_module, "split_sentences", with_base):
            return [s.text for s in segment(document_from_text(text, max_chars=len(text))).sentences]

    return split


def accuracy(split: Splitter) -> tuple[int, list[str]]:
    failed = [case_id for case_id, text, expected in SENTENCE_CASES if split(text) != expected]
    return len(SENTENCE_CASES) - len(failed), failed


def seconds(split: Splitter, texts: list[str]) -> float:
    t0 = time.perf_counter()
    for text in texts:
        split(text)
    return time.perf_counter() - t0


def main() -> None:
    import argparse

    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--no-big", action="store_true", help="skip the 1 MB line (pysbd alone takes minutes)")
    args = parser.parse_args()
    seeds = [p.read_text(encoding="utf-8") for p in sorted((ROOT / "seeds").glob("*.txt"))]
    paragraph = max(seeds[1].split("\n\n"), key=len) + " "
    one_mb_line = (paragraph * (1_000_000 // len(paragraph) + 1))[:1_000_000]
    rows = [(f"{name} (library alone)", library(name)) for name in ("pysbd", "syntok", "blingfire")]
    rows += [(f"ours + {name}", ours(name)) for name in ("pysbd", "syntok", "blingfire", "rules")]
    print(f"{'segmenter':<26} {'exact':>7} {'seeds s':>8} {'1MB line s':>10}  failed cases")
    for label, split in rows:
        correct, failed = accuracy(split)
        seed_time = seconds(split, seeds)
        big_time = float("nan") if args.no_big else seconds(split, [one_mb_line])
        shown = ", ".join(failed[:6]) + (" …" if len(failed) > 6 else "")
        print(
            f"{label:<26} {correct:>3}/{len(SENTENCE_CASES):<3} {seed_time:>8.3f} {big_time:>10.2f}  {shown}"
        )


if __name__ == "__main__":
    main()
