"""Batch runs: cache and its key, resume after a kill, JSONL without duplicates, hostile ids and symlinks, inputs
never overwritten, per-file errors and times, the index."""

from __future__ import annotations

import dataclasses
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time

import pytest

from summarize import Pipeline, Settings
from summarize.document import Result
from summarize.errors import UsageError
from summarize.pipeline import KEY_EXCLUDED
from summarize.runner.executors import Job, groups_of, process_jobs
from summarize.runner.inputs import InputItem, discover_inputs, read_jsonl_inputs
from summarize.runner.run import FolderRunner
from summarize.runner.sink import JsonlSink

TEXT = "Die Regierung hat am Montag beschlossen, die Steuern zu senken. Die Opposition kritisiert das scharf."


@pytest.fixture(scope="module")
def extractive_pipeline(tiny_settings) -> Pipeline:
    return Pipeline(tiny_settings.replace(summarizer="extractive"))


def test_discover_inputs_sorts_folders_and_names_outputs_uniquely(tmp_path, seed_files):
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    shutil.copy(seed_files[0], tmp_path / "a" / "x.txt")
    shutil.copy(seed_files[1], tmp_path / "b" / "x.txt")
    (tmp_path / "a" / "notes.md").write_text("ignored")
    items = discover_inputs([tmp_path / "a", tmp_path / "b"])
    assert [(i.id, i.name) for i in items] == [("x", "x"), ("x", "x-2")]  # the id as given, a unique file name


def test_rerun_uses_the_cache_and_rewrites_identical_outputs(tmp_path, extractive_pipeline, seeds_dir):
    items = list(discover_inputs([seeds_dir]))
    first = FolderRunner(extractive_pipeline, tmp_path).run(items)
    assert {o.status for o in first.outcomes} == {"done"}
    before = {p.name: p.read_bytes() for p in tmp_path.glob("*.*") if p.is_file()}
    second = FolderRunner(extractive_pipeline, tmp_path).run(items)
    assert {o.status for o in second.outcomes} == {"cached"}
    assert {p.name: p.read_bytes() for p in tmp_path.glob("*.*") if p.is_file()} == before
    assert not list(tmp_path.rglob("*.tmp"))


def test_cache_key_changes_with_settings(tmp_path, extractive_pipeline, tiny_settings, seeds_dir):
    items = list(discover_inputs([seeds_dir]))[:1]
    FolderRunner(extractive_pipeline, tmp_path).run(items)
    other = Pipeline(tiny_settings.replace(summarizer="extractive", length="short"))
    assert FolderRunner(other, tmp_path).run(items).outcomes[0].status == "done"


def test_jsonl_has_each_article_once_across_reruns(tmp_path, extractive_pipeline, seeds_dir):
    items = list(discover_inputs([seeds_dir]))
    jsonl = tmp_path / "results.jsonl"
    FolderRunner(extractive_pipeline, tmp_path / "out", jsonl=jsonl).run(items[:3])
    FolderRunner(extractive_pipeline, tmp_path / "out", jsonl=jsonl).run(items)
    ids = [json.loads(line)["document"]["id"] for line in jsonl.read_text().splitlines()]
    assert sorted(ids) == sorted(i.id for i in items)


def test_jsonl_sink_cuts_a_torn_last_line(tmp_path):
    path = tmp_path / "r.jsonl"
    path.write_text('{"cache_key": "k1", "document": {"id": "a"}}\n{"cache_key": "k2", "docu')
    sink = JsonlSink(path)
    sink.close()
    assert path.read_text() == '{"cache_key": "k1", "document": {"id": "a"}}\n'
    assert sink.written("k1", "a") and not sink.written("k2", "a")


def test_input_jsonl_records_and_bad_lines(tmp_path, extractive_pipeline):
    src = tmp_path / "in.jsonl"
    src.write_text(
        json.dumps({"id": "eins", "text": "Russland und Nordkorea vertiefen ihre Beziehungen. Das sagte er."}) + "\n"
        + "not json\n"
        + json.dumps({"id": "zwei", "text": "Die USA warnen. Kim reist nach Russland."}) + "\n"
    )
    items = read_jsonl_inputs(src)
    report = FolderRunner(extractive_pipeline, tmp_path / "out", formats=["json"]).run(items)
    status = {o.id: o.status for o in report.outcomes}
    assert status == {"eins": "done", "line2": "failed", "zwei": "done"}
    assert report.failed[0].error == "line 2: not valid JSON (Expecting value at column 1)"


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


