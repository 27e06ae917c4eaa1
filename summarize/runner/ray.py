"""Running the pipeline on a Ray cluster: the same FolderRunner, with a Ray Data executor (`run_batch(ray=...)`).

The driver reads inputs, checks the cache and writes every output (so outputs, cache and JSONL are exactly
those of a local run, and nothing is written twice); Ray Data only computes: `map_batches` over a callable
class, so each actor loads the models once. The driver loads no model and never looks for a device: the
usual cluster has a CPU-only head node and GPU workers, so its settings are resolved for the workers
(`worker_settings`) and an abstractive digest is summarized on the cluster too (`ClusterSummarizer`). Ray is
imported here only, and only when asked for.
"""

from __future__ import annotations

import json
import warnings
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

from ..document import Document, Result
from ..engines import load_summarizer, planned_part
from ..errors import ModelNotFoundError, UsageError
from ..loading.convert import ctranslate2_module
from ..loading.devices import resolve_settings
from ..pipeline import Pipeline
from ..settings import Settings
from ..summarizers import DraftSummary, Summarizer
from .executors import Computed, Executor, Job, process_jobs

# The failure of an article whose result never came back (a lost batch, an actor dead past its retries).
LOST = "no result came back from the Ray cluster (worker lost?)"
# The dtype of the transformers engine on a GPU worker when the settings leave it to the machine. The driver
# cannot see the workers' GPUs, and each worker choosing for itself (bfloat16 where supported) would store
# different computations under one cache key on a mixed cluster. float16 runs on every CUDA GPU and is what
# the CTranslate2 engine runs there anyway; `--dtype bfloat16` asks for bfloat16 on Ampere or newer.
WORKER_GPU_DTYPE = "float16"


def _ray() -> Any:
    try:
        import ray
    except ImportError:
        raise UsageError("--backend ray needs the ray extra: pip install 'summarize[ray]'") from None
    return ray


def _connect(ray: Any, address: str | None) -> None:
    """Join the cluster at `address` (None or "local": start a local one), once per process."""
    if not ray.is_initialized():
        ray.init(address=None if address in (None, "local") else address, ignore_reinit_error=True,
                 include_dashboard=False, log_to_driver=False)
    ray.data.DataContext.get_current().enable_progress_bars = False  # the CLI shows its own progress


def worker_settings(settings: Settings, num_gpus_per_worker: float = 0) -> Settings:
    """The settings as the workers run them, made without looking at this machine's devices: the driver's cache
    keys and signature come from them. The device is a GPU when each worker has one (`num_gpus_per_worker`),
    else the CPU; a GPU's dtype left to the machine is WORKER_GPU_DTYPE. Nothing is left open but the CPU
    threads, so a worker resolving them again (its `Pipeline`) runs exactly these, under the same cache keys."""
    resolved = resolve_settings(settings, device_type="cuda" if num_gpus_per_worker else "cpu")
    if resolved.needs_models and resolved.dtype == "auto":  # left open for a GPU this process cannot see
        resolved = resolved.replace(dtype=WORKER_GPU_DTYPE)
    return resolved


def driver_pipeline(settings: Settings, *, address: str | None = None, num_gpus_per_worker: float = 0) -> Pipeline:
    """The Pipeline of the driver: the workers' settings (its cache keys and signature are theirs) and no model
    of its own. An abstractive digest is summarized on the cluster (`ClusterSummarizer`); an extractive one
    needs no model and runs here."""
    settings = worker_settings(settings, num_gpus_per_worker)
    summarizer = (ClusterSummarizer(settings, address=address, num_gpus=num_gpus_per_worker)
                  if settings.summarizer == "abstractive" else None)
    return Pipeline(settings, summarizer=summarizer)


class PipelineWorker:
    """A Ray Data actor: builds the Pipeline (and loads its models) once, then processes batches of jobs.

    A worker that cannot run at all (a model or package missing there, no GPU) answers every row with why
    (`fatal`), which the driver raises as a UsageError: a dead actor would only say that it died."""

    def __init__(self, settings: Settings) -> None:
        self.fatal = ""
        self.pipeline: Pipeline | None = None
        try:
            self.pipeline = Pipeline(settings)
            self.pipeline.load_models()
        except (ModelNotFoundError, UsageError) as exc:
            self.fatal = str(exc)

    def __call__(self, batch: dict[str, Any]) -> dict[str, list[Any]]:
        jobs = [
            Job(item=None, doc=Document.from_dict(json.loads(doc)), key=key, seconds=0.0)  # type: ignore[arg-type]
            for doc, key in zip(batch["doc"], batch["key"])
        ]
        out = [Computed(job, None, None, 0.0) for job in jobs]
        if self.pipeline is not None and not self.fatal:
            try:
                out = process_jobs(self.pipeline, jobs)
            except (ModelNotFoundError, UsageError) as exc:
                self.fatal = str(exc)
        return {
            "key": [c.job.key for c in out],
            "result": [json.dumps(c.result.to_dict(), ensure_ascii=False) if c.result else "" for c in out],
            "error": [c.error or "" for c in out],
            "seconds": [c.seconds for c in out],
            "fatal": [self.fatal] * len(out),
        }


def by_key(jobs: Iterable[Job]) -> dict[str, list[Job]]:
    """The jobs waiting for an answer, by cache key: the same record given twice is computed once."""
    pending: dict[str, list[Job]] = {}
    for job in jobs:
        pending.setdefault(job.key, []).append(job)
    return pending


