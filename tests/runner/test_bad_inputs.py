"""The bad-input tour, through the CLI: each bad input gives its own clear line (or a sensible result), never a
traceback, and every good file is still written."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from summarize.cli import main
from summarize.runner import safe_name

GERMAN = ("Die Bundesregierung hat am Montag in Berlin neue Regeln für den Zugverkehr beschlossen. "
          "Die Opposition kritisierte den Plan scharf. Der Minister will im Mai nachbessern.")
ENGLISH = ("The weather was nice today, and we went to the park with the children. It is the first warm day of "
           "the year. They said that the city will open the pool in May, but there is no date yet.")


def run_cli(args: list[str]) -> int:
    try:
        main(args)
    except SystemExit as exc:
        return int(exc.code or 0)
    return 0


def model_args(settings) -> list[str]:
    return ["--translator", settings.translator, "--summarizer-model", settings.summarizer_model, "--device", "cpu"]


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
        "leer": "no *.txt files",
        "missing": "no such file",
        "line3": "line 3: not valid JSON",
        "line4": "line 4: not a JSON object",
        "ohne-text": 'line 5: no "text" field',
        **({} if root_reads_anyway else {"i_chmod000": "Permission denied"}),
    }
    done = ["a_good", "d_latin1", "e_utf16", "g_long_sentence", "h_english", "Bericht über Straße 1", "m_copy",
            "page", "a_good-2", "42", "line2", *(["i_chmod000"] if root_reads_anyway else [])]

    lines = failed_lines(err)
    assert set(lines) == set(failed), lines
    for doc_id, reason in failed.items():
        assert len(lines[doc_id]) == 1 and reason in lines[doc_id][0], lines[doc_id]
    errors = [json.loads(line) for line in (out / "errors.jsonl").read_text(encoding="utf-8").splitlines()]
    assert sorted(e["id"] for e in errors) == sorted(failed)
    for e in errors:  # for people: no Python internals
        assert not any(word in e["error"] for word in ("Error:", "Traceback", "KeyError", "'text'")), e

    for doc_id in done:
        data = json.loads((out / f"{safe_name(doc_id)}.json").read_text(encoding="utf-8"))
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
    assert not Path(tmp_path / "out").exists()
