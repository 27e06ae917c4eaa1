"""Folders and job lists: content-hash cache, resume, atomic writes, errors.jsonl, JSONL streaming.

A run never stops on one bad file: each failure is recorded (`errors.jsonl`) and the others go on. Each
finished article is written atomically under a safe name (`files.safe_name`) and cached under `<out>/.cache/`
keyed by `Pipeline.cache_key` (the document, every setting, the models' identities), so a rerun (or a run
resumed after a kill) redoes nothing and duplicates nothing. One run at a time writes a folder (`files.OutputLock`),
and nothing is written outside it or over an input (`files.OutputFolder`). Results are streamed to disk; only
small `Outcome` rows stay in memory.
"""

from __future__ import annotations

import json
import os
import sys
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from itertools import islice
from pathlib import Path
from typing import IO

from ..document import Document, Result, Summary, replace
from ..errors import InputError, ModelNotFoundError, OutputError, SummarizeError, UsageError
from ..pipeline import Pipeline, load_document, twin_key, twin_result
from ..render import render_digest_html, render_digest_markdown, render_html, render_index, render_json
from ..render.markdown import render_markdown
from .files import OutputFolder, OutputLock, file_problem, open_atomic, safe_name, utf8_safe, write_atomic

# Output format → (file suffix, renderer).
RENDERERS = {"json": (".json", render_json), "md": (".md", render_markdown), "html": (".html", render_html)}
CACHE_DIR = ".cache"
ERRORS_FILE = "errors.jsonl"
INDEX_FILE = "index.html"
DIGEST_FILES = ("digest.json", "digest.md", "digest.html")


@dataclass(frozen=True, slots=True)
class InputItem:
    """One article to process: a file, or text from stdin / a JSONL record."""

    id: str  # as given (a file's stem, a record's "id"): the document id in every output
    path: str | None = None  # the file it comes from (for a record, its JSONL file); None: stdin
    data: bytes | None = None  # the text itself (stdin, a record); None: read `path`
    error: str | None = None  # a bad JSONL record, a folder without articles: reported as this item's failure
    name: str = ""  # the stem of its output files: `safe_name(id)`, unique in the run (see `name_items`)

    def read(self, max_chars: int) -> Document:
        if self.error:
            raise InputError(self.path or self.id, self.error)
        if self.data is not None:
            return load_document(self.data, doc_id=self.id, max_chars=max_chars)
        path = Path(self.path or "")
        problem = file_problem(path)
        if problem:
            raise InputError(str(path), problem)
        return load_document(path, doc_id=self.id, max_chars=max_chars)


@dataclass(frozen=True, slots=True)
class Outcome:
    """What happened to one input: a row of the final table and of errors.jsonl."""

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


@dataclass(frozen=True, slots=True)
class Job:
    """An input that was read and missed the cache: the unit an executor processes."""

    item: InputItem
    doc: Document
    key: str
    seconds: float  # spent reading it and looking it up in the cache


@dataclass(frozen=True, slots=True)
class Computed:
    """What an executor made of a Job: a result or an error, and the job's share of the pass's time."""

    job: Job
    result: Result | None
    error: str | None
    seconds: float


# An executor turns a stream of Jobs into Computed ones, in any order. The local one runs the pipeline in this
# process; `summarize.runner.ray` runs it on a Ray cluster. Writing stays here, either way.
Executor = Callable[[Iterable[Job]], Iterator[Computed]]


def process_jobs(pipeline: Pipeline, jobs: Sequence[Job]) -> list[Computed]:
    """Process jobs in one batched pass; if that fails, redo them one by one so a bad article costs only itself."""
    started = time.perf_counter()
    try:
        results = pipeline.process_many([job.doc for job in jobs])
        shares = _shares(jobs, time.perf_counter() - started)
        return [Computed(job, result, None, share) for job, result, share in zip(jobs, results, shares)]
    except (ModelNotFoundError, UsageError):
        raise  # the whole run is misconfigured: no use trying the other files
    except Exception as exc:  # noqa: BLE001 - a per-file failure must never end the run
        if len(jobs) == 1:
            return [Computed(jobs[0], None, _reason(exc), time.perf_counter() - started)]
        lost = _shares(jobs, time.perf_counter() - started)  # the failed pass counts too
        return [replace(c, seconds=c.seconds + share)
                for job, share in zip(jobs, lost) for c in process_jobs(pipeline, [job])]


