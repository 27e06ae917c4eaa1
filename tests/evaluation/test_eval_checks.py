"""`summarize eval checks`: the corruption rules, the report, and the command, on tests/data/parallel.*
(42 German news sentences with faithful English translations written for these tests)."""

from __future__ import annotations

import io
import json
import random
import re
from pathlib import Path

import pytest
from rich.console import Console

from summarize.checks import NUMBER, REPETITION, TRUNCATED, UNTRANSLATED, check_translation
from summarize.errors import UsageError
from summarize.evaluation.checks import (
    CORRUPTIONS,
    change_number,
    copy_german,
    drop_second_half,
    evaluate_checks,
    loop_phrase,
)
from summarize.evaluation.cli import _print_checks

DATA = Path(__file__).resolve().parent.parent / "data"
SRC, REF = DATA / "parallel.de", DATA / "parallel.en"
GERMAN = SRC.read_text(encoding="utf-8").splitlines()
ENGLISH = REF.read_text(encoding="utf-8").splitlines()

# (rule, German, English, applies): each rule only where it makes sense
APPLIES = [
    (change_number, "Die Quote sank auf 5,1 Prozent.", "The rate fell to 5.1 percent.", True),
    (change_number, "Der Vorstand wurde bestätigt.", "The board was confirmed.", False),
    (change_number, "Die Quote sank deutlich.", "The rate fell by 5 percent.", False),  # no shared number
    (copy_german, "Der Vorstand wurde bestätigt.", "The board was confirmed.", True),
    (copy_german, "Angela Merkel", "Angela Merkel", False),  # the reference is itself a copy
    (copy_german, "Tor!", "Goal!", False),
    (drop_second_half, GERMAN[0], ENGLISH[0], True),
    (drop_second_half, "Der Vorstand wurde bestätigt.", "The board was confirmed.", False),
    (loop_phrase, "Der Vorstand wurde bestätigt.", "The board was confirmed.", True),
    (loop_phrase, "2:1", "2-1", False),
]


@pytest.mark.parametrize(("rule", "german", "english", "applies"), APPLIES,
                         ids=[f"{c[0].__name__}-{c[3]}-{c[2][:20]}" for c in APPLIES])
def test_rules_apply_only_where_they_make_sense(rule, german: str, english: str, applies: bool) -> None:
    corrupted = rule(german, english, random.Random(0))
    assert (corrupted is not None) == applies
    if corrupted is not None:
        assert corrupted != english


def test_change_number_changes_a_number_the_german_has() -> None:
    for seed in range(20):
        corrupted = change_number("Die Quote sank auf 5,1 Prozent.", "The rate fell to 5.1 percent.",
                                  random.Random(seed))
        assert corrupted is not None and "5.1 percent" not in corrupted
        assert re.fullmatch(r"The rate fell to \d+\.\d+ percent\.", corrupted)


def test_drop_second_half_keeps_the_first_half_and_the_full_stop() -> None:
    english = "The mayor opened the new town hall on Monday after two years of work."
    assert drop_second_half("", english, random.Random(0)) == "The mayor opened the new town hall."


def test_loop_phrase_says_a_phrase_three_times_in_a_row() -> None:
    for seed in range(20):
        corrupted = loop_phrase("", "The board was confirmed in office.", random.Random(seed))
        assert corrupted is not None
        words = corrupted.split()
        assert len(words) in (6 + 2, 6 + 4, 6 + 6)
        assert re.search(r"(?:^| )(\S+(?: \S+){0,2}) \1 \1(?: |$)", corrupted)


def test_rules_are_seeded() -> None:
    pairs = list(zip(GERMAN, ENGLISH))
    for rule in CORRUPTIONS:
        first = [rule.apply(de, en, random.Random(7)) for de, en in pairs]
        assert first == [rule.apply(de, en, random.Random(7)) for de, en in pairs]


@pytest.fixture(scope="module")
def report():
    return evaluate_checks(GERMAN, ENGLISH, seed=0)


def test_faithful_pairs_raise_no_flags(report) -> None:
    assert report.pairs == len(GERMAN) == 42
    assert report.flagged == 0 and report.false_alarm_rate == 0.0
    assert all(k.false_alarms == 0 for k in report.kinds)
    assert report.false_alarm_examples == ()


