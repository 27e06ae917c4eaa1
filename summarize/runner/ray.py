"""Running the pipeline on a Ray cluster: the same FolderRunner, with a Ray Data executor (`run_batch(ray=...)`).

The driver reads inputs, checks the cache and writes every output (so outputs, cache and JSONL are exactly
those of a local run, and nothing is written twice); Ray Data only computes: `map_batches` over a callable
class, so each actor loads the models once. Ray is imported here only, and only when asked for.
"""

from __future__ import annotations

import json
import warnings
from collections.abc import Iterable, Iterator
from typing import Any

from ..document import Document, Result
from ..errors import UsageError
from ..loading import ctranslate2_module, resolve_settings
from ..pipeline import Pipeline
from ..settings import Settings
from .executors import Computed, Executor, Job, process_jobs


def _ray() -> Any:
    try:
        import ray
    except ImportError:
        raise UsageError("--backend ray needs the ray extra: pip install 'summarize[ray]'") from None
    return ray


class PipelineWorker:
    """A Ray Data actor: builds the Pipeline (and loads its models) once, then processes batches of jobs."""

    def __init__(self, settings: Settings) -> None:
        self.pipeline = Pipeline(settings)
        self.pipeline.load_models()

    def __call__(self, batch: dict[str, Any]) -> dict[str, list[Any]]:
        jobs = [
            Job(item=None, doc=Document.from_dict(json.loads(doc)), key=key, seconds=0.0)  # type: ignore[arg-type]
            for doc, key in zip(batch["doc"], batch["key"])
        ]
        out = process_jobs(self.pipeline, jobs)
        return {
            "key": [c.job.key for c in out],
            "result": [json.dumps(c.result.to_dict(), ensure_ascii=False) if c.result else "" for c in out],
            "error": [c.error or "" for c in out],
            "seconds": [c.seconds for c in out],
        }


def worker_settings(settings: Settings, num_gpus_per_worker: float = 0) -> Settings:
    """Settings resolved for the workers' device, not the driver's: the driver's cache keys must match them."""
    return resolve_settings(settings, device_type="cuda" if num_gpus_per_worker else "cpu")


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
        pending: dict[str, list[Job]] = {}  # the same key twice: the same record given twice, computed once
        for job in jobs:
            pending.setdefault(job.key, []).append(job)
        if not pending:  # every input was cached or failed to read: no cluster work at all
            return
        if not ray.is_initialized():
            ray.init(address=None if address in (None, "local") else address, ignore_reinit_error=True,
                     include_dashboard=False, log_to_driver=False)
        ray.data.DataContext.get_current().enable_progress_bars = False  # the CLI shows its own progress
        rows = [{"key": key, "doc": json.dumps(same[0].doc.to_dict(), ensure_ascii=False)}
                for key, same in pending.items()]
        with warnings.catch_warnings():  # see _retry_limits
            warnings.filterwarnings("ignore", message=".*ray_remote_args.* is deprecated")
            dataset = ray.data.from_items(rows).map_batches(
                PipelineWorker,
                fn_constructor_kwargs={"settings": settings},
                batch_size=batch_size,
                compute=ray.data.ActorPoolStrategy(size=workers),
                num_gpus=num_gpus_per_worker or None,
                **_retry_limits(ray),
            )
        for row in dataset.iter_rows():
            same = pending.pop(row["key"], None)
            if same is None:  # a retried batch answered twice: the first answer counts
                continue
            result = Result.from_dict(json.loads(row["result"])) if row["result"] else None
            for job in same:
                yield Computed(job, result, row["error"] or None, float(row["seconds"]) / len(same))

    return execute


def _retry_limits(ray: Any) -> dict[str, int]:
    """A crashed actor is restarted and its batch retried, twice at most: an article that kills its worker
    every time must end the run, not loop for ever (Ray Data's own default). The driver writes, taking the
    first answer for each key, so a retried batch writes nothing twice. Ray deprecates passing these as extra
    arguments and will drop them (2.64); where they are gone, Ray Data's defaults apply."""
    import inspect

    params = inspect.signature(ray.data.Dataset.map_batches).parameters
    if not any(p.kind is inspect.Parameter.VAR_KEYWORD for p in params.values()):
        return {}
    return {"max_restarts": 2, "max_task_retries": 2}
