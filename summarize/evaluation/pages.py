"""Page reading measured: how much of the article each reader keeps, and how much site furniture, on saved pages.

A reader turns a saved HTML page into the text it keeps: ours (`summarize`) keeps every sentence of
`load_document` whose role is not "boilerplate" (`kept_text`); plain `trafilatura.extract` is the yardstick.
Both read every page of the same run, one after the other, and each page is scored on two kinds of test set:

    snippets   trafilatura's evaluation set: per page, snippets of the article ("with") and of the page around it
               ("without"). A snippet counts as kept when it appears in the kept text, both with runs of white
               space collapsed to one space. with-snippets kept are true positives, without-snippets kept false
               positives, with-snippets missed false negatives; summed over all snippets of all pages
               (micro-averaged, as trafilatura's own tests/evaluate.py does).
    tokens     mozilla/readability's test pages: each folder's source.html against the article text of its
               expected.html, as bags of word tokens (`\\w+`): a token kept as often as expected is a true positive,
               kept more often a false positive, less often a false negative; summed over all pages (micro).

A page a reader refuses (ours: an InputError such as an over-long page; trafilatura: None) or crashes on keeps
nothing: its with-snippets (or expected tokens) all count as missed, and it is counted. Reading never stops the
run. Timings are taken around the reader alone, the page's bytes already in memory, after each reader has read
one small page (lazy imports are no page's cost).
"""

from __future__ import annotations

import json
import re
import statistics
import time
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

from ..document import Document
from ..errors import InputError, UsageError

# Page bytes → the text it keeps; None or an InputError: the reader refused the page.
Reader = Callable[[bytes], "str | None"]

SNIPPETS, TOKENS = "snippets", "tokens"
REFERENCE = "trafilatura"  # the reader whose kept text the "text kept" ratio divides by
MAX_WORST = 25  # worst pages per reader in the report (the terminal shows fewer)
PAGE_FOLDERS = ("cache", "eval")  # where trafilatura's set keeps its pages, beside evaldata.json
# Read once by every reader before the timed pages: lazy imports and first-call set-up are not a page's cost.
WARM_UP_PAGE = b"<html lang=de><body><p>Ein kurzer Absatz, damit jeder Leser einmal liest.</p></body></html>"

_SPACE = re.compile(r"\s+")
_TOKEN = re.compile(r"\w+")
# The language of <html lang="de-DE"> (or xml:lang): its primary subtag.
_HTML_TAG = re.compile(rb"<html\b[^>]*>", re.IGNORECASE)
_LANG_ATTRIBUTE = re.compile(rb"\blang\s*=\s*[\"']?\s*([A-Za-z]{2,3})(?![A-Za-z])", re.IGNORECASE)


# --- the readers -------------------------------------------------------------------------------------


def kept_text(doc: Document) -> str:
    """What our reader keeps of a page as its article: the plain text of every sentence that is not
    boilerplate (site furniture), joined with spaces."""
    return " ".join(s.plain for s in doc.sentences if s.role != "boilerplate")


def read_with_summarize(page: bytes) -> str:
    """Our reader: `load_document` (decoding, extraction, segmentation), then `kept_text`. A page it refuses
    raises InputError (an over-long page, a binary file)."""
    from ..pipeline import load_document  # the evaluation CLI stays light until a page is read

    return kept_text(load_document(page, doc_id="page"))


def read_with_trafilatura(page: bytes) -> str | None:
    """Plain `trafilatura.extract` with its defaults: the main text, or None when it finds none."""
    import trafilatura

    return trafilatura.extract(page)


READERS: dict[str, Reader] = {"summarize": read_with_summarize, REFERENCE: read_with_trafilatura}


# --- the test sets -----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Page:
    """One annotated page: its file, and either its snippets or its expected article text."""

    name: str
    path: Path
    with_snippets: tuple[str, ...] = ()
    without_snippets: tuple[str, ...] = ()
    expected: Path | None = None  # the tokens layout: the expected.html beside source.html


