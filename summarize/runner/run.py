"""The folder run: each input read, looked up in the cache, computed by an executor and written into `--out`.

A run never stops on one bad file: each failure is appended to `errors.jsonl` at once and the others go on.
Each finished article is written atomically under its own name (`inputs.name_items`) and cached
(`cache.ResultCache`) keyed by `Pipeline.cache_key`, so a rerun (or a run resumed after a kill) redoes nothing
and duplicates nothing. One run at a time writes a folder (`files.OutputLock`), and nothing is written outside
it or over an input (`files.OutputFolder`). Results are streamed to disk; only small `Outcome` rows stay in
memory (and, for a digest, the translated documents).

What stops a run: a full disk (`RunStoppedError`: nothing more could be written) and Ctrl-C or SIGTERM
(`RunInterrupted`); either way what was finished stays written and the lock is released.
"""

from __future__ import annotations

import logging
import os
import signal
import time
from collections.abc import Callable, Collection, Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path

from ..document import Document, Result
from ..errors import InputError, OutputError, RunInterrupted, RunStoppedError, UsageError
from ..pipeline import Pipeline
from ..render import (
    render_digest_html,
    render_digest_json,
    render_digest_markdown,
    render_html,
    render_index,
    render_json,
)
from ..render.html import IndexRow
from ..render.markdown import render_markdown
from .cache import CACHE_DIR, ResultCache
from .executors import Computed, Executor, Job, failure_reason, local_executor
from .fetch import Fetcher
from .files import OutputFolder, OutputLock, utf8_safe, write_atomic
from .inputs import InputItem, name_items
from .report import Outcome, RunReport
from .sink import ErrorLog, JsonlSink, disk_full

log = logging.getLogger(__name__)

# Output format → (file suffix, renderer).
RENDERERS = {"json": (".json", render_json), "md": (".md", render_markdown), "html": (".html", render_html)}
ERRORS_FILE = "errors.jsonl"
INDEX_FILE = "index.html"
DIGEST_FILES = ("digest.json", "digest.md", "digest.html")
PAGES_DIR = "pages"  # web pages as fetched or taken from an archive: <name>.html, what their offsets point into


def parse_formats(formats: str | Sequence[str]) -> tuple[str, ...]:
    """Output formats from "json,md" (or a sequence of names); UsageError when one is unknown or none is given."""
    names = tuple(f.strip() for f in (formats.split(",") if isinstance(formats, str) else formats) if f.strip())
    if not names or any(f not in RENDERERS for f in names):
        given = formats if isinstance(formats, str) else ",".join(formats)
        raise UsageError(f"--format takes a comma-separated list of {', '.join(RENDERERS)}; got {given!r}")
    return names


def _write_error(exc: OSError | OutputError, what: str = "outputs") -> str:
    """Why a file could not be written, for people."""
    if isinstance(exc, OutputError):
        return f"cannot write {exc}"
    where = exc.filename2 or exc.filename
    if where and exc.strerror:
        return f"cannot write {utf8_safe(os.fsdecode(where))}: {exc.strerror}"
    return f"cannot write {what}: {exc.strerror or exc}"


def _stop_if_full(exc: OSError | OutputError) -> None:
    """A full disk stops the run: nothing more could be written, not even the failure's row."""
    if isinstance(exc, OSError) and disk_full(exc):
        raise RunStoppedError(_write_error(exc)) from None


