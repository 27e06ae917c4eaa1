"""`summarize eval translation` and `summarize eval provenance`: measured figures as a table or JSON.

`summarize.cli.main` dispatches here and maps UsageError / ModelNotFoundError to exit 2. The figures in
models.md come from `--json` output, so one command regenerates each of them.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from ..errors import UsageError
from ..settings import ENGINES, Settings
from .translation import COVERAGE_CHECKS, evaluate_translation, read_parallel

DEFAULTS = Settings()
EVAL_DIR_ENV = "SUMMARIZE_EVAL_DIR"
NEWSTEST = "newstest2019-deen"
TERMINAL_EXAMPLES = 2  # per check on the terminal; the JSON keeps more

eval_app = typer.Typer(
    add_completion=False,
    rich_markup_mode="rich",
    pretty_exceptions_enable=False,
    no_args_is_help=True,
    help="Measure translation quality (BLEU/chrF) and provenance accuracy on newstest2019.",
)


# --- finding the test set ----------------------------------------------------------------------------


def eval_dirs() -> list[Path]:
    """Where the test set may be: $SUMMARIZE_EVAL_DIR, then ../shared/eval beside the repo or the cwd."""
    repo = Path(__file__).resolve().parents[2]
    dirs = [repo.parent / "shared" / "eval", Path.cwd().parent / "shared" / "eval"]
    if os.environ.get(EVAL_DIR_ENV):
        dirs.insert(0, Path(os.environ[EVAL_DIR_ENV]))
    return list(dict.fromkeys(dirs))


def find_eval_file(explicit: Path | None, suffix: str, option: str) -> Path:
    """The explicit path if given, else newstest2019-deen.<suffix> from `eval_dirs()`; UsageError if absent."""
    if explicit is not None:
        if not explicit.is_file():
            raise UsageError(f"{option} {explicit}: no such file")
        return explicit
    for folder in eval_dirs():
        candidate = folder / f"{NEWSTEST}.{suffix}"
        if candidate.is_file():
            return candidate
    looked = ", ".join(str(d) for d in eval_dirs())
    raise UsageError(
        f"{NEWSTEST}.{suffix} not found (looked in {looked}): pass {option} FILE or set {EVAL_DIR_ENV}"
    )


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
    console.print(f"[bold]{r['model']}[/bold]: {r['lines']} lines → {r['documents']} pseudo-articles of "
                  f"≤{r['lines_per_doc']} lines (joined with {r['joiner']}s)", highlight=False)
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
    console.print("sentence: each line translated alone; document: pseudo-articles through the pipeline; "
                  "doc − sent compares per-article scores", highlight=False)
    console.print(f"BLEU: {sent['bleu_signature']}\nchrF: {sent['chrf_signature']}", highlight=False)

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
                console.print(f"  {mode}/{name} {ex['id']}{ratio}: {_short(ex['de'])!r} → {_short(ex['en'])!r}",
                              highlight=False)
    for ex in seg["examples"][:TERMINAL_EXAMPLES]:
        console.print(f"  segmentation {ex['id']}: {ex['lines']} lines → {ex['sentences']} sentences",
                      highlight=False)
    console.print("(all counts and up to 5 examples per check: --json)", style="dim")


def _short(text: str, limit: int = 60) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _print_figures(console: Console, r: Mapping[str, Any]) -> None:
    table = Table(show_edge=False, title="provenance")
    table.add_column("figure")
    table.add_column("value", justify="right")
    for key, value in _flatten(r):
        table.add_row(key, f"{value:.3f}" if isinstance(value, float) else str(value))
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
        Console(stderr=True).print(f"[dim]{message}[/dim]")


# --- commands ----------------------------------------------------------------------------------------


@eval_app.command("translation")
def translation(
    src: Annotated[Path | None, typer.Option(help="German source, one sentence a line.")] = None,
    ref: Annotated[Path | None, typer.Option(help="English reference, aligned with --src.")] = None,
    model: Annotated[str, typer.Option(help="Translation model: hub name or local dir.")] = DEFAULTS.translator,
    limit: Annotated[int | None, typer.Option(help="Only the first N lines.")] = None,
    lines_per_doc: Annotated[int, typer.Option(help="Lines per pseudo-article in document mode.")] = 20,
    join: Annotated[str, typer.Option(help="space|newline: how lines are joined into a pseudo-article.")] = "space",
    device: Annotated[str, typer.Option(help="auto|cpu|cuda|cuda:N|mps")] = DEFAULTS.device,
    engine: Annotated[str, typer.Option(help=f"{'|'.join(ENGINES)} (auto: ctranslate2 when installed).")] = DEFAULTS.engine,
    int8: Annotated[bool | None, typer.Option("--int8/--no-int8", help="int8 weights (default: on CPU).")] = DEFAULTS.int8,
    beams: Annotated[int, typer.Option(help="Beam size (1: greedy).")] = DEFAULTS.translation_beams,
    as_json: Annotated[bool, typer.Option("--json", help="Print the report as JSON to stdout.")] = False,
    json_out: Annotated[Path | None, typer.Option(help="Also write the JSON report to FILE.")] = None,
) -> None:
    """BLEU and chrF line by line and through the whole pipeline (pseudo-articles), with coverage checks."""
    src_path = find_eval_file(src, "de", "--src")
    ref_path = find_eval_file(ref, "en", "--ref")
    src_lines, ref_lines = read_parallel(src_path, ref_path, limit=limit)
    from ..pipeline import Pipeline  # after the cheap checks: it imports every stage
    settings = DEFAULTS.replace(
        translator=model, summarizer="none", device=device, engine=engine, int8=int8, translation_beams=beams
    )
    pipeline = Pipeline(settings)
    _status(f"loading {model}", as_json)
    pipeline.load_models()  # a missing model fails here, before any work (exit 2)
    report = evaluate_translation(
        pipeline, src_lines, ref_lines, lines_per_doc=lines_per_doc, joiner=join,
        progress=lambda m: _status(m, as_json),
    )
    data = {"src": str(src_path), "ref": str(ref_path), **report.to_dict()}
    _emit(data, as_json=as_json, json_out=json_out, table=_print_translation)


@eval_app.command("provenance")
def provenance(
    en: Annotated[Path | None, typer.Option(help="English news text (newstest2019-deen.en).")] = None,
    de: Annotated[Path | None, typer.Option(help="Aligned German text (newstest2019-deen.de).")] = None,
    limit_articles: Annotated[int | None, typer.Option(help="Only the first N pseudo-articles.")] = None,
    threshold: Annotated[float, typer.Option(help="Support threshold.")] = DEFAULTS.support_threshold,
    as_json: Annotated[bool, typer.Option("--json", help="Print the figures as JSON to stdout.")] = False,
    json_out: Annotated[Path | None, typer.Option(help="Also write the JSON figures to FILE.")] = None,
) -> None:
    """Provenance accuracy (precision@1, recall, ...) on cases built from real news text."""
    from .provenance_set import build_cases, evaluate

    en_path = find_eval_file(en, "en", "--en")
    de_path = find_eval_file(de, "de", "--de") if de is not None else _sibling(en_path, ".de")
    cases = build_cases(en_path, de_path, limit_articles=limit_articles)
    if not cases:
        raise UsageError(f"no provenance cases could be built from {en_path}")
    figures = evaluate(cases, threshold=threshold)
    data = {"en": str(en_path), "de": str(de_path) if de_path else None, "cases": len(cases),
            "threshold": threshold, **figures}
    _emit(data, as_json=as_json, json_out=json_out, table=_print_figures)


def _sibling(path: Path, suffix: str) -> Path | None:
    """The aligned file beside `path` (x.en → x.de), if there is one."""
    candidate = path.with_suffix(suffix)
    return candidate if candidate.is_file() else None


__all__ = ["eval_app", "eval_dirs", "find_eval_file"]
