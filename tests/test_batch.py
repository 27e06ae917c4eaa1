"""Batch runs: cache, resume after a kill, JSONL without duplicates, atomic outputs."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time

import pytest

from summarize import Pipeline
from summarize.batch import BatchRunner, JsonlSink, discover_inputs, read_jsonl_inputs, write_atomic


@pytest.fixture(scope="module")
def extractive_pipeline(tiny_settings) -> Pipeline:
    return Pipeline(tiny_settings.replace(summarizer="extractive"))


def test_discover_inputs_sorts_folders_and_makes_ids_unique(tmp_path, seed_files):
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    shutil.copy(seed_files[0], tmp_path / "a" / "x.txt")
    shutil.copy(seed_files[1], tmp_path / "b" / "x.txt")
    (tmp_path / "a" / "notes.md").write_text("ignored")
    items = discover_inputs([tmp_path / "a", tmp_path / "b"])
    assert [i.id for i in items] == ["x", "x-2"]


def test_rerun_uses_the_cache_and_rewrites_identical_outputs(tmp_path, extractive_pipeline, seeds_dir):
    items = discover_inputs([seeds_dir])
    first = BatchRunner(extractive_pipeline, tmp_path).run(items)
    assert {o.status for o in first.outcomes} == {"done"}
    before = {p.name: p.read_bytes() for p in tmp_path.glob("*.*") if p.is_file()}
    second = BatchRunner(extractive_pipeline, tmp_path).run(items)
    assert {o.status for o in second.outcomes} == {"cached"}
    assert {p.name: p.read_bytes() for p in tmp_path.glob("*.*") if p.is_file()} == before
    assert not list(tmp_path.rglob("*.tmp"))


def test_cache_key_changes_with_settings(tmp_path, extractive_pipeline, tiny_settings, seeds_dir):
    items = discover_inputs([seeds_dir])[:1]
    BatchRunner(extractive_pipeline, tmp_path).run(items)
    other = Pipeline(tiny_settings.replace(summarizer="extractive", length="short"))
    assert BatchRunner(other, tmp_path).run(items).outcomes[0].status == "done"


def test_an_identical_article_is_written_from_the_first(tmp_path, extractive_pipeline, seed_files, monkeypatch):
    folder = tmp_path / "in"
    folder.mkdir()
    shutil.copy(seed_files[0], folder / "a.txt")
    shutil.copy(seed_files[1], folder / "b.txt")
    shutil.copy(seed_files[0], folder / "c_same_as_a.txt")  # the same article under another name
    processed: list[str] = []
    real = extractive_pipeline.process_many
    monkeypatch.setattr(extractive_pipeline, "process_many",
                        lambda docs: processed.extend(d.id for d in docs) or real(docs))
    report = BatchRunner(extractive_pipeline, tmp_path / "out", group_size=1, formats=("json",)).run(
        discover_inputs([folder]))
    assert processed == ["a", "b"] and [o.status for o in report.outcomes] == ["done"] * 3
    a, c = (json.loads((tmp_path / "out" / f"{n}.json").read_text()) for n in ("a", "c_same_as_a"))
    assert c["document"]["id"] == "c_same_as_a" and c["summary"]["document_ids"] == ["c_same_as_a"]
    assert {link["document_id"] for s in c["summary"]["sentences"] for link in s["sources"]} == {"c_same_as_a"}
    assert json.dumps(c).replace("c_same_as_a", "a") == json.dumps(a)


def test_jsonl_has_each_article_once_across_reruns(tmp_path, extractive_pipeline, seeds_dir):
    items = discover_inputs([seeds_dir])
    jsonl = tmp_path / "results.jsonl"
    BatchRunner(extractive_pipeline, tmp_path / "out", jsonl=jsonl).run(items[:3])
    BatchRunner(extractive_pipeline, tmp_path / "out", jsonl=jsonl).run(items)
    ids = [json.loads(line)["document"]["id"] for line in jsonl.read_text().splitlines()]
    assert sorted(ids) == sorted(i.id for i in items)


def test_jsonl_sink_cuts_a_torn_last_line(tmp_path):
    path = tmp_path / "r.jsonl"
    path.write_text('{"cache_key": "k1", "document": {"id": "a"}}\n{"cache_key": "k2", "docu')
    sink = JsonlSink(path)
    sink.close()
    assert path.read_text() == '{"cache_key": "k1", "document": {"id": "a"}}\n'
    assert sink.done == {"k1"}


def test_input_jsonl_records_and_bad_lines(tmp_path, extractive_pipeline):
    src = tmp_path / "in.jsonl"
    src.write_text(
        json.dumps({"id": "eins", "text": "Russland und Nordkorea vertiefen ihre Beziehungen. Das sagte er."}) + "\n"
        + "not json\n"
        + json.dumps({"id": "zwei", "text": "Die USA warnen. Kim reist nach Russland."}) + "\n"
    )
    items = read_jsonl_inputs(src)
    report = BatchRunner(extractive_pipeline, tmp_path / "out", formats=["json"]).run(items)
    status = {o.id: o.status for o in report.outcomes}
    assert status == {"eins": "done", "line2": "failed", "zwei": "done"}
    assert "bad JSONL record" in report.failed[0].error


def test_write_atomic_leaves_no_half_file(tmp_path, monkeypatch):
    target = tmp_path / "a.json"
    write_atomic(target, "old")

    def boom(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", boom)
    with pytest.raises(OSError):
        write_atomic(target, "new")
    assert target.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["a.json"]


@pytest.mark.slow
def test_killed_run_resumes_without_loss_or_duplicates(tmp_path, seed_files):
    inp = tmp_path / "in"
    inp.mkdir()
    for n in range(100):  # the seeds, copied 100 times: 500 articles
        for f in seed_files:
            shutil.copy(f, inp / f"{n:03d}_{f.name}")
    out, jsonl = tmp_path / "out", tmp_path / "all.jsonl"
    cmd = [sys.executable, "-m", "summarize", str(inp), "--out", str(out), "--jsonl", str(jsonl), "--quiet",
           "--no-translate", "--summarizer", "extractive", "--format", "json"]  # no model: the batch logic is tested
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.time() + 240
    while time.time() < deadline and len(list(out.glob("*.json"))) < 40 and proc.poll() is None:
        time.sleep(0.05)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    done_before = len(list(out.glob("*.json")))
    assert 0 < done_before < 500, "the kill should land mid-run"
    rerun = subprocess.run(cmd, capture_output=True, text=True, timeout=600, check=False)
    assert rerun.returncode == 0, rerun.stderr
    results = sorted(out.glob("*.json"))
    assert len(results) == 500
    for r in results:
        json.loads(r.read_text())  # every file whole
    lines = jsonl.read_text().splitlines()
    ids = [json.loads(line)["document"]["id"] for line in lines]
    assert len(ids) == len(set(ids)) == 500
    assert not list(out.rglob("*.tmp"))