def job_rows(pending: dict[str, list[Job]]) -> list[dict[str, str]]:
    """The rows sent to the workers: one per cache key (jobs with one key are one computation)."""
    return [{"key": key, "doc": json.dumps(jobs[0].doc.to_dict(), ensure_ascii=False)} for key, jobs in pending.items()]


def computed_from_rows(pending: dict[str, list[Job]], rows: Iterable[dict[str, Any]],
                       lost_on: type[BaseException] | tuple[type[BaseException], ...] = ()) -> Iterator[Computed]:
    """The workers' rows as Computed results, each job once (the first answer for a key counts: a retried
    batch may answer twice). Every job left without an answer when the rows end, or when they fail with a
    `lost_on` error (Ray's own: an actor dead past its retries), fails with the reason LOST; a `fatal` row (a
    worker that cannot run at all) is a UsageError that ends the run."""
    lost = LOST
    try:
        for row in rows:
            if row.get("fatal"):
                raise UsageError(f"a Ray worker cannot run the pipeline: {row['fatal']}")
            jobs = pending.pop(row["key"], [])
            result = Result.from_dict(json.loads(row["result"])) if row["result"] and jobs else None
            for job in jobs:  # one computation: its time is shared
                yield Computed(job, result, row["error"] or None, float(row["seconds"]) / len(jobs))
    except lost_on as exc:
        lines = str(exc).strip().splitlines()
        lost = f"{LOST}: {type(exc).__name__}" + (f": {lines[0][:200]}" if lines else "")
    for jobs in pending.values():
        for job in jobs:
            yield Computed(job, None, lost, 0.0)


def ray_executor(
    settings: Settings,
    *,
    address: str | None = None,
    workers: int = 1,
    num_gpus_per_worker: float = 0,
    batch_size: int = 8,
) -> Executor:
    """An executor that runs the jobs with Ray Data on the cluster at `address` (None: a local one)."""
    if workers < 1:
        raise UsageError("--workers must be at least 1")
    settings = worker_settings(settings, num_gpus_per_worker)
    ray = _ray()  # a missing extra is said before any work
    if settings.needs_models and settings.engine == "ctranslate2" and address in (None, "local"):
        ctranslate2_module()  # a local Ray instance's workers share this environment: a missing package said now

    def execute(jobs: Iterable[Job]) -> Iterator[Computed]:
        pending = by_key(jobs)
        if not pending:  # every input was cached or failed to read: no cluster work at all
            return
        _connect(ray, address)
        with warnings.catch_warnings():  # see _retry_limits
            warnings.filterwarnings("ignore", message=".*ray_remote_args.* is deprecated")
            dataset = ray.data.from_items(job_rows(pending)).map_batches(
                PipelineWorker,
                fn_constructor_kwargs={"settings": settings},
                batch_size=batch_size,
                compute=ray.data.ActorPoolStrategy(size=workers),
                num_gpus=num_gpus_per_worker or None,
                **_retry_limits(ray),
            )
        yield from computed_from_rows(pending, dataset.iter_rows(), lost_on=ray.exceptions.RayError)

    return execute


class ClusterSummarizer(Summarizer):
    """The driver's summarizer with `--backend ray`: each call (a digest) is one Ray task with a worker's
    resources, which loads the summarizer there and returns its draft; provenance is linked on the driver.
    Nothing is loaded before a digest is asked for."""

    def __init__(self, settings: Settings, *, address: str | None = None, num_gpus: float = 0) -> None:
        self.settings = settings
        self.address = address
        self.num_gpus = num_gpus
        self.label = settings.summarizer_model  # the workers' model (its revision is theirs to find)

    def signature_part(self) -> dict[str, str]:
        """What the workers run: the workers' settings, as their engine will say it."""
        return planned_part(self.settings, "summarization")

    def __call__(self, docs: Sequence[Document], *, length: str = "medium") -> DraftSummary:
        ray = _ray()
        _connect(ray, self.address)
        task = ray.remote(_summarize_on_worker).options(num_gpus=self.num_gpus, max_retries=2)
        payload = [json.dumps(d.to_dict(), ensure_ascii=False) for d in docs]
        draft = ray.get(task.remote(self.settings, payload, length))
        if isinstance(draft, str):  # the worker could not load the summarizer
            raise UsageError(f"a Ray worker cannot run the digest's summarizer: {draft}")
        return draft


def _summarize_on_worker(settings: Settings, docs: list[str], length: str) -> DraftSummary | str:
    """On a worker: the draft summary of the documents, or why the summarizer cannot run there (an exception
    raised on a worker comes back wrapped in Ray's traceback)."""
    try:
        summarizer = load_summarizer(settings)
    except (ModelNotFoundError, UsageError) as exc:
        return str(exc)
    return summarizer([Document.from_dict(json.loads(d)) for d in docs], length=length)


def _retry_limits(ray: Any) -> dict[str, int]:
    """A crashed actor is restarted and its batch retried, twice at most: an article that kills its worker
    every time must not loop for ever (Ray Data's own default); past that, the articles still waiting fail
    (LOST) and the run goes on. The driver writes, taking the first answer for each key, so a retried batch
    writes nothing twice. Ray deprecates passing these as extra
    arguments and will drop them (2.64); where they are gone, Ray Data's defaults apply."""
    import inspect

    params = inspect.signature(ray.data.Dataset.map_batches).parameters
    if not any(p.kind is inspect.Parameter.VAR_KEYWORD for p in params.values()):
        return {}
    return {"max_restarts": 2, "max_task_retries": 2}
