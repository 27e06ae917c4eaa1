"""ExtractiveSummarizer (and the length spec every summarizer honours)."""

from __future__ import annotations

import pytest

from summarize.document import replace
from summarize.errors import UsageError
from summarize.settings import parse_length
from summarize.summarizers import ExtractiveSummarizer, find_duplicate_groups

LENGTHS = ["short", "medium", "long", "1s", "4s", "12s", "30t", "120t"]


@pytest.mark.parametrize(
    ("length", "sentences"),
    [("short", 3), ("medium", 5), ("long", 8), ("1s", 1), ("7s", 7), (" 3S ", 3), ("20t", 1), ("100t", 5)],
)
def test_parse_length(length, sentences):
    spec = parse_length(length)
    assert spec.max_sentences == sentences
    assert 0 <= spec.min_new_tokens <= spec.max_new_tokens


@pytest.mark.parametrize("length", ["", "tiny", "0s", "-3s", "3", "3x", "s", "1.5s", "3 s"])
def test_parse_length_rejects_anything_else(length):
    with pytest.raises(UsageError):
        parse_length(length)


def _check_picks(draft, docs, *, expect_translation: bool) -> None:
    by_key = {(d.id, s.id): s for d in docs for s in d.sentences}
    position = {(d.id, s.id): (n, s.index) for n, d in enumerate(docs) for s in d.sentences}
    assert draft.method == "extractive" and draft.model is None and draft.attention is None
    assert draft.exact_sources is not None and len(draft.exact_sources) == len(draft.sentences)
    keys = []
    for text, sources in zip(draft.sentences, draft.exact_sources):
        assert text.strip()
        assert len(sources) == 1
        sentence = by_key[sources[0]]
        assert sentence.role == "body"  # never title, byline or boilerplate
        assert text == (sentence.translation if expect_translation else sentence.text)
        keys.append(sources[0])
    assert [position[k] for k in keys] == sorted(position[k] for k in keys)  # document order
    assert len(set(keys)) == len(keys)


@pytest.mark.parametrize("length", LENGTHS)
def test_picks_are_translated_body_sentences_in_order_within_length(translated_docs, length):
    doc = translated_docs[0]
    draft = ExtractiveSummarizer()([doc], length=length)
    _check_picks(draft, [doc], expect_translation=True)
    wanted = min(parse_length(length).max_sentences, len(doc.content_sentences))
    assert 1 <= len(draft.sentences) <= wanted
    assert len(draft.sentences) == wanted  # the seeds have enough distinct sentences to fill it


def test_without_translation_the_summary_is_german(seed_docs):
    draft = ExtractiveSummarizer()(seed_docs[:1], length="short")
    _check_picks(draft, seed_docs[:1], expect_translation=False)
    assert draft.sentences


def test_title_byline_and_boilerplate_never_picked_even_when_central(make_document, translate_doc):
    text = (
        "Nordkorea Russland Waffen Munition Nordkorea Russland\n\n"
        "Von Nordkorea Russland Waffen Munition\n\n"
        "Russland kauft Munition aus Nordkorea. Nordkorea liefert Waffen an Russland. "
        "Das Wetter in Berlin war gestern sonnig und warm."
    )
    doc = translate_doc(make_document(text, "d"))
    doc = replace(doc, sentences=tuple(
        replace(s, role="boilerplate") if "Wetter" in s.text else s for s in doc.sentences
    ))  # fmt: skip
    draft = ExtractiveSummarizer()([doc], length="long")
    _check_picks(draft, [doc], expect_translation=True)
    body = {s.id for s in doc.content_sentences}
    assert {sid for (src,) in draft.exact_sources for _, sid in [src]} <= body
    assert len(draft.sentences) == len(doc.content_sentences)


def test_digest_never_picks_a_near_duplicate_twice(translated_docs):
    draft = ExtractiveSummarizer()(translated_docs, length="40s")
    _check_picks(draft, translated_docs, expect_translation=True)
    picked = {src for (src,) in draft.exact_sources}
    for group in find_duplicate_groups(translated_docs):
        assert len(picked & set(group)) <= 1, group


def test_digest_of_the_same_article_twice_picks_each_sentence_once(translated_docs):
    doc = translated_docs[1]
    twin = replace(doc, id="twin")
    draft = ExtractiveSummarizer()([doc, twin], length="long")
    _check_picks(draft, [doc, twin], expect_translation=True)
    assert len(set(draft.sentences)) == len(draft.sentences)
    assert len(draft.sentences) == 8


def test_deterministic(translated_docs):
    first = ExtractiveSummarizer()(translated_docs, length="medium")
    assert ExtractiveSummarizer()(list(translated_docs), length="medium") == first


def test_no_body_sentences_give_an_empty_draft(translated_docs):
    doc = translated_docs[0]
    doc = replace(doc, sentences=tuple(replace(s, role="boilerplate") for s in doc.sentences))
    draft = ExtractiveSummarizer()([doc])
    assert draft.sentences == () and draft.exact_sources == ()
