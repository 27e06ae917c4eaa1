"""The fault tour of a long batch run: a full disk, damaged cache entries, Ctrl-C and SIGTERM, ids as given, and the
smaller faults. Each ends in one line of text and a documented exit code, never a traceback, and a rerun resumes."""

from __future__ import annotations

import errno
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from summarize import Pipeline, Settings
from summarize.errors import RunInterrupted, RunStoppedError
from summarize.runner import run_batch
from summarize.runner.files import OutputLock
from summarize.runner.inputs import InputItem, name_items, read_jsonl_inputs
from summarize.runner.run import FolderRunner
from summarize.runner.sink import ErrorLog, JsonlSink
from summarize.signals import catch
from tests.integration.test_cli import run_cli

NO_MODELS = Settings(translate=False, summarizer="extractive")  # the runner's logic, no model to load
FULL = OSError(errno.ENOSPC, "No space left on device")


def lines_of(text: str) -> list[str]:
    return [line for line in text.splitlines() if line.strip()]


def rows(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


@pytest.fixture
def articles(tmp_path, seed_files) -> Path:
    """The five seeds and, third, an empty file (one failure per run)."""
    folder = tmp_path / "in"
    folder.mkdir()
    for f in seed_files:
        shutil.copy(f, folder / f.name)
    (folder / "001_zz_empty.txt").write_bytes(b"")
    assert sorted(folder.iterdir())[2].name == "001_zz_empty.txt"
    return folder


def lock_is_free(folder: Path) -> bool:
    with OutputLock(folder, wait=False):
        return True


# --- 1. a full disk ---------------------------------------------------------------------------------------------


def test_a_full_disk_writing_errors_jsonl_is_one_line_and_exit_1(tmp_path, articles, capsys, monkeypatch):
    def full(self, line):
        raise OSError(errno.ENOSPC, "No space left on device", str(self.path))

    monkeypatch.setattr(ErrorLog, "append", full)
    out = tmp_path / "out"
    args = [str(articles), "--out", str(out), "--no-translate", "--summarizer", "extractive", "--format", "json"]
    assert run_cli([*args, "--quiet"]) == 1
    err = capsys.readouterr().err
    assert len(lines_of(err)) == 1 and "Traceback" not in err, err
    assert err.startswith(f"error: cannot write {out / 'errors.jsonl'}: No space left on device; the run stopped "
                          "with 0 of 6 articles finished (1 failed): rerun the same command to resume"), err
    assert not list(out.rglob("*.tmp")) and lock_is_free(out)
    # The articles read before the failure were not computed yet (a batch is read first). Cached now, they are
    # finished before it; without --quiet the table lists them first, and the fault is still one line, the last.
    monkeypatch.undo()
    assert run_cli([*args, "--quiet"]) == 1
    monkeypatch.setattr(ErrorLog, "append", full)
    assert run_cli(args) == 1
    err = capsys.readouterr().err
    assert lines_of(err)[-1].endswith("the run stopped with 2 of 6 articles finished (1 failed): rerun the same "
                                      "command to resume") and "Traceback" not in err
    assert all(name[:3] in err for name in ("000", "001")) and "cached" in err


def test_a_full_disk_writing_outputs_stops_the_run_and_keeps_what_is_finished(tmp_path, articles, monkeypatch):
    from summarize.runner import run as run_module

    real = run_module.write_atomic
    third = sorted(articles.glob("*.txt"))[3].stem

    def write(path, text):
        if path.name.startswith(third):
            raise OSError(errno.ENOSPC, "No space left on device", str(path))
        return real(path, text)

    monkeypatch.setattr(run_module, "write_atomic", write)
    out = tmp_path / "out"
    with pytest.raises(RunStoppedError, match="No space left on device") as stopped:
        run_batch([articles], out, settings=NO_MODELS, formats=["json"])
    report = stopped.value.report
    assert [o.status for o in report.outcomes] == ["done", "done", "failed"] and report.total == 6
    assert sorted(p.stem for p in out.glob("*.json")) == sorted(p.stem for p in sorted(articles.glob("*.txt"))[:2])
    assert [r["id"] for r in rows(out / "errors.jsonl")] == ["001_zz_empty"]  # written as the run went
    assert not list(out.rglob("*.tmp")) and lock_is_free(out)
    monkeypatch.setattr(run_module, "write_atomic", real)  # room again: the rerun resumes
    again = run_batch([articles], out, settings=NO_MODELS, formats=["json"])
    # The third was cached before its report failed to be written: served now, its report written.
    assert [o.status for o in again.outcomes] == ["cached", "cached", "failed", "cached", "done", "done"]
    assert len(list(out.glob("*.json"))) == 5


def test_an_article_written_whole_is_done_when_only_the_jsonl_write_fails(tmp_path, articles, capsys, monkeypatch):
    real = JsonlSink.append
    calls = []

    def flaky(self, line):
        calls.append(line)
        if len(calls) == 2:
            raise OSError(errno.EIO, "Input/output error")
        return real(self, line)

    monkeypatch.setattr(JsonlSink, "append", flaky)
    out, jsonl = tmp_path / "out", tmp_path / "r.jsonl"
    report = run_batch([articles], out, settings=NO_MODELS, formats=["json"], jsonl=jsonl)
    assert [o.status for o in report.outcomes] == ["done", "done", "failed", "done", "done", "done"]
    assert report.problems == [f"cannot write --jsonl {jsonl}: Input/output error"]
    assert len(calls) == 2, "the stream stops at its first failure; the run goes on"
    monkeypatch.setattr(JsonlSink, "append", real)
    code = run_cli([str(articles), "--out", str(out), "--jsonl", str(jsonl), "--no-translate", "--summarizer",
                    "extractive", "--format", "json", "--quiet"])
    assert code == 1 and len(jsonl.read_text().splitlines()) == 5  # the rerun appended what was missing
    assert lines_of(capsys.readouterr().err) == ["failed 001_zz_empty (" + str(articles / "001_zz_empty.txt")
                                                 + "): empty input"]


def test_a_full_disk_writing_the_jsonl_stops_the_run_with_that_article_done(tmp_path, articles, monkeypatch):
    def full(self, line):
        raise FULL

    monkeypatch.setattr(JsonlSink, "append", full)
    with pytest.raises(RunStoppedError, match=r"cannot write --jsonl .*: No space left on device") as stopped:
        run_batch([articles], tmp_path / "out", settings=NO_MODELS, formats=["json"], jsonl=tmp_path / "r.jsonl")
    done = [o for o in stopped.value.report.outcomes if o.status != "failed"]
    assert [o.status for o in done] == ["done"] and (tmp_path / "out" / f"{done[0].name}.json").is_file()


def test_errors_jsonl_is_appended_and_synced_as_the_run_goes(tmp_path, articles):
    out = tmp_path / "out"
    seen = []

    def on_outcome(outcome):  # the row is on disk before the next input is touched
        if outcome.status == "failed":
            seen.append(rows(out / "errors.jsonl")[-1])

    for _ in range(2):
        run_batch([articles], out, settings=NO_MODELS, formats=["json"], on_outcome=on_outcome)
    errors = rows(out / "errors.jsonl")
    assert errors == seen and [e["id"] for e in errors] == ["001_zz_empty", "001_zz_empty"]
    assert errors[0]["run"] < errors[1]["run"], "each row says which run wrote it"


# --- 2. damaged cache entries ----------------------------------------------------------------------------------

DAMAGE = {
    "truncated": lambda entry, other: entry.write_bytes(entry.read_bytes()[:200]),
    "null text": lambda entry, other: entry.write_text(
        json.dumps({**json.loads(entry.read_text()), "document": {
            **json.loads(entry.read_text())["document"], "text": None}})),
    "another document": lambda entry, other: entry.write_bytes(other.read_bytes()),
    "another schema version": lambda entry, other: entry.write_text(
        json.dumps({**json.loads(entry.read_text()), "schema_version": "0.9"})),
    "not JSON": lambda entry, other: entry.write_bytes(b"\x00\xff not json"),
    "a folder in its place": lambda entry, other: (entry.unlink(), (entry / "x").mkdir(parents=True)),
    "a broken summary link": lambda entry, other: entry.write_text(
        entry.read_text().replace('"sentence_id": "s', '"sentence_id": "nowhere-s', 1)),
}


@pytest.mark.parametrize("damage", list(DAMAGE))
def test_a_damaged_cache_entry_is_recomputed_and_overwritten(tmp_path, seed_files, damage):
    pipeline = Pipeline(NO_MODELS)

    def run(file, out, doc_id="art"):
        return FolderRunner(pipeline, out, formats=["json", "md"]).run([InputItem(id=doc_id, path=str(file))]).outcomes[0]

    out = tmp_path / "out"
    first = run(seed_files[0], out)
    other = run(seed_files[1], tmp_path / "other", "other")  # a well-formed entry of another article
    entry = out / ".cache" / f"{first.key}.json"
    report_before, entry_before = (out / "art.json").read_bytes(), entry.read_bytes()
    DAMAGE[damage](entry, tmp_path / "other" / ".cache" / f"{other.key}.json")
    again = run(seed_files[0], out)
    assert again.status == "done", "never served"
    assert (out / "art.json").read_bytes() == report_before and entry.read_bytes() == entry_before  # overwritten
    assert run(seed_files[0], out).status == "cached"


# --- 3. interrupts -----------------------------------------------------------------------------------------------


@pytest.mark.slow
def test_sigterm_and_ctrl_c_end_in_one_line_and_a_rerun_resumes(tmp_path, seed_files):
    inp = tmp_path / "in"
    inp.mkdir()
    for n in range(60):  # 300 small articles, each its own text, and an empty one in every tenth round
        for f in seed_files:
            (inp / f"{n:03d}_{f.name}").write_text(f"Artikel {n}.\n\n" + f.read_text(encoding="utf-8"))
        if n % 10 == 0:
            (inp / f"{n:03d}_empty.txt").write_bytes(b"")
    total = len(list(inp.iterdir()))
    out, jsonl = tmp_path / "out", tmp_path / "all.jsonl"
    cmd = [sys.executable, "-m", "summarize", str(inp), "--out", str(out), "--jsonl", str(jsonl),
           "--no-translate", "--summarizer", "extractive", "--format", "json"]  # no --quiet: one line all the same

    def cached() -> int:
        return len(list((out / ".cache").glob("*.json"))) if (out / ".cache").is_dir() else 0

    for signum, code in ((signal.SIGTERM, 143), (signal.SIGINT, 130)):
        before = cached()
        proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        deadline = time.time() + 240
        while time.time() < deadline and cached() < before + 20 and proc.poll() is None:
            time.sleep(0.05)
        proc.send_signal(signum)
        _, err = proc.communicate(timeout=120)
        assert proc.returncode == code, err
        assert len(lines_of(err)) == 1 and "Traceback" not in err, err
        name = "Ctrl-C" if signum == signal.SIGINT else "SIGTERM"
        assert err.startswith(f"interrupted by {name}: ") and f"of {total} articles finished" in err, err
        assert "run the same command again to resume" in err
        assert cached() < len(list(inp.glob("*.txt"))), "the signal should land mid-run"
        assert not list(out.rglob("*.tmp")) and lock_is_free(out)
    runs_before = {r["run"] for r in rows(out / "errors.jsonl")}
    assert len(runs_before) == 2, "each interrupted run kept the failures it had met"
    rerun = subprocess.run([*cmd, "--quiet"], capture_output=True, text=True, timeout=600, check=False)
    assert rerun.returncode == 1, rerun.stderr  # the empty files fail each time
    ids = [json.loads(line)["id"] for line in jsonl.read_text(encoding="utf-8").splitlines()]
    good = sorted(p.stem for p in inp.glob("*.txt") if p.stat().st_size)
    assert sorted(ids) == good, "each article exactly once in --jsonl"
    errors = rows(out / "errors.jsonl")
    last = max(r["run"] for r in errors)
    assert sorted(r["id"] for r in errors if r["run"] == last) == sorted(p.stem for p in inp.glob("*_empty.txt"))
    assert {r["run"] for r in errors} == runs_before | {last}, "every row of every run is kept"
    assert not list(out.rglob("*.tmp")) and lock_is_free(out)


@pytest.mark.slow
def test_kill_term_mid_run_with_the_models_then_a_rerun(tmp_path, tiny_settings):
    """`kill -TERM` while the tiny models compute, then a rerun: each article exactly once in --jsonl, and the
    error rows of both runs kept. Three batches of 8 (the runner's group): the signal is sent once the first
    batch is written, while the second is computed."""
    from tests.integration.test_cli import model_args

    inp = tmp_path / "in"
    inp.mkdir()
    subjects = ["Der Rat", "Die Bahn", "Das Gericht", "Die Stadt", "Der Verband", "Die Polizei", "Das Land",
                "Die Schule", "Der Verein", "Die Firma", "Das Museum", "Die Klinik"]
    for n, subject in enumerate(subjects * 2):
        (inp / f"{n:02d}.txt").write_text(f"{subject} tagte am Montag zum {n + 1}. Mal. Er beschloss den Haushalt "
                                          f"für {2000 + n}. Die Opposition kritisierte das scharf.", encoding="utf-8")
    (inp / "03_bad.txt").write_bytes(b"\x00\x01\x02 binary \xff\xfe")  # read in the first batch: a row each run
    good = sorted(p.stem for p in inp.glob("*.txt") if p.stem != "03_bad")
    out, jsonl = tmp_path / "out", tmp_path / "all.jsonl"
    cmd = [sys.executable, "-m", "summarize", str(inp), "--out", str(out), "--jsonl", str(jsonl), "--format",
           "json,md", *model_args(tiny_settings)]

    def written() -> int:
        return len(list(out.glob("*.json")))

    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    deadline = time.time() + 300
    while time.time() < deadline and written() == 0 and proc.poll() is None:
        time.sleep(0.02)
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 143, err
    (line,) = lines_of(err)
    assert line.startswith("interrupted by SIGTERM: ") and f"of {len(good) + 1} articles finished (1 failed)" in line
    assert "run the same command again to resume" in line and "Traceback" not in err
    first = {r["run"] for r in rows(out / "errors.jsonl")}
    assert len(first) == 1, "the failure met before the signal is on disk"
    assert 0 < written() < len(good), "the signal landed mid-run"
    assert not list(out.rglob("*.tmp")) and lock_is_free(out)

    rerun = subprocess.run([*cmd, "--quiet"], capture_output=True, text=True, timeout=600, check=False)
    (failed,) = lines_of(rerun.stderr)
    assert rerun.returncode == 1 and failed.startswith(f"failed 03_bad ({inp / '03_bad.txt'}): "), rerun.stderr
    ids = [json.loads(line)["id"] for line in jsonl.read_text(encoding="utf-8").splitlines()]
    assert sorted(ids) == good, "each article exactly once in --jsonl"
    errors = rows(out / "errors.jsonl")
    assert [e["id"] for e in errors] == ["03_bad", "03_bad"] and len({e["run"] for e in errors}) == 2
    assert {e["run"] for e in errors} > first, "the first run's row is kept beside the rerun's"
    assert sorted(p.stem for p in out.glob("*.json")) == good and sorted(p.stem for p in out.glob("*.md")) == good
    assert not list(out.rglob("*.tmp")) and lock_is_free(out)


SLOW_CLI_IMPORT = """
import sys, time
class SlowCli:  # the CLI's own import (typer, rich) made slow, to land the signal in it
    def find_spec(self, name, path, target=None):
        if name == "summarize.cli":
            print("importing", flush=True)
            time.sleep(60)
sys.meta_path.insert(0, SlowCli())
from summarize.__main__ import main
main(["--version"])
"""


@pytest.mark.parametrize(("signum", "code", "name"), [(signal.SIGINT, 130, "Ctrl-C"), (signal.SIGTERM, 143, "SIGTERM")])
def test_a_signal_while_the_cli_starts_is_one_line(signum, code, name):
    """Before: a Ctrl-C while typer and rich were imported (half a second) was a KeyboardInterrupt traceback from
    inside an import, a SIGTERM a silent death."""
    proc = subprocess.Popen([sys.executable, "-c", SLOW_CLI_IMPORT], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, env={**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2])})
    assert proc.stdout.readline() == "importing\n"
    proc.send_signal(signum)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == code and lines_of(err) == [f"interrupted by {name} while starting: nothing was done"], err


