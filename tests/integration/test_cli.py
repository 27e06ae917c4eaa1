"""The `summarize` command end to end on tiny models: outputs, exit codes, one-line errors, markup-safe messages,
and the bad-input tour."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from summarize.cli import main
from summarize.render.json import load_schema
from summarize.runner import safe_name


def run_cli(args: list[str]) -> int:
    try:
        main(args)
    except SystemExit as exc:
        return int(exc.code or 0)
    return 0


def model_args(settings) -> list[str]:
    return ["--translator", settings.translator, "--summarizer-model", settings.summarizer_model, "--device", "cpu",
            "--engine", settings.engine]


def check_result_json(path: Path) -> dict:
    import jsonschema

    data = json.loads(path.read_text(encoding="utf-8"))
    jsonschema.validate(data, load_schema())
    doc = data["document"]
    for s in doc["sentences"]:
        assert doc["text"][s["start"]:s["end"]] == s["de"]
        assert isinstance(s["en"], str) and s["en"].strip()
    ids = {s["id"] for s in doc["sentences"]}
    for sentence in (data["summary"] or {}).get("sentences", []):
        assert sentence["sources"] or sentence["unsupported"]
        for link in sentence["sources"]:
            assert link["sentence_id"] in ids
            src = next(s for s in doc["sentences"] if s["id"] == link["sentence_id"])
            assert src["start"] <= link["start"] < link["end"] <= src["end"]
    return data


@pytest.fixture(scope="module")
def seeds_run(tmp_path_factory, tiny_settings, seeds_dir) -> Path:
    out = tmp_path_factory.mktemp("out")
    code = run_cli([str(seeds_dir), "--lang", "en", "--out", str(out), "--quiet", *model_args(tiny_settings)])
    assert code == 0
    return out


def test_seeds_give_five_valid_results_with_all_formats(seeds_run: Path, seed_files):
    for f in seed_files:
        data = check_result_json(seeds_run / f"{f.stem}.json")
        assert data["summary"]["method"] == "abstractive"
        assert data["document"]["text"] == f.read_text(encoding="utf-8")
        assert (seeds_run / f"{f.stem}.md").read_text(encoding="utf-8").strip()
        assert (seeds_run / f"{f.stem}.html").read_text(encoding="utf-8").lstrip().lower().startswith("<!doctype")
    assert (seeds_run / "index.html").exists()
    assert (seeds_run / "errors.jsonl").read_text() == ""


def test_extractive_needs_no_summarization_model(tmp_path, tiny_settings, seed_files):
    code = run_cli([str(seed_files[1]), "--out", str(tmp_path), "--summarizer", "extractive", "--quiet",
                    "--translator", tiny_settings.translator, "--summarizer-model", "./no/such/model",
                    "--format", "json"])
    assert code == 0
    data = check_result_json(tmp_path / f"{seed_files[1].stem}.json")
    assert data["summary"]["method"] == "extractive"
    assert "summarization" not in data["models"]


def test_the_default_engine_is_ctranslate2_and_the_signature_says_so(tmp_path, tiny_settings, seed_files):
    pytest.importorskip("ctranslate2")
    f = seed_files[2]
    assert run_cli([str(f), "--out", str(tmp_path), "--quiet", "--format", "json", "--translator",
                    tiny_settings.translator, "--summarizer-model", tiny_settings.summarizer_model,
                    "--device", "cpu"]) == 0
    data = check_result_json(tmp_path / f"{f.stem}.json")
    assert "|tr.eng=ctranslate2|tr.compute=int8|" in data["signature"] and "auto" not in data["signature"]
    assert "|sum.eng=ctranslate2|sum.compute=int8|" in data["signature"] and "|dev=cpu|" in data["signature"]
    assert data["models"]["translation"].endswith("+ct2-int8")
    assert data["models"]["summarization"].endswith("+ct2-int8")
    assert data["summary"]["method"] == "abstractive" and data["summary"]["sentences"]


def test_unsupported_language_is_a_usage_error(capsys, tmp_path, seed_files):
    assert run_cli([str(seed_files[0]), "--lang", "fr", "--out", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert "only 'en'" in err and "Traceback" not in err


def test_bad_format_is_a_usage_error_from_the_cli_and_the_api(capsys, tmp_path, seed_files):
    from summarize import Settings, UsageError, run_batch

    assert run_cli([str(seed_files[0]), "--format", "pdf", "--out", str(tmp_path)]) == 2
    line = capsys.readouterr().err.strip()
    with pytest.raises(UsageError) as api:
        run_batch([seed_files[0]], tmp_path, settings=Settings(translate=False, summarizer="extractive"),
                  formats=["pdf"])
    assert line == f"error: {api.value}" and "--format" in line


@pytest.mark.parametrize(
    "hub",
    [
        {"HF_HUB_OFFLINE": "1"},
        {"HF_HUB_OFFLINE": "0", "HF_ENDPOINT": "http://127.0.0.1:9"},
        {"HF_HUB_OFFLINE": "0", "HTTPS_PROXY": "http://127.0.0.1:9", "NO_PROXY": ""},
    ],
    ids=["offline-mode", "hub-unreachable", "proxy-refused"],
)
def test_missing_model_is_one_line_and_exit_2(tmp_path, seed_files, hub):
    # Unreachable (no offline mode, or a dead proxy): one line at once, not the hub client's retries and warnings
    # (49 s with a dead proxy before the proxy was checked).
    env = {**os.environ, **hub, "COLUMNS": "300"}
    started = time.monotonic()
    proc = subprocess.run(
        [sys.executable, "-m", "summarize", str(seed_files[0]), "--out", str(tmp_path),
         "--translator", "Helsinki-NLP/opus-mt-xx-nowhere"],
        capture_output=True, text=True, env=env, timeout=60, check=False,
    )
    seconds = time.monotonic() - started
    assert proc.returncode == 2
    lines = [line for line in proc.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, proc.stderr
    assert "Helsinki-NLP/opus-mt-xx-nowhere" in lines[0] and "--translator" in lines[0]
    assert "HF_HUB_OFFLINE" in lines[0] and "local directory" in lines[0]
    assert "Traceback" not in proc.stderr
    if "HTTPS_PROXY" in hub:
        assert "proxy http://127.0.0.1:9 refused" in lines[0]
    assert seconds < 30, f"{seconds:.1f} s: the client retried instead of failing at once"  # Python + torch start


def test_missing_summarization_model_names_its_own_option(capsys, tmp_path, tiny_settings, seed_files):
    code = run_cli([str(seed_files[0]), "--out", str(tmp_path), "--translator", tiny_settings.translator,
                    "--summarizer-model", "sshleifer/no-such-summarizer", "--device", "cpu"])
    assert code == 2
    err = capsys.readouterr().err
    assert "--summarizer-model ./no-such-summarizer" in err and "--translator" not in err
    assert "hf download sshleifer/no-such-summarizer" in err


def test_threads_option_sets_the_model_threads(tmp_path, tiny_settings, seed_files, capsys):
    import torch

    before = torch.get_num_threads()
    try:
        code = run_cli([str(seed_files[0]), "--out", str(tmp_path), "--summarizer", "extractive", "--quiet",
                        "--format", "json", "--threads", "2", *model_args(tiny_settings)])
        assert code == 0 and torch.get_num_threads() == 2
    finally:
        torch.set_num_threads(before)
    assert run_cli([str(seed_files[0]), "--out", str(tmp_path), "--threads", "0"]) == 2
    assert "threads must be at least 1" in capsys.readouterr().err


def test_models_load_with_a_plain_line_before_any_live_display(tmp_path, tiny_settings, seed_files, capsys,
                                                               monkeypatch):
    """The hub's download bars must not fight a Rich live display: loading comes first, then the article bar."""
    import transformers

    from summarize import cli

    events: list[str] = []
    real_load = transformers.AutoModelForSeq2SeqLM.from_pretrained

    class RecordingProgress(cli.Progress):
        def start(self):
            events.append("live display on")
            return super().start()

        def stop(self):
            events.append("live display off")
            return super().stop()

    def from_pretrained(*args, **kwargs):
        events.append("load a model")
        return real_load(*args, **kwargs)

    monkeypatch.setattr(cli, "Progress", RecordingProgress)
    monkeypatch.setattr(transformers.AutoModelForSeq2SeqLM, "from_pretrained", from_pretrained)
    monkeypatch.setattr(sys.stderr, "isatty", lambda: True)  # a terminal: progress is shown
    code = run_cli([str(seed_files[0]), "--out", str(tmp_path), "--format", "json", *model_args(tiny_settings)])
    assert code == 0
    assert events == ["load a model", "load a model", "live display on", "live display off"]
    err = capsys.readouterr().err
    assert f"loading translation model {tiny_settings.translator}…" in err
    assert f"loading summarization model {tiny_settings.summarizer_model}…" in err


