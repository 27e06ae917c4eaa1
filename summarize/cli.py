"""The `summarize` command: a thin shell over the API. Options → Settings → `run_batch`; errors → exit codes.

Exit codes: 0 all good, 1 some files failed (the others are still written) or the run could not write what it
must (a full disk stops it; a --jsonl, index or digest that cannot be written is said on its own line), 2 usage
or model error (and another run writing the same --out, unless --wait), 130 Ctrl-C, 143 SIGTERM (one line each:
what is finished; a rerun resumes). Every message is printed as plain `Text`: file names, ids and errors may hold
Rich markup such as "[red]", which must show as it is.
"""

from __future__ import annotations

import logging
import signal
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table
from rich.text import Text

from .errors import ModelNotFoundError, RunInterrupted, RunStoppedError, SummarizeError, UsageError
from .settings import DEVICES_HELP, DTYPES, ENGINES, FORMATS, MAX_BYTES, SUMMARIZERS, THREADS_HELP, Settings
from .signals import catch
from .version import __version__

DEFAULTS = Settings()  # the one set of defaults, shared with the API

EXAMPLES = """
Examples:

  summarize seeds/ --lang en                      translate + summarize every *.txt, *.html... into outputs/

  summarize https://www.example.de/artikel.html    fetch a page (saved as outputs/pages/<name>.html)

  summarize --urls urls.txt                       one URL a line (# comments); - for stdin

  summarize crawl.warc.gz                         every HTML response in a WARC archive

  summarize article.txt --summarizer extractive   no summarization model needed

  cat article.txt | summarize - --format json     read stdin

  summarize archive/ --jsonl results.jsonl --device cuda --dtype bfloat16

  summarize seeds/ --digest                       one summary across all articles

  summarize archive/ --backend ray --ray-address auto --workers 4 --num-gpus-per-worker 1

Evaluation (its own commands: summarize eval --help):

  summarize eval translation --testset wmt19      BLEU/chrF through the pipeline

  summarize eval provenance --src test.de --ref test.en

  summarize eval pages --annotations evaldata.json --lang de

Models load by hub name or local directory (--translator ./opus-mt-de-en); offline, set HF_HUB_OFFLINE=1.
"""

run_app = typer.Typer(add_completion=False, rich_markup_mode="rich", pretty_exceptions_enable=False)
err = Console(stderr=True, highlight=False, soft_wrap=True)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"summarize {__version__}")
        raise typer.Exit()


@run_app.command(help="Translate German news articles to English and summarize them with source links.",
                 epilog=EXAMPLES)
