"""`summarize eval`: the harness scored with stand-in translators whose BLEU/chrF are known in advance."""

from __future__ import annotations

import io
import json
import re
from collections.abc import Sequence
from pathlib import Path

import pytest
from rich.console import Console

from summarize.errors import UsageError
from summarize.evaluation.cli import _print_translation
from summarize.evaluation.translation import COVERAGE_CHECKS

# Each German line segments into exactly one sentence, so a pseudo-article of them maps back line by line.
PAIRS = [
    ("Der Bürgermeister eröffnete am Montag das neue Rathaus.", "The mayor opened the new town hall on Monday."),
    ("Die Polizei sucht nach Zeugen des Unfalls.", "The police are looking for witnesses to the accident."),
    ("Im Sommer steigen die Preise für Obst und Gemüse.", "In summer the prices of fruit and vegetables rise."),
    ("Der Verein feiert sein hundertjähriges Bestehen.", "The club is celebrating its hundredth anniversary."),
    ("Viele Pendler standen am Morgen im Stau.", "Many commuters were stuck in traffic in the morning."),
    ("Die Schule bekommt eine neue Turnhalle.", "The school is getting a new gym."),
    ("Am Wochenende wird es in ganz Bayern regnen.", "It will rain all over Bavaria at the weekend."),
    ("Die Bahn kündigte neue Verbindungen nach Wien an.", "The railway announced new connections to Vienna."),
    ("Der Stadtrat stimmte dem Haushalt knapp zu.", "The city council narrowly approved the budget."),
    ("Die Feuerwehr löschte den Brand in der Nacht.", "The fire brigade put out the fire during the night."),
    ("Ein neues Museum öffnet im Herbst seine Türen.", "A new museum opens its doors in the autumn."),
    ("Die Mannschaft gewann das Spiel mit drei zu eins.", "The team won the match three to one."),
]
GERMAN = [de for de, _ in PAIRS]
ENGLISH = [en for _, en in PAIRS]


class ReferenceTranslator:
    """Returns the reference for every German line: BLEU and chrF are 100 by construction."""

    label = "reference@stand-in"

    def __init__(self, pairs: Sequence[tuple[str, str]] = PAIRS) -> None:
        self.table = dict(pairs)
        self.calls: list[int] = []

    def translate_sentences(self, texts: Sequence[str]) -> list[str]:
        self.calls.append(len(texts))
        return [self.table[t.strip()] for t in texts]


class DroppingTranslator(ReferenceTranslator):
    """The reference, except every third sentence of each call comes back empty."""

    label = "dropping@stand-in"

    def translate_sentences(self, texts: Sequence[str]) -> list[str]:
        return ["" if i % 3 == 2 else en for i, en in enumerate(super().translate_sentences(texts))]


DATA = Path(__file__).resolve().parent.parent / "data"


def run_ok(args: list[str]) -> None:
    """`summarize.cli.main` exits like any command line; success is exit code 0."""
    from summarize.cli import main

    with pytest.raises(SystemExit) as exc:
        main(args)
    assert exc.value.code in (0, None)


def news(suffix: str) -> Path:
    """Our own small parallel file (tests/data/README.md): the eval commands' tests need no outside data."""
    return DATA / f"news.{suffix}"


# --- scoring and coverage, no pipeline ----------------------------------------------------------------


def test_score_is_sacrebleu_corpus_score_with_signatures() -> None:
    from summarize.evaluation.translation import score

    perfect = score(ENGLISH, ENGLISH)
    assert (perfect.bleu, perfect.chrf) == (pytest.approx(100.0), pytest.approx(100.0))
    assert perfect.segments == len(ENGLISH)
    assert "nrefs:1" in perfect.bleu_signature and "version:2." in perfect.bleu_signature
    assert "nc:6" in perfect.chrf_signature
    assert score(["completely unrelated words here"] * len(ENGLISH), ENGLISH).bleu < 5


COVERAGE_CASES = [
    ("Der Bürgermeister eröffnete das neue Rathaus.", "The mayor opened the new town hall.", set()),
    ("Der Bürgermeister eröffnete das neue Rathaus.", "", {"missing"}),
    ("Der Bürgermeister eröffnete das neue Rathaus.", "Mayor.", {"length_ratio_outliers"}),
    (
        "Der Bürgermeister eröffnete das neue Rathaus.",
        "The mayor the mayor the mayor the mayor the mayor opened.",
        {"degenerate"},
    ),
    ("Der Bürgermeister eröffnete das neue Rathaus.", "Der Bürgermeister eröffnete das neue Rathaus.", {"copied_source"}),
    ("Kurz.", "Short sentence, long translation here.", set()),  # under 20 chars: no ratio check
    ("2:1", "", set()),  # nothing to translate
]


