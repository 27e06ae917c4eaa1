"""What reading a saved web page costs: pages/s and median ms a page, our reader against trafilatura alone.

Our reader is `load_document` on the page's bytes (decoding, text extraction and segmentation: all it does before
translation) plus `kept_text`; trafilatura is plain `trafilatura.extract` with its defaults. These are the readers
`summarize eval pages` scores (`summarize.evaluation.pages`). Every page is read into memory first, each reader
reads one small page to pay its lazy imports, then `--rounds` interleaved rounds read every page with each reader
(the order of the readers alternates between rounds). The machine is shared, and other work only ever adds time,
so the fastest counts: pages/s from each reader's fastest round, ms per page from each page's fastest read. A page
a reader refuses or crashes on is timed all the same and counted. Run by hand:

    python bench/bench_pages.py /work/data/trafeval/tests/eval              # trafilatura's evaluation pages
    python bench/bench_pages.py /work/data/readability/test/test-pages     # readability's (source.html only)
    python bench/bench_pages.py DIR [DIR...] --limit 100 --rounds 5
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT)]
DEV_SET = Path("/work/data/trafeval/tests/eval")  # trafilatura's evaluation pages, on this project's machines
SUFFIXES = (".html", ".htm")


def read_pages(folders: list[Path], limit: int | None) -> list[bytes]:
    """Every HTML file in the folders (readability's expected.html aside: the answers), by path; `limit`: the
    first N."""
    files = sorted(p for folder in folders for p in folder.rglob("*")
                   if p.suffix.lower() in SUFFIXES and p.name != "expected.html")  # fmt: skip
    return [p.read_bytes() for p in files[:limit]]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("folders", nargs="*", type=Path, default=[DEV_SET],
                        help=f"folders of saved pages (*.html, searched recursively); default {DEV_SET}")
    parser.add_argument("--limit", type=int, default=None, help="only the first N pages (by file name)")
    parser.add_argument("--rounds", type=int, default=3, help="interleaved rounds; the fastest counts")
    args = parser.parse_args()

    from summarize.evaluation.pages import READERS, WARM_UP_PAGE

    missing = [str(f) for f in args.folders if not f.is_dir()]
    if missing:
        sys.exit(f"no such folder: {', '.join(missing)} (give a folder of saved pages)")
    pages = read_pages(args.folders, args.limit)
    if not pages:
        sys.exit(f"no *.html pages in {', '.join(map(str, args.folders))}")
    names = list(READERS)
    fastest = {name: [float("inf")] * len(pages) for name in names}  # per page, over the rounds
    rounds: dict[str, list[float]] = {name: [] for name in names}  # per round, all pages
    failed: dict[str, int] = dict.fromkeys(names, 0)
    for name in names:
        READERS[name](WARM_UP_PAGE)
    for round_ in range(max(1, args.rounds)):
        for name in names if round_ % 2 == 0 else names[::-1]:
            reader, total = READERS[name], 0.0
            for i, page in enumerate(pages):
                started = time.perf_counter()
                try:
                    kept = reader(page)
                except Exception:  # noqa: BLE001 - refused (InputError) or crashed: timed and counted all the same
                    kept = None
                seconds = time.perf_counter() - started
                total += seconds
                fastest[name][i] = min(fastest[name][i], seconds)
                if round_ == 0 and kept is None:
                    failed[name] += 1
            rounds[name].append(total)
            print(f"  round {round_ + 1}: {name} {total:.1f} s", file=sys.stderr)

    sizes = sorted(len(page) for page in pages)
    print(f"{len(pages)} pages from {', '.join(map(str, args.folders))} (median {statistics.median(sizes) / 1024:.0f} kB, "
          f"largest {sizes[-1] / 1024:.0f} kB); fastest of {max(1, args.rounds)} interleaved rounds")
    print(f"{'reader':<13}{'pages/s':>9}{'ms/page median':>16}{'p90':>8}{'max':>8}{'refused/crashed':>17}")
    for name in names:
        per_page = sorted(fastest[name])
        p90 = statistics.quantiles(per_page, n=10, method="inclusive")[-1] if len(per_page) > 1 else per_page[0]
        print(f"{name:<13}{len(pages) / min(rounds[name]):9.1f}{statistics.median(per_page) * 1000:16.1f}"
              f"{p90 * 1000:8.0f}{per_page[-1] * 1000:8.0f}{failed[name]:17d}")
    ours, theirs = (sum(fastest[n]) for n in names[:2])
    print(f"{names[0]} takes {ours / theirs:.2f}× the time of {names[1]} (sum of each page's fastest read); "
          f"load {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
