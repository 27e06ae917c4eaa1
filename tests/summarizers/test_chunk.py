"""chunk_sentences: windows never overflow (except a lone oversize sentence), cover everything in
order, overlap as asked, and always terminate."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from summarize.errors import UsageError
from summarize.summarizers.chunk import chunk_sentences


def oversize(chunk, counts, window, *, reserve=0) -> bool:
    """Whether a chunk overflows the window: only ever a single sentence the caller must split."""
    return sum(counts[i] for i in chunk) + reserve > window

counts_st = st.lists(st.integers(min_value=0, max_value=60), max_size=80)
window_st = st.integers(min_value=1, max_value=120)
overlap_st = st.integers(min_value=0, max_value=4)
reserve_st = st.integers(min_value=0, max_value=5)


def _budget(window: int, reserve: int) -> int:
    return window - reserve


@settings(max_examples=300, deadline=None)
@given(counts_st, window_st, overlap_st, reserve_st)
def test_chunks_fit_the_window_or_are_one_flagged_sentence(counts, window, overlap, reserve):
    if window - reserve < 1:
        return
    for chunk in chunk_sentences(counts, window, overlap, reserve=reserve):
        total = sum(counts[i] for i in chunk) + reserve
        if total > window:
            assert len(chunk) == 1 and counts[chunk[0]] > _budget(window, reserve)
            assert oversize(chunk, counts, window, reserve=reserve)
        else:
            assert not oversize(chunk, counts, window, reserve=reserve)


@settings(max_examples=300, deadline=None)
@given(counts_st, window_st, overlap_st, reserve_st)
def test_chunks_cover_every_sentence_in_order(counts, window, overlap, reserve):
    if window - reserve < 1:
        return
    chunks = chunk_sentences(counts, window, overlap, reserve=reserve)
    assert all(len(c) >= 1 and c.step == 1 for c in chunks)
    covered = sorted({i for c in chunks for i in c})
    assert covered == list(range(len(counts)))
    if chunks:
        assert chunks[0].start == 0 and chunks[-1].stop == len(counts)
    for prev, nxt in itertools.pairwise(chunks):
        assert prev.start < nxt.start and prev.stop < nxt.stop  # every chunk adds new sentences
        assert nxt.start <= prev.stop  # no gap
    assert len(chunks) <= len(counts)  # terminates: at most one chunk per sentence


@settings(max_examples=300, deadline=None)
@given(counts_st, window_st, overlap_st, reserve_st)
def test_neighbours_share_overlap_sentences_when_they_fit(counts, window, overlap, reserve):
    budget = window - reserve
    if budget < 1:
        return
    chunks = chunk_sentences(counts, window, overlap, reserve=reserve)
    for prev, nxt in itertools.pairwise(chunks):
        shared = prev.stop - nxt.start
        assert 0 <= shared <= min(overlap, len(prev) - 1)
        wanted = min(overlap, len(prev) - 1)
        # The full overlap plus the next new sentence fits: then exactly `overlap` are shared.
        if sum(counts[prev.stop - wanted : prev.stop + 1]) <= budget:
            assert shared == wanted


def test_everything_fits_in_one_chunk():
    assert chunk_sentences([3, 4, 5], window=20) == [range(3)]


def test_oversize_sentence_gets_its_own_chunk_and_no_overlap():
    chunks = chunk_sentences([5, 50, 5, 5], window=20, overlap=1)
    assert chunks == [range(1), range(1, 2), range(2, 4)]
    assert [oversize(c, [5, 50, 5, 5], 20) for c in chunks] == [False, True, False]


def test_overlap_with_reserve():
    # budget 10 - 2 = 8: [3, 3] then [3 (shared), 3], then [3 (shared), 3]
    assert chunk_sentences([3, 3, 3, 3], window=8, overlap=1, reserve=2) == [
        range(2),
        range(1, 3),
        range(2, 4),
    ]


def test_empty_input_gives_no_chunks():
    assert chunk_sentences([], window=10) == []


@pytest.mark.parametrize(("window", "overlap", "reserve"), [(5, 1, 5), (0, 1, 0), (10, -1, 0)])
def test_bad_arguments_are_usage_errors(window, overlap, reserve):
    with pytest.raises(UsageError):
        chunk_sentences([1, 2], window, overlap, reserve=reserve)
