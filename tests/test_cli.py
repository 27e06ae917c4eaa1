"""The `summarize` command end to end on tiny models: outputs, exit codes, one-line errors."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from summarize.cli import main
from summarize.render.json import load_schema


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
    assert "|eng=ctranslate2|int8|" in data["signature"] and "auto" not in data["signature"]
    assert data["models"]["translation"].endswith("+ct2-int8")
    assert data["models"]["summarization"].endswith("+ct2-int8")
    assert data["summary"]["method"] == "abstractive" and data["summary"]["sentences"]


def test_unsupported_language_is_a_usage_error(capsys, tmp_path, seed_files):
    assert run_cli([str(seed_files[0]), "--lang", "fr", "--out", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert "only 'en'" in err and "Traceback" not in err


def test_bad_format_is_a_usage_error(capsys, tmp_path, seed_files):
    assert run_cli([str(seed_files[0]), "--format", "pdf", "--out", str(tmp_path)]) == 2
    assert "--format" in capsys.readouterr().err


@pytest.mark.parametrize(
    "hub",
    [{"HF_HUB_OFFLINE": "1"}, {"HF_HUB_OFFLINE": "0", "HF_ENDPOINT": "http://127.0.0.1:9"}],
    ids=["offline-mode", "hub-unreachable"],
)
def test_missing_model_is_one_line_and_exit_2(tmp_path, seed_files, hub):
    # Unreachable (no offline mode): one line at once, not the hub client's retries and warnings.
    env = {**os.environ, **hub, "COLUMNS": "300"}
    proc = subprocess.run(
        [sys.executable, "-m", "summarize", str(seed_files[0]), "--out", str(tmp_path),
         "--translator", "Helsinki-NLP/opus-mt-xx-nowhere"],
        capture_output=True, text=True, env=env, timeout=60, check=False,
    )
    assert proc.returncode == 2
    lines = [line for line in proc.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, proc.stderr
    assert "Helsinki-NLP/opus-mt-xx-nowhere" in lines[0]
    assert "HF_HUB_OFFLINE" in lines[0] and "local directory" in lines[0]
    assert "Traceback" not in proc.stderr


def test_bad_files_are_recorded_and_the_rest_are_written(tmp_path, tiny_settings, seed_files, capsys):
    inp = tmp_path / "in"
    inp.mkdir()
    (inp / "a_good.txt").write_bytes(seed_files[2].read_bytes())
    (inp / "b_empty.txt").write_bytes(b"")
    (inp / "c_binary.txt").write_bytes(b"\x00\x01\x02PK\x03\x04" * 100)
    (inp / "d_latin1.txt").write_bytes("Die Straße in München ist gesperrt. Ärger über die Bahn.".encode("latin-1"))
    (inp / "e_huge_line.txt").write_text("Wort " * 220_000, encoding="utf-8")  # 1.1 MB, one line
    (inp / "f_english.txt").write_text(
        "The weather was nice today, and we went to the park with the children. It is the first warm day of "
        "the year. They said that the city will open the pool in May, but there is no date yet.", encoding="utf-8")
    out = tmp_path / "out"
    code = run_cli([str(inp), "--out", str(out), "--summarizer", "extractive", "--quiet",
                    "--format", "json", *model_args(tiny_settings)])
    assert code == 1
    errors = [json.loads(line) for line in (out / "errors.jsonl").read_text().splitlines()]
    assert {e["id"] for e in errors} == {"b_empty", "c_binary", "e_huge_line"}
    assert all(e["error"] for e in errors)
    for good in ("a_good", "d_latin1", "f_english"):
        check_result_json(out / f"{good}.json")
    latin = json.loads((out / "d_latin1.json").read_text())
    assert latin["document"]["warnings"] and latin["document"]["meta"]["encoding"] == "cp1252"
    english = json.loads((out / "f_english.json").read_text())
    assert any("not German" in w for w in english["document"]["warnings"])
    err = capsys.readouterr().err
    assert "b_empty" in err and "Traceback" not in err


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
    assert "Examples" in out and "--summarizer" in out
