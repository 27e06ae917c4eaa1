"""`runner.sink`: JSON-lines files appended a synced line at once, torn last lines cut, each article once."""

from __future__ import annotations

import errno
import json

import pytest

from summarize.document import Result
from summarize.errors import UsageError
from summarize.runner.sink import ErrorLog, JsonlSink, LineLog, disk_full


@pytest.fixture
def result(make_document) -> Result:
    return Result(make_document("Russland liefert Container. Das sagte er.", "art"))


@pytest.mark.parametrize(
    ("before", "after"),
    [
        ("", ""),
        ('{"a": 1}\n', '{"a": 1}\n'),
        ('{"a": 1}\n{"b": 2}\n', '{"a": 1}\n{"b": 2}\n'),
        ('{"a": 1}\n{"b": ', '{"a": 1}\n'),
        ('{"a": ', ""),  # no complete line at all
        ('{"a": 1}\n' + "x" * 70_000, '{"a": 1}\n'),  # the torn line is longer than one read from the end
        ("x" * 140_000, ""),
    ],
    ids=["empty", "one line", "two lines", "torn", "only torn", "long torn", "long without newline"],
)
def test_opening_cuts_only_a_torn_last_line(tmp_path, before, after):
    path = tmp_path / "log.jsonl"
    path.write_text(before, encoding="utf-8")
    log = LineLog(path)
    log.append('{"c": 3}\n')
    log.close()
    assert path.read_text(encoding="utf-8") == after + '{"c": 3}\n'


def test_a_line_log_without_a_path_writes_to_stdout(capsys):
    log = LineLog(None)
    log.append("one\n")
    log.close()
    assert capsys.readouterr().out == "one\n"
    assert list(log.lines()) == []


def test_error_rows_keep_earlier_runs_and_say_which_run_wrote_them(tmp_path):
    path = tmp_path / "errors.jsonl"
    first = ErrorLog(path, run="run-1")
    first.add("a", "in/a.txt", "empty file")
    first.close()
    second = ErrorLog(path, run="run-2")
    second.add(42, None, "bad \udcff byte")  # a number stays a number; a lone surrogate becomes U+FFFD
    second.close()
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    assert rows == [
        {"id": "a", "path": "in/a.txt", "error": "empty file", "run": "run-1"},
        {"id": 42, "path": None, "error": "bad \ufffd byte", "run": "run-2"},
    ]


def test_each_article_is_written_once_across_reopenings(tmp_path, result):
    path = tmp_path / "results.jsonl"
    sink = JsonlSink(path)
    sink.write(result, "key-1", "art")
    sink.write(result, "key-1", "art")  # the same article again: skipped
    sink.close()
    reopened = JsonlSink(path)
    assert reopened.written("key-1", "art")
    reopened.write(result, "key-1", "art")
    reopened.close()
    lines = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    assert len(lines) == 1
    assert lines[0]["id"] == "art" and lines[0]["cache_key"] == "key-1"
    assert Result.from_dict(lines[0]) == result


def test_ids_as_given_tell_a_string_from_a_number(tmp_path, result):
    path = tmp_path / "results.jsonl"
    sink = JsonlSink(path)
    for given in ("42", 42):
        sink.write(result, "same-key", given)
    sink.close()
    ids = [json.loads(line)["id"] for line in path.read_text(encoding="utf-8").splitlines()]
    assert ids == ["42", 42]
    assert JsonlSink(path).written("same-key", 42) and not JsonlSink(path).written("same-key", 43)


@pytest.mark.parametrize(("code", "full"), [(errno.ENOSPC, True), (errno.EDQUOT, True), (errno.EIO, False)])
def test_a_failed_write_stops_the_stream_without_raising(tmp_path, result, monkeypatch, code, full):
    sink = JsonlSink(tmp_path / "results.jsonl")

    def fail(line: str) -> None:
        raise OSError(code, "simulated")

    monkeypatch.setattr(sink, "append", fail)
    sink.write(result, "key-1", "a")
    assert sink.error == f"cannot write --jsonl {tmp_path / 'results.jsonl'}: simulated"
    assert sink.full is full and disk_full(OSError(code, "x")) is full
    monkeypatch.undo()
    sink.write(result, "key-2", "b")  # the stream stays stopped: no half-written file of some articles
    sink.close()
    assert (tmp_path / "results.jsonl").read_text(encoding="utf-8") == ""


def test_a_jsonl_target_that_cannot_be_made_is_a_usage_error(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x", encoding="utf-8")
    with pytest.raises(UsageError, match=r"^cannot write --jsonl .*file/results\.jsonl: "):
        JsonlSink(blocker / "results.jsonl")


def test_lines_that_are_not_results_are_never_taken_for_written_ones(tmp_path):
    path = tmp_path / "results.jsonl"
    path.write_text('not json\n[1, 2]\n{"id": "a"}\n{"document": {"id": "old"}}\n', encoding="utf-8")
    sink = JsonlSink(path)
    sink.close()
    # A line from before ids were kept as given names its article by the document's id.
    assert sink.written("old", "old")
    assert not sink.written("a", "a")
