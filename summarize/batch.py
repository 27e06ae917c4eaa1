"""Folders and job lists: content-hash cache, resume, atomic writes, errors.jsonl, JSONL streaming.

A run never stops on one bad file: each failure is recorded (`errors.jsonl`) and the others go on. Each
finished article is written atomically and cached under `<out>/.cache/` keyed by its text and every setting
that changes the result, so a rerun (or a run resumed after a kill) redoes nothing and duplicates nothing.
Results are streamed to disk; only small `Outcome` rows stay in memory.
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
import tempfile
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from itertools import islice
from pathlib import Path
from typing import IO

from .document import Document, Result, Summary, replace
from .errors import InputError, ModelNotFoundError, SummarizeError, UsageError
from .pipeline import Pipeline, load_document, twin_result
from .render import render_digest_html, render_digest_markdown, render_html, render_index, render_json
from .render.markdown import render_markdown

FORMATS = {"json": (".json", render_json), "md": (".md", render_markdown), "html": (".html", render_html)}
CACHE_DIR = ".cache"
ERRORS_FILE = "errors.jsonl"


@dataclass(frozen=True, slots=True)
class InputItem:
    """One article to process: a file, or text from stdin / a JSONL record."""

    id: str
    path: str | None = None
    data: bytes | None = None
    error: str | None = None  # a bad JSONL record: reported as this item's failure

    def read(self, max_chars: int) -> Document:
        if self.error:
            raise InputError(self.path or self.id, self.error)
        source = self.data if self.data is not None else Path(self.path or "")
        return load_document(source, doc_id=self.id, max_chars=max_chars)


@dataclass(frozen=True, slots=True)
class Outcome:
    """What happened to one input: a row of the final table and of errors.jsonl."""

    id: str
    path: str | None
    status: str  # "done" | "cached" | "failed"
    error: str | None = None
    sentences: int = 0
    summary_sentences: int = 0
    warnings: int = 0
    seconds: float = 0.0
    outputs: tuple[str, ...] = ()
    title: str = ""
    key: str = ""  # cache key of the finished result


@dataclass(frozen=True, slots=True)
class Job:
    """An input that was read and missed the cache: the unit an executor processes."""

    item: InputItem
    doc: Document
    key: str
    started: float


# An executor turns a stream of Jobs into (job, result, error) triples, in any order. The local one runs the
# pipeline in this process; `summarize.ray_backend` runs it on a Ray cluster. Writing stays here, either way.
Executor = Callable[[Iterable[Job]], Iterator[tuple[Job, "Result | None", "str | None"]]]


def process_jobs(pipeline: Pipeline, jobs: Sequence[Job]) -> list[tuple[Job, Result | None, str | None]]:
    """Process jobs in one batched pass; if that fails, redo them one by one so a bad article costs only itself."""
    try:
        results = pipeline.process_many([job.doc for job in jobs])
        return [(job, result, None) for job, result in zip(jobs, results)]
    except (ModelNotFoundError, UsageError):
        raise  # the whole run is misconfigured: no use trying the other files
    except Exception as exc:  # noqa: BLE001 - a per-file failure must never end the run
        if len(jobs) == 1:
            return [(jobs[0], None, _reason(exc))]
        return [triple for job in jobs for triple in process_jobs(pipeline, [job])]


def local_executor(pipeline: Pipeline, group_size: int = 8) -> Executor:
    """Run the pipeline here, translating `group_size` articles per batched pass."""

    def execute(jobs: Iterable[Job]) -> Iterator[tuple[Job, Result | None, str | None]]:
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
    """Files as given, folders as their `*.txt` files (sorted), `-` as stdin. Ids are unique stems."""
    items: list[InputItem] = []
    for raw in paths:
        if str(raw) == "-":
            stream = stdin or sys.stdin.buffer
            items.append(InputItem(id="stdin", data=stream.read()))
            continue
        p = Path(raw)
        if p.is_dir():
            items += [InputItem(id=f.stem, path=str(f)) for f in sorted(p.glob("*.txt")) if f.is_file()]
        else:  # a missing file becomes a per-file error later, not a crash now
            items.append(InputItem(id=p.stem or "input", path=str(p)))
    return _unique_ids(items)


def read_jsonl_inputs(path: str | Path, *, stdin: IO[bytes] | None = None) -> list[InputItem]:
    """`{"id": ..., "text": ...}` records, one per line; a bad line becomes a failing item, not a crash."""
    stream = (stdin or sys.stdin.buffer) if str(path) == "-" else open(path, "rb")  # noqa: SIM115
    items: list[InputItem] = []
    with stream:
        for n, line in enumerate(stream, 1):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
                text = record["text"]
                doc_id = str(record.get("id") or f"line{n}")
                if not isinstance(text, str):
                    raise TypeError("text is not a string")
                items.append(InputItem(id=doc_id, data=text.encode("utf-8")))
            except (ValueError, KeyError, TypeError) as exc:
                items.append(InputItem(id=f"line{n}", path=f"{path}:{n}", error=f"bad JSONL record: {exc}"))
    return _unique_ids(items)


def _unique_ids(items: list[InputItem]) -> list[InputItem]:
    seen: dict[str, int] = {}
    out = []
    for item in items:
        n = seen.get(item.id, 0) + 1
        seen[item.id] = n
        out.append(item if n == 1 else replace(item, id=f"{item.id}-{n}"))
    return out


# --- writing -----------------------------------------------------------------------------------------


def write_atomic(path: Path, text: str) -> None:
    """Write a whole file or nothing: a temp file in the same folder, fsync, then rename over."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


