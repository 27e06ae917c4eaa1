"""`summarize eval translation`, `eval provenance`, `eval checks` and `eval pages`: measured figures as a table or JSON.

`summarize.cli.main` dispatches here and maps UsageError / ModelNotFoundError to exit 2. The figures in
models.md come from `--json` output, so one command regenerates each of them.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table
from rich.text import Text

from ..errors import UsageError
from ..settings import DEVICES_HELP, ENGINES, THREADS_HELP, Settings
from .translation import COVERAGE_CHECKS, evaluate_translation, read_parallel

DEFAULTS = Settings()
TERMINAL_EXAMPLES = 2  # per check on the terminal; the JSON keeps more

eval_app = typer.Typer(
    add_completion=False,
    rich_markup_mode="rich",
    pretty_exceptions_enable=False,
    no_args_is_help=True,
    help="Measure translation quality (BLEU/chrF), provenance accuracy and translation checks on a German-English "
    "test set, and how well web pages are read on annotated pages.",
)


# --- finding the test set ----------------------------------------------------------------------------

LANGPAIR = "de-en"


def parallel_files(testset: str | None, src: Path | None, ref: Path | None) -> tuple[Path, Path | None]:
    """(German source, English reference): a standard test set by name (fetched and cached by sacrebleu, as
    `sacrebleu -t wmt19 -l de-en` does), or files given with --src/--ref. UsageError when neither is usable."""
    if testset is not None:
        if src is not None or ref is not None:
            raise UsageError("give either --testset or --src/--ref, not both")
        return _sacrebleu_testset(testset)
    for path, option in ((src, "--src"), (ref, "--ref")):
        if path is not None and not path.is_file():
            raise UsageError(f"{option} {path}: no such file")
    if src is None and ref is None:
        raise UsageError("name a test set (--testset wmt19) or give files (--src FILE.de --ref FILE.en)")
    if src is None:
        raise UsageError("--src FILE.de is missing (the German side)")
    return src, ref


def _sacrebleu_testset(name: str) -> tuple[Path, Path]:
    try:
        from sacrebleu.utils import get_reference_files, get_source_file
    except ImportError:
        raise UsageError("--testset needs sacrebleu: pip install 'summarize[eval]'") from None
    try:
        source, references = get_source_file(name, LANGPAIR), get_reference_files(name, LANGPAIR)
    except Exception as exc:  # noqa: BLE001 - sacrebleu raises bare Exceptions and exits on failed downloads
        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise UsageError(f"test set {name!r} ({LANGPAIR}) is not available: {reason}; "
                         "give the files with --src/--ref instead") from None
    except SystemExit:
        raise UsageError(f"test set {name!r} ({LANGPAIR}) could not be downloaded (offline?): "
                         "give the files with --src/--ref instead") from None
    return Path(source), Path(references[0])


# --- output ------------------------------------------------------------------------------------------


def _emit(report: Mapping[str, Any], *, as_json: bool, json_out: Path | None, table: Any) -> None:
    """JSON to stdout (--json) or a Rich table; --json-out writes the JSON to a file either way."""
    text = json.dumps(report, ensure_ascii=False, indent=2)
    if json_out is not None:
        json_out.parent.mkdir(parents=True, exist_ok=True)
        json_out.write_text(text + "\n", encoding="utf-8")
    if as_json:
        typer.echo(text)
    else:
        table(Console(), report)


def _print_translation(console: Console, r: Mapping[str, Any]) -> None:
    sent, doc, delta = r["sentence_mode"], r["document_mode"], r["delta"]
    # Plain Text throughout: model names, paths and test-set lines may hold "[...]", which is never markup.
    console.print(Text.assemble((r["model"], "bold"), f": {r['lines']} lines → {r['documents']} pseudo-articles of "
                                f"≤{r['lines_per_doc']} lines (joined with {r['joiner']}s)"))
    scores = Table(show_edge=False)
    for col in ("mode", "BLEU", "chrF", "BLEU/article", "chrF/article", "segments", "seconds"):
        scores.add_column(col, justify="left" if col == "mode" else "right")
    scores.add_row("sentence", f"{sent['bleu']:.2f}", f"{sent['chrf']:.2f}",
                   f"{sent['document_level']['bleu']:.2f}", f"{sent['document_level']['chrf']:.2f}",
                   str(sent["segments"]), f"{sent['seconds']:.1f}")
    scores.add_row("document", "", "", f"{doc['bleu']:.2f}", f"{doc['chrf']:.2f}",
                   str(doc["segments"]), f"{doc['seconds']:.1f}")
    scores.add_row("doc − sent", "", "", f"{delta['bleu']:+.2f}", f"{delta['chrf']:+.2f}", "", "")
    console.print(scores)
    console.print(Text("sentence: each line translated alone; document: pseudo-articles through the pipeline; "
                       "doc − sent compares per-article scores"))
    console.print(Text(f"BLEU: {sent['bleu_signature']}\nchrF: {sent['chrf_signature']}"))

    checks = Table(show_edge=False, title="coverage")
    for col in ("check", "sentence mode", "document mode"):
        checks.add_column(col, justify="left" if col == "check" else "right")
    checks.add_row("sentences checked", str(sent["coverage"]["units"]), str(doc["coverage"]["units"]))
    for name in COVERAGE_CHECKS:
        checks.add_row(name, str(sent["coverage"][name]["count"]), str(doc["coverage"][name]["count"]))
    seg = doc["segmentation"]
    checks.add_row("segmentation Δ (sentences − lines)", "", f"{seg['delta']:+d}")
    checks.add_row("articles with Δ ≠ 0", "", str(seg["documents_changed"]))
    console.print(checks)
    for mode, result in (("sentence", sent), ("document", doc)):
        for name in COVERAGE_CHECKS:
            for ex in result["coverage"][name]["examples"][:TERMINAL_EXAMPLES]:
                ratio = f" (ratio {ex['ratio']})" if "ratio" in ex else ""
                console.print(Text(f"  {mode}/{name} {ex['id']}{ratio}: {_short(ex['de'])!r} → "
                                   f"{_short(ex['en'])!r}"))
    for ex in seg["examples"][:TERMINAL_EXAMPLES]:
        console.print(Text(f"  segmentation {ex['id']}: {ex['lines']} lines → {ex['sentences']} sentences"))
    console.print(Text("(all counts and up to 5 examples per check: --json)", style="dim"))


def _print_checks(console: Console, r: Mapping[str, Any]) -> None:
    console.print(f"{r['pairs']} true pairs: {r['flagged']} flagged ({r['false_alarm_rate']:.2%}, low_confidence "
                  f"aside); {r['microseconds_per_pair']:.0f} µs a pair; seed {r['seed']}", highlight=False)
    table = Table(show_edge=False, title="translation checks")
    for col in ("kind", "false alarms", "rule", "corrupted", "detected = recall", "precision"):
        table.add_column(col, justify="left" if col in ("kind", "rule") else "right", no_wrap=True)
    for kind, k in r["kinds"].items():
        table.add_row(kind, f"{k['false_alarms']} ({k['false_alarm_rate']:.2%})", k["rule"] or "",
                      str(k["corrupted"]) if k["rule"] else "", _percent(k["detection_rate"]),
                      _percent(k["precision"]))
    console.print(table)
    # Test-set text and flag messages as plain Text: brackets in them are never Rich markup.
    for ex in r["false_alarm_examples"][:TERMINAL_EXAMPLES]:
        console.print(Text(f"  false alarm line {ex['line']}: {'; '.join(ex['flags'])}: {_short(ex['en'])!r}"))
    for ex in r["missed_examples"][:TERMINAL_EXAMPLES]:
        console.print(Text(f"  missed {ex['rule']} line {ex['line']}: {_short(ex['en'])!r}"))
    console.print("(every false alarm and up to 10 misses per rule: --json)", style="dim")


def _print_pages(console: Console, r: Mapping[str, Any]) -> None:
    unit = "snippets" if r["layout"] == "snippets" else "word tokens"
    lang = f", language {r['lang']} ({r['other_language']} other pages left out)" if r["lang"] else ""
    missing = f"; {len(r['missing_files'])} annotated files not found" if r["missing_files"] else ""
    console.print(Text(f"{r['pages']} pages{lang}{missing}; precision and recall over {unit}, micro-averaged"))
    # One column per reader, one row per figure: it fits a narrow terminal.
    table = Table(show_edge=False, title="page reading")
    table.add_column("figure")
    for row in r["readers"]:
        table.add_column(row["reader"], justify="right", no_wrap=True)
    kept = [row["text_kept_vs_trafilatura"] or {} for row in r["readers"]]
    figures = [
        ("precision", [f"{row['precision']:.3f}" for row in r["readers"]]),
        ("recall", [f"{row['recall']:.3f}" for row in r["readers"]]),
        ("F1", [f"{row['f1']:.3f}" for row in r["readers"]]),
        ("text kept, median", [_times(k.get("median")) for k in kept]),
        ("text kept, 90th percentile", [_times(k.get("p90")) for k in kept]),
        ("pages refused", [str(row["refused"]) for row in r["readers"]]),
        ("pages crashed", [str(row["crashed"]) for row in r["readers"]]),
        ("pages/s", [f"{row['pages_per_second']:.1f}" for row in r["readers"]]),
        ("ms/page, median", [f"{row['median_ms']:.0f}" for row in r["readers"]]),
    ]
    for name, cells in figures:
        table.add_row(name, *cells)
    console.print(table)
    console.print(Text("text kept: characters kept over trafilatura's on the same page; a refused or crashed page "
                       "keeps nothing (its article counts as missed)"))
    for row in r["readers"]:
        for page in row["worst_pages"][:TERMINAL_EXAMPLES + 1]:
            what = "; ".join(_short(s, 30) for s in page["furniture_kept"][:3]) or f"{page['fp']} extra tokens"
            console.print(Text(f"  {row['reader']} worst: {page['page']} precision {page['precision']:.2f}, "
                               f"kept {what}"))
    console.print("(every refused page and up to 25 worst pages per reader: --json)", style="dim")


def _times(value: float | None) -> str:
    return "" if value is None else f"{value:.2f}×"


def _percent(value: float | None) -> str:
    return "" if value is None else f"{value:.1%}"


def _short(text: str, limit: int = 60) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _print_figures(console: Console, r: Mapping[str, Any]) -> None:
    table = Table(show_edge=False, title="provenance")
    table.add_column("figure")
    table.add_column("value", justify="right")
    for key, value in _flatten(r):
        table.add_row(Text(key), Text(f"{value:.3f}" if isinstance(value, float) else str(value)))  # paths too
    console.print(table)


def _flatten(d: Mapping[str, Any], prefix: str = "") -> list[tuple[str, Any]]:
    """Scalars of a nested dict as dotted keys; lists are shown by their length."""
    rows: list[tuple[str, Any]] = []
    for key, value in d.items():
        name = f"{prefix}{key}"
        if isinstance(value, Mapping):
            rows += _flatten(value, f"{name}.")
        elif isinstance(value, (list, tuple)):
            rows.append((f"{name} (count)", len(value)))
        else:
            rows.append((name, value))
    return rows


def _status(message: str, quiet: bool) -> None:
    if not quiet and sys.stderr.isatty():
        Console(stderr=True).print(Text(message, style="dim"))


# --- commands ----------------------------------------------------------------------------------------


# Options of the commands that read a parallel pair, declared once.
TestsetOption = Annotated[str | None, typer.Option("--testset", help="A standard test set by name (sacrebleu's: wmt19, wmt20...).")]
SrcOption = Annotated[Path | None, typer.Option("--src", help="German source, one sentence a line.")]
RefOption = Annotated[Path | None, typer.Option("--ref", help="English reference, aligned with --src.")]
LimitOption = Annotated[int | None, typer.Option("--limit", help="Only the first N lines.")]
JsonOption = Annotated[bool, typer.Option("--json", help="Print the report as JSON to stdout.")]
JsonOutOption = Annotated[Path | None, typer.Option("--json-out", help="Also write the JSON report to FILE.")]


def _read_pair(testset: str | None, src: Path | None, ref: Path | None, limit: int | None
               ) -> tuple[Path, Path, list[str], list[str]]:  # fmt: skip
    """The files (a named test set, or --src/--ref) and their aligned lines."""
    src_path, ref_path = parallel_files(testset, src, ref)
    if ref_path is None:
        raise UsageError("--ref FILE.en is missing (the English reference)")
    return (src_path, ref_path, *read_parallel(src_path, ref_path, limit=limit))


@eval_app.command("translation")
def translation(
    testset: TestsetOption = None,
    src: SrcOption = None,
    ref: RefOption = None,
    translator: Annotated[str, typer.Option(help="Translation model: hub name or local dir.")] = DEFAULTS.translator,
    limit: LimitOption = None,
    lines_per_doc: Annotated[int, typer.Option(help="Lines per pseudo-article in document mode.")] = 20,
    join: Annotated[str, typer.Option(help="space|newline: how lines are joined into a pseudo-article.")] = "space",
    device: Annotated[str, typer.Option(help=DEVICES_HELP)] = DEFAULTS.device,
    engine: Annotated[str, typer.Option(help=f"{'|'.join(ENGINES)} (auto: ctranslate2 when installed).")] = DEFAULTS.engine,
    int8: Annotated[bool | None, typer.Option("--int8/--no-int8", help="int8 weights (default: on CPU).")] = DEFAULTS.int8,
    beams: Annotated[int, typer.Option(help="Beam size (1: greedy).")] = DEFAULTS.translation_beams,
    threads: Annotated[int | None, typer.Option(help=THREADS_HELP)] = DEFAULTS.threads,
    as_json: JsonOption = False,
    json_out: JsonOutOption = None,
) -> None:
    """BLEU and chrF line by line and through the whole pipeline (pseudo-articles), with coverage checks."""
    src_path, ref_path, src_lines, ref_lines = _read_pair(testset, src, ref, limit)
    _sacrebleu()  # before any model work: scoring needs it
    from ..pipeline import Pipeline  # after the cheap checks: it imports every stage

    settings = DEFAULTS.replace(
        translator=translator, summarizer="none", device=device, engine=engine, int8=int8, translation_beams=beams,
        threads=threads,
    )
    pipeline = Pipeline(settings)
    _status(f"loading {translator}", as_json)
    pipeline.load_models()  # a missing model fails here, before any work (exit 2)
    report = evaluate_translation(
        pipeline, src_lines, ref_lines, lines_per_doc=lines_per_doc, joiner=join,
        progress=lambda m: _status(m, as_json),
    )
    data = {"src": str(src_path), "ref": str(ref_path), **report.to_dict()}
    _emit(data, as_json=as_json, json_out=json_out, table=_print_translation)


@eval_app.command("provenance")
def provenance(
    testset: TestsetOption = None,
    src: SrcOption = None,
    ref: RefOption = None,
    limit_articles: Annotated[int | None, typer.Option(help="Only the first N pseudo-articles.")] = None,
    threshold: Annotated[float, typer.Option(help="Support threshold.")] = DEFAULTS.support_threshold,
    as_json: JsonOption = False,
    json_out: JsonOutOption = None,
) -> None:
    """Provenance accuracy (precision@1, recall, ...) on cases built from real news text."""
    from .provenance_set import build_cases, evaluate

    if testset is None and src is None and ref is not None:
        src_path, ref_path = None, ref  # English news text alone is enough to build the cases
        if not ref.is_file():
            raise UsageError(f"--ref {ref}: no such file")
    else:
        src_path, ref_path = parallel_files(testset, src, ref)
    if ref_path is None:
        raise UsageError("--ref FILE.en is missing (the English news text the cases are built from)")
    en_path, de_path = ref_path, src_path
    cases = build_cases(en_path, de_path, limit_articles=limit_articles)
    if not cases:
        raise UsageError(f"no provenance cases could be built from {en_path}")
    figures = evaluate(cases, threshold=threshold)
    data = {"en": str(en_path), "de": str(de_path) if de_path else None, "cases": len(cases),
            "threshold": threshold, **figures}
    _emit(data, as_json=as_json, json_out=json_out, table=_print_figures)


@eval_app.command("checks")
def checks(
    testset: TestsetOption = None,
    src: SrcOption = None,
    ref: RefOption = None,
    limit: LimitOption = None,
    seed: Annotated[int, typer.Option(help="Seed of the corruptions (which number, which phrase).")] = 0,
    as_json: JsonOption = False,
    json_out: JsonOutOption = None,
) -> None:
    """Translation checks: false alarms on the true pairs, detection on pairs corrupted by rule (no model)."""
    from .checks import evaluate_checks

    src_path, ref_path, src_lines, ref_lines = _read_pair(testset, src, ref, limit)
    report = evaluate_checks(src_lines, ref_lines, seed=seed)
    data = {"src": str(src_path), "ref": str(ref_path), **report.to_dict()}
    _emit(data, as_json=as_json, json_out=json_out, table=_print_checks)


@eval_app.command("pages")
def pages(
    annotations: Annotated[Path | None, typer.Option(
        "--annotations", help="Snippet-annotated set (trafilatura's evaldata.json): url → {file, with, without}.")] = None,
    page_dirs: Annotated[list[Path] | None, typer.Option(
        "--pages", metavar="DIR", help="Folder of the annotated pages; repeat for several (default: cache/ and eval/ beside "
        "--annotations).")] = None,
    expected_dir: Annotated[Path | None, typer.Option(
        "--expected-dir", help="Expected-text set (mozilla/readability's test-pages): folders of source.html "
        "and expected.html.")] = None,
    lang: Annotated[str | None, typer.Option(
        "--lang", help="Only pages in this language (de): the primary subtag of <html lang>, else "
        "summarize.segment.guess_language of the page's visible text.")] = None,
    limit: Annotated[int | None, typer.Option("--limit", help="Only the first N pages (after --lang).")] = None,
    as_json: JsonOption = False,
    json_out: JsonOutOption = None,
) -> None:
    """How well web pages are read: our reader against trafilatura on the same annotated pages.

    Precision, recall and F1 of the article text each reader keeps, text kept, refusals and speed.
    Micro-averaged: the snippets (or word tokens) of all pages counted together, as trafilatura counts them."""
    from .pages import evaluate_pages, expected_pages, snippet_pages

    if (annotations is None) == (expected_dir is None):
        raise UsageError("give a test set: --annotations FILE (snippets) or --expected-dir DIR (expected text)")
    if limit is not None and limit < 1:
        raise UsageError("--limit must be at least 1")
    if page_dirs and annotations is None:
        raise UsageError("--pages names the folders of --annotations; --expected-dir holds its own pages")
    try:
        import trafilatura  # noqa: F401
    except ImportError:
        raise UsageError("eval pages compares with trafilatura: pip install 'summarize[eval]'") from None
    if annotations is not None:
        found, missing = snippet_pages(annotations, page_dirs or ())
    else:
        found, missing = expected_pages(expected_dir), []
    if not found:
        raise UsageError(f"--annotations {annotations}: none of its {len(missing)} files is in the page folders")
    lang = lang.lower() if lang else None
    report = evaluate_pages(found, lang=lang, limit=limit, missing=missing, progress=lambda m: _status(m, as_json))
    if not report.pages:
        raise UsageError(f"no page of the set is in language {lang!r}")
    source = {"annotations": str(annotations)} if annotations else {"expected_dir": str(expected_dir)}
    _emit({**source, **report.to_dict()}, as_json=as_json, json_out=json_out, table=_print_pages)


def _sacrebleu() -> None:
    try:
        import sacrebleu  # noqa: F401
    except ImportError:
        raise UsageError("scoring needs sacrebleu: pip install 'summarize[eval]'") from None


__all__ = ["eval_app", "parallel_files"]