# --- the cache key --------------------------------------------------------------------------------------


def test_cache_key_covers_every_settings_field(tiny_settings, make_document, monkeypatch):
    """Each field of Settings changed in turn changes the key; a field added later is covered by itself."""
    # The fields themselves, past validation: the signature (also in the key) is made by engines that these
    # values could not make, and has its own test below.
    monkeypatch.setattr(Pipeline, "signature", property(lambda self: "fixed"))
    doc = make_document(TEXT)
    base = Pipeline(tiny_settings)
    key = base.cache_key(doc)
    names = [f.name for f in dataclasses.fields(Settings)]
    assert KEY_EXCLUDED < set(names), "every exclusion names a real field"
    for name in names:
        pipe = Pipeline(tiny_settings)
        _ = pipe.model_identities  # found from the real names first
        settings = dataclasses.replace(pipe.settings)
        object.__setattr__(settings, name, "\x00changed")  # past validation: any other value will do
        pipe.settings = settings
        assert (pipe.cache_key(doc) != key) is (name not in KEY_EXCLUDED), name


def test_cache_key_holds_the_signature_of_what_runs(tiny_settings, make_document):
    from summarize.translate import Translator

    class Echo(Translator):  # another translator under the same settings
        label, max_input_tokens = "echo@test", 512

        def tokenize(self, texts):
            return [[1] for _ in texts]

        def generate_ids(self, batch, max_new_tokens, options):
            return [list(ids) for ids in batch]

        def decode(self, ids):
            return "echo"

    doc = make_document(TEXT)
    settings = tiny_settings.replace(summarizer="extractive")
    planned, injected = Pipeline(settings), Pipeline(settings, translator=Echo())
    assert planned.signature != injected.signature  # the same settings, another translator runs
    assert planned.cache_key(doc) != injected.cache_key(doc)


def test_cache_key_and_signature_say_dtype_and_quantization(tiny_settings, make_document):
    doc = make_document(TEXT)
    variants = {
        "int8": tiny_settings,
        "fp32": tiny_settings.replace(int8=False),
        "bf16": tiny_settings.replace(int8=False, dtype="bfloat16"),
        "ct2": tiny_settings.replace(engine="ctranslate2"),
        "ct2-gpu": tiny_settings.replace(engine="ctranslate2", device="cuda", dtype="float16"),
    }
    pipes = {name: Pipeline(s) for name, s in variants.items()}
    assert len({p.cache_key(doc) for p in pipes.values()}) == len(variants)
    assert "|tr.eng=transformers|tr.compute=int8|" in pipes["int8"].signature
    assert "|tr.eng=transformers|tr.compute=bfloat16|" in pipes["bf16"].signature
    assert "|tr.eng=ctranslate2|tr.compute=int8|" in pipes["ct2"].signature and "|dev=cpu|" in pipes["ct2"].signature
    assert "|tr.eng=ctranslate2|tr.compute=float16|" in pipes["ct2-gpu"].signature
    assert "|dev=cuda|" in pipes["ct2-gpu"].signature


def test_a_changed_local_model_is_not_served_from_the_cache(tmp_path, tiny_settings, seed_files):
    model = tmp_path / "marian"
    shutil.copytree(tiny_settings.translator, model)
    settings = tiny_settings.replace(translator=str(model), summarizer="extractive")
    items = list(discover_inputs(seed_files[:1]))

    def status() -> str:  # a new Pipeline each time, as a new run has
        return FolderRunner(Pipeline(settings), tmp_path / "out", formats=["json"]).run(items).outcomes[0].status

    assert [status(), status()] == ["done", "cached"]
    weights = model / "model.safetensors"
    mtime = weights.stat().st_mtime_ns
    weights.write_bytes(weights.read_bytes())  # replaced in place: same name, same size, a new file
    os.utime(weights, ns=(mtime + 10**9, mtime + 10**9))  # coarse clocks: make sure the time differs
    assert status() == "done"