class JsonlSink:
    """Appends one Result per line; on resume, a torn last line is cut and ids already there are skipped."""

    def __init__(self, target: str | Path) -> None:
        self.stdout = str(target) == "-"
        self.done: set[str] = set()
        if self.stdout:
            self.stream: IO[str] = sys.stdout
            return
        path = Path(target)
        path.parent.mkdir(parents=True, exist_ok=True)
        if path.exists():
            self._recover(path)
        self.stream = open(path, "a", encoding="utf-8", newline="\n")  # noqa: SIM115

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


def cache_key(doc: Document, pipeline: Pipeline) -> str:
    """Text hash + everything that changes the result (model names, revision, options, version)."""
    s = pipeline.settings
    parts = [doc.sha256, doc.id, s.signature, s.translator, s.summarizer_model, s.revision or "", str(s.support_threshold),
             str(s.chunk_overlap), str(s.max_chars)]
    return hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()[:32]


class BatchRunner:
    """Run a Pipeline over many inputs into `out_dir`. Library code: reports through callbacks, never prints."""

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
        on_start: Callable[[int], None] | None = None,
        on_outcome: Callable[[Outcome], None] | None = None,
    ) -> None:
        unknown = set(formats) - set(FORMATS)
        if unknown:
            raise SummarizeError(f"unknown output format(s): {', '.join(sorted(unknown))}")
        self.pipeline = pipeline
        self.out_dir = Path(out_dir)
        self.formats = tuple(formats)
        self.jsonl = jsonl
        self.use_cache = use_cache
        self.executor = executor or local_executor(pipeline, group_size)
        self.on_start = on_start or (lambda total: None)
        self.on_outcome = on_outcome or (lambda outcome: None)

    def run(self, items: Sequence[InputItem], *, digest: bool = False) -> RunReport:
        self.out_dir.mkdir(parents=True, exist_ok=True)
        report = RunReport()
        sink = JsonlSink(self.jsonl) if self.jsonl else None
        errors_path = self.out_dir / ERRORS_FILE
        errors_tmp = errors_path.with_suffix(".jsonl.tmp")
        done_keys: list[str] = []
        self.on_start(len(items))
        try:
            with open(errors_tmp, "w", encoding="utf-8") as errors:
                for outcome in self._outcomes(items, sink):
                    report.outcomes.append(outcome)
                    if outcome.status == "failed":
                        errors.write(json.dumps({"id": outcome.id, "path": outcome.path, "error": outcome.error},
                                                ensure_ascii=False) + "\n")
                        errors.flush()
                    else:
                        done_keys.append(outcome.key)
                    self.on_outcome(outcome)
            os.replace(errors_tmp, errors_path)
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

    def _outcomes(self, items: Sequence[InputItem], sink: JsonlSink | None) -> Iterator[Outcome]:
        """Read and cache-check each input here; hand the rest to the executor as a lazy stream of Jobs.
        An article identical to one finished earlier in this run (same text under another name) is written
        from that one's result; twins in the same batch are computed once by `Pipeline.process_many`."""
        side: deque[Outcome] = deque()  # failures and cache hits found while the executor pulls jobs
        finished: dict[str, str] = {}  # twin key of a finished article -> its cache key

        def jobs() -> Iterator[Job]:
            for item in items:
                started = time.perf_counter()
                try:
                    doc = item.read(self.pipeline.settings.max_chars)
                except Exception as exc:  # noqa: BLE001 - a per-file failure must never end the run
                    side.append(Outcome(item.id, item.path, "failed", _reason(exc)))
                    continue
                key = cache_key(doc, self.pipeline)
                cached = self._cached(key) if self.use_cache else None
                if cached is not None:
                    side.append(self._finish(Job(item, doc, key, started), cached, sink, "cached"))
                    continue
                twin_key = _twin_key(doc)
                twin = self._cached(finished[twin_key]) if twin_key in finished else None
                if twin is not None:
                    try:
                        result = twin_result(twin, doc)
                        self._store(key, result)
                        side.append(self._finish(Job(item, doc, key, started), result, sink, "done"))
                        continue
                    except OSError:
                        pass  # not written: computed like any other article
                yield Job(item, doc, key, started)

        for job, result, error in self.executor(jobs()):
            while side:
                yield side.popleft()
            if error is not None or result is None:
                yield Outcome(job.item.id, job.item.path, "failed", error or "no result")
                continue
            try:
                self._store(job.key, result)
                finished.setdefault(_twin_key(job.doc), job.key)
                yield self._finish(job, result, sink, "done")
            except OSError as exc:
                yield Outcome(job.item.id, job.item.path, "failed", f"cannot write outputs: {exc}")
        while side:
            yield side.popleft()

    def _finish(self, job: Job, result: Result, sink: JsonlSink | None, status: str) -> Outcome:
        item, key, started = job.item, job.key, job.started
        outputs = []
        for fmt in self.formats:
            suffix, render = FORMATS[fmt]
            target = self.out_dir / f"{item.id}{suffix}"
            write_atomic(target, render(result))
            outputs.append(str(target))
        if sink:
            sink.write(result, key)
        doc = result.document
        summary = result.summary
        return Outcome(
            id=item.id,
            path=item.path,
            status=status,
            sentences=len(doc.sentences),
            summary_sentences=len(summary.sentences) if summary else 0,
            warnings=len(doc.warnings) + (sum(len(s.warnings) + s.unsupported for s in summary.sentences)
                                          if summary else 0),
            seconds=round(time.perf_counter() - started, 3),
            outputs=tuple(outputs),
            title=_title(doc),
            key=key,
        )

    # --- cache ----------------------------------------------------------------------------------
    def _cache_path(self, key: str) -> Path:
        return self.out_dir / CACHE_DIR / f"{key}.json"

    def _cached(self, key: str) -> Result | None:
        path = self._cache_path(key)
        try:
            return Result.from_dict(json.loads(path.read_text(encoding="utf-8")))
        except (OSError, ValueError, KeyError, TypeError):
            return None  # absent or unreadable: recompute

    def _store(self, key: str, result: Result) -> None:
        write_atomic(self._cache_path(key), render_json(result))

    # --- folder-level outputs ----------------------------------------------------------------------
    def _write_index(self, outcomes: Sequence[Outcome]) -> Path:
        results = [self._light_result(o) for o in outcomes]
        links = {o.id: f"{o.id}.html" for o in outcomes if o.status != "failed"}
        target = self.out_dir / "index.html"
        write_atomic(target, render_index(results, links))
        return target

    def _light_result(self, outcome: Outcome) -> Result:
        """Results are not kept in memory: the index reads each one back from the cache, one at a time."""
        cached = self._cached(outcome.key) if outcome.status != "failed" else None
        if cached is not None:
            return replace(cached, document=replace(cached.document, id=outcome.id))
        return Result(document=Document(id=outcome.id, text="", path=outcome.path), error=outcome.error)

    def _write_digest(self, keys: Sequence[str]) -> tuple[str, ...]:
        docs = [r.document for r in map(self._cached, keys) if r is not None]
        summary: Summary = self.pipeline.summarize(docs)
        written = []
        for name, text in (
            ("digest.json", json.dumps(
                {"schema_version": Result(document=docs[0]).to_dict()["schema_version"],
                 "signature": self.pipeline.signature, "summary": summary.to_dict(),
                 "documents": [{"id": d.id, "path": d.path, "title": _title(d)} for d in docs]},
                ensure_ascii=False, indent=2) + "\n"),
            ("digest.md", render_digest_markdown(summary, docs)),
            ("digest.html", render_digest_html(summary, docs)),
        ):
            write_atomic(self.out_dir / name, text)
            written.append(str(self.out_dir / name))
        return tuple(written)


def _twin_key(doc: Document) -> str:
    """Equal for the same article under two names: the text and its sentence layout."""
    layout = "".join(f"{s.start},{s.end},{s.role};" for s in doc.sentences)
    return hashlib.sha256(f"{doc.text}\x1f{layout}".encode()).hexdigest()


def _title(doc: Document) -> str:
    for s in doc.sentences:
        if s.role == "title":
            return s.translation or s.text
    return doc.meta.get("title", "") if doc.meta else ""

