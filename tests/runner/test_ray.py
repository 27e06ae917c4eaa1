"""The Ray backend gives byte-identical outputs to a local run, records failures the same way, and resumes."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

ray = pytest.importorskip("ray", reason="the ray extra is not installed (pip install 'summarize[ray]')")

from summarize import Pipeline
from summarize.runner import FolderRunner, RayOptions, discover_inputs, run_batch


def run_ray(settings, paths, out_dir, *, workers=1, **options):
    return run_batch(paths, out_dir, settings=settings, ray=RayOptions(workers=workers), **options)

pytestmark = [pytest.mark.ray, pytest.mark.slow]


@pytest.fixture(scope="module")
def cluster():
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False, ignore_reinit_error=True)
    yield
    ray.shutdown()


@pytest.fixture(scope="module")
def inputs(tmp_path_factory, seed_files):
    folder = tmp_path_factory.mktemp("in")
    for n in range(2):
        for f in seed_files:
            shutil.copy(f, folder / f"{n}_{f.name}")
    (folder / "z_empty.txt").write_bytes(b"")
    (folder / "z_binary.txt").write_bytes(b"\x00\x01" * 50)
    return folder


def files(folder):
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir()) if p.is_file() and p.suffix != ".jsonl"}


def test_ray_matches_local_byte_for_byte(cluster, inputs, tiny_settings, tmp_path):
    # fp32: its output never depends on how articles are grouped into batches (int8's may, within tolerance), so
    # local and Ray runs, which group differently, must agree to the byte.
    settings = tiny_settings.replace(summarizer="extractive", int8=False)
    local = FolderRunner(Pipeline(settings), tmp_path / "local", jsonl=tmp_path / "local.jsonl").run(
        discover_inputs([inputs]))
    remote = run_ray(settings, [inputs], tmp_path / "ray", workers=2, jsonl=tmp_path / "ray.jsonl")
    assert files(tmp_path / "local") == files(tmp_path / "ray")
    lines = lambda p: sorted(p.read_text().splitlines())
    assert lines(tmp_path / "local.jsonl") == lines(tmp_path / "ray.jsonl")
    failed = sorted(o.id for o in remote.failed)
    assert failed == ["z_binary", "z_empty"] == sorted(o.id for o in local.failed)
    errors = [json.loads(line) for line in (tmp_path / "ray" / "errors.jsonl").read_text().splitlines()]
    assert sorted(e["id"] for e in errors) == failed
    assert sum(o.status == "done" for o in remote.outcomes) == 10

    again = run_ray(settings, [inputs], tmp_path / "ray", workers=2, jsonl=tmp_path / "ray.jsonl")
    assert {o.status for o in again.outcomes if o.id not in failed} == {"cached"}
    assert lines(tmp_path / "local.jsonl") == lines(tmp_path / "ray.jsonl")  # nothing appended twice


def test_ray_with_the_abstractive_model(cluster, seed_files, tiny_settings, tmp_path):
    # The digest too: the driver loads no model, its summary is one Ray task on a worker, and is the local one.
    settings = tiny_settings.replace(int8=False)  # exact whatever the batches (see above)
    paths = [*seed_files[:2], seed_files[0]]  # a file given twice: one cache key for two inputs
    local = FolderRunner(Pipeline(settings), tmp_path / "local", formats=["json"]).run(
        discover_inputs(paths), digest=True)
    assert not local.failed
    remote = run_ray(settings, paths, tmp_path / "ray", formats=["json"], digest=True)
    assert [o.status for o in remote.outcomes] == ["done"] * 3
    assert len(remote.digest) == 3
    assert files(tmp_path / "local") == files(tmp_path / "ray")
    assert f"{seed_files[0].stem}-2.json" in files(tmp_path / "ray")


def test_ray_executor_takes_the_default_engine(tiny_settings, monkeypatch):
    # The default engine resolves to CTranslate2 where it is installed; the Ray tests above pin transformers, so
    # this path once raised an ImportError (a helper renamed in `loading`) before any work, on every local run.
    from summarize.errors import UsageError
    from summarize.runner.ray import ray_executor

    settings = tiny_settings.replace(engine="ctranslate2")
    assert callable(ray_executor(settings))

    def missing():
        raise UsageError("the ctranslate2 engine needs the ctranslate2 package")

    monkeypatch.setattr("summarize.runner.ray.ctranslate2_module", missing)
    with pytest.raises(UsageError, match="ctranslate2 package"):  # said before any work
        ray_executor(settings)


def test_a_worker_without_its_model_is_a_usage_error(cluster, seed_files, tiny_settings, tmp_path):
    # Said in the model's own words, not as a dead actor's traceback.
    from summarize.errors import UsageError

    settings = tiny_settings.replace(translator=str(tmp_path / "no-such-model"))
    with pytest.raises(UsageError, match="a Ray worker cannot run the pipeline: .*no-such-model"):
        run_ray(settings, seed_files[:1], tmp_path / "ray", formats=["json"])


def test_ray_reads_urls_and_archives(cluster, web, make_warc, tmp_path):
    from summarize import Settings
    from summarize.runner import FetchLimits
    from tools.web_fixtures import article_html

    settings = Settings(translate=False, summarizer="extractive")
    archive = make_warc(tmp_path / "a.warc.gz", [("response", "https://example.de/r", article_html("Ray"))])
    inputs = [web.url("/article/ray"), archive, web.url("/pdf")]
    limits = FetchLimits(read_timeout=2, deadline=10)
    remote = run_batch(inputs, tmp_path / "ray", settings=settings, ray=RayOptions(), fetch_limits=limits)
    local = run_batch(inputs, tmp_path / "local", settings=settings, fetch_limits=limits)
    assert [(o.id, o.status) for o in remote.outcomes] == [(o.id, o.status) for o in local.outcomes] == [
        (web.url("/article/ray"), "done"), ("https://example.de/r", "done"), (web.url("/pdf"), "failed")]
    assert remote.failed[0].error == "not an HTML page (application/pdf)"
    for folder in ("ray", "local"):  # the driver saved the pages; the documents point into them
        assert len(list((tmp_path / folder / "pages").glob("*.html"))) == 2
    same = lambda o: (tmp_path / "ray" / Path(o).name).read_text().replace("/ray/", "/local/")
    assert [same(o) for o in remote.outcomes[0].outputs] == [Path(o).read_text() for o in local.outcomes[0].outputs]