@pytest.mark.parametrize("command", [["--version"], ["eval", "checks", "--help"]])
def test_a_ctrl_c_that_typer_takes_is_one_line(command, monkeypatch, capsys):
    """Typer takes a Ctrl-C while click parses the arguments, or in an eval command, and exits 130: before,
    with nothing said (1 of 200 runs in bench_interrupt.py)."""
    import typer

    from summarize.cli import run_app
    from summarize.evaluation.cli import eval_app

    def interrupted(self, *args, **kwargs):  # click's parsing of the arguments, which typer's main wraps
        raise KeyboardInterrupt

    for app in (run_app, eval_app):
        monkeypatch.setattr(type(typer.main.get_command(app)), "make_context", interrupted)
    assert run_cli(command) == 130
    said = "interrupted by Ctrl-C" + ("" if command[0] == "eval" else " while starting: nothing was done")
    assert lines_of(capsys.readouterr().err) == [said]


def test_a_ctrl_c_the_caller_ignores_stays_ignored():
    """A job a shell script starts in the background (`&`) starts with SIGINT ignored, so that a Ctrl-C meant for
    the script passes it by: the command keeps it so while it starts, and ends only on the SIGTERM after it."""
    ignored = "import signal\nsignal.signal(signal.SIGINT, signal.SIG_IGN)  # as the shell's `&` leaves it\n"
    proc = subprocess.Popen([sys.executable, "-c", ignored + SLOW_CLI_IMPORT], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True,
                            env={**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2])})
    assert proc.stdout.readline() == "importing\n"
    proc.send_signal(signal.SIGINT)
    with pytest.raises(subprocess.TimeoutExpired):
        proc.wait(timeout=1)
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 143 and lines_of(err) == ["interrupted by SIGTERM while starting: nothing was done"]