def test_stdin(tmp_path, tiny_settings, seed_files, monkeypatch):
    import io

    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(seed_files[3].read_bytes())))
    code = run_cli(["-", "--out", str(tmp_path), "--summarizer", "extractive", "--quiet", "--format", "json",
                    *model_args(tiny_settings)])
    assert code == 0
    check_result_json(tmp_path / "stdin.json")


def test_cli_and_api_give_the_same_json(tmp_path, tiny_settings, seed_files):
    from summarize import Pipeline, load_document
    from summarize.render.json import render_json

    f = seed_files[4]
    assert run_cli([str(f), "--out", str(tmp_path), "--quiet", "--format", "json", *model_args(tiny_settings)]) == 0
    api = render_json(Pipeline(tiny_settings).process(load_document(str(f))))
    assert (tmp_path / f"{f.stem}.json").read_text(encoding="utf-8") == api


def test_help_shows_examples(capsys):
    assert run_cli(["--help"]) == 0
    out = capsys.readouterr().out
    assert "Examples" in out and "--summarizer" in out and "--threads" in out and "OMP_NUM_THREADS" in out


FIRST_MODULE_AFTER_THE_PACKAGE = """
import os, runpy, signal, sys
class Watch:  # the first module of ours after the package, __main__ and its signals, and the Ctrl-C handler then
    def find_spec(self, name, path, target=None):
        if name.startswith("summarize.") and name not in ("summarize.__main__", "summarize.signals"):
            ours = sorted(m for m in sys.modules if m.partition(".")[0] == "summarize")
            handler = getattr(signal.getsignal(signal.SIGINT), "__name__", None)
            print(name, ",".join(ours), handler, flush=True)
            os._exit(0)
sys.meta_path.insert(0, Watch())
if sys.argv[1] == "command":  # what the `summarize` script pip writes runs
    from summarize.__main__ import main
    main(["--version"])
else:  # python -m summarize
    sys.argv[1:] = ["--version"]
    runpy.run_module("summarize", run_name="__main__", alter_sys=True)
"""


