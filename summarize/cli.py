"""The `summarize` command: options → Settings → Pipeline / BatchRunner; exceptions → exit codes.

Exit codes: 0 all good, 1 some files failed, 2 usage or model error. Nothing here that the API lacks.
"""

from __future__ import annotations

import logging
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from . import __version__
from .errors import ModelNotFoundError, SummarizeError, UsageError
from .settings import ENGINES, FORMATS, SUMMARIZERS, Settings

DEFAULTS = Settings()  # the one set of defaults, shared with the API

EXAMPLES = """
Examples:

  summarize seeds/ --lang en                      translate + summarize every *.txt into outputs/

  summarize article.txt --summarizer extractive   no summarization model needed

  cat article.txt | summarize - --format json     read stdin

  summarize archive/ --jsonl results.jsonl --device cuda --dtype bfloat16

  summarize seeds/ --digest                       one summary across all articles

  summarize archive/ --backend ray --ray-address auto --workers 4 --num-gpus-per-worker 1

  summarize eval translation --src test.de --ref test.en

Models load by hub name or local directory (--translator ./opus-mt-de-en); offline, set HF_HUB_OFFLINE=1.
"""

run_app = typer.Typer(add_completion=False, rich_markup_mode="rich", pretty_exceptions_enable=False)
err = Console(stderr=True)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"summarize {__version__}")
        raise typer.Exit()


@run_app.command(help="Translate German news articles to English and summarize them with source links.",
                 epilog=EXAMPLES)
def run(
    paths: Annotated[list[str] | None, typer.Argument(help="Files, folders (*.txt) or - for stdin.")] = None,
    lang: Annotated[str, typer.Option(help="Target language (only 'en').")] = "en",
    out: Annotated[Path, typer.Option("--out", "-o", help="Output folder.")] = Path("outputs"),
    fmt: Annotated[str, typer.Option("--format", "-f", help="Comma-separated: json,md,html.")] = ",".join(FORMATS),
    translator: Annotated[str, typer.Option(help="Translation model: hub name or local dir.")] = DEFAULTS.translator,
    summarizer_model: Annotated[str, typer.Option(help="Summarization model: hub name or local dir.")] = DEFAULTS.summarizer_model,
    summarizer: Annotated[str, typer.Option(help=f"{'|'.join(SUMMARIZERS)}")] = DEFAULTS.summarizer,
    no_translate: Annotated[bool, typer.Option("--no-translate", help="German extractive summary only.")] = False,
    length: Annotated[str, typer.Option(help="short|medium|long, or 3s (sentences) / 120t (tokens).")] = DEFAULTS.length,
    digest: Annotated[bool, typer.Option(help="Also write outputs/digest.{json,md,html} across all inputs.")] = False,
    device: Annotated[str, typer.Option(help="auto|cpu|cuda|cuda:N|mps")] = DEFAULTS.device,
    dtype: Annotated[str, typer.Option(help="auto|float32|float16|bfloat16 (half precision on GPU).")] = DEFAULTS.dtype,
    int8: Annotated[bool | None, typer.Option("--int8/--no-int8", help="int8 weights (default: on CPU): both models with ctranslate2, the translator with transformers.")] = DEFAULTS.int8,
    engine: Annotated[str, typer.Option(help=f"{'|'.join(ENGINES)} (auto: ctranslate2 when installed, on cpu/cuda).")] = DEFAULTS.engine,
    max_batch_tokens: Annotated[int | None, typer.Option(help="Padded source tokens per translation batch (default: 2048 on CPU, 8192 on GPU).")] = DEFAULTS.max_batch_tokens,
    beams: Annotated[int, typer.Option(help="Beam size for translation (1: greedy).")] = DEFAULTS.translation_beams,
    fast: Annotated[bool, typer.Option(help="Greedy summarization (beam 1): much faster.")] = False,
    revision: Annotated[str | None, typer.Option(help="Hub revision (branch, tag or commit).")] = None,
    jsonl: Annotated[str | None, typer.Option(help="Also stream one JSON result per line to FILE or -.")] = None,
    input_jsonl: Annotated[str | None, typer.Option(help='Read {"id","text"} records from FILE or -.')] = None,
    backend: Annotated[str, typer.Option(help="local|ray: where the models run.")] = "local",
    ray_address: Annotated[str | None, typer.Option(help="Ray cluster: auto, ray://host:10001 (default: a local one).")] = None,
    workers: Annotated[int, typer.Option(help="Ray: model replicas (actors).")] = 1,
    num_gpus_per_worker: Annotated[float, typer.Option(help="Ray: GPUs per actor.")] = 0.0,
    max_chars: Annotated[int, typer.Option(help="Longest article in characters; longer ones fail (never cut).")] = DEFAULTS.max_chars,
    no_cache: Annotated[bool, typer.Option("--no-cache", help="Recompute even if a cached result exists.")] = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress or table.")] = False,
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Debug logs.")] = False,
    version: Annotated[bool, typer.Option("--version", callback=_version, is_eager=True)] = False,
) -> None:
    from .batch import BatchRunner, discover_inputs, read_jsonl_inputs
    from .pipeline import Pipeline

    logging.basicConfig(level=logging.DEBUG if verbose else logging.WARNING, format="%(name)s: %(message)s")
    formats = tuple(f.strip() for f in fmt.split(",") if f.strip())
    bad = [f for f in formats if f not in FORMATS]
    if bad or not formats:
        raise UsageError(f"--format takes a comma-separated list of {', '.join(FORMATS)}; got {fmt!r}")
    if not paths and not input_jsonl:
        raise UsageError("give at least one file, folder or - (stdin); see summarize --help")
    settings = Settings(
        translator=translator,
        summarizer_model=summarizer_model,
        revision=revision,
        lang=lang,
        translate=not no_translate,
        summarizer="extractive" if no_translate and summarizer == "abstractive" else summarizer,
        length=length,
        engine=engine,
        device=device,
        dtype=dtype,
        int8=int8,
        max_batch_tokens=max_batch_tokens,
        translation_beams=beams,
        summary_beams=1 if fast else DEFAULTS.summary_beams,
        max_chars=max_chars,
    )
    items = read_jsonl_inputs(input_jsonl) if input_jsonl else []
    items += discover_inputs(paths or [])
    if not items:
        raise UsageError(f"no *.txt files found in {', '.join(paths or [])}")
    if backend not in ("local", "ray"):
        raise UsageError(f"--backend must be local or ray, not {backend!r}")
    if backend == "ray":
        from .ray_backend import worker_settings

        settings = worker_settings(settings, num_gpus_per_worker)
    pipeline = Pipeline(settings)
    show = not quiet and sys.stderr.isatty()
    with Progress(
        TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
        console=err, disable=not show, transient=True,
    ) as progress:
        task = progress.add_task("loading models", total=None)
        executor = None
        if backend == "ray":
            from .ray_backend import ray_executor

            executor = ray_executor(settings, address=ray_address, workers=workers,
                                    num_gpus_per_worker=num_gpus_per_worker)
        else:
            pipeline.load_models()  # fail fast, before any file, on a missing model
        progress.update(task, description="articles", total=len(items))
        runner = BatchRunner(
            pipeline, out, formats=formats, jsonl=jsonl, use_cache=not no_cache, executor=executor,
            on_outcome=lambda o: progress.update(task, advance=1, description=o.id),
        )
        report = runner.run(items, digest=digest)
    if not quiet:
        _print_table(report)
    for outcome in report.failed:
        err.print(f"[red]failed[/red] {outcome.path or outcome.id}: {outcome.error}", highlight=False, soft_wrap=True)
    if report.failed:
        raise typer.Exit(1)