def _shares(jobs: Sequence[Job], seconds: float) -> list[float]:
    """A batched pass's time, split among its articles by their length in characters."""
    sizes = [max(1, len(job.doc.text)) for job in jobs]
    return [seconds * size / sum(sizes) for size in sizes]


def local_executor(pipeline: Pipeline, group_size: int = 8) -> Executor:
    """Run the pipeline here, translating `group_size` articles per batched pass."""

    def execute(jobs: Iterable[Job]) -> Iterator[Computed]:
        for group in batched(jobs, max(1, group_size)):
            yield from process_jobs(pipeline, list(group))

    return execute


def batched(iterable: Iterable[Job], n: int) -> Iterator[list[Job]]:
    """itertools.batched (3.12+) for Python 3.10/3.11."""
    it = iter(iterable)
    while chunk := list(islice(it, n)):
        yield chunk


def _reason(exc: BaseException) -> str:
    return exc.reason if isinstance(exc, InputError) else f"{type(exc).__name__}: {exc}"


def _write_error(exc: OSError | OutputError) -> str:
    """Why an article's outputs could not be written, for people."""
    if isinstance(exc, OutputError):
        return f"cannot write {exc}"
    where = exc.filename2 or exc.filename
    if where and exc.strerror:
        return f"cannot write {utf8_safe(os.fsdecode(where))}: {exc.strerror}"
    return f"cannot write outputs: {exc.strerror or exc}"


@dataclass
class RunReport:
    outcomes: list[Outcome] = field(default_factory=list)
    index: str | None = None
    digest: tuple[str, ...] = ()

    @property
    def failed(self) -> list[Outcome]:
        return [o for o in self.outcomes if o.status == "failed"]


# --- inputs ----------------------------------------------------------------------------------------


def discover_inputs(paths: Sequence[str | Path], *, stdin: IO[bytes] | None = None) -> list[InputItem]:
    """Files as given, folders as their `*.txt` entries (sorted), `-` as stdin. An entry that cannot be read (a
    broken link, a folder, a FIFO) and a folder without any `*.txt` become failing items: never skipped without a
    word."""
    items: list[InputItem] = []
    for raw in paths:
        if str(raw) == "-":
            stream = stdin or sys.stdin.buffer
            items.append(InputItem(id="stdin", data=stream.read()))
            continue
        p = Path(raw)
        if p.is_dir():
            entries = sorted(p.glob("*.txt"))
            if not entries:
                items.append(InputItem(id=utf8_safe(p.name) or "input", path=str(p),
                                       error="no *.txt files in this folder"))
            items += [InputItem(id=utf8_safe(f.stem), path=str(f)) for f in entries]
        else:  # a missing or unreadable file becomes a per-file error later, not a crash now
            items.append(InputItem(id=utf8_safe(p.stem) or "input", path=str(p)))
    return name_items(items)


def read_jsonl_inputs(path: str | Path, *, stdin: IO[bytes] | None = None) -> list[InputItem]:
    """`{"id": ..., "text": ...}` records, one per line; a bad line becomes a failing item, not a crash.

    A record's id is its "id" as given (a number: its digits); without one (missing, null or ""), `line<N>`."""
    from_stdin = str(path) == "-"
    try:
        stream = (stdin or sys.stdin.buffer) if from_stdin else open(path, "rb")  # noqa: SIM115
    except OSError as exc:
        raise UsageError(f"cannot read {path}: {exc.strerror or exc}") from None
    source = None if from_stdin else str(path)
    items: list[InputItem] = []
    with stream:
        for n, line in enumerate(stream, 1):
            if not line.strip():
                continue
            doc_id, text, problem = _record(line, n)
            if problem:
                items.append(InputItem(id=doc_id, path=source, error=f"line {n}: {problem}"))
            else:
                items.append(InputItem(id=doc_id, path=source, data=text.encode("utf-8")))
    return name_items(items)