def test_catch_sets_handlers_but_never_over_an_ignored_signal():
    def handler(signum, frame):
        pass

    before = {s: signal.getsignal(s) for s in (signal.SIGINT, signal.SIGTERM)}
    try:
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        replaced = catch({signal.SIGINT: handler, signal.SIGTERM: handler})
        assert replaced == {signal.SIGTERM: before[signal.SIGTERM]}
        assert signal.getsignal(signal.SIGINT) == signal.SIG_IGN and signal.getsignal(signal.SIGTERM) is handler
    finally:
        for signum, old in before.items():
            signal.signal(signum, old)


def test_the_library_turns_an_interrupt_into_run_interrupted_with_the_report(tmp_path, articles):
    finished = []

    def interrupt(outcome):
        finished.extend([outcome] if outcome.status != "failed" else [])
        if len(finished) == 2:
            raise KeyboardInterrupt

    with pytest.raises(RunInterrupted) as stopped:
        run_batch([articles], tmp_path / "out", settings=NO_MODELS, formats=["json"], on_outcome=interrupt)
    assert stopped.value.signum == signal.SIGINT and stopped.value.report.finished == 2
    assert [r["id"] for r in rows(tmp_path / "out" / "errors.jsonl")] == ["001_zz_empty"]
    assert lock_is_free(tmp_path / "out")