@pytest.mark.parametrize("de,en,expected", COVERAGE_CASES, ids=["ok", "missing", "short", "loop", "copied", "tiny", "num"])
def test_coverage_checks(de: str, en: str, expected: set[str]) -> None:
    from summarize.evaluation.translation import check_coverage

    coverage = check_coverage([de], [en], ["line 1"])
    flagged = {c.name for c in coverage.checks if c.count}
    assert flagged == expected
    for check in coverage.checks:
        assert len(check.examples) == check.count  # one unit: every failure is listed


def test_group_lines_keeps_every_line_in_order() -> None:
    from summarize.evaluation.translation import group_lines

    groups = group_lines(list("abcdefg"), 3)
    assert groups == [["a", "b", "c"], ["d", "e", "f"], ["g"]]
    with pytest.raises(UsageError):
        group_lines(["a"], 0)


# --- the harness with stand-ins -----------------------------------------------------------------------


def test_reference_translator_scores_100_in_both_modes() -> None:
    from summarize.evaluation.translation import evaluate_translation

    translator = ReferenceTranslator()
    report = evaluate_translation(translator, GERMAN, ENGLISH, lines_per_doc=4)
    assert report.documents == 3
    for mode in (report.sentence, report.document):
        assert mode.scores.bleu == pytest.approx(100.0)
        assert mode.doc_scores.chrf == pytest.approx(100.0)
        assert all(c.count == 0 for c in mode.coverage.checks)
    assert report.sentence.scores.segments == len(GERMAN)
    assert (report.delta_bleu, report.delta_chrf) == (pytest.approx(0.0), pytest.approx(0.0))
    assert report.document.segmentation is not None and report.document.segmentation.delta == 0
    assert translator.calls == [len(GERMAN), len(GERMAN)]  # document mode: one flat batch across articles
    data = report.to_dict()
    assert data["model"] == "reference@stand-in"
    assert json.loads(json.dumps(data)) == data


def test_dropped_sentences_show_as_lost_coverage_in_document_mode() -> None:
    from summarize.evaluation.translation import evaluate_translation

    report = evaluate_translation(DroppingTranslator(), GERMAN, ENGLISH, lines_per_doc=4)
    dropped = len(GERMAN) // 3
    doc_missing = report.document.coverage.check("missing")
    assert doc_missing.count == dropped
    assert [ex["id"] for ex in doc_missing.examples[:2]] == ["doc001/s3", "doc002/s2"]
    assert report.sentence.coverage.check("missing").count == dropped
    assert report.document.scores.bleu < 90 and report.document.scores.chrf < 90

    out = io.StringIO()
    _print_translation(Console(file=out, width=200), {"src": "x", "ref": "y", **report.to_dict()})
    printed = out.getvalue()
    missing_row = next(line for line in printed.splitlines() if line.strip().startswith("missing"))
    assert re.findall(r"\d+", missing_row) == [str(dropped), str(dropped)]
    assert "document/missing doc001/s3" in printed


def test_names_and_paths_are_printed_as_they_are_never_as_markup() -> None:
    from summarize.evaluation.cli import _print_figures
    from summarize.evaluation.translation import evaluate_translation

    class Marked(DroppingTranslator):
        label = "[bold]models/drop[/red]@x"

    report = evaluate_translation(Marked(), GERMAN, ENGLISH, lines_per_doc=4)
    out = io.StringIO()
    _print_translation(Console(file=out, width=200), {"src": "x", "ref": "y", **report.to_dict()})
    assert "[bold]models/drop[/red]@x" in out.getvalue()
    out = io.StringIO()
    _print_figures(Console(file=out, width=200), {"en": "news[/red].en", "cases": 3})
    assert "news[/red].en" in out.getvalue()


def test_mismatched_lengths_are_a_usage_error() -> None:
    from summarize.evaluation.translation import evaluate_translation

    with pytest.raises(UsageError):
        evaluate_translation(ReferenceTranslator(), GERMAN, ENGLISH[:-1])


# --- the command ----------------------------------------------------------------------------------------


@pytest.fixture
def one_torch_thread():
    """Tiny matrices: two threads on two busy cores run ~15× slower than one (measured), so use one."""
    import torch

    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