def _record(line: bytes, n: int) -> tuple[str, str, str | None]:
    """One JSONL line → (id, text, problem); `problem` says for people what is wrong, None for a good record."""
    fallback = f"line{n}"
    try:
        record = json.loads(line)
    except UnicodeDecodeError:
        return fallback, "", "not valid JSON (not UTF-8 text)"
    except json.JSONDecodeError as exc:
        return fallback, "", f"not valid JSON ({exc.msg} at column {exc.colno})"
    if not isinstance(record, dict):
        return fallback, "", "not a JSON object"
    raw_id = record.get("id")
    if raw_id is None or raw_id == "":
        doc_id = fallback
    elif isinstance(raw_id, (str, int, float)) and not isinstance(raw_id, bool):
        doc_id = str(raw_id)
    else:
        return fallback, "", '"id" must be a string or a number'
    if utf8_safe(doc_id) != doc_id:
        return fallback, "", '"id" is not valid Unicode (a lone surrogate escape such as \\ud800)'
    if "text" not in record:
        return doc_id, "", 'no "text" field'
    text = record["text"]
    if not isinstance(text, str):
        return doc_id, "", '"text" is not a string'
    if utf8_safe(text) != text:
        return doc_id, "", '"text" is not valid Unicode (a lone surrogate escape such as \\ud800)'
    return doc_id, text, None


def name_items(items: Sequence[InputItem]) -> list[InputItem]:
    """Unique ids ("x", "x-2", ...) and unique output names: `safe_name` of the id, with "-2"... where two names
    differ only in case (one file on macOS and Windows)."""
    ids: set[str] = set()
    names: set[str] = set()
    out = []
    for item in items:
        doc_id = _first_free(item.id, ids)
        name = _first_free(safe_name(doc_id), names, fold=True)
        out.append(replace(item, id=doc_id, name=name))
    return out


def _first_free(base: str, taken: set[str], *, fold: bool = False) -> str:
    candidate, n = base, 1
    while (candidate.casefold() if fold else candidate) in taken:
        n += 1
        candidate = f"{base}-{n}"
    taken.add(candidate.casefold() if fold else candidate)
    return candidate


# --- writing -----------------------------------------------------------------------------------------


class JsonlSink:
    """Appends one Result per line; on resume, a torn last line is cut and ids already there are skipped."""

    def __init__(self, target: str | Path) -> None:
        self.stdout = str(target) == "-"
        self.done: set[str] = set()
        if self.stdout:
            self.stream: IO[str] = sys.stdout
            return
        path = Path(target)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            if path.exists():
                self._recover(path)
            self.stream = open(path, "a", encoding="utf-8", newline="\n")  # noqa: SIM115
        except OSError as exc:
            raise UsageError(f"cannot write --jsonl {target}: {exc.strerror or exc}") from None

    def _recover(self, path: Path) -> None:
        data = path.read_bytes()
        keep = data[: data.rfind(b"\n") + 1]  # everything up to the last complete line
        if len(keep) != len(data):
            with open(path, "r+b") as f:
                f.truncate(len(keep))
        for line in keep.splitlines():
            try:
                record = json.loads(line)
                self.done.add(record.get("cache_key") or record["document"]["id"])
            except (ValueError, KeyError, TypeError):
                continue

    def write(self, result: Result, key: str) -> None:
        if key in self.done:
            return
        # The cache key rides along so that a resumed run knows which lines are already there.
        self.stream.write(json.dumps({"cache_key": key, **result.to_dict()}, ensure_ascii=False) + "\n")
        self.stream.flush()
        if not self.stdout:
            os.fsync(self.stream.fileno())
        self.done.add(key)

    def close(self) -> None:
        if not self.stdout:
            self.stream.close()