def run(
    paths: Annotated[list[str] | None, typer.Argument(help="Files, folders (*.txt, *.html, *.htm, *.warc, *.warc.gz), http(s) URLs, or - for stdin.")] = None,
    lang: Annotated[str, typer.Option(help="Target language (only 'en').")] = DEFAULTS.lang,
    out: Annotated[Path, typer.Option("--out", "-o", help="Output folder.")] = Path("outputs"),
    fmt: Annotated[str, typer.Option("--format", "-f", help="Comma-separated: json,md,html.")] = ",".join(FORMATS),
    translator: Annotated[str, typer.Option(help="Translation model: hub name or local dir.")] = DEFAULTS.translator,
    summarizer_model: Annotated[str, typer.Option(help="Summarization model: hub name or local dir.")] = DEFAULTS.summarizer_model,
    summarizer: Annotated[str, typer.Option(help=f"{'|'.join(SUMMARIZERS)}")] = DEFAULTS.summarizer,
    no_translate: Annotated[bool, typer.Option("--no-translate", help="German extractive summary only.")] = False,
    length: Annotated[str, typer.Option(help="short|medium|long, or 3s (sentences) / 120t (tokens).")] = DEFAULTS.length,
    digest: Annotated[bool, typer.Option(help="Also write outputs/digest.{json,md,html} across all inputs.")] = False,
    device: Annotated[str, typer.Option(help=DEVICES_HELP)] = DEFAULTS.device,
    dtype: Annotated[str, typer.Option(help=f"{'|'.join(DTYPES)} (half precision on GPU).")] = DEFAULTS.dtype,
    int8: Annotated[bool | None, typer.Option("--int8/--no-int8", help="int8 weights (default: on CPU): both models with ctranslate2, the translator with transformers.")] = DEFAULTS.int8,
    engine: Annotated[str, typer.Option(help=f"{'|'.join(ENGINES)} (auto: ctranslate2 when installed, on cpu/cuda).")] = DEFAULTS.engine,
    max_batch_tokens: Annotated[int | None, typer.Option(help="Padded source tokens per translation batch (default: 2048 on CPU, 8192 on GPU).")] = DEFAULTS.max_batch_tokens,
    beams: Annotated[int, typer.Option(help="Beam size for translation (1: greedy).")] = DEFAULTS.translation_beams,
    fast: Annotated[bool, typer.Option(help="Greedy summarization (beam 1): much faster.")] = False,
    threads: Annotated[int | None, typer.Option(help=THREADS_HELP)] = DEFAULTS.threads,
    revision: Annotated[str | None, typer.Option(help="Hub revision (branch, tag or commit).")] = DEFAULTS.revision,
    jsonl: Annotated[str | None, typer.Option(help="Also stream one JSON result per line to FILE or -.")] = None,
    input_jsonl: Annotated[str | None, typer.Option(help='Read {"id","text"} records from FILE or -.')] = None,
    urls: Annotated[str | None, typer.Option("--urls", help="Fetch the http(s) URLs listed in FILE or - (one a line; # comments).")] = None,
    backend: Annotated[str, typer.Option(help="local|ray: where the models run.")] = "local",
    ray_address: Annotated[str | None, typer.Option(help="Ray cluster: auto, ray://host:10001 (default: a local one).")] = None,
    workers: Annotated[int, typer.Option(help="Ray: model replicas (actors).")] = 1,
    num_gpus_per_worker: Annotated[float, typer.Option(help="Ray: GPUs per actor.")] = 0.0,
    max_chars: Annotated[int, typer.Option(help=f"Longest article in readable characters (an HTML page's text, not its markup); longer ones fail (never cut). Any input over {MAX_BYTES // 1_000_000} MB raw fails too.")] = DEFAULTS.max_chars,
    no_cache: Annotated[bool, typer.Option("--no-cache", help="Recompute even if a cached result exists.")] = False,
    wait: Annotated[bool, typer.Option("--wait", help="If another run is writing --out, wait for it (default: exit 2).")] = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress or table.")] = False,
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Debug logs.")] = False,
    version: Annotated[bool, typer.Option("--version", callback=_version, is_eager=True)] = False,
) -> None:
    with _interruptible(out):
        logging.basicConfig(level=logging.DEBUG if verbose else logging.WARNING, format="%(name)s: %(message)s")
        settings = Settings(
            translator=translator, summarizer_model=summarizer_model, revision=revision, lang=lang,
            translate=not no_translate,
            summarizer="extractive" if no_translate and summarizer == "abstractive" else summarizer,
            length=length, engine=engine, device=device, dtype=dtype, int8=int8, max_batch_tokens=max_batch_tokens,
            translation_beams=beams, summary_beams=1 if fast else DEFAULTS.summary_beams, threads=threads,
            max_chars=max_chars,
        )
        formats = _formats(fmt)
        items = _inputs(paths or [], input_jsonl, urls)
        ray = _ray_options(backend, ray_address, workers, num_gpus_per_worker)
        try:
            report = _run(items, settings, ray, out, formats=formats, jsonl=jsonl, use_cache=not no_cache,
                          digest=digest, wait=wait, show_progress=not quiet and sys.stderr.isatty())
        except RunStoppedError as exc:  # a full disk: what is finished, then one line
            if exc.report is not None and not quiet:
                _print_table(exc.report)
            err.print(Text(f"error: {exc.reason}; the run stopped with {_finished(exc.report)}: rerun the same "
                           "command to resume"))
            raise typer.Exit(1) from None
        if not quiet:
            _print_table(report)
            for note in report.notes:
                err.print(Text(note))
        for o in report.failed:
            err.print(Text(f"failed {o.id}" + (f" ({o.path})" if o.path else "") + f": {o.error}"))
        for problem in report.problems:
            err.print(Text(f"error: {problem}"))
        if report.failed or report.problems:
            raise typer.Exit(1)