@pytest.mark.parametrize("entry", ["command", "python -m"])
def test_the_start_handlers_are_set_before_any_module_of_ours_but_the_package(entry):
    """Before: `import summarize` imported the records, errors and settings (45 ms) before `__main__` could
    set its handlers, and a Ctrl-C there was a KeyboardInterrupt traceback."""
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2])}
    proc = subprocess.run([sys.executable, "-c", FIRST_MODULE_AFTER_THE_PACKAGE, entry], capture_output=True,
                          text=True, env=env, timeout=60, check=True)
    name, modules, handler = proc.stdout.split()
    assert name == "summarize.cli" and handler == "_while_starting", proc.stdout
    assert set(modules.split(",")) <= {"summarize", "summarize.__main__", "summarize.signals"}, proc.stdout


SLOW_COMMAND_BUILD = """
import sys, time
import typer.main
def slow_build(app):  # typer building the click command made slow (after __main__ hands the handlers back)
    print("building", flush=True)
    time.sleep(60)
typer.main.get_command = slow_build
from summarize.__main__ import main
main(["--version"])
"""


def test_a_ctrl_c_while_typer_builds_the_command_is_one_line():
    """Before: once `__main__` hands the handlers back, typer builds the command (10 ms) before its main
    or the run takes Ctrl-C, and a Ctrl-C there was a traceback (3 to 6 of 200 in bench_interrupt.py)."""
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2])}
    proc = subprocess.Popen([sys.executable, "-c", SLOW_COMMAND_BUILD], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env=env)
    line = proc.stdout.readline()
    assert line == "building\n", line or proc.communicate(timeout=60)[1]  # its stderr, if it ended first
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err
    assert err.splitlines() == ["interrupted by Ctrl-C while starting: nothing was done"], err


def test_markup_in_names_ids_and_hints_is_printed_as_it_is(tmp_path, monkeypatch):
    """Names and ids such as "leer[red].txt" or "x[/red]" reach every message path as plain text: the progress bar,
    the table, the failure lines (Rich would eat "[red]" and fail on a stray "[/red]")."""
    import io

    from rich.console import Console

    from summarize import cli

    inp = tmp_path / "in"
    inp.mkdir()
    (inp / "leer[red].txt").write_bytes(b"")
    (inp / "gut[bold].txt").write_text("Die Regierung hat beschlossen. Die Opposition ist dagegen.")
    records = tmp_path / "in.jsonl"
    records.write_text(json.dumps({"id": "x[/red]", "text": ""}) + "\n")
    screen = Console(file=io.StringIO(), force_terminal=True, width=240, highlight=False, soft_wrap=True)
    monkeypatch.setattr(cli, "err", screen)  # a terminal: the progress bar shows each id as it finishes
    monkeypatch.setattr(sys.stderr, "isatty", lambda: True)
    code = run_cli([str(inp), "--input-jsonl", str(records), "--out", str(tmp_path / "out"), "--no-translate",
                    "--summarizer", "extractive"])
    assert code == 1
    shown = screen.file.getvalue()
    for text in ("leer[red]", "gut[bold]", "x[/red]", f"failed leer[red] ({inp / 'leer[red].txt'}): empty input",
                 f"failed x[/red] ({records}): empty input"):
        assert text in shown, text
    # The progress bar's last description is the last id: alone, "x[/red]" is the one it ends on.
    assert run_cli(["--input-jsonl", str(records), "--out", str(tmp_path / "out2"), "--no-translate",
                    "--summarizer", "extractive"]) == 1
    assert "x[/red]" in screen.file.getvalue().split(shown, 1)[1]


