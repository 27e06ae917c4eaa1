"""The Ray driver's side, without a cluster: a CPU-only head node drives GPU workers (settings resolved for them,
no device probed here), and every job gets an outcome, even one whose result never comes back."""

from __future__ import annotations

import json

import pytest

from summarize import Pipeline
from summarize.errors import UsageError
from summarize.loading.devices import resolve_settings
from summarize.render.markdown import escape
from summarize.runner import FolderRunner, RayOptions, discover_inputs, run_batch
from summarize.runner import ray as ray_runner
from summarize.runner.executors import Job
from summarize.runner.ray import (
    LOST,
    ClusterSummarizer,
    PipelineWorker,
    by_key,
    computed_from_rows,
    driver_pipeline,
    job_rows,
    worker_settings,
)


@pytest.fixture
def cpu_only_driver(monkeypatch):
    """torch sees no GPU here; every device this process looks for is recorded."""
    import torch

    from summarize.loading import convert, devices, models

    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    monkeypatch.setattr(torch.backends.mps, "is_available", lambda: False)
    asked: list[str] = []
    real = devices.resolve_device

    def recorded(device="auto"):
        asked.append(device)
        return real(device)

    for module in (devices, models, convert):
        monkeypatch.setattr(module, "resolve_device", recorded)
    return asked


@pytest.fixture
def articles(tmp_path):
    """Three short articles (the seeds are long: the models are not what is tested here)."""
    folder = tmp_path / "in"
    folder.mkdir()
    texts = ["Der Rat tagte am Montag. Er beschloss den Haushalt.", "Es regnete in Berlin. Die Spree stieg an.",
             "Die Bahn streikt. Viele Züge fallen aus. Pendler warten."]
    for n, text in enumerate(texts):
        (folder / f"a{n}.txt").write_text(text, encoding="utf-8")
    return sorted(folder.glob("*.txt"))


@pytest.fixture
def gpu_settings(tiny_settings):
    return tiny_settings.replace(device="auto", int8=None)  # the device, dtype and int8 left to the machine


def answers(worker, pending):
    """The rows a worker answers for the pending jobs, as Ray Data's `iter_rows` gives them."""
    rows = job_rows(pending)
    if not rows:
        return []
    out = worker({"key": [r["key"] for r in rows], "doc": [r["doc"] for r in rows]})
    return [dict(zip(out, values)) for values in zip(*out.values())]


def cpu_workers(monkeypatch):
    """`ray_executor` replaced by workers that run here, on the CPU, whatever the driver was told they have: the
    driver's side is what is tested. Returns the settings the driver sent them."""
    sent = {}

    def fake_ray_executor(settings, *, address=None, workers=1, num_gpus_per_worker=0):
        sent["settings"] = worker_settings(settings, num_gpus_per_worker)
        sent["gpus"] = num_gpus_per_worker
        worker = PipelineWorker(sent["settings"].replace(device="cpu", dtype="float32"))

        def execute(jobs):
            pending = by_key(jobs)
            yield from computed_from_rows(pending, answers(worker, pending))

        return execute

    monkeypatch.setattr(ray_runner, "ray_executor", fake_ray_executor)
    return sent


def test_worker_settings_are_made_without_a_device(gpu_settings, cpu_only_driver):
    settings = worker_settings(gpu_settings, 1)
    assert (settings.device, settings.dtype, settings.int8) == ("cuda", "float16", False)
    assert settings.max_batch_tokens == 8192  # the GPU budget
    assert "|tr.compute=float16|" in Pipeline(settings).signature and "|dev=cuda|" in Pipeline(settings).signature
    assert worker_settings(gpu_settings, 0.5).device == "cuda"  # a share of a GPU is a GPU
    cpu = worker_settings(gpu_settings, 0)
    assert (cpu.device, cpu.dtype, cpu.int8) == ("cpu", "float32", True)
    assert worker_settings(gpu_settings.replace(dtype="bfloat16"), 1).dtype == "bfloat16"  # asked: kept
    # the workers resolve them again (each Pipeline does): only their threads change, so the cache keys do not
    assert resolve_settings(settings) == settings.replace(threads=resolve_settings(settings).threads)
    assert cpu_only_driver == []


