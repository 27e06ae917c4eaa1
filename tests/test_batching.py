"""`batching`: batches under a padded-token budget keep every item once, in order, and never exceed it."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from summarize.batching import batches_under_budget


def padded(batch: list[int]) -> int:
    """What a batch costs the model: every row padded to its longest item."""
    return len(batch) * max(batch)


def identity(n: int) -> int:
    return n


def test_nothing_in_is_no_batch():
    assert batches_under_budget([], identity, 100) == []
    assert batches_under_budget([], identity, None, 4) == []


def test_no_limit_is_one_batch():
    assert batches_under_budget([5, 3, 1], identity, None) == [[5, 3, 1]]


def test_the_budget_counts_padding_to_the_longest_item():
    # 4 × 10 = 40 fits a budget of 40; a fifth row would make 50.
    assert batches_under_budget([10, 10, 9, 9, 2], identity, 40) == [[10, 10, 9, 9], [2]]
    # One row longer than the rest counts for every row: 3 × 10 = 30 > 25.
    assert batches_under_budget([10, 1, 1], identity, 25) == [[10, 1], [1]]


def test_a_budget_met_exactly_is_kept():
    assert batches_under_budget([3, 3, 3], identity, 9) == [[3, 3, 3]]
    assert batches_under_budget([3, 3, 3], identity, 8) == [[3, 3], [3]]


def test_an_item_over_the_budget_is_a_batch_of_its_own():
    assert batches_under_budget([50, 4, 4], identity, 10) == [[50], [4, 4]]
    assert batches_under_budget([4, 50, 4], identity, 10) == [[4], [50], [4]]


def test_max_items_caps_a_batch_whatever_the_budget():
    assert batches_under_budget([1] * 7, identity, None, 3) == [[1, 1, 1], [1, 1, 1], [1]]
    assert batches_under_budget([1] * 7, identity, 1000, 3) == [[1, 1, 1], [1, 1, 1], [1]]
    # The tighter of the two limits wins.
    assert batches_under_budget([2] * 6, identity, 4, 3) == [[2, 2], [2, 2], [2, 2]]


def test_items_keep_their_identity_and_length_is_asked_of_each():
    """The callers batch indices (translate) and tuples (summarizers): items come back as given."""
    lengths = {"a": 6, "b": 5, "c": 2, "d": 2}
    asked: list[str] = []

    def length(item: str) -> int:
        asked.append(item)
        return lengths[item]

    assert batches_under_budget(list("abcd"), length, 10) == [["a"], ["b", "c"], ["d"]]
    assert sorted(asked) == list("abcd")


@settings(max_examples=300, deadline=None)
@given(
    lengths=st.lists(st.integers(min_value=1, max_value=60), max_size=40),
    max_tokens=st.one_of(st.none(), st.integers(min_value=1, max_value=200)),
    max_items=st.one_of(st.none(), st.integers(min_value=1, max_value=8)),
    longest_first=st.booleans(),
)
def test_invariants(lengths, max_tokens, max_items, longest_first):
    items = sorted(lengths, reverse=True) if longest_first else lengths
    batches = batches_under_budget(items, identity, max_tokens, max_items)
    # Every item exactly once, in the order given, and no empty batch.
    assert [n for batch in batches for n in batch] == items
    assert all(batches)
    for batch, following in zip(batches, [*batches[1:], None]):
        # Never over the budget, unless an item alone is over it.
        if max_tokens is not None and len(batch) > 1:
            assert padded(batch) <= max_tokens
        if max_items is not None:
            assert len(batch) <= max_items
        # Greedy: a batch closes only when the next item would break a limit (no needless small batches).
        if following is not None:
            grown = [*batch, following[0]]
            over_budget = max_tokens is not None and padded(grown) > max_tokens
            too_many = max_items is not None and len(grown) > max_items
            assert over_budget or too_many


@pytest.mark.parametrize("max_tokens", [1, 16, 64, 4096])
def test_longest_first_batches_shrink_in_row_length(max_tokens):
    """Sorted longest first (how both stages call it), each batch's first item is its longest, so the
    padded cost is first item × size, and later batches hold rows no longer than earlier ones."""
    items = sorted([37, 3, 12, 12, 64, 1, 8, 8, 8, 20, 5], reverse=True)
    batches = batches_under_budget(items, identity, max_tokens)
    for batch in batches:
        assert batch[0] == max(batch)
        assert len(batch) == 1 or batch[0] * len(batch) <= max_tokens
    firsts = [batch[0] for batch in batches]
    assert firsts == sorted(firsts, reverse=True)