@contextmanager
def _interruptible(out: Path) -> Iterator[None]:
    """While the command runs, Ctrl-C raises KeyboardInterrupt and SIGTERM RunInterrupted (a KeyboardInterrupt),
    so that a run ends cleanly (errors.jsonl synced, the lock released, no temporary file) instead of dying; then
    one line says what is finished, and the exit code is 128 + the signal (130, 143)."""

    def terminate(signum: int, frame: object) -> None:
        raise RunInterrupted(signum)

    previous = catch({signal.SIGINT: signal.default_int_handler, signal.SIGTERM: terminate})
    try:
        yield
    except KeyboardInterrupt as exc:
        signum = getattr(exc, "signum", signal.SIGINT)
        err.print(Text(_interrupted_line(signum, getattr(exc, "report", None), out)))
        raise typer.Exit(128 + signum) from None
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)


def _finished(report) -> str:
    """How far a stopped run came, e.g. "12 of 40 articles finished (3 failed)"."""
    if report is None:  # stopped before the first input (loading the models, waiting for the lock)
        return "no article finished"
    failed = len(report.failed)
    of = f"{report.total} article{'s' if report.total != 1 else ''}"
    if not report.total_known:  # an archive or a stream: how many more there were is not known
        of = f"the {of} read so far"
    return f"{report.finished} of {of} finished" + (f" ({failed} failed)" if failed else "")


def _interrupted_line(signum: int, report, out: Path) -> str:
    name = "Ctrl-C" if signum == signal.SIGINT else signal.Signals(signum).name
    return (f"interrupted by {name}: {_finished(report)} in {out}; run the same command again to resume "
            "(finished articles are not redone)")


def _formats(option: str) -> tuple[str, ...]:
    from .runner.run import parse_formats

    return parse_formats(option)


def _inputs(paths: Sequence[str], input_jsonl: str | None, urls: str | None) -> list:
    """JSONL records, then files, folders and URLs, then the URLs of --urls (read now, fetched as the run goes).
    When nothing given can be read at all (every path missing, or a folder without a readable file), that is a
    usage error before any model loads; otherwise such a path fails as a file. Folders and archives are expanded
    by the run."""
    from .runner import read_jsonl_inputs, read_url_list
    from .runner.fetch import is_url
    from .runner.inputs import folder_entries, readable_kinds

    if not paths and not input_jsonl and not urls:
        raise UsageError("give at least one file, folder, URL or - (stdin); see summarize --help")
    if [input_jsonl, urls, *paths].count("-") > 1:
        raise UsageError("stdin (-) can be read once: give it to one of PATH, --input-jsonl and --urls")
    missing = [p for p in paths if p != "-" and not is_url(p) and not Path(p).exists() and not Path(p).is_symlink()]
    empty = [p for p in paths if Path(p).is_dir() and not folder_entries(Path(p))]
    if paths and not input_jsonl and not urls and len(missing) + len(empty) == len(paths):
        problems = ([f"no such file or folder: {', '.join(missing)}"] if missing else []) + (
            [f"no readable files ({readable_kinds()}) found in {', '.join(empty)}"] if empty else [])
        raise UsageError("; ".join(problems))
    records = read_jsonl_inputs(input_jsonl) if input_jsonl else []
    listed = list(read_url_list(urls)) if urls else []
    if input_jsonl and not records and not paths and not listed:
        raise UsageError(f"no records in {input_jsonl}")
    if urls and not listed and not paths and not records:
        raise UsageError(f"no URLs in {urls}")
    return [*records, *paths, *listed]