@pytest.mark.parametrize(("module", "args", "hint"), [
    ("ray", ["--backend", "ray"], "pip install 'summarize[ray]'"),
    ("ctranslate2", ["--engine", "ctranslate2"], "pip install ctranslate2 (or --engine transformers)"),
], ids=["ray", "ctranslate2"])
def test_a_missing_extra_is_one_line_before_any_work(tmp_path, tiny_settings, seed_files, monkeypatch, capsys,
                                                     module, args, hint):
    monkeypatch.setitem(sys.modules, module, None)  # `import module` fails as if it were not installed
    out = tmp_path / "out"
    code = run_cli([str(seed_files[0]), "--out", str(out), *model_args(tiny_settings), *args])
    assert code == 2
    lines = [line for line in capsys.readouterr().err.splitlines() if line.strip()]
    assert len(lines) == 1 and hint in lines[0], lines  # "[ray]" and "[ct2]" are not eaten as markup
    assert not list(out.glob("*.json")) if out.exists() else True


# --- the bad-input tour: each bad input gives its own clear line (or a sensible result), never a traceback, and
# every good file is still written.

GERMAN = ("Die Bundesregierung hat am Montag in Berlin neue Regeln für den Zugverkehr beschlossen. "
          "Die Opposition kritisierte den Plan scharf. Der Minister will im Mai nachbessern.")
ENGLISH = ("The weather was nice today, and we went to the park with the children. It is the first warm day of "
           "the year. They said that the city will open the pool in May, but there is no date yet.")


def failed_lines(err: str) -> dict[str, list[str]]:
    """id → its "failed ID (PATH): REASON" lines."""
    lines: dict[str, list[str]] = {}
    for line in err.splitlines():
        if line.startswith("failed "):
            doc_id = line[len("failed "):].split(" (", 1)[0].split(": ", 1)[0]
            lines.setdefault(doc_id, []).append(line)
    return lines


