"""The folder run: each input read, looked up in the cache, computed by an executor and written into `--out`.

A run never stops on one bad file: each failure is recorded (`errors.jsonl`) and the others go on. Each
finished article is written atomically under its own name (`inputs.name_items`) and cached (`cache.ResultCache`)
keyed by `Pipeline.cache_key`, so a rerun (or a run resumed after a kill) redoes nothing and duplicates nothing.
One run at a time writes a folder (`files.OutputLock`), and nothing is written outside it or over an input
(`files.OutputFolder`). Results are streamed to disk; only small `Outcome` rows stay in memory (and, for a
digest, the translated documents).
"""

from __future__ import annotations

import json
import os
import time
from collections import deque
from collections.abc import Callable, Collection, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from ..document import Document, Result
from ..errors import InputError, OutputError, SummarizeError, UsageError
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
from .files import OutputFolder, OutputLock, open_atomic, utf8_safe, write_atomic
from .inputs import InputItem, name_items
from .sink import JsonlSink

# Output format → (file suffix, renderer).
RENDERERS = {"json": (".json", render_json), "md": (".md", render_markdown), "html": (".html", render_html)}
ERRORS_FILE = "errors.jsonl"
INDEX_FILE = "index.html"
DIGEST_FILES = ("digest.json", "digest.md", "digest.html")
PAGES_DIR = "pages"  # web pages as fetched or taken from an archive: <name>.html, what their offsets point into


@dataclass(frozen=True, slots=True)
class Outcome:
    """What happened to one input: a row of the final table, of the index and of errors.jsonl."""

    id: str
    path: str | None
    status: str  # "done" | "cached" | "failed"
    error: str | None = None
    sentences: int = 0
    summary_sentences: int = 0
    flagged: int = 0  # translated sentences flagged for a second look (`checks`)
    warnings: int = 0
    # This file's own time: reading, cache look-up and writing, plus its share of the batched pipeline pass it
    # went through with other articles (the pass's time split by their lengths in characters).
    seconds: float = 0.0
    outputs: tuple[str, ...] = ()
    title: str = ""
    key: str = ""  # cache key of the finished result
    name: str = ""  # the stem of its output files
    date: str = ""  # the article's date, when it gives one (for the index)
    first: str = ""  # the summary's first sentence (for the index)

    def index_row(self) -> IndexRow:
        if self.status == "failed":
            return IndexRow(self.id, self.path, error=self.error or "failed")
        return IndexRow(self.id, self.path, title=self.title, date=self.date, first=self.first,
                        sentences=self.sentences, flagged=self.flagged, warnings=self.warnings,
                        href=f"{self.name}.html")


@dataclass
class RunReport:
    outcomes: list[Outcome] = field(default_factory=list)
    index: str | None = None
    digest: tuple[str, ...] = ()
    notes: list[str] = field(default_factory=list)  # one line each, for people: what an archive skipped

    @property
    def failed(self) -> list[Outcome]:
        return [o for o in self.outcomes if o.status == "failed"]