# --- 4. ids as given ---------------------------------------------------------------------------------------------

TEXTS = [f"Die Regierung hat am {day} beschlossen, die Steuern zu senken. Die Opposition kritisiert das scharf."
         for day in ("Montag", "Dienstag", "Mittwoch", "Donnerstag", "Freitag")]
RECORDS = [
    {"id": "dup", "text": TEXTS[0]},
    {"id": "dup", "text": TEXTS[1]},  # the same id with other text: an error row, never a renamed id
    {"id": "dup-2", "text": TEXTS[2]},
    {"id": "42", "text": TEXTS[3]},
    {"id": 42, "text": TEXTS[4]},  # a number and a string with the same digits stay apart
    {"id": 7, "text": TEXTS[0]},
    {"id": "7", "text": TEXTS[0]},  # ... with the same text too
    {"id": "same", "text": TEXTS[2]},
    {"id": "same", "text": TEXTS[2]},  # the same article twice: one article
]


def test_jsonl_results_join_back_to_their_inputs_on_id(tmp_path):
    src, out, jsonl = tmp_path / "in.jsonl", tmp_path / "out", tmp_path / "results.jsonl"
    src.write_text("".join(json.dumps(r) + "\n" for r in RECORDS), encoding="utf-8")
    for _ in range(2):  # a rerun appends nothing twice
        report = run_batch([*read_jsonl_inputs(src)], out, settings=NO_MODELS, formats=["json"], jsonl=jsonl)
    assert [o.status for o in report.outcomes] == ["cached", "failed", *["cached"] * 7]
    assert report.failed[0].error == 'line 2: duplicate id "dup": line 1 has it, with other text'
    results = [json.loads(line) for line in jsonl.read_text(encoding="utf-8").splitlines()]
    key = json.dumps  # "42" and 42 are different ids to anyone joining on them
    accepted = {key(r["id"]): r for n, r in enumerate(RECORDS) if n != 1}
    joined = [r for r in results if key(r["id"]) in accepted and accepted[key(r["id"])]["text"] == r["document"]["text"]]
    assert len(joined) == len(results) == len(accepted), "100 % of the results join back, each input once"
    for r in results:  # the id exactly as given in every field that names the article (schema 1.3)
        assert key(r["document"]["id"]) == key(r["summary"]["document_ids"][0]) == key(r["id"])
        assert {key(link["document_id"]) for s in r["summary"]["sentences"] for link in s["sources"]} <= {key(r["id"])}
    files = {key(json.loads(f.read_text())["document"]["id"]): f.name for f in out.glob("*.json")}
    assert set(files) == set(accepted) and files[key(42)] != files[key("42")]
    errors = rows(out / "errors.jsonl")
    assert {key(e["id"]) for e in errors} == {key("dup")}
    names = [o.name for o in report.outcomes]
    assert len(set(names)) == len(names)
    assert json.loads((out / "dup-2.json").read_text())["document"]["id"] == "dup-2"  # the real dup-2 keeps its file