def _print_table(report) -> None:
    table = Table(title=None, show_edge=False)
    for col in ("file", "status", "sentences", "summary", "warnings", "time", "output"):
        table.add_column(col, justify="right" if col in ("sentences", "summary", "warnings", "time") else "left")
    for o in report.outcomes:
        table.add_row(
            o.id, o.status, str(o.sentences), str(o.summary_sentences), str(o.warnings), f"{o.seconds:.1f}s",
            o.outputs[0] if o.outputs else (o.error or ""),
        )
    err.print(table)
    if report.index:
        err.print(f"index: {report.index}")
    for path in report.digest:
        err.print(f"digest: {path}")


def main(argv: list[str] | None = None) -> None:
    """Console entry point: `summarize eval ...` goes to the evaluation commands, all else to `run`."""
    args = list(sys.argv[1:] if argv is None else argv)
    try:
        if args[:1] == ["eval"]:
            from .evaluation.cli import eval_app

            code = eval_app(args[1:], prog_name="summarize eval", standalone_mode=False)
        else:
            code = run_app(args, prog_name="summarize", standalone_mode=False)
        # Without standalone mode click returns an Exit's code instead of exiting.
        if isinstance(code, int) and code:
            sys.exit(code)
    except typer.Exit as exc:
        sys.exit(exc.exit_code)
    except typer.Abort:
        err.print("aborted")
        sys.exit(130)
    except (ModelNotFoundError, UsageError) as exc:
        err.print(f"error: {exc}", highlight=False, soft_wrap=True)
        sys.exit(2)
    except SummarizeError as exc:
        err.print(f"error: {exc}", highlight=False, soft_wrap=True)
        sys.exit(1)
    except Exception as exc:
        # Usage errors of the (vendored) click under Typer: shown as one message, exit 2.
        if hasattr(exc, "show") and hasattr(exc, "exit_code"):
            exc.show()
            sys.exit(exc.exit_code)
        raise