@pytest.mark.usefixtures("one_torch_thread")
def test_tiny_model_runs_through_the_eval_command(tiny_marian: str, tmp_path: Path, capsys) -> None:
    # A random model loops until max_new_tokens and is retried with beam search (~0.2 s a line), so 12 lines.

    json_out = tmp_path / "report.json"
    run_ok(["eval", "translation", "--src", str(news("de")), "--ref", str(news("en")), "--translator", tiny_marian,
          "--device", "cpu", "--threads", "1", "--limit", "12", "--lines-per-doc", "5", "--json",
          "--json-out", str(json_out)])
    report = json.loads(capsys.readouterr().out)
    assert report == json.loads(json_out.read_text(encoding="utf-8"))
    assert (report["lines"], report["documents"], report["lines_per_doc"]) == (12, 3, 5)
    assert report["model"].startswith(tiny_marian)
    for mode in ("sentence_mode", "document_mode"):
        part = report[mode]
        assert 0 <= part["bleu"] <= 100 and 0 <= part["chrf"] <= 100
        assert part["bleu_signature"].startswith("nrefs:1")
        for check in COVERAGE_CHECKS:
            assert part["coverage"][check]["count"] >= len(part["coverage"][check]["examples"])
    assert report["sentence_mode"]["segments"] == 12 and report["sentence_mode"]["coverage"]["units"] == 12
    seg = report["document_mode"]["segmentation"]
    assert seg["source_lines"] == 12 and seg["delta"] == seg["sentences"] - 12
    assert report["document_mode"]["coverage"]["units"] == seg["sentences"]
    assert report["delta"]["bleu"] == pytest.approx(
        report["document_mode"]["bleu"] - report["sentence_mode"]["document_level"]["bleu"], abs=0.02
    )

    out = io.StringIO()
    _print_translation(Console(file=out, width=200), report)  # the table the command prints without --json
    for text in ("sentence", "document", "doc − sent", "BLEU: nrefs:1", "chrF: nrefs:1", "coverage", "missing"):
        assert text in out.getvalue()


@pytest.mark.parametrize(
    "args",
    [
        ["--translator", "/no/such/model-dir"],
        ["--src", "/no/such/file.de"],
        ["--limit", "0"],
        ["--testset", "wmt19"],
        ["--threads", "0"],
    ],
    ids=["missing-model", "missing-src", "bad-limit", "testset-and-files", "bad-threads"],
)
def test_usage_and_model_errors_exit_2(args: list[str], capsys) -> None:
    from summarize.cli import main

    base = ["eval", "translation", "--ref", str(news("en"))]
    if "--src" not in args:
        base += ["--src", str(news("de"))]
    with pytest.raises(SystemExit) as exc:
        main(base + args)
    assert exc.value.code == 2
    assert capsys.readouterr().err.strip().startswith("error:")


def test_unaligned_files_exit_2(tmp_path: Path, capsys) -> None:
    from summarize.cli import main

    (tmp_path / "a.de").write_text("Eins.\nZwei.\n", encoding="utf-8")
    (tmp_path / "a.en").write_text("One.\n", encoding="utf-8")
    with pytest.raises(SystemExit) as exc:
        main(["eval", "translation", "--src", str(tmp_path / "a.de"), "--ref", str(tmp_path / "a.en")])
    assert exc.value.code == 2
    assert "not a parallel pair" in capsys.readouterr().err


def test_a_test_set_is_named_or_given_never_assumed(capsys) -> None:
    from summarize.cli import main

    with pytest.raises(SystemExit) as exc:
        main(["eval", "translation"])
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert "--testset" in err and "--src" in err and "Traceback" not in err


def test_an_unknown_test_set_is_one_line_and_exit_2(capsys) -> None:
    from summarize.cli import main

    with pytest.raises(SystemExit) as exc:
        main(["eval", "translation", "--testset", "no-such-set"])
    assert exc.value.code == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("error:") and "no-such-set" in err and len(err.splitlines()) == 1


def test_provenance_command_prints_its_figures(capsys) -> None:

    run_ok(["eval", "provenance", "--src", str(news("de")), "--ref", str(news("en")), "--limit-articles", "3",
          "--json"])
    figures = json.loads(capsys.readouterr().out)
    assert figures["cases"] > 0 and figures["threshold"] == 0.25
    numbers = {k: v for k, v in figures.items() if isinstance(v, float) and k != "threshold"}
    assert numbers and all(0.0 <= v <= 1.0 for v in numbers.values())


# --- real weights ---------------------------------------------------------------------------------------

REAL_MODEL = "Helsinki-NLP/opus-mt-de-en"


def _real_model_cached() -> bool:
    from huggingface_hub import try_to_load_from_cache

    return isinstance(try_to_load_from_cache(REAL_MODEL, "config.json"), str)


@pytest.mark.real_weights
def test_real_opus_mt_scores_near_its_published_bleu(capsys) -> None:
    if not _real_model_cached():
        pytest.skip(f"{REAL_MODEL} is not in the Hugging Face cache (hf download {REAL_MODEL})")

    run_ok(["eval", "translation", "--testset", "wmt19", "--translator", REAL_MODEL, "--limit", "100", "--json"])
    report = json.loads(capsys.readouterr().out)
    # Published: BLEU 40.1 on all 2,000 lines; 100 lines vary, but a working model is far above 25.
    assert report["sentence_mode"]["bleu"] > 25
    assert report["document_mode"]["coverage"]["missing"]["count"] == 0