def snippet_pages(annotations: Path, folders: Sequence[Path] = ()) -> tuple[list[Page], list[str]]:
    """Pages of a snippet-annotated set (url → {"file", "with", "without"}) and the files found in none of the
    folders. Folders default to cache/ and eval/ beside the JSON, else the JSON's own folder."""
    if not annotations.is_file():
        raise UsageError(f"--annotations {annotations}: no such file")
    try:
        data = json.loads(annotations.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise UsageError(f"--annotations {annotations}: not a JSON file ({exc})") from None
    if not isinstance(data, Mapping) or not all(isinstance(v, Mapping) and "file" in v for v in data.values()):
        raise UsageError(f"--annotations {annotations}: expected an object url → {{file, with, without}}")
    for folder in folders:
        if not folder.is_dir():
            raise UsageError(f"--pages {folder}: no such folder")
    if not folders:
        beside = [annotations.parent / name for name in PAGE_FOLDERS]
        folders = [f for f in beside if f.is_dir()] or [annotations.parent]
    pages, missing = [], []
    for url, item in data.items():
        snippets = [item.get(key, []) for key in ("with", "without")]
        if not isinstance(item["file"], str) or not all(
            isinstance(s, list) and all(isinstance(x, str) for x in s) for s in snippets
        ):
            raise UsageError(f"--annotations {annotations}: {url}: 'file' must be a name, 'with' and 'without' "
                             "lists of strings")
        path = next((f / item["file"] for f in folders if (f / item["file"]).is_file()), None)
        if path is None:
            missing.append(item["file"])
            continue
        pages.append(Page(item["file"], path, tuple(snippets[0]), tuple(snippets[1])))
    return pages, missing


def expected_pages(folder: Path) -> list[Page]:
    """Pages of an expected-text set: every sub-folder holding source.html and expected.html, by name."""
    if not folder.is_dir():
        raise UsageError(f"--expected-dir {folder}: no such folder")
    pages = [Page(d.name, d / "source.html", expected=d / "expected.html") for d in sorted(folder.iterdir())
             if (d / "source.html").is_file() and (d / "expected.html").is_file()]  # fmt: skip
    if not pages:
        raise UsageError(f"--expected-dir {folder}: no sub-folder holds source.html and expected.html")
    return pages


class _VisibleText(HTMLParser):
    """The text a browser shows, one block per line: script, style and the head left out. A parser of its own,
    not `html_blocks`: the yardstick must not move with the reader it measures."""

    HIDDEN = frozenset({"head", "script", "style", "noscript", "template", "title", "svg"})
    BLOCKS = frozenset("""address article aside blockquote br dd div dl dt figcaption footer form h1 h2 h3 h4 h5
        h6 header hr li main nav ol p pre section table td th tr ul""".split())  # noqa: SIM905

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.hidden = 0

    def handle_starttag(self, tag: str, attrs: Any) -> None:
        if tag == "body":
            self.hidden = 0  # a head left open ends where the body starts
        elif tag in self.HIDDEN:
            self.hidden += 1
        elif tag in self.BLOCKS:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in self.HIDDEN:
            self.hidden = max(0, self.hidden - 1)
        elif tag in self.BLOCKS:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self.hidden:
            self.parts.append(data)


def visible_text(html: str) -> str:
    """A page's visible text (blocks on their own lines): the expected article of the tokens layout, and the
    text whose language `page_language` guesses when the page does not say."""
    parser = _VisibleText()
    parser.feed(html)
    parser.close()
    return "".join(parser.parts)


def decode_page(page: bytes) -> str:
    """Bytes as text for the evaluation's own reading (expected text, language): UTF-8, else Windows-1252."""
    try:
        return page.decode("utf-8")
    except UnicodeDecodeError:
        return page.decode("cp1252", errors="replace")


def page_language(page: bytes) -> str | None:
    """The page's language: the primary subtag of `<html lang>`, else `segment.guess_language` of its visible
    text; None when neither says."""
    from ..segment import guess_language

    tag = _HTML_TAG.search(page[:200_000])
    found = _LANG_ATTRIBUTE.search(tag.group(0)) if tag else None
    if found:
        return found.group(1).decode("ascii").lower()
    return guess_language(visible_text(decode_page(page)))


# --- scoring -----------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Counts:
    """True positives, false positives and false negatives, summed over snippets (or tokens) of pages."""

    tp: int = 0
    fp: int = 0
    fn: int = 0

    def __add__(self, other: Counts) -> Counts:
        return Counts(self.tp + other.tp, self.fp + other.fp, self.fn + other.fn)

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 0.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 0.0

    @property
    def f1(self) -> float:
        return 2 * self.tp / (2 * self.tp + self.fp + self.fn) if self.tp + self.fp + self.fn else 0.0


def normalise_space(text: str) -> str:
    """Runs of white space as one space, none at the ends: how snippets and kept text are compared."""
    return _SPACE.sub(" ", text).strip()


def score_snippets(kept: str | None, with_snippets: Iterable[str], without_snippets: Iterable[str]
                   ) -> tuple[Counts, list[str]]:  # fmt: skip
    """A page's counts, and the without-snippets that were kept (the furniture that got in)."""
    text = normalise_space(kept or "")
    withs = [normalise_space(s) for s in with_snippets]
    kept_withs = sum(1 for s in withs if s in text) if kept else 0
    furniture = [s for s in without_snippets if kept and normalise_space(s) in text]
    return Counts(kept_withs, len(furniture), len(withs) - kept_withs), furniture


def score_tokens(kept: str | None, expected: str) -> Counts:
    """A page's counts over bags of word tokens: kept text against the expected article text."""
    got, want = Counter(_TOKEN.findall(kept or "")), Counter(_TOKEN.findall(expected))
    tp = sum((got & want).values())
    return Counts(tp, sum(got.values()) - tp, sum(want.values()) - tp)


# --- the run -----------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PageScore:
    """One reader on one page."""

    page: str
    counts: Counts
    status: str  # "ok", "refused" or "crashed"
    seconds: float
    chars: int  # length of the kept text, white space normalised
    error: str | None = None
    furniture: tuple[str, ...] = ()  # without-snippets kept (snippets layout)

    def to_dict(self) -> dict[str, Any]:
        c = self.counts
        return {"page": self.page, "status": self.status, "error": self.error, "tp": c.tp, "fp": c.fp, "fn": c.fn,
                "precision": round(c.precision, 4), "recall": round(c.recall, 4), "chars": self.chars,
                "ms": round(self.seconds * 1000, 1), "furniture_kept": list(self.furniture)}


@dataclass(frozen=True, slots=True)
class ReaderFigures:
    """One reader over all pages of the run."""

    reader: str
    scores: tuple[PageScore, ...]
    counts: Counts = Counts()  # summed over the pages

    @classmethod
    def of(cls, reader: str, scores: Sequence[PageScore]) -> ReaderFigures:
        return cls(reader, tuple(scores), sum((s.counts for s in scores), Counts()))

    def count(self, status: str) -> int:
        return sum(1 for s in self.scores if s.status == status)

    @property
    def pages_per_second(self) -> float:
        seconds = sum(s.seconds for s in self.scores)
        return len(self.scores) / seconds if seconds else 0.0

    @property
    def median_ms(self) -> float:
        return statistics.median(s.seconds for s in self.scores) * 1000 if self.scores else 0.0

    def worst(self, n: int = MAX_WORST) -> list[PageScore]:
        """The pages that lose most precision: most false positives first, then the lowest page precision."""
        lossy = [s for s in self.scores if s.counts.fp]
        return sorted(lossy, key=lambda s: (-s.counts.fp, s.counts.precision, s.page))[:n]


def _ratio_figures(ours: ReaderFigures, reference: ReaderFigures) -> dict[str, float | int | None]:
    """Kept characters over the reference reader's, per page where the reference kept some text (median, 90th
    percentile, mean), and all pages' characters over all of the reference's (overall)."""
    pairs = [(o.chars, r.chars) for o, r in zip(ours.scores, reference.scores) if r.chars]
    ratios = sorted(o / r for o, r in pairs)
    if not ratios:
        return {"median": None, "p90": None, "mean": None, "overall": None, "pages": 0}
    p90 = statistics.quantiles(ratios, n=10, method="inclusive")[-1] if len(ratios) > 1 else ratios[0]
    overall = sum(o for o, _ in pairs) / sum(r for _, r in pairs)
    return {"median": round(statistics.median(ratios), 3), "p90": round(p90, 3),
            "mean": round(statistics.fmean(ratios), 3), "overall": round(overall, 3), "pages": len(ratios)}


@dataclass(frozen=True, slots=True)
class PagesReport:
    """Every reader's figures over the same pages."""

    layout: str  # SNIPPETS or TOKENS
    pages: int
    readers: tuple[ReaderFigures, ...]
    lang: str | None = None
    other_language: int = 0  # pages left out by --lang
    missing: tuple[str, ...] = ()  # annotated files found in no folder

    def reader(self, name: str) -> ReaderFigures:
        return next(r for r in self.readers if r.reader == name)

    def to_dict(self, worst: int = MAX_WORST) -> dict[str, Any]:
        reference = next((r for r in self.readers if r.reader == REFERENCE), None)
        rows = []
        for r in self.readers:
            rows.append({
                "reader": r.reader, "precision": round(r.counts.precision, 4), "recall": round(r.counts.recall, 4),
                "f1": round(r.counts.f1, 4), "tp": r.counts.tp, "fp": r.counts.fp, "fn": r.counts.fn,
                "text_kept_vs_" + REFERENCE: _ratio_figures(r, reference) if reference else None,
                "refused": r.count("refused"), "crashed": r.count("crashed"),
                "pages_per_second": round(r.pages_per_second, 2), "median_ms": round(r.median_ms, 1),
                "worst_pages": [s.to_dict() for s in r.worst(worst)],
                "errors": [{"page": s.page, "status": s.status, "error": s.error}
                           for s in r.scores if s.status != "ok"],
            })  # fmt: skip
        unit = "snippets" if self.layout == SNIPPETS else "word tokens"
        return {"layout": self.layout, "averaging": f"micro: {unit} of all pages summed", "pages": self.pages,
                "lang": self.lang, "other_language": self.other_language, "missing_files": list(self.missing),
                "readers": rows}


def _read(reader: Reader, page: bytes) -> tuple[str | None, str, str | None, float]:
    """(kept text, status, error, seconds): a refusal or a crash keeps nothing; the run goes on."""
    started = time.perf_counter()
    try:
        kept = reader(page)
    except InputError as exc:
        return None, "refused", exc.reason[:300], time.perf_counter() - started
    except Exception as exc:  # noqa: BLE001 - any crash on any page is counted, never raised
        return None, "crashed", f"{type(exc).__name__}: {exc}"[:300], time.perf_counter() - started
    seconds = time.perf_counter() - started
    return kept, ("refused" if kept is None else "ok"), None, seconds


def evaluate_pages(
    pages: Sequence[Page],
    readers: Mapping[str, Reader] = READERS,
    *,
    lang: str | None = None,
    limit: int | None = None,
    missing: Sequence[str] = (),
    progress: Callable[[str], None] | None = None,
) -> PagesReport:
    """Read every page with every reader (one after the other, page by page) and score what each keeps.
    `lang` keeps only pages in that language (`page_language`); `limit` the first N pages kept."""
    layout = TOKENS if pages and pages[0].expected is not None else SNIPPETS
    scores: dict[str, list[PageScore]] = {name: [] for name in readers}
    read = other_language = 0
    for reader in readers.values():
        _read(reader, WARM_UP_PAGE)
    for page in pages:
        if limit is not None and read >= limit:
            break
        data = page.path.read_bytes()
        if lang is not None and page_language(data) != lang:
            other_language += 1
            continue
        expected = visible_text(decode_page(page.expected.read_bytes())) if page.expected else None
        for name, reader in readers.items():
            kept, status, error, seconds = _read(reader, data)
            furniture: list[str] = []
            if expected is not None:
                counts = score_tokens(kept, expected)
            else:
                counts, furniture = score_snippets(kept, page.with_snippets, page.without_snippets)
            chars = len(normalise_space(kept or ""))
            scores[name].append(PageScore(page.name, counts, status, seconds, chars, error, tuple(furniture)))
        read += 1
        if progress is not None and read % 50 == 0:
            progress(f"{read} pages read")
    figures = tuple(ReaderFigures.of(name, s) for name, s in scores.items())
    return PagesReport(layout, read, figures, lang, other_language, tuple(missing))

__all__ = [
    "READERS",
    "Counts",
    "Page",
    "PagesReport",
    "evaluate_pages",
    "expected_pages",
    "kept_text",
    "page_language",
    "read_with_summarize",
    "read_with_trafilatura",
    "score_snippets",
    "score_tokens",
    "snippet_pages",
]