def _write_error(exc: OSError | OutputError) -> str:
    """Why an article's outputs could not be written, for people."""
    if isinstance(exc, OutputError):
        return f"cannot write {exc}"
    where = exc.filename2 or exc.filename
    if where and exc.strerror:
        return f"cannot write {utf8_safe(os.fsdecode(where))}: {exc.strerror}"
    return f"cannot write outputs: {exc.strerror or exc}"


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
        unknown = set(formats) - set(RENDERERS)
        if unknown:
            raise SummarizeError(f"unknown output format(s): {', '.join(sorted(unknown))}")
        self.pipeline = pipeline
        self.out_dir = Path(out_dir)
        self.formats = tuple(formats)
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

    def run(self, items: Iterable[InputItem], *, digest: bool = False, protect: Iterable[str | Path] = ()
            ) -> RunReport:
        """Process `items`, a list or a stream read as the run goes. No output replaces an input file: those in
        `protect`, those of `items` when it is a list (all known before the first write), and each item's file
        as the run reads it."""
        known = [item.path for item in items if item.path] if isinstance(items, Collection) else []
        with self.locked():
            self._folder = OutputFolder.create(self.out_dir, [*protect, *known])
            self._folder.remove_leftovers(CACHE_DIR, PAGES_DIR)
            self._cache = ResultCache(self._folder)
            try:
                # files and records from several sources may share an id or a name
                return self._run(name_items(items), digest)
            finally:
                self._folder = self._cache = None

    def _run(self, items: Iterable[InputItem], digest: bool) -> RunReport:
        folder = self._check_folder(digest)
        report = RunReport()
        sink = JsonlSink(self.jsonl) if self.jsonl else None
        docs: list[tuple[str, Document]] | None = [] if digest else None  # (name, translated document)
        position: dict[str, int] = {}  # name → place in the input order (names are unique in a run)
        try:
            with open_atomic(folder.path(ERRORS_FILE)) as errors:
                for outcome, doc in self._outcomes(items, sink, position, keep_docs=digest):
                    report.outcomes.append(outcome)
                    if outcome.status == "failed":
                        row = {"id": outcome.id, "path": outcome.path, "error": outcome.error}
                        errors.write(json.dumps({k: v and utf8_safe(v) for k, v in row.items()},
                                                ensure_ascii=False) + "\n")
                        errors.flush()
                    elif docs is not None and doc is not None:
                        docs.append((outcome.name, doc))
                    self.on_outcome(outcome)
        finally:
            if sink:
                sink.close()
        # Executors may finish in any order; reports, the index and the digest follow the input order.
        report.outcomes.sort(key=lambda o: position[o.name])
        if "html" in self.formats:
            target = folder.path(INDEX_FILE)
            write_atomic(target, render_index([o.index_row() for o in report.outcomes]))
            report.index = str(target)
        if docs:
            docs.sort(key=lambda pair: position[pair[0]])
            report.digest = self._write_digest([doc for _, doc in docs])
        return report

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

    def _outcomes(self, items: Iterable[InputItem], sink: JsonlSink | None, position: dict[str, int], *,
                  keep_docs: bool) -> Iterator[tuple[Outcome, Document | None]]:
        """Read and cache-check each input here, as the executor asks for the next Job (so a stream of inputs is
        read as the run goes, a URL fetched when its turn comes); hand the rest to the executor. An article
        identical to one finished earlier in this run is written from that one's result (`ResultCache.twin`);
        twins in one batch are computed once by the pipeline. With `keep_docs`, each outcome comes with its
        translated document (None for a failure)."""
        cache, folder = self._cache, self._folder
        assert cache is not None and folder is not None
        side: deque[tuple[Outcome, Document | None]] = deque()  # failures and hits found while jobs are pulled

        def jobs() -> Iterator[Job]:
            for item in items:
                position[item.name] = len(position)
                if item.path:
                    folder.protect(item.path)
                started = time.perf_counter()
                try:
                    doc = item.read(self.pipeline.settings.max_chars, fetcher=self._fetcher(item),
                                    save_page=self._save_page)
                except Exception as exc:  # noqa: BLE001 - a per-file failure must never end the run
                    side.append((Outcome(item.id, item.path, "failed", failure_reason(exc), name=item.name,
                                         seconds=time.perf_counter() - started), None))
                    continue
                key = self.pipeline.cache_key(doc)
                cached = cache.get(key) if self.use_cache else None
                job = Job(item, doc, key, time.perf_counter() - started)
                if cached is not None:
                    side.append(self._deliver(Computed(job, cached, None, 0.0), sink, "cached", keep_docs))
                    continue
                twin = cache.twin(doc)
                if twin is not None:
                    side.append(self._deliver(Computed(job, twin, None, 0.0), sink, "done", keep_docs))
                    continue
                yield job

        for computed in self.executor(jobs()):
            while side:
                yield side.popleft()
            outcome, doc = self._deliver(computed, sink, "done", keep_docs)
            if outcome.status == "done":
                cache.finished(computed.job.doc, computed.job.key)
            yield outcome, doc
        while side:
            yield side.popleft()

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
            raise InputError(item.id, _write_error(exc)) from None
        return str(target)

    def _deliver(self, computed: Computed, sink: JsonlSink | None, status: str, keep_doc: bool = True
                 ) -> tuple[Outcome, Document | None]:
        """Cache, outputs and JSONL for one result, fresh or cached; whatever fails here fails this file only."""
        job, result = computed.job, computed.result
        item = job.item
        started = time.perf_counter()

        def seconds() -> float:
            return job.seconds + computed.seconds + time.perf_counter() - started

        if computed.error is not None or result is None:
            return Outcome(item.id, item.path, "failed", computed.error or "no result", name=item.name,
                           seconds=seconds()), None
        try:
            rendered = render_json(result)  # once: the cache entry and the .json file are the same text
            if status == "done":
                assert self._cache is not None
                self._cache.put(job.key, rendered)
            outputs = self._write_outputs(item, result, rendered)
            if sink:
                sink.write(result, job.key)
        except (OSError, OutputError) as exc:
            return Outcome(item.id, item.path, "failed", _write_error(exc), name=item.name, seconds=seconds()), None
        row = IndexRow.of(result)
        return Outcome(
            id=item.id,
            path=item.path,
            status=status,
            sentences=row.sentences,
            summary_sentences=len(result.summary.sentences) if result.summary else 0,
            flagged=row.flagged,
            warnings=row.warnings,
            seconds=seconds(),
            outputs=outputs,
            title=row.title,
            key=job.key,
            name=item.name,
            date=row.date,
            first=row.first,
        ), result.document if keep_doc else None  # documents are kept for a digest only: memory stays flat

    def _write_outputs(self, item: InputItem, result: Result, rendered_json: str) -> tuple[str, ...]:
        """`<name>.json/.md/.html`; every path is checked before the first is written."""
        assert self._folder is not None
        targets = [(self._folder.path(f"{item.name}{RENDERERS[fmt][0]}"), fmt) for fmt in self.formats]
        for target, fmt in targets:
            write_atomic(target, rendered_json if fmt == "json" else RENDERERS[fmt][1](result))
        return tuple(str(target) for target, _ in targets)

    def _write_digest(self, docs: Sequence[Document]) -> tuple[str, ...]:
        """One summary across the finished articles (in input order), from their translated documents."""
        assert self._folder is not None
        summary = self.pipeline.summarize(docs)
        written = []
        for name, text in zip(DIGEST_FILES, (render_digest_json(summary, docs, self.pipeline.signature),
                                             render_digest_markdown(summary, docs),
                                             render_digest_html(summary, docs))):
            target = self._folder.path(name)
            write_atomic(target, text)
            written.append(str(target))
        return tuple(written)