class FolderRunner:
    """Run a Pipeline over many inputs into `out_dir`. Library code: reports through callbacks, never prints.

    The run holds `OutputLock` on `out_dir` throughout: a second run on the same folder raises OutputLockedError
    (`wait=False`) or waits for the first (`wait=True`, after calling `on_wait(pid)`)."""

    def __init__(
        self,
        pipeline: Pipeline,
        out_dir: str | Path = "outputs",
        *,
        formats: Sequence[str] = ("json", "md", "html"),
        jsonl: str | Path | None = None,
        use_cache: bool = True,
        group_size: int = 8,
        executor: Executor | None = None,
        on_outcome: Callable[[Outcome], None] | None = None,
        wait: bool = False,
        on_wait: Callable[[int | None], None] | None = None,
        fetcher: Fetcher | None = None,
    ) -> None:
        self.pipeline = pipeline
        self.out_dir = Path(out_dir)
        self.formats = parse_formats(formats) if formats else ()
        self.jsonl = jsonl
        self.use_cache = use_cache
        self.executor = executor or local_executor(pipeline, group_size)
        self.on_outcome = on_outcome or (lambda outcome: None)
        self.wait = wait
        self.on_wait = on_wait
        self.fetcher = fetcher  # for URL inputs; made when the first one is read
        self._lock: OutputLock | None = None
        self._folder: OutputFolder | None = None  # set for the length of a run
        self._cache: ResultCache | None = None

    @contextmanager
    def locked(self) -> Iterator[None]:
        """Hold the output folder's lock (again, if held already): `run_batch` holds it while models load too."""
        if self._lock is not None:
            yield
            return
        lock = OutputLock(self.out_dir, wait=self.wait, on_wait=self.on_wait)
        with lock:
            self._lock = lock
            try:
                yield
            finally:
                self._lock = None

    def run(self, items: Iterable[InputItem], *, digest: bool = False, protect: Iterable[str | Path] = (),
            total: int | None = None, known_ids: Iterable[str] = ()) -> RunReport:
        """Process `items`, a list or a stream read as the run goes (`total`: its length, `known_ids`: the ids it
        will give, as far as they are known; see `name_items`). No output replaces an input file: those in
        `protect`, those of `items` when it is a list (all known before the first write), and each item's file
        as the run reads it. A full disk (RunStoppedError) or Ctrl-C / SIGTERM (RunInterrupted) end the run
        early, the exception holding the report so far; the lock is released and no temporary file stays."""
        with self.locked():
            # files and records from several sources may share a name
            named = list(name_items(items)) if isinstance(items, Collection) else name_items(items, known=known_ids)
            known = [item.path for item in named if item.path] if isinstance(named, list) else []
            self._folder = OutputFolder.create(self.out_dir, [*protect, *known])
            self._folder.remove_leftovers(CACHE_DIR, PAGES_DIR)
            self._cache = ResultCache(self._folder)
            if isinstance(named, list):
                total = len(named)
            report = RunReport(total=total or 0, total_known=total is not None)
            position: dict[str, int] = {}  # name → place in the input order (names are unique in a run)
            try:
                self._run(named, digest, report, position)
                return report
            except RunStoppedError as exc:
                exc.report = report
                raise
            except KeyboardInterrupt as exc:  # Ctrl-C, or SIGTERM as the CLI turns it into RunInterrupted
                stop = exc if isinstance(exc, RunInterrupted) else RunInterrupted(signal.SIGINT)
                stop.report = report
                raise stop from None
            finally:
                # Executors may finish in any order; reports and the index follow the input order.
                report.outcomes.sort(key=lambda o: position[o.name])
                self._folder = self._cache = None

    def _run(self, items: Iterable[InputItem], digest: bool, report: RunReport, position: dict[str, int]) -> None:
        folder = self._check_folder(digest)
        docs: list[tuple[int, Document]] | None = [] if digest else None  # (input position, translated document)
        started = datetime.now(timezone.utc).isoformat(timespec="milliseconds")
        errors_path = folder.path(ERRORS_FILE)
        try:
            errors = ErrorLog(errors_path, run=started)
        except OSError as exc:
            raise UsageError(_write_error(exc, str(errors_path))) from None

        def emit(outcome: Outcome, doc: Document | None) -> None:
            """Take one outcome at once: counted, its failure synced to errors.jsonl, reported."""
            report.outcomes.append(outcome)
            if outcome.status == "failed":
                try:
                    errors.add(outcome.id, outcome.path, outcome.error)
                except OSError as exc:
                    raise RunStoppedError(_write_error(exc, str(errors_path))) from None
            elif docs is not None and doc is not None:
                docs.append((position[outcome.name], doc))
            self.on_outcome(outcome)
            if sink and sink.full:
                raise RunStoppedError(sink.error or "the disk is full")

        sink = None
        try:
            sink = JsonlSink(self.jsonl) if self.jsonl else None
            self._process(items, sink, emit, report, position)
        finally:
            errors.close()
            if sink:
                sink.close()
        if sink and sink.error:
            report.problems.append(sink.error)
        report.outcomes.sort(key=lambda o: position[o.name])
        try:
            if "html" in self.formats:
                target = folder.path(INDEX_FILE)
                write_atomic(target, render_index([o.index_row() for o in report.outcomes]))
                report.index = str(target)
            if docs:
                report.digest = self._write_digest([doc for _, doc in sorted(docs, key=lambda pair: pair[0])])
        except (OSError, OutputError) as exc:
            _stop_if_full(exc)
            report.problems.append(_write_error(exc))

    def _check_folder(self, digest: bool) -> OutputFolder:
        """The run's own files may not lead out of the folder or replace an input: a usage error, before any work."""
        folder = self._folder
        assert folder is not None
        names = [CACHE_DIR, ERRORS_FILE, *([INDEX_FILE] if "html" in self.formats else []),
                 *(DIGEST_FILES if digest else ())]
        try:
            for name in names:
                folder.path(name)
        except OutputError as exc:
            raise UsageError(str(exc)) from None
        if self.jsonl and str(self.jsonl) != "-" and folder.is_input(self.jsonl):
            raise UsageError(f"--jsonl {self.jsonl} is an input file: not written over")
        return folder

    def _process(self, items: Iterable[InputItem], sink: JsonlSink | None,
                 emit: Callable[[Outcome, Document | None], None], report: RunReport, position: dict[str, int]
                 ) -> None:
        """Read and cache-check each input here, as the executor asks for the next Job (so a stream of inputs is
        read as the run goes, a URL fetched when its turn comes); hand the rest to the executor. An article
        identical to one finished earlier in this run is written from that one's result (`ResultCache.twin`);
        twins in one group of jobs (one pipeline pass) are computed once. Each outcome is emitted as soon as it is
        known, with its translated document (None for a failure)."""
        cache, folder = self._cache, self._folder
        assert cache is not None and folder is not None

        def jobs() -> Iterator[Job]:
            for item in items:
                position[item.name] = len(position)
                report.total = max(report.total, len(position))
                if item.path:
                    folder.protect(item.path)
                started = time.perf_counter()
                try:
                    doc = item.read(self.pipeline.settings.max_chars, fetcher=self._fetcher(item),
                                    save_page=self._save_page)
                except Exception as exc:  # noqa: BLE001 - a per-file failure must never end the run
                    emit(Outcome(item.id, item.path, "failed", failure_reason(exc), name=item.name,
                                 seconds=time.perf_counter() - started), None)
                    continue
                key = self.pipeline.cache_key(doc)
                job = Job(item, doc, key, time.perf_counter() - started)
                found = cache.get(key, doc) if self.use_cache else None
                rendered = self._rendered(found, key) if found is not None else None
                status = "cached"
                if rendered is None:
                    found, status = cache.twin(doc), "done"
                    rendered = self._rendered(found, key) if found is not None else None
                if found is None or rendered is None:
                    yield job
                    continue
                emit(*self._deliver(Computed(job, found, None, 0.0), sink, status, rendered))

        for computed in self.executor(jobs()):
            outcome, doc = self._deliver(computed, sink, "done")
            if outcome.status == "done":
                cache.finished(computed.job.doc, computed.job.key)
            emit(outcome, doc)

    def _fetcher(self, item: InputItem) -> Fetcher | None:
        if item.url is not None and self.fetcher is None:
            self.fetcher = Fetcher()
        return self.fetcher

    def _save_page(self, item: InputItem, body: bytes) -> str:
        """A web page's bytes as `pages/<name>.html`: the file its Document's offsets point into."""
        assert self._folder is not None
        try:
            target = self._folder.path(PAGES_DIR, f"{item.name}.html")
            write_atomic(target, body)
        except (OSError, OutputError) as exc:
            _stop_if_full(exc)
            raise InputError(str(item.id), _write_error(exc)) from None
        return str(target)

    def _render(self, result: Result) -> dict[str, str]:
        """Every output of a result, rendered once; "json" always (it is also the cache entry)."""
        rendered = {"json": render_json(result)}
        rendered.update((fmt, RENDERERS[fmt][1](result)) for fmt in self.formats if fmt != "json")
        return rendered

    def _rendered(self, result: Result, key: str) -> dict[str, str] | None:
        """A cached result's outputs; None when its entry, though well-formed, cannot be rendered (recomputed)."""
        try:
            return self._render(result)
        except Exception as exc:  # noqa: BLE001 - a damaged cache entry is a miss, never the end of the run
            log.info("cache entry %s does not render (%s): recomputed", key, exc)
            return None

    def _deliver(self, computed: Computed, sink: JsonlSink | None, status: str,
                 rendered: dict[str, str] | None = None) -> tuple[Outcome, Document | None]:
        """Cache, outputs and JSONL for one result, fresh or cached; whatever fails here fails this file only,
        but for a full disk, which stops the run."""
        job, result = computed.job, computed.result
        item = job.item
        started = time.perf_counter()

        def failed(error: str) -> tuple[Outcome, None]:
            return Outcome(item.id, item.path, "failed", error, name=item.name,
                           seconds=job.seconds + computed.seconds + time.perf_counter() - started), None

        if computed.error is not None or result is None:
            return failed(computed.error or "no result")
        try:
            rendered = rendered or self._render(result)
        except Exception as exc:  # noqa: BLE001 - a per-file failure must never end the run
            return failed(f"cannot render: {failure_reason(exc)}")
        try:
            if status == "done":
                assert self._cache is not None
                self._cache.put(job.key, rendered["json"])
            outputs = self._write_outputs(item, rendered)
        except (OSError, OutputError) as exc:
            _stop_if_full(exc)
            return failed(_write_error(exc))
        if sink:  # the article is done whatever happens to the stream (see JsonlSink.error)
            sink.write(result, job.key, item.id)
        row = IndexRow.of(result)
        return Outcome(
            id=item.id,
            path=item.path,
            status=status,
            sentences=row.sentences,
            summary_sentences=len(result.summary.sentences) if result.summary else 0,
            flagged=row.flagged,
            warnings=row.warnings,
            seconds=job.seconds + computed.seconds + time.perf_counter() - started,
            outputs=outputs,
            title=row.title,
            key=job.key,
            name=item.name,
            date=row.date,
            authors=row.authors,
            site=row.site,
            link=row.link,
            first=row.first,
        ), result.document

    def _write_outputs(self, item: InputItem, rendered: dict[str, str]) -> tuple[str, ...]:
        """`<name>.json/.md/.html`; every path is checked before the first is written."""
        assert self._folder is not None
        targets = [(self._folder.path(f"{item.name}{RENDERERS[fmt][0]}"), fmt) for fmt in self.formats]
        for target, fmt in targets:
            write_atomic(target, rendered[fmt])
        return tuple(str(target) for target, _ in targets)

    def _write_digest(self, docs: Sequence[Document]) -> tuple[str, ...]:
        """One summary across the finished articles (in input order), from their translated documents."""
        assert self._folder is not None
        summary = self.pipeline.summarize(docs)
        signature = self.pipeline.signature
        written = []
        for name, text in zip(DIGEST_FILES, (render_digest_json(summary, docs, signature),
                                             render_digest_markdown(summary, docs, signature=signature),
                                             render_digest_html(summary, docs, signature=signature))):
            target = self._folder.path(name)
            write_atomic(target, text)
            written.append(str(target))
        return tuple(written)
