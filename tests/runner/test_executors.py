"""`runner.executors`: one batched pass per group of jobs; a failed pass is redone one article at a time, so a
bad article costs only itself, while a misconfigured run stops at once."""

from __future__ import annotations

import pytest

from summarize.document import Result
from summarize.errors import InputError, ModelNotFoundError, UsageError
from summarize.runner.executors import Job, failure_reason, local_executor, process_jobs
from summarize.runner.inputs import InputItem


class StandIn:
    """A pipeline that records its passes and fails any pass holding an article with `bad` in its text."""

    def __init__(self, fail_with: Exception | None = None) -> None:
        self.passes: list[list[str]] = []
        self.fail_with = fail_with

    def process_many(self, docs):
        self.passes.append([doc.id for doc in docs])
        if any("bad" in doc.text for doc in docs):
            raise self.fail_with or ValueError("cannot read this one")
        return [Result(doc, signature="stand-in") for doc in docs]


@pytest.fixture
def jobs(make_document):
    def make(*texts: str) -> list[Job]:
        return [Job(InputItem(id=f"a{n}"), make_document(text, f"a{n}"), key=f"k{n}", seconds=0.0)
                for n, text in enumerate(texts)]

    return make


def test_a_clean_group_is_one_pass_in_order(jobs):
    pipeline = StandIn()
    group = jobs("Ein Satz.", "Zwei Sätze hier.", "Drei.")
    computed = process_jobs(pipeline, group)
    assert pipeline.passes == [["a0", "a1", "a2"]]
    assert [c.job for c in computed] == group
    assert all(c.error is None and c.result.document.id == c.job.doc.id for c in computed)


def test_a_bad_article_costs_only_itself(jobs):
    pipeline = StandIn()
    computed = process_jobs(pipeline, jobs("Ein Satz.", "Ein bad Satz.", "Noch ein Satz."))
    # The batched pass, then each article alone.
    assert pipeline.passes == [["a0", "a1", "a2"], ["a0"], ["a1"], ["a2"]]
    assert [c.error for c in computed] == [None, "ValueError: cannot read this one", None]
    assert computed[1].result is None and computed[0].result and computed[2].result


@pytest.mark.parametrize("error", [ModelNotFoundError("m", "translation", "gone"), UsageError("bad")])
def test_a_misconfigured_run_stops_at_once(jobs, error):
    pipeline = StandIn(fail_with=error)
    with pytest.raises(type(error)):
        process_jobs(pipeline, jobs("Ein Satz.", "Ein bad Satz."))
    assert pipeline.passes == [["a0", "a1"]]  # never redone one by one


def test_times_are_shared_by_length_and_the_failed_pass_counts(jobs, monkeypatch):
    clock = iter(range(0, 100, 10))  # every reading of the clock is 10 s after the last
    monkeypatch.setattr("summarize.runner.executors.time.perf_counter", lambda: next(clock))
    group = jobs("Ein kurzer Satz.", "Ein viel längerer Satz, und noch einer dazu.")
    computed = process_jobs(StandIn(), group)
    assert sum(c.seconds for c in computed) == pytest.approx(10)
    assert computed[0].seconds < computed[1].seconds
    clock = iter(range(0, 100, 10))
    computed = process_jobs(StandIn(), jobs("Ein Satz.", "Ein bad Satz."))
    # 10 s of failed pass shared out, then 10 s for each article alone.
    assert sum(c.seconds for c in computed) == pytest.approx(30)


def test_the_local_executor_passes_groups_of_the_size_asked(jobs):
    pipeline = StandIn()
    execute = local_executor(pipeline, group_size=2)
    computed = list(execute(iter(jobs("Eins.", "Zwei.", "Drei.", "Vier.", "Fünf."))))
    assert pipeline.passes == [["a0", "a1"], ["a2", "a3"], ["a4"]]
    assert [c.job.item.id for c in computed] == ["a0", "a1", "a2", "a3", "a4"]
    list(local_executor(pipeline, group_size=0)(jobs("Eins.")))  # never a pass of nothing
    assert pipeline.passes[-1] == ["a0"]


def test_failure_reasons_are_for_people():
    assert failure_reason(InputError("a.txt", "empty file")) == "empty file"  # the file is named in its row
    assert failure_reason(RuntimeError("boom")) == "RuntimeError: boom"
