"""What the translation checks cost: microseconds per `check_translation` call, against the translation time.

Runs the checks over every pair of a parallel set (newstest2019 by default: German sources against their
references, which exercise every check) `--repeats` times and keeps the fastest pass, since other work on a
shared machine only ever adds time. The share is taken against `--sentences-per-second` translation (55: the
int8 opus-mt rate measured on this CPU, models.md); the target is under 3 %. Run by hand.

    python bench/bench_checks.py
    python bench/bench_checks.py --src test.de --ref test.en --sentences-per-second 120
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT)]
# On this project's machines; SUMMARIZE_EVAL_DIR elsewhere (a worktree has no ../shared), as for the tests.
NEWSTEST = Path(os.environ.get("SUMMARIZE_EVAL_DIR") or ROOT.parent / "shared" / "eval") / "newstest2019-deen"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--testset", default=None, help="a sacrebleu test set by name, e.g. wmt19")
    parser.add_argument("--src", type=Path, default=None, help=f"default: {NEWSTEST}.de")
    parser.add_argument("--ref", type=Path, default=None, help=f"default: {NEWSTEST}.en")
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--sentences-per-second", type=float, default=55.0)
    args = parser.parse_args()

    from summarize import check_translation
    from summarize.evaluation.cli import parallel_files
    from summarize.evaluation.translation import read_parallel

    if args.testset is None and args.src is None:
        args.src, args.ref = Path(f"{NEWSTEST}.de"), Path(f"{NEWSTEST}.en")
    src, ref = parallel_files(args.testset, args.src, args.ref)
    german, english = read_parallel(src, ref)
    passes = []
    for _ in range(args.repeats):
        started = time.perf_counter()
        for de, en in zip(german, english):
            check_translation(de, en)
        passes.append(time.perf_counter() - started)
    per_pair = min(passes) / len(german)
    share = per_pair * args.sentences_per_second
    print(f"{len(german)} pairs from {src.name}: {per_pair * 1e6:.0f} µs a pair (fastest of {args.repeats} passes; "
          f"median {sorted(passes)[len(passes) // 2] / len(german) * 1e6:.0f} µs)")
    print(f"= {share:.2%} of translating at {args.sentences_per_second:g} sentences/s "
          f"({1e3 / args.sentences_per_second:.1f} ms a sentence)")


if __name__ == "__main__":
    main()
