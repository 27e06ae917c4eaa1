"""Golden file: the seeds through the CLI on the tiny models give exactly the committed JSON.

The golden files were made before the one-way-house redesign and protect it: a refactoring must not change
a byte of the output. Regenerate only on purpose (a change of output that is meant), and say so in the commit:

    SUMMARIZE_REGEN_GOLDEN=1 python -m pytest tests/integration/test_golden.py

Paths that differ between machines (the tiny models' temporary folders, the seeds' folder) are replaced by
placeholders before comparing; nothing else is normalised.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from summarize.cli import main

GOLDEN = Path(__file__).resolve().parents[1] / "data" / "golden"
REGENERATE = os.environ.get("SUMMARIZE_REGEN_GOLDEN") == "1"


def _normalised(text: str, replacements: dict[str, str]) -> str:
    for old, new in replacements.items():
        text = text.replace(json.dumps(old)[1:-1], new)
    return text


# The default run (abstractive summary), and the extractive summarizer on the same translations.
RUNS = {"abstractive": [], "extractive": ["--summarizer", "extractive"]}


@pytest.fixture(scope="module", params=sorted(RUNS))
def golden_run(request, tmp_path_factory, tiny_settings, seeds_dir) -> tuple[Path, dict[str, str]]:
    out = tmp_path_factory.mktemp(f"golden-{request.param}")
    args = [str(seeds_dir), "--lang", "en", "--out", str(out), "--quiet", "--format", "json",
            "--translator", tiny_settings.translator, "--summarizer-model", tiny_settings.summarizer_model,
            "--device", "cpu", "--engine", "transformers", *RUNS[request.param]]
    try:
        main(args)
    except SystemExit as exc:
        assert not exc.code
    replacements = {
        tiny_settings.translator: "<TINY_MARIAN>",
        tiny_settings.summarizer_model: "<TINY_BART>",
        Path(tiny_settings.translator).name: "<tiny-marian>",
        Path(tiny_settings.summarizer_model).name: "<tiny-bart>",
        str(seeds_dir): "<SEEDS>",
    }
    return out / "", replacements, GOLDEN / ("" if request.param == "abstractive" else request.param)


def test_seeds_match_the_golden_json(golden_run, seed_files):
    out, replacements, folder = golden_run
    mismatched = []
    for f in seed_files:
        produced = _normalised((out / f"{f.stem}.json").read_text(encoding="utf-8"), replacements)
        golden = folder / f"{f.stem}.json"
        if REGENERATE:
            golden.parent.mkdir(parents=True, exist_ok=True)
            golden.write_text(produced, encoding="utf-8")
            continue
        if produced != golden.read_text(encoding="utf-8"):
            mismatched.append(f.stem)
    assert not mismatched, f"output differs from tests/data/golden for {mismatched} (see the module docstring)"