# --- names, symlinks and inputs ----------------------------------------------------------------------

HOSTILE = ["../../escape", "/abs/x", "a/b", "..", ".", "nul\x00", "back\\slash", "~", "~/x", "x" * 300, "con", "nul",
           "index", 7]


def test_hostile_ids_never_write_outside_out(tmp_path, extractive_pipeline):
    src, out = tmp_path / "in.jsonl", tmp_path / "a" / "b" / "out"
    src.write_text("".join(json.dumps({"id": i, "text": TEXT}) + "\n" for i in HOSTILE))
    for status in ("done", "cached"):  # a rerun's cache hits write the same names again
        report = FolderRunner(extractive_pipeline, out).run(read_jsonl_inputs(src))
        assert [o.status for o in report.outcomes] == [status] * len(HOSTILE), report.failed
    written = {p for p in tmp_path.rglob("*") if p.is_file() or p.is_symlink()} - {src}
    assert all(p.parent in (out, out / ".cache") for p in written), sorted(map(str, written))
    ids = [json.loads((out / f"{o.name}.json").read_text())["document"]["id"] for o in report.outcomes]
    assert ids == HOSTILE and [type(i) for i in ids] == [type(i) for i in HOSTILE]  # the JSON keeps the id as given
    index = (out / "index.html").read_text()
    hrefs = re.findall(r'href="([^"]+)"', index)
    assert len(hrefs) == len(HOSTILE) and all((out / h).is_file() for h in hrefs)


def test_a_symlink_in_out_is_not_written_through(tmp_path, extractive_pipeline, seed_files):
    out, victim = tmp_path / "out", tmp_path / "victim.json"
    out.mkdir()
    victim.write_text("mine")
    (out / f"{seed_files[0].stem}.json").symlink_to(victim)
    report = FolderRunner(extractive_pipeline, out, formats=["json"]).run(discover_inputs(seed_files[:2]))
    assert [o.status for o in report.outcomes] == ["failed", "done"]
    assert "leads outside the output folder" in report.outcomes[0].error
    assert victim.read_text() == "mine"


def test_an_input_is_never_overwritten_by_a_report(tmp_path, extractive_pipeline):
    page = tmp_path / "page.html"
    page.write_text(f"<html><body><p>{TEXT}</p></body></html>")
    before = page.read_bytes()
    report = FolderRunner(extractive_pipeline, tmp_path).run(discover_inputs([page]))
    assert report.outcomes[0].status == "failed" and "is an input file" in report.outcomes[0].error
    assert page.read_bytes() == before
    assert not (tmp_path / "page.json").exists(), "every path is checked before the first is written"


def test_an_input_in_place_of_a_folder_level_file_is_a_usage_error(tmp_path, extractive_pipeline):
    index = tmp_path / "index.html"
    index.write_text(f"<p>{TEXT}</p>")
    with pytest.raises(UsageError, match="is an input file"):
        FolderRunner(extractive_pipeline, tmp_path).run(list(discover_inputs([index])))
    jsonl = tmp_path / "in.txt"
    jsonl.write_text(TEXT)
    with pytest.raises(UsageError, match="--jsonl"):
        FolderRunner(extractive_pipeline, tmp_path / "out", jsonl=jsonl).run(list(discover_inputs([jsonl])))
    assert index.read_text() == f"<p>{TEXT}</p>" and jsonl.read_text() == TEXT


def test_a_cache_hit_whose_outputs_cannot_be_written_fails_only_that_file(tmp_path, extractive_pipeline, seed_files):
    out = tmp_path / "out"
    (out / f"{seed_files[0].stem}.json").mkdir(parents=True)  # a folder where the report goes
    items = list(discover_inputs(seed_files[:2]))
    for status in ("done", "cached"):  # run 2 finds the first file's result in the cache
        report = FolderRunner(extractive_pipeline, out, formats=["json"]).run(items)
        assert [o.status for o in report.outcomes] == ["failed", status]
        assert report.outcomes[0].error.startswith(f"cannot write {out / seed_files[0].stem}.json: ")
        errors = [json.loads(line) for line in (out / "errors.jsonl").read_text().splitlines()]
        assert [e["id"] for e in errors if e["run"] == errors[-1]["run"]] == [seed_files[0].stem]
        assert not list(out.rglob("*.tmp"))