def test_a_worker_with_a_gpu_keeps_the_drivers_choices(gpu_settings, monkeypatch, make_document):
    # On the worker torch sees its GPU (bfloat16 there): its settings, so its cache keys, are the driver's all the
    # same, and a mixed cluster stores one computation under one key.
    import torch

    settings = worker_settings(gpu_settings, 1)
    driver_key = driver_pipeline(gpu_settings, num_gpus_per_worker=1).cache_key(make_document("Ein Satz."))
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    monkeypatch.setattr(torch.cuda, "is_bf16_supported", lambda *args, **kwargs: True)
    assert Pipeline(settings).settings.dtype == "float16"
    assert Pipeline(settings).cache_key(make_document("Ein Satz.")) == driver_key


def test_a_cpu_head_drives_gpu_workers(gpu_settings, articles, cpu_only_driver, monkeypatch, tmp_path):
    # Before: the driver resolved "cuda" for itself and raised UsageError before the first article.
    sent = cpu_workers(monkeypatch)
    report = run_batch(articles[:2], tmp_path / "out", settings=gpu_settings, ray=RayOptions(num_gpus_per_worker=1),
                       formats=["json"])
    assert [o.status for o in report.outcomes] == ["done", "done"]
    assert sent["gpus"] == 1 and (sent["settings"].device, sent["settings"].dtype) == ("cuda", "float16")
    assert cpu_only_driver == ["cpu", "cpu"]  # the CPU stand-in workers' models only: the driver asked for none
    driver = driver_pipeline(gpu_settings, num_gpus_per_worker=1)
    keys = [driver.cache_key(item.read(driver.settings.max_chars)) for item in discover_inputs(articles[:2])]
    assert [o.key for o in report.outcomes] == keys
    assert sorted(p.stem for p in (tmp_path / "out" / ".cache").glob("*.json")) == sorted(keys)  # where results are

    again = run_batch(articles[:2], tmp_path / "out", settings=gpu_settings, ray=RayOptions(num_gpus_per_worker=1),
                      formats=["json"])
    assert [o.status for o in again.outcomes] == ["cached", "cached"]


def test_the_digest_of_gpu_workers_is_summarized_on_the_cluster(gpu_settings, articles, cpu_only_driver,
                                                                 monkeypatch, tmp_path):
    cpu_workers(monkeypatch)
    calls = []

    def on_a_cpu_worker(self, docs, *, length="medium"):  # ClusterSummarizer's task, run here on the CPU
        calls.append((self.num_gpus, self.settings.device, len(docs)))
        return ray_runner._summarize_on_worker(self.settings.replace(device="cpu", dtype="float32"),
                                               [json.dumps(d.to_dict()) for d in docs], length)

    monkeypatch.setattr(ClusterSummarizer, "__call__", on_a_cpu_worker)
    report = run_batch(articles[:2], tmp_path / "out", settings=gpu_settings, ray=RayOptions(num_gpus_per_worker=1),
                       formats=["json"], digest=True)
    assert calls == [(1, "cuda", 2)]
    digest = json.loads((tmp_path / "out" / "digest.json").read_text())
    assert digest["signature"] == driver_pipeline(gpu_settings, num_gpus_per_worker=1).signature
    assert "|sum.compute=float16|" in digest["signature"] and "|dev=cuda|" in digest["signature"]
    assert len(report.digest) == 3
    md, html = ((tmp_path / "out" / name).read_text() for name in ("digest.md", "digest.html"))
    assert escape(digest["signature"]) in md and digest["signature"] in html  # every report says what made it
    assert cpu_only_driver == ["cpu", "cpu", "cpu"]  # the two workers' models and the digest's, none here


