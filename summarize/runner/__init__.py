"""The runner: drives many inputs through a `Pipeline` into an output folder.

`run_batch` is the batch entry point of the API and of the CLI: files, folders, URLs, WARC archives and
`{"id", "text"}` records in; per-article JSON/Markdown/HTML, `index.html`, `errors.jsonl` and an optional JSONL
stream out, with a content-hash cache that makes reruns and resumed runs cheap. One module a job: `inputs`
(finding and reading inputs, naming their outputs), `fetch` (URLs → pages), `warc` (archives → pages), `pages`
(the page record they share), `cache` (the result cache and twins), `executors` (computing: here, or with `ray`
on a Ray cluster while this process still reads, caches and writes), `sink` (`--jsonl`, `errors.jsonl`), `run`
(the folder run that ties them together), `files` (the output folder's safety).
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Collection, Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..pipeline import Pipeline
from ..settings import FORMATS, Settings
from .fetch import Fetcher, FetchLimits
from .files import OutputLock, safe_name
from .inputs import InputItem, Survey, discover_inputs, read_jsonl_inputs, read_url_list, survey
from .report import Outcome, RunReport
from .run import FolderRunner


@dataclass(frozen=True, slots=True)
class RayOptions:
    """Where and how wide to compute with `--backend ray`."""

    address: str | None = None  # "auto", "ray://host:10001"; None: a local Ray instance
    workers: int = 1  # model replicas (actors)
    num_gpus_per_worker: float = 0.0


def run_batch(
    inputs: Iterable[InputItem | str | Path],
    out_dir: str | Path = "outputs",
    *,
    settings: Settings | None = None,
    pipeline: Pipeline | None = None,
    ray: RayOptions | None = None,
    formats: Sequence[str] = FORMATS,
    jsonl: str | Path | None = None,
    use_cache: bool = True,
    digest: bool = False,
    wait: bool = False,
    on_wait: Callable[[int | None], None] | None = None,
    on_load: Callable[[str, str], None] | None = None,
    on_start: Callable[[int | None], None] | None = None,
    on_outcome: Callable[[Outcome], None] | None = None,
    fetch_limits: FetchLimits | None = None,
) -> RunReport:
    """Process files, folders (their `inputs.READABLE_SUFFIXES` entries), http(s) URLs, WARC archives and records
    into `out_dir`, in the order given; one bad input never stops the run.

    Give `settings`, or a `pipeline` whose models may already be loaded. Locally the models load before the
    first input is read, so a missing model fails at once. With `ray`, the cluster computes (an abstractive
    digest too) and this process loads no model and looks for no device: the settings are resolved for the
    workers (a GPU each with `num_gpus_per_worker`; `ray.worker_settings`), so a CPU-only head node drives GPU
    workers; give `settings` then, since a `pipeline`'s were resolved for this machine. Missing extras (ray,
    ctranslate2) are said before any work. One run at a time writes `out_dir`: another one holding it raises
    OutputLockedError, or with `wait` is waited for (`on_wait(pid)` is called first). `on_load(role, name)` is
    called before a model loads (a first run downloads it), `on_start(inputs)` when the work on the inputs
    begins (None: how many is known only as they are read, as with an archive), `on_outcome` after each
    input.

    Inputs are read as the run reaches them: a URL is fetched (within `fetch_limits`) when its turn comes and
    saved as `out_dir/pages/<name>.html`, an archive's records are read one by one. `inputs` may be a stream; a
    list is surveyed first, so that no output replaces any input file and the number of articles is known.
    """
    notes: list[str] = []
    found = survey(inputs) if isinstance(inputs, Collection) else Survey([], None, [])  # a stream: as it comes
    executor = None
    if ray is not None:  # resolved for the workers: this process may have no GPU where they have one
        from .ray import driver_pipeline, ray_executor

        settings = settings or (pipeline.settings if pipeline else Settings())
        pipeline = driver_pipeline(settings, address=ray.address, num_gpus_per_worker=ray.num_gpus_per_worker)
        executor = ray_executor(settings, address=ray.address, workers=ray.workers,
                                num_gpus_per_worker=ray.num_gpus_per_worker)
    else:
        pipeline = pipeline or Pipeline(settings)
    runner = FolderRunner(pipeline, out_dir, formats=formats, jsonl=jsonl, use_cache=use_cache, executor=executor,
                          on_outcome=on_outcome, wait=wait, on_wait=on_wait, fetcher=Fetcher(fetch_limits))
    with runner.locked():  # from before the models load: a second run is told at once
        if ray is None:
            pipeline.load_models(on_load=on_load)
        if on_start:
            on_start(found.total)
        report = runner.run(_items(inputs, notes.append), digest=digest, protect=found.files, total=found.total,
                            known_ids=found.ids)
    report.notes.extend(notes)
    return report


def _items(inputs: Iterable[InputItem | str | Path], on_note: Callable[[str], None]) -> Iterator[InputItem]:
    """Items as given and paths as `discover_inputs` finds them, in the order given, as the run asks."""
    for x in inputs:
        if isinstance(x, InputItem):
            yield x
        else:
            yield from discover_inputs([x], on_note=on_note)


def __getattr__(name: str) -> Any:
    if name == "BatchRunner":  # its name until the runner was split by job
        warnings.warn("summarize.runner.BatchRunner is now FolderRunner", DeprecationWarning, stacklevel=2)
        return FolderRunner
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = ["BatchRunner", "FetchLimits", "FolderRunner", "InputItem", "Outcome", "OutputLock", "RayOptions",
           "RunReport", "discover_inputs", "read_jsonl_inputs", "read_url_list", "run_batch", "safe_name"]