# --- records, times, the index -------------------------------------------------------------------------

JSONL_CASES = [  # (line, id, error or None)
    (json.dumps({"id": "eins", "text": TEXT}), "eins", None),
    (json.dumps({"id": 3, "text": TEXT}), 3, None),
    (json.dumps({"id": 0, "text": TEXT}), 0, None),  # as given: a number stays one, and 0 is an id
    (json.dumps({"id": None, "text": TEXT}), "line4", None),
    (json.dumps({"text": TEXT}), "line5", None),
    (json.dumps({"id": "", "text": TEXT}), "line6", None),
    (json.dumps({"id": True, "text": TEXT}), "line7", 'line 7: "id" must be a string or a number'),
    (json.dumps({"id": "ohne"}), "ohne", 'line 8: no "text" field'),
    (json.dumps({"id": "zahl", "text": 5}), "zahl", 'line 9: "text" is not a string'),
    ("[1, 2]", "line10", "line 10: not a JSON object"),
    ("{kaputt", "line11", "line 11: not valid JSON (Expecting property name enclosed in double quotes at column 2)"),
    ('{"id": "\\ud800", "text": "x"}', "line12", 'line 12: "id" is not valid Unicode'),
    ('{"id": "s", "text": "\\udc80"}', "s", 'line 13: "text" is not valid Unicode'),
    (b"\xff\xfe{}".decode("latin-1"), "line14", "line 14: not valid JSON (not UTF-8 text)"),
]


def test_jsonl_ids_and_errors_are_written_for_people(tmp_path):
    src = tmp_path / "in.jsonl"
    src.write_bytes(b"".join(line.encode("latin-1" if n == len(JSONL_CASES) - 1 else "utf-8") + b"\n"
                             for n, (line, _, _) in enumerate(JSONL_CASES)))
    items = read_jsonl_inputs(src)
    assert [json.dumps(i.id) for i in items] == [json.dumps(c[1]) for c in JSONL_CASES]  # 3, not "3"
    for item, (_, _, error) in zip(items, JSONL_CASES):
        assert (item.error is None) if error is None else item.error.startswith(error), (item.error, error)
        assert item.path == str(src)
    with pytest.raises(UsageError, match="cannot read"):
        read_jsonl_inputs(tmp_path / "missing.jsonl")


class SleepyPipeline:
    """Stands in for a Pipeline: one batched pass takes a fixed time, whatever it holds."""

    def process_many(self, docs):
        time.sleep(0.3)
        return [Result(document=d) for d in docs]


def test_a_batched_pass_is_shared_by_length(make_document):
    docs = [make_document("Kurz. Sehr kurz.", "a"), make_document(TEXT * 3, "b")]
    jobs = [Job(InputItem(id=d.id), d, d.id, 0.0) for d in docs]
    computed = process_jobs(SleepyPipeline(), jobs)
    assert 0.3 <= sum(c.seconds for c in computed) < 0.6
    assert computed[1].seconds / computed[0].seconds == pytest.approx(len(docs[1].text) / len(docs[0].text))


def test_per_file_times_add_up_to_the_run(tmp_path, extractive_pipeline, seeds_dir):
    started = time.perf_counter()
    report = FolderRunner(extractive_pipeline, tmp_path, formats=["json"]).run(discover_inputs([seeds_dir]))
    elapsed = time.perf_counter() - started
    assert all(o.seconds > 0 for o in report.outcomes)
    assert sum(o.seconds for o in report.outcomes) <= elapsed  # not the whole batch's time on every row


