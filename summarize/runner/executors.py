"""Executors: turn a stream of `Job`s (articles read and not in the cache) into `Computed` results.

The local executor runs the pipeline in this process; `summarize.runner.ray` runs it on a Ray cluster. Either
way, reading, caching and writing stay with the runner (`run.FolderRunner`).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from itertools import islice
from typing import TypeVar

from ..document import Document, Result, replace
from ..errors import InputError, ModelNotFoundError, UsageError
from ..pipeline import Pipeline
from .inputs import InputItem

T = TypeVar("T")


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


# An executor turns a stream of Jobs into Computed ones, in any order.
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
            return [Computed(jobs[0], None, failure_reason(exc), time.perf_counter() - started)]
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
        for group in groups_of(jobs, max(1, group_size)):
            yield from process_jobs(pipeline, group)

    return execute


def groups_of(iterable: Iterable[T], n: int) -> Iterator[list[T]]:
    """Consecutive lists of `n` items (the last may be shorter): `itertools.batched` of Python 3.12, as lists."""
    it = iter(iterable)
    while group := list(islice(it, n)):
        yield group


def failure_reason(exc: BaseException) -> str:
    """Why one article failed, for people: an InputError's own reason, else the exception's type and message."""
    return exc.reason if isinstance(exc, InputError) else f"{type(exc).__name__}: {exc}"