def test_an_extractive_digest_runs_on_the_driver(gpu_settings):
    pipe = driver_pipeline(gpu_settings.replace(summarizer="extractive"), num_gpus_per_worker=1)
    assert type(pipe.summarizer).__name__ == "ExtractiveSummarizer"  # no model, no device


def dropping_executor(settings, drop=(), fail_after=None):
    """An executor whose workers run here and whose cluster loses the rows of `drop` (indices of the jobs), or
    fails with an error of Ray's after `fail_after` rows."""
    worker = PipelineWorker(settings)

    class ActorDied(Exception):
        pass

    def execute(jobs):
        pending = by_key(jobs)
        rows = [row for n, row in enumerate(answers(worker, pending)) if n not in drop]

        def stream():
            for n, row in enumerate(rows):
                if n == fail_after:
                    raise ActorDied("The actor died unexpectedly before finishing this task.\nmore lines")
                yield row

        yield from computed_from_rows(pending, stream(), lost_on=ActorDied)

    return execute


def test_a_job_whose_result_never_comes_back_fails_with_a_reason(tiny_settings, articles, tmp_path):
    settings = tiny_settings.replace(summarizer="extractive")
    runner = FolderRunner(Pipeline(settings), tmp_path / "out", formats=["json"],
                          executor=dropping_executor(settings, drop={1}))
    report = runner.run(discover_inputs(articles))
    assert [o.status for o in report.outcomes] == ["done", "failed", "done"]
    assert report.outcomes[1].error == LOST
    errors = [json.loads(line) for line in (tmp_path / "out" / "errors.jsonl").read_text().splitlines()]
    assert [(e["id"], e["path"], e["error"]) for e in errors] == [(report.outcomes[1].id, report.outcomes[1].path,
                                                                    LOST)]
    assert not (tmp_path / "out" / f"{report.outcomes[1].name}.json").exists()

    again = FolderRunner(Pipeline(settings), tmp_path / "out", formats=["json"],
                         executor=dropping_executor(settings)).run(discover_inputs(articles))
    assert [o.status for o in again.outcomes] == ["cached", "done", "cached"]  # a rerun redoes only the lost one


def test_a_cluster_error_fails_the_jobs_still_waiting(tiny_settings, articles, tmp_path):
    settings = tiny_settings.replace(summarizer="extractive")
    report = FolderRunner(Pipeline(settings), tmp_path / "out", formats=["json"],
                          executor=dropping_executor(settings, fail_after=1)).run(discover_inputs(articles))
    assert [o.status for o in report.outcomes] == ["done", "failed", "failed"]
    reason = f"{LOST}: ActorDied: The actor died unexpectedly before finishing this task."
    assert {o.error for o in report.failed} == {reason}
    assert len((tmp_path / "out" / "errors.jsonl").read_text().splitlines()) == 2


def test_jobs_with_one_key_are_computed_once_and_each_answered(tiny_settings, make_document):
    settings = tiny_settings.replace(summarizer="extractive")
    doc = make_document("Ein Satz. Noch einer.")
    key = Pipeline(settings).cache_key(doc)
    pending = by_key(Job(item=n, doc=doc, key=key, seconds=0.0) for n in range(2))
    assert len(job_rows(pending)) == 1
    rows = answers(PipelineWorker(settings), pending)
    computed = list(computed_from_rows(pending, rows + rows))  # a retried batch answers twice
    assert [c.job.item for c in computed] == [0, 1] and all(c.result for c in computed)


def test_a_worker_that_cannot_run_is_a_usage_error(tiny_settings, tmp_path, make_document):
    settings = tiny_settings.replace(translator=str(tmp_path / "no-such-model"))
    pending = by_key([Job(item=None, doc=make_document("Ein Satz."), key="k", seconds=0.0)])
    rows = answers(PipelineWorker(settings), pending)  # a missing model: said by every row, not by a dead actor
    assert "no-such-model" in rows[0]["fatal"]
    with pytest.raises(UsageError, match="a Ray worker cannot run the pipeline: .*no-such-model"):
        list(computed_from_rows(pending, rows))