def test_the_bad_input_tour(tmp_path, tiny_settings, capsys):
    inp, out = tmp_path / "in", tmp_path / "out"
    inp.mkdir()
    (inp / "a_good.txt").write_text(GERMAN, encoding="utf-8")
    (inp / "b_empty.txt").write_bytes(b"")
    (inp / "c_binary.txt").write_bytes(b"\x00\x01\x02PK\x03\x04" * 100)
    (inp / "d_latin1.txt").write_bytes("Die Straße in München ist gesperrt. Ärger über die Bahn.".encode("latin-1"))
    (inp / "e_utf16.txt").write_bytes(GERMAN.encode("utf-16"))  # with its byte-order mark
    (inp / "f_huge_line.txt").write_text("Wort " * 220_000, encoding="utf-8")  # 1.1 MB on one line
    words = ["die", "Regierung", "und", "der", "Minister", "sprechen", "über", "den", "Plan"]
    (inp / "g_long_sentence.txt").write_text(" ".join(words[n % len(words)] for n in range(2000)) + ".",
                                             encoding="utf-8")
    (inp / "h_english.txt").write_text(ENGLISH, encoding="utf-8")
    (inp / "Bericht über Straße 1.txt").write_text(GERMAN, encoding="utf-8")
    locked = inp / "i_chmod000.txt"
    locked.write_text(GERMAN, encoding="utf-8")
    locked.chmod(0)
    (inp / "j_folder.txt").mkdir()
    os.mkfifo(inp / "k_fifo.txt")  # reading it would block for ever
    (inp / "l_broken.txt").symlink_to(tmp_path / "nowhere.txt")
    (inp / "m_copy.txt").write_text(GERMAN, encoding="utf-8")  # a duplicate of a_good
    page = tmp_path / "page.html"
    page.write_text(f"<html><head><script>alert('[red]x')</script></head><body><h1>Zug</h1><p>{GERMAN}</p>"
                    "</body></html>", encoding="utf-8")
    no_txt = tmp_path / "leer"
    no_txt.mkdir()
    (no_txt / "notes.md").write_text("not an article")
    records = tmp_path / "in.jsonl"
    records.write_text("\n".join([
        json.dumps({"id": 42, "text": GERMAN}),
        json.dumps({"id": None, "text": GERMAN}),
        "{kaputt",
        "[1, 2]",
        json.dumps({"id": "ohne-text"}),
    ]) + "\n", encoding="utf-8")

    code = run_cli([str(inp), str(page), str(no_txt), str(tmp_path / "missing.txt"), str(inp / "a_good.txt"),
                    "--input-jsonl", str(records), "--out", str(out), "--summarizer", "extractive", "--quiet",
                    *model_args(tiny_settings)])
    err = capsys.readouterr().err
    assert code == 1
    assert "Traceback" not in err

    root_reads_anyway = os.access(locked, os.R_OK)  # tests may run as root, for whom chmod 000 changes nothing
    failed = {  # id → what its line must say
        "b_empty": "empty input",
        "c_binary": "binary",
        "f_huge_line": "over the limit",
        "j_folder": "is a folder",
        "k_fifo": "FIFO",
        "l_broken": "broken symbolic link",
        "leer": "no readable files in this folder (*.txt, *.html, *.htm, *.warc, *.warc.gz)",
        "missing": "no such file",
        "line3": "line 3: not valid JSON",
        "line4": "line 4: not a JSON object",
        "ohne-text": 'line 5: no "text" field',
        **({} if root_reads_anyway else {"i_chmod000": "Permission denied"}),
    }
    done = ["a_good", "d_latin1", "e_utf16", "g_long_sentence", "h_english", "Bericht über Straße 1", "m_copy",
            "page", 42, "line2", *(["i_chmod000"] if root_reads_anyway else [])]

    lines = failed_lines(err)
    assert set(lines) == set(failed), lines
    for doc_id, reason in failed.items():
        assert len(lines[doc_id]) == 1 and reason in lines[doc_id][0], lines[doc_id]
    errors = [json.loads(line) for line in (out / "errors.jsonl").read_text(encoding="utf-8").splitlines()]
    assert sorted(e["id"] for e in errors) == sorted(failed)
    for e in errors:  # for people: no Python internals
        assert not any(word in e["error"] for word in ("Error:", "Traceback", "KeyError", "'text'")), e

    for doc_id, name in [*((d, safe_name(str(d))) for d in done), ("a_good", "a_good-2")]:  # a_good.txt given twice
        data = json.loads((out / f"{name}.json").read_text(encoding="utf-8"))
        assert data["document"]["id"] == doc_id and data["document"]["sentences"], doc_id
    meta = lambda doc_id: json.loads((out / f"{safe_name(doc_id)}.json").read_text())["document"]
    assert meta("d_latin1")["meta"]["encoding"] == "cp1252" and meta("d_latin1")["warnings"]
    assert meta("e_utf16")["meta"]["encoding"] == "utf-16-le"
    assert any("not German" in w for w in meta("h_english")["warnings"])
    assert safe_name("Bericht über Straße 1").startswith("Bericht_über_Straße_1-")  # the umlauts stay
    assert page.read_text(encoding="utf-8").startswith("<html>")  # untouched: its report went to --out


def test_an_input_is_never_overwritten_by_its_own_report(tmp_path, capsys):
    page = tmp_path / "page.html"
    page.write_text(f"<html><body><p>{GERMAN}</p></body></html>", encoding="utf-8")
    before = page.read_bytes()
    code = run_cli([str(page), "--out", str(tmp_path), "--no-translate", "--summarizer", "extractive", "--quiet"])
    assert code == 1
    assert page.read_bytes() == before
    lines = [line for line in capsys.readouterr().err.splitlines() if line.strip()]
    assert lines == [(f"failed page ({page}): cannot write {tmp_path / 'page.html'}: is an input file: "
                      "not written over (choose another --out)")]


@pytest.mark.parametrize("what", ["missing", "empty folder"])
def test_nothing_to_read_at_all_is_a_usage_error(tmp_path, capsys, what):
    target = tmp_path / "x"
    if what == "empty folder":
        target.mkdir()
    assert run_cli([str(target), "--out", str(tmp_path / "out"), "--no-translate", "--summarizer", "extractive"]) == 2
    lines = [line for line in capsys.readouterr().err.splitlines() if line.strip()]
    assert len(lines) == 1 and str(target) in lines[0]
    assert not (tmp_path / "out").exists()
