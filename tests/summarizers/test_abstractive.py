"""AbstractiveSummarizer on tiny random models: structure, windows, map-reduce, attention, determinism.

The models emit gibberish, so nothing here looks at wording: only at counts, windows, ids and ranges.
"""

from __future__ import annotations

import pytest

from summarize.document import Document, replace
from summarize.errors import UsageError
from summarize.settings import Settings, parse_length
from summarize.summarizers import ExtractiveSummarizer, load_summarizer
from summarize.summarizers.abstractive import AbstractiveSummarizer

SHORT_TEXT = "Russland und Nordkorea wollen enger zusammenarbeiten. Die USA sind besorgt."


@pytest.fixture
def short_doc(make_document, translate_doc) -> Document:
    return translate_doc(make_document(SHORT_TEXT, "short"))


@pytest.fixture
def long_doc(translated_docs) -> Document:
    """One article many windows long: the body sentences of two seed articles (~1,500 tokens)."""
    body = [s for d in translated_docs[:2] for s in d.content_sentences]
    text = " ".join(s.text for s in body)
    doc = Document(id="long", text=text)
    sentences, pos = [], 0
    for n, s in enumerate(body):
        start = text.index(s.text, pos)
        pos = start + len(s.text)
        sentences.append(replace(s, id=f"s{n + 1}", index=n, paragraph=0, start=start, end=pos))
    return replace(doc, sentences=tuple(sentences))


@pytest.fixture
def generate_spy(bart_128, monkeypatch):
    """Records the (padded width, longest real row) of every batch passed to `model.generate`."""
    calls: list[tuple[int, int]] = []
    real = bart_128.model.generate

    def spy(*args, **kwargs):
        input_ids, mask = kwargs["input_ids"], kwargs["attention_mask"]
        calls.append((int(input_ids.shape[1]), int(mask.sum(dim=1).max())))
        return real(*args, **kwargs)

    monkeypatch.setattr(bart_128.model, "generate", spy)
    return calls


def _body_keys(docs) -> set[tuple[str, str]]:
    return {(d.id, s.id) for d in docs for s in d.content_sentences}


def _check_draft(draft, docs, length: str) -> None:
    assert draft.method == "abstractive" and draft.exact_sources is None
    assert draft.sentences and all(s.strip() for s in draft.sentences)
    assert len(draft.sentences) <= parse_length(length).max_sentences
    assert draft.attention is not None and len(draft.attention) == len(draft.sentences)
    body = _body_keys(docs)
    for masses in draft.attention:
        assert masses and set(masses) <= body  # only body sentences that exist
        assert all(0.0 <= m <= 1.0 for m in masses.values())
        assert sum(masses.values()) == pytest.approx(1.0, abs=1e-6)


def test_short_document_is_one_level(bart_128, short_doc, generate_spy):
    draft = AbstractiveSummarizer(bart_128, num_beams=2)([short_doc], length="short")
    _check_draft(draft, [short_doc], "short")
    assert (draft.levels, draft.chunks) == (1, 1)
    assert len(generate_spy) == 1
    assert draft.model == bart_128.label


def test_long_document_map_reduces_within_the_window(bart_128, long_doc, generate_spy):
    summarizer = AbstractiveSummarizer(bart_128, num_beams=2)
    draft = summarizer([long_doc], length="medium")
    _check_draft(draft, [long_doc], "medium")
    assert draft.levels >= 2 and draft.chunks >= 2
    assert generate_spy, "generate was never called"
    window = bart_128.max_input_tokens
    assert window == 128  # the tiny model's window: the article is many windows long
    assert all(width <= window and longest <= window for width, longest in generate_spy)


def test_a_sentence_longer_than_the_window_is_split_not_cut(
    bart_128, make_document, translate_doc, generate_spy
):
    words = " ".join(f"Wort{i}, und" for i in range(300))  # one sentence of several windows
    doc = translate_doc(make_document(words + ".", "huge"))
    assert len(doc.content_sentences) == 1
    draft = AbstractiveSummarizer(bart_128, num_beams=1)([doc], length="short")
    _check_draft(draft, [doc], "short")
    assert draft.chunks >= 2
    assert all(width <= bart_128.max_input_tokens for width, _ in generate_spy)


def test_digest_attention_spans_documents(bart_128, translated_docs):
    docs = translated_docs[:2]
    draft = AbstractiveSummarizer(bart_128, num_beams=1)(docs, length="2s")
    _check_draft(draft, docs, "2s")
    assert {doc_id for masses in draft.attention for doc_id, _ in masses} == {d.id for d in docs}


def test_same_input_same_output(bart_128, long_doc):
    summarizer = AbstractiveSummarizer(bart_128, num_beams=2)
    assert summarizer([long_doc], length="short") == summarizer([long_doc], length="short")


@pytest.mark.parametrize("length", ["1s", "2s", "short", "30t"])
def test_output_is_trimmed_to_the_sentence_cap(bart_128, short_doc, length, monkeypatch):
    summarizer = AbstractiveSummarizer(bart_128, num_beams=1)
    many = "One thing. Two things. Three things. Four things. Five things. Six things."
    monkeypatch.setattr(summarizer, "_generate", lambda batch, bounds: [many] * len(batch))
    draft = summarizer([short_doc], length=length)
    _check_draft(draft, [short_doc], length)
    assert len(draft.sentences) == min(6, parse_length(length).max_sentences)


def test_a_model_that_never_shrinks_still_terminates(bart_128, long_doc, monkeypatch):
    summarizer = AbstractiveSummarizer(bart_128, num_beams=1)
    wordy = " ".join(["Nothing new here"] * 200)  # longer than any chunk, whatever the budget
    monkeypatch.setattr(summarizer, "_generate", lambda batch, bounds: [wordy] * len(batch))
    draft = summarizer([long_doc], length="short")
    _check_draft(draft, [long_doc], "short")


def test_empty_generation_keeps_the_input_text(bart_128, short_doc, monkeypatch):
    summarizer = AbstractiveSummarizer(bart_128, num_beams=1)
    monkeypatch.setattr(summarizer, "_generate", lambda batch, bounds: [""] * len(batch))
    draft = summarizer([short_doc], length="short")
    _check_draft(draft, [short_doc], "short")
    assert set(draft.sentences) <= {s.translation for s in short_doc.content_sentences}


def test_no_body_sentences_give_an_empty_draft(bart_128, short_doc):
    doc = replace(short_doc, sentences=tuple(replace(s, role="boilerplate") for s in short_doc.sentences))
    draft = AbstractiveSummarizer(bart_128)([doc])
    assert draft.sentences == () and draft.attention == ()


def test_untranslated_documents_are_a_usage_error(bart_128, seed_docs):
    with pytest.raises(UsageError):
        AbstractiveSummarizer(bart_128)(seed_docs[:1])


def test_t5_gets_its_task_prefix_and_works(t5_128, translated_docs):
    summarizer = AbstractiveSummarizer(t5_128, num_beams=1)
    assert summarizer._task_ids  # "summarize:" goes before every chunk
    docs = translated_docs[:1]
    draft = summarizer(docs, length="short")
    _check_draft(draft, docs, "short")
    assert draft.levels >= 2


def test_load_summarizer_from_settings(bart_128):
    assert isinstance(
        load_summarizer(Settings(summarizer="extractive", translate=False)), ExtractiveSummarizer
    )
    loaded = load_summarizer(Settings(summarizer_model=bart_128.name, device="cpu", summary_beams=2))
    assert isinstance(loaded, AbstractiveSummarizer)
    assert loaded.num_beams == 2 and loaded.label.startswith(bart_128.name)