@pytest.mark.parametrize("kind", [NUMBER, UNTRANSLATED, TRUNCATED, REPETITION])
def test_every_rule_made_kind_is_detected(report, kind: str) -> None:
    figures = report.kind(kind)
    assert figures.rule is not None and figures.corrupted >= 20
    assert figures.detection_rate is not None and figures.detection_rate >= 0.95
    assert figures.precision == 1.0 and figures.recall == figures.detection_rate


def test_report_is_json_and_deterministic(report) -> None:
    data = report.to_dict()
    assert json.loads(json.dumps(data)) == data
    assert data["kinds"].keys() == {NUMBER, UNTRANSLATED, TRUNCATED, "length", REPETITION}  # no low_confidence
    assert set(data["fired"]) == {rule.name for rule in CORRUPTIONS}
    again = evaluate_checks(GERMAN, ENGLISH, seed=0).to_dict()
    assert {**again, "microseconds_per_pair": 0} == {**data, "microseconds_per_pair": 0}
    assert data["microseconds_per_pair"] > 0


def test_a_bad_translation_shows_as_a_false_alarm_with_its_line() -> None:
    english = list(ENGLISH)
    english[1] = "The unemployment rate fell to 6.1 percent in October."
    report = evaluate_checks(GERMAN, english)
    assert report.flagged == 1 and report.kind(NUMBER).false_alarms == 1
    (example,) = report.false_alarm_examples
    assert example["line"] == 2 and example["flags"] == [f.message for f in check_translation(GERMAN[1], english[1])]


def test_printed_examples_keep_brackets_as_text() -> None:
    # newstest2019 has lines such as "Federweisser [alcoholic beverage]"; as Rich markup they vanish or crash.
    english = list(ENGLISH)
    english[1] = "The rate [/] fell to 6.1 percent [bold]in October[/bold]."
    report = evaluate_checks(GERMAN, english)
    out = io.StringIO()
    _print_checks(Console(file=out, width=300), report.to_dict())
    assert "[/] fell to 6.1 percent [bold]in October[/bold]" in out.getvalue()


def test_unaligned_or_empty_input_is_a_usage_error() -> None:
    with pytest.raises(UsageError):
        evaluate_checks(GERMAN, ENGLISH[:-1])
    with pytest.raises(UsageError):
        evaluate_checks(["", " "], ["", ""])


# --- the command ----------------------------------------------------------------------------------------


def run_ok(args: list[str]) -> None:
    from summarize.cli import main

    with pytest.raises(SystemExit) as exc:
        main(args)
    assert exc.value.code in (0, None)


def test_command_prints_json_and_writes_it(tmp_path: Path, capsys) -> None:
    json_out = tmp_path / "checks.json"
    run_ok(["eval", "checks", "--src", str(SRC), "--ref", str(REF), "--seed", "3", "--json", "--json-out", str(json_out)])
    data = json.loads(capsys.readouterr().out)
    assert data == json.loads(json_out.read_text(encoding="utf-8"))
    assert (data["src"], data["ref"], data["seed"], data["pairs"]) == (str(SRC), str(REF), 3, 42)

    out = io.StringIO()
    _print_checks(Console(file=out, width=200), data)  # the table the command prints without --json
    for text in ("42 true pairs", "number", "untranslated", "truncated", "repetition", "change_number", "precision"):
        assert text in out.getvalue()


def test_command_limit(capsys) -> None:
    run_ok(["eval", "checks", "--src", str(SRC), "--ref", str(REF), "--limit", "10", "--json"])
    assert json.loads(capsys.readouterr().out)["pairs"] == 10


@pytest.mark.parametrize(
    "args",
    [["--src", "/no/such/file.de", "--ref", str(REF)], ["--src", str(SRC), "--ref", str(REF), "--limit", "0"]],
    ids=["missing-src", "bad-limit"],
)
def test_command_usage_errors_exit_2(args: list[str], capsys) -> None:
    from summarize.cli import main

    with pytest.raises(SystemExit) as exc:
        main(["eval", "checks", *args])
    assert exc.value.code == 2
    assert capsys.readouterr().err.strip().startswith("error:")
