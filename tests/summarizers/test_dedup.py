"""find_duplicate_groups: near-duplicate German body sentences across and within documents."""

from __future__ import annotations

import pytest

from summarize.errors import UsageError
from summarize.summarizers.dedup import find_duplicate_groups, normalise

CAMP_DAVID = "Bei dem jüngsten Dreier-Treffen in Camp David zielten die USA, Japan und Südkorea"
DREIERALLIANZ = "Russland ist derzeit alarmiert wegen der neuen Dreierallianz"


def test_seed_repeats_are_grouped(seed_docs):
    groups = find_duplicate_groups(seed_docs)
    for phrase in (CAMP_DAVID, DREIERALLIANZ):
        copies = {(d.id, s.id) for d in seed_docs for s in d.content_sentences if s.text.startswith(phrase)}
        assert len({doc_id for doc_id, _ in copies}) >= 2, phrase  # the seeds repeat it across articles
        holding = [g for g in groups if copies & set(g)]
        assert len(holding) == 1 and copies <= set(holding[0]), phrase  # all copies, one group


def test_groups_are_body_sentences_of_size_two_or_more_in_stable_order(seed_docs):
    groups = find_duplicate_groups(seed_docs)
    assert groups
    order = {(d.id, s.id): (n, s.index) for n, d in enumerate(seed_docs) for s in d.sentences}
    roles = {(d.id, s.id): s.role for d in seed_docs for s in d.sentences}
    seen = set()
    for group in groups:
        assert len(group) >= 2
        assert all(roles[k] == "body" for k in group)
        assert [order[k] for k in group] == sorted(order[k] for k in group)
        assert not seen & set(group)  # a sentence is in one group at most
        seen |= set(group)
    assert [order[g[0]] for g in groups] == sorted(order[g[0]] for g in groups)
    assert find_duplicate_groups(seed_docs) == groups  # deterministic


def test_exact_and_near_duplicates_but_not_different_sentences(make_document):
    a = make_document(
        "Die Regierung hat am Montag neue Sanktionen gegen Nordkorea beschlossen. Das Wetter war schön.", "a"
    )
    b = make_document(
        "„Die Regierung hat am Montag neue Sanktionen gegen Nordkorea beschlossen!“ Morgen regnet es vielleicht.",
        "b",
    )
    groups = find_duplicate_groups([a, b])
    assert len(groups) == 1
    assert {doc_id for doc_id, _ in groups[0]} == {"a", "b"}


def test_a_short_sentence_inside_a_long_one_is_no_duplicate(make_document):
    a = make_document("Er sagte das. Danach gingen alle nach Hause und die Sitzung war zu Ende.", "a")
    b = make_document(
        "Er sagte das gestern in Berlin vor vielen Journalisten, die lange gewartet hatten.", "b"
    )
    assert find_duplicate_groups([a, b]) == ()


def test_normalise_drops_case_quotes_and_punctuation():
    assert normalise("  „Mini-NATO“ im   Pazifik! ") == normalise("mini nato IM pazifik")


def test_bad_threshold_is_a_usage_error(seed_docs):
    with pytest.raises(UsageError):
        find_duplicate_groups(seed_docs, threshold=0.0)