def _ray_options(backend: str, address: str | None, workers: int, gpus: float):
    from .runner import RayOptions

    if backend not in ("local", "ray"):
        raise UsageError(f"--backend must be local or ray, not {backend!r}")
    return RayOptions(address=address, workers=workers, num_gpus_per_worker=gpus) if backend == "ray" else None


def _run(items, settings: Settings, ray, out: Path, *, show_progress: bool, **options):
    """Lock --out, load the models (locally; a missing one fails before any file), then process every item, with
    a progress bar on a terminal."""
    from .runner import run_batch

    if ray is None and not show_progress:  # --quiet, or no terminal: no download bars either
        _hide_download_bars()
    # markup=False: the description is a file name or record id, which may hold "[red]" (never Rich markup).
    columns = (TextColumn("{task.description}", markup=False, style="bold"), BarColumn(), MofNCompleteColumn(),
               TimeElapsedColumn())
    progress = Progress(*columns, console=err, disable=not show_progress, transient=True)
    task = progress.add_task("articles", total=None)

    def start(total: int | None) -> None:
        # Only now, after the models loaded: a first run downloads them (~1.5 GB) and the hub's own bars show it,
        # which a live display would garble.
        progress.update(task, total=total)
        progress.start()

    try:
        return run_batch(
            items, out, settings=settings, ray=ray,
            on_wait=lambda pid: err.print(Text(f"waiting for {f'PID {pid}' if pid else 'another run'} "
                                               f"to finish with {out}")),
            on_load=_say_loading if show_progress else None, on_start=start,
            on_outcome=lambda o: progress.update(task, advance=1, description=str(o.id)), **options,
        )
    finally:
        progress.stop()


def _say_loading(role: str, name: str) -> None:
    err.print(Text(f"loading {role} model {name}…"))


def _hide_download_bars() -> None:
    import warnings

    from huggingface_hub.utils import disable_progress_bars

    with warnings.catch_warnings():  # HF_HUB_DISABLE_PROGRESS_BARS=0 has priority, says the hub: so be it
        warnings.simplefilter("ignore")
        disable_progress_bars()


def _print_table(report) -> None:
    table = Table(title=None, show_edge=False, caption_justify="left",
                  caption=Text("time: per file; a batched model pass is split among its articles by length"))
    numbers = ("sentences", "flagged", "summary", "warnings", "time")
    for col in ("file", "status", *numbers, "output"):
        table.add_column(col, justify="right" if col in numbers else "left")
    for o in report.outcomes:
        cells = (str(o.id), o.status, str(o.sentences), str(o.flagged), str(o.summary_sentences), str(o.warnings),
                 f"{o.seconds:.1f}s", o.outputs[0] if o.outputs else (o.error or ""))
        table.add_row(*map(Text, cells))  # plain text: ids, paths and errors are never markup
    err.print(table)
    if report.index:
        err.print(Text(f"index: {report.index}"))
    for path in report.digest:
        err.print(Text(f"digest: {path}"))


def main(argv: list[str] | None = None) -> None:
    """Console entry point: `summarize eval ...` goes to the evaluation commands, all else to `run`.

    Click handles its own usage errors (exit 2 with the usage line); this maps ours to exit codes."""
    args = list(sys.argv[1:] if argv is None else argv)
    try:
        if args[:1] == ["eval"]:
            from .evaluation.cli import eval_app

            eval_app(args[1:], prog_name="summarize eval")
        else:
            run_app(args, prog_name="summarize")
    except (ModelNotFoundError, UsageError) as exc:
        err.print(Text(f"error: {exc}"))
        sys.exit(2)
    except SummarizeError as exc:
        err.print(Text(f"error: {exc}"))
        sys.exit(1)
    except SystemExit as exc:
        # Typer turns a Ctrl-C it takes (while click parses the arguments; in an eval command) into a silent exit
        # 130; the run's own (`_interruptible`) says what is finished, and its exit has no KeyboardInterrupt behind.
        if isinstance(getattr(exc.__context__, "__cause__", None), KeyboardInterrupt):
            err.print("interrupted by Ctrl-C" + ("" if args[:1] == ["eval"] else " while starting: nothing was done"))
        raise