# --- the run -------------------------------------------------------------------------------------------


class BatchRunner:
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
        self._lock: OutputLock | None = None
        self._folder: OutputFolder | None = None  # set for the length of a run

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

    def run(self, items: Sequence[InputItem], *, digest: bool = False) -> RunReport:
        with self.locked():
            items = name_items(list(items))  # files and records from several sources may share an id or a name
            self._folder = OutputFolder.create(self.out_dir, [item.path for item in items if item.path])
            self._folder.remove_leftovers(CACHE_DIR)
            try:
                return self._run(items, digest)
            finally:
                self._folder = None

    def _run(self, items: Sequence[InputItem], digest: bool) -> RunReport:
        folder = self._check_folder(digest)
        report = RunReport()
        sink = JsonlSink(self.jsonl) if self.jsonl else None
        done_keys: list[str] = []
        try:
            with open_atomic(folder.path(ERRORS_FILE)) as errors:
                for outcome in self._outcomes(items, sink):
                    report.outcomes.append(outcome)
                    if outcome.status == "failed":
                        row = {"id": outcome.id, "path": outcome.path, "error": outcome.error}
                        errors.write(json.dumps({k: v and utf8_safe(v) for k, v in row.items()},
                                                ensure_ascii=False) + "\n")
                        errors.flush()
                    else:
                        done_keys.append(outcome.key)
                    self.on_outcome(outcome)
        finally:
            if sink:
                sink.close()
        # Executors may finish in any order; reports and the index follow the input order.
        position = {item.id: n for n, item in enumerate(items)}
        report.outcomes.sort(key=lambda o: position.get(o.id, len(position)))
        if "html" in self.formats:
            report.index = str(self._write_index(report.outcomes))
        if digest and done_keys:
            report.digest = self._write_digest(done_keys)
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

    def _outcomes(self, items: Sequence[InputItem], sink: JsonlSink | None) -> Iterator[Outcome]:
        """Read and cache-check each input here; hand the rest to the executor as a lazy stream of Jobs.
        An article identical to one finished earlier in this run (same text under another name, as news feeds
        deliver) is written from that one's result; twins in one batch are computed once by the pipeline."""
        side: deque[Outcome] = deque()  # failures and cache hits found while the executor pulls jobs
        finished: dict[str, str] = {}  # twin key of an article finished in this run -> its cache key

        def jobs() -> Iterator[Job]:
            for item in items:
                started = time.perf_counter()
                try:
                    doc = item.read(self.pipeline.settings.max_chars)
                except Exception as exc:  # noqa: BLE001 - a per-file failure must never end the run
                    side.append(Outcome(item.id, item.path, "failed", _reason(exc), name=item.name,
                                        seconds=time.perf_counter() - started))
                    continue
                key = self.pipeline.cache_key(doc)
                cached = self._cached(key) if self.use_cache else None
                job = Job(item, doc, key, time.perf_counter() - started)
                if cached is not None:
                    side.append(self._deliver(Computed(job, cached, None, 0.0), sink, "cached"))
                    continue
                twin_of = finished.get(twin_key(doc))
                twin = self._cached(twin_of) if twin_of is not None else None
                if twin is not None:
                    side.append(self._deliver(Computed(job, twin_result(twin, doc), None, 0.0), sink, "done"))
                    continue
                yield job

        for computed in self.executor(jobs()):
            while side:
                yield side.popleft()
            outcome = self._deliver(computed, sink, "done")
            if outcome.status == "done":
                finished.setdefault(twin_key(computed.job.doc), computed.job.key)
            yield outcome
        while side:
            yield side.popleft()

    def _deliver(self, computed: Computed, sink: JsonlSink | None, status: str) -> Outcome:
        """Cache, outputs and JSONL for one result, fresh or cached; whatever fails here fails this file only."""
        job, result = computed.job, computed.result
        item = job.item
        started = time.perf_counter()

        def seconds() -> float:
            return job.seconds + computed.seconds + time.perf_counter() - started

        if computed.error is not None or result is None:
            return Outcome(item.id, item.path, "failed", computed.error or "no result", name=item.name,
                           seconds=seconds())
        try:
            if status == "done":
                self._store(job.key, result)
            outputs = self._write_outputs(item, result)
            if sink:
                sink.write(result, job.key)
        except (OSError, OutputError) as exc:
            return Outcome(item.id, item.path, "failed", _write_error(exc), name=item.name, seconds=seconds())
        doc = result.document
        summary = result.summary
        return Outcome(
            id=item.id,
            path=item.path,
            status=status,
            sentences=len(doc.sentences),
            summary_sentences=len(summary.sentences) if summary else 0,
            flagged=len(doc.flagged),
            warnings=len(doc.warnings) + (sum(len(s.warnings) + s.unsupported for s in summary.sentences)
                                          if summary else 0),
            seconds=seconds(),
            outputs=outputs,
            title=doc.title,
            key=job.key,
            name=item.name,
        )

    def _write_outputs(self, item: InputItem, result: Result) -> tuple[str, ...]:
        """`<name>.json/.md/.html`; every path is checked before the first is written."""
        assert self._folder is not None
        targets = [(self._folder.path(f"{item.name}{RENDERERS[fmt][0]}"), RENDERERS[fmt][1]) for fmt in self.formats]
        for target, render in targets:
            write_atomic(target, render(result))
        return tuple(str(target) for target, _ in targets)

    # --- cache ----------------------------------------------------------------------------------
    def _cached(self, key: str) -> Result | None:
        assert self._folder is not None
        try:
            path = self._folder.path(CACHE_DIR, f"{key}.json")
            return Result.from_dict(json.loads(path.read_text(encoding="utf-8")))
        except (OSError, OutputError, ValueError, KeyError, TypeError):
            return None  # absent or unreadable: recompute

    def _store(self, key: str, result: Result) -> None:
        assert self._folder is not None
        write_atomic(self._folder.path(CACHE_DIR, f"{key}.json"), render_json(result))

    # --- folder-level outputs ----------------------------------------------------------------------
    def _write_index(self, outcomes: Sequence[Outcome]) -> Path:
        assert self._folder is not None
        results = [self._light_result(o) for o in outcomes]
        links = {o.id: f"{o.name}.html" for o in outcomes if o.status != "failed"}
        target = self._folder.path(INDEX_FILE)
        write_atomic(target, render_index(results, links))
        return target

    def _light_result(self, outcome: Outcome) -> Result:
        """Results are not kept in memory: the index reads each one back from the cache, one at a time."""
        cached = self._cached(outcome.key) if outcome.status != "failed" else None
        if cached is not None:
            return replace(cached, document=replace(cached.document, id=outcome.id))
        return Result(document=Document(id=outcome.id, text="", path=outcome.path), error=outcome.error)

    def _write_digest(self, keys: Sequence[str]) -> tuple[str, ...]:
        assert self._folder is not None
        docs = [r.document for r in map(self._cached, keys) if r is not None]
        summary: Summary = self.pipeline.summarize(docs)
        written = []
        for name, text in zip(DIGEST_FILES, (
            json.dumps(
                {"schema_version": Result(document=docs[0]).to_dict()["schema_version"],
                 "signature": self.pipeline.signature, "summary": summary.to_dict(),
                 "documents": [{"id": d.id, "path": d.path, "title": d.title} for d in docs]},
                ensure_ascii=False, indent=2) + "\n",
            render_digest_markdown(summary, docs),
            render_digest_html(summary, docs),
        )):
            target = self._folder.path(name)
            write_atomic(target, text)
            written.append(str(target))
        return tuple(written)