def test_a_numeric_id_stays_a_number_in_errors_jsonl(tmp_path):
    src = tmp_path / "in.jsonl"
    src.write_text(json.dumps({"id": 5, "text": ""}) + "\n" + json.dumps({"id": "5", "text": " "}) + "\n")
    run_batch(read_jsonl_inputs(src), tmp_path / "out", settings=NO_MODELS, formats=["json"])
    assert [e["id"] for e in rows(tmp_path / "out" / "errors.jsonl")] == [5, "5"]


def test_a_name_suffix_never_takes_another_items_own_name():
    named = list(name_items([InputItem(id=i) for i in ("dup", "dup", "dup-2", "Dup", "dup-3")]))
    assert [i.name for i in named] == ["dup", "dup-4", "dup-2", "Dup-5", "dup-3"]
    assert [i.id for i in named] == ["dup", "dup", "dup-2", "Dup", "dup-3"]


# --- 5. smaller faults --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("where", ["the folder", "a parent"])
def test_out_naming_a_file_is_one_line_and_exit_2(tmp_path, seed_files, capsys, where):
    file = tmp_path / "taken.txt"
    file.write_text("mine")
    out = file if where == "the folder" else file / "sub"
    assert run_cli([str(seed_files[0]), "--out", str(out), "--no-translate", "--summarizer", "extractive"]) == 2
    assert lines_of(capsys.readouterr().err) == [
        f"error: cannot use {out} as the output folder: {file} is a file, not a folder (choose another --out)"]
    assert file.read_text() == "mine"