def test_index_counts_processed_articles_and_lists_failed_ones_apart(tmp_path, extractive_pipeline, seed_files):
    inp = tmp_path / "in"
    inp.mkdir()
    for f in seed_files[:2]:
        shutil.copy(f, inp / f.name)
    (inp / "z_empty.txt").write_bytes(b"")
    FolderRunner(extractive_pipeline, tmp_path / "out").run(discover_inputs([inp]))
    index = (tmp_path / "out" / "index.html").read_text()
    assert "<h1>2 articles, 1 failed</h1>" in index and "<title>summarize: 2 articles, 1 failed</title>" in index
    assert re.findall(r'href="([^"]+)"', index) == [f"{f.stem}.html" for f in seed_files[:2]]
    assert index.index("<h2>Failed</h2>") < index.index("z_empty") and "empty input" in index
    modes = {os.stat(tmp_path / "out" / name).st_mode for name in ("index.html", "errors.jsonl",
                                                                    f"{seed_files[0].stem}.json")}
    assert len(modes) == 1, "reports, the index and errors.jsonl get the same (umask) permissions"


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
    report = FolderRunner(extractive_pipeline, tmp_path / "out", group_size=1, formats=("json",)).run(
        discover_inputs([folder]))
    assert processed == ["a", "b"] and [o.status for o in report.outcomes] == ["done"] * 3
    a, c = (json.loads((tmp_path / "out" / f"{n}.json").read_text()) for n in ("a", "c_same_as_a"))
    assert c["document"]["id"] == "c_same_as_a" and c["summary"]["document_ids"] == ["c_same_as_a"]
    assert {link["document_id"] for s in c["summary"]["sentences"] for link in s["sources"]} == {"c_same_as_a"}
    assert json.dumps(c).replace("c_same_as_a", "a") == json.dumps(a)


def test_each_result_is_rendered_once_and_the_index_and_digest_read_no_result_back(
        tmp_path, extractive_pipeline, seed_files, monkeypatch):
    from summarize.runner import run

    folder = tmp_path / "in"
    folder.mkdir()
    for f in seed_files[:2]:
        shutil.copy(f, folder / f.name)
    rendered, parsed = [], []
    render_json, from_dict = run.render_json, Result.from_dict.__func__
    monkeypatch.setattr(run, "render_json", lambda r: rendered.append(r.document.id) or render_json(r))
    monkeypatch.setattr(Result, "from_dict", classmethod(lambda cls, d: parsed.append(d) or from_dict(cls, d)))

    def once() -> dict[str, bytes]:
        rendered.clear(), parsed.clear()
        out = tmp_path / "out"
        FolderRunner(extractive_pipeline, out, jsonl=tmp_path / "all.jsonl").run(discover_inputs([folder]),
                                                                                digest=True)
        return {p.name: p.read_bytes() for p in out.glob("*.*") if p.is_file()}

    first = once()
    ids = sorted(f.stem for f in seed_files[:2])
    # One JSON per article, for its cache entry and its file; no result read back for the index or the digest.
    assert sorted(rendered) == ids and parsed == []
    entries = {json.loads(p.read_bytes())["document"]["id"]: p.read_bytes()
               for p in (tmp_path / "out" / ".cache").glob("*.json")}
    assert entries == {name: first[f"{name}.json"] for name in ids}
    assert {"index.html", "digest.json", "digest.md", "digest.html"} <= set(first)
    again = once()  # from the cache: each entry parsed once, for its checks, and the same index and digest
    assert sorted(rendered) == ids and sorted(d["document"]["id"] for d in parsed) == ids
    assert again == first


def test_batch_runner_is_the_folder_runner_under_its_old_name():
    import summarize.runner

    with pytest.warns(DeprecationWarning, match="FolderRunner"):
        assert summarize.runner.BatchRunner is FolderRunner
    assert set(summarize.runner.__all__) >= {"BatchRunner", "FolderRunner", "InputItem", "Outcome", "OutputLock",
                                              "RayOptions", "RunReport", "discover_inputs", "read_jsonl_inputs",
                                              "run_batch", "safe_name"}


def test_groups_of_is_itertools_batched_as_lists():
    assert list(groups_of(iter(range(5)), 2)) == [[0, 1], [2, 3], [4]]
    assert list(groups_of([], 3)) == []