@pytest.mark.parametrize("declaration", ['<meta charset="windows-1252">',
                                         '<meta http-equiv="Content-Type" content="text/html; charset=iso-8859-1">'])
def test_a_declared_charset_is_honoured_even_when_the_bytes_are_valid_utf8(tmp_path, declaration):
    page = (f"<html><head>{declaration}<title>Kurs</title></head><body><p>Der Kurs stieg um 5 Â° am Montag. "
            "Die Bank nannte das Ã¼blich.</p></body></html>")
    data = page.encode("cp1252")
    assert data.decode("utf-8") != page  # valid UTF-8, which reads "°" and "ü": not what the page says it is
    (tmp_path / "kurs.html").write_bytes(data)
    report = run_batch([tmp_path / "kurs.html"], tmp_path / "out", settings=NO_MODELS, formats=["json"])
    assert [o.status for o in report.outcomes] == ["done"], report.failed
    doc = json.loads((tmp_path / "out" / "kurs.json").read_text(encoding="utf-8"))["document"]
    assert doc["text"] == page and doc["meta"]["encoding"] == "cp1252"
    assert any("Ã¼blich" in s["de"] for s in doc["sentences"])


def test_a_record_is_text_even_with_a_nul(tmp_path):
    src = tmp_path / "in.jsonl"
    src.write_text(json.dumps({"id": "mit-nul", "text": TEXTS[0].replace(" hat", "\x00 hat")}) + "\n")
    report = run_batch(read_jsonl_inputs(src), tmp_path / "out", settings=NO_MODELS, formats=["json"])
    assert [o.status for o in report.outcomes] == ["done"], report.failed
    doc = json.loads((tmp_path / "out" / "mit-nul.json").read_text())["document"]
    assert "\x00" in doc["text"] and doc["sentences"]


def test_a_record_over_max_chars_fails_alone(tmp_path):
    src = tmp_path / "in.jsonl"
    src.write_text(json.dumps({"id": "long", "text": TEXTS[0] * 10}) + "\n" + json.dumps({"id": "ok", "text": TEXTS[1]})
                   + "\n")
    report = run_batch(read_jsonl_inputs(src), tmp_path / "out", settings=NO_MODELS.replace(max_chars=500),
                       formats=["json"])
    assert [o.status for o in report.outcomes] == ["failed", "done"]
    assert "over the limit of 500" in report.failed[0].error


def test_digest_through_the_runner(tmp_path, articles):
    out = tmp_path / "out"
    report = run_batch([articles], out, settings=NO_MODELS, digest=True)
    assert [Path(p).name for p in report.digest] == ["digest.json", "digest.md", "digest.html"]
    digest = json.loads((out / "digest.json").read_text())
    done = [o.id for o in report.outcomes if o.status != "failed"]
    assert [d["id"] for d in digest["documents"]] == done  # input order, the failed one left out
    assert set(digest["summary"]["document_ids"]) == set(done) and digest["summary"]["sentences"]
    assert (out / "digest.md").read_text().startswith(f"# Digest of {len(done)} articles")
    again = run_batch([articles], out, settings=NO_MODELS, digest=True)  # from the cache: the same digest
    assert {o.status for o in again.outcomes} == {"cached", "failed"}
    assert json.loads((out / "digest.json").read_text()) == digest


def test_a_digest_names_each_article_once_with_numeric_and_shared_ids(tmp_path):
    """42 and "42" (JSONL) stay two ids, as given; two files x.txt (both id "x") are told apart ("x#2"). Every
    source link of digest.json lands in its own article's text, and every HTML link has its one row."""
    texts = ["Der Bundestag hat gestern lange über das neue Heizungsgesetz gestritten. Eine Mehrheit fand sich nicht.",
             "In Hamburg wurde ein neuer Hafenkran eingeweiht. Er hebt achtzig Tonnen.",
             "Die Bahn streicht im Winter viele Verbindungen im Norden. Pendler sind verärgert. Ein Sprecher bedauert es.",
             "Ein seltener Komet ist diese Woche mit bloßem Auge zu sehen. Astronomen raten zu dunklen Orten."]
    src = tmp_path / "in.jsonl"
    src.write_text(json.dumps({"id": 42, "text": texts[0]}) + "\n" + json.dumps({"id": "42", "text": texts[1]}) + "\n")
    for folder, text in (("a", texts[2]), ("b", texts[3])):
        (tmp_path / folder).mkdir()
        (tmp_path / folder / "x.txt").write_text(text, encoding="utf-8")
    out = tmp_path / "out"
    report = run_batch([*read_jsonl_inputs(src), tmp_path / "a", tmp_path / "b"], out, settings=NO_MODELS,
                       digest=True)
    assert [o.status for o in report.outcomes] == ["done"] * 4, report.failed
    digest = json.loads((out / "digest.json").read_text(encoding="utf-8"))
    ids = [d["id"] for d in digest["documents"]]
    assert ids == digest["summary"]["document_ids"] == [42, "42", "x", "x#2"]
    text_of = {json.dumps(i): t for i, t in zip(ids, texts)}
    for sentence in digest["summary"]["sentences"]:  # extractive, untranslated: the linked German sentence itself
        [link] = sentence["sources"]
        assert text_of[json.dumps(link["document_id"])][link["start"]:link["end"]] == sentence["text"]
    links = [link for s in digest["summary"]["sentences"] for link in s["sources"]]
    assert len({json.dumps(link["document_id"]) for link in links}) == 4  # each article is summarized
    html = (out / "digest.html").read_text(encoding="utf-8")
    anchors = re.findall(r' id="(d[^"]*)"', html)
    assert len(anchors) == len(set(anchors))
    wanted = {a for group in re.findall(r'data-sources="([^"]*)"', html) for a in group.split()}
    assert len(wanted) == len(links) and wanted <= set(anchors)


def test_digest_of_nothing_finished_is_no_digest(tmp_path):
    (tmp_path / "empty.txt").write_bytes(b"")
    report = run_batch([tmp_path / "empty.txt"], tmp_path / "out", settings=NO_MODELS, digest=True)
    assert report.digest == () and not (tmp_path / "out" / "digest.json").exists()


def test_digest_through_the_cli(tmp_path, seed_files, capsys):
    out = tmp_path / "out"
    code = run_cli([*map(str, seed_files[:3]), "--out", str(out), "--no-translate", "--summarizer", "extractive",
                    "--digest"])
    assert code == 0
    err = capsys.readouterr().err
    for name in ("digest.json", "digest.md", "digest.html"):
        assert f"digest: {out / name}" in err and (out / name).is_file()
    assert [d["id"] for d in json.loads((out / "digest.json").read_text())["documents"]] == [
        f.stem for f in seed_files[:3]]
