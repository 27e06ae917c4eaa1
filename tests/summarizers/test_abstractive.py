"""AbstractiveSummarizer on tiny random models: structure, windows, map-reduce, attention, determinism, and
batching across articles; the invariant tests run on both engines (transformers, CTranslate2 int8).

The models emit gibberish, so nothing here looks at wording: only at counts, windows, ids and ranges.
"""

from __future__ import annotations

import pytest

from summarize.document import Document, replace
from summarize.engines import load_summarizer
from summarize.errors import UsageError
from summarize.settings import Settings, parse_length
from summarize.summarizers import ExtractiveSummarizer
from summarize.summarizers.abstractive import AbstractiveSummarizer
from summarize.summarizers.engine import Generated, TransformersEngine

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
def generate_spy(engine, monkeypatch):
    """Records the (padded width, longest real row) of every batch the summarizer hands its engine."""
    calls: list[tuple[int, int]] = []
    real = engine.generate

    def spy(batch, bounds, options):
        calls.append((max(len(ids) for ids in batch), max(len(ids) for ids in batch)))
        return real(batch, bounds, options)

    monkeypatch.setattr(engine, "generate", spy)
    return calls


@pytest.fixture
def model_spy(bart_128, monkeypatch):
    """Transformers only: the (padded width, longest real row) of every call to `model.generate` itself."""
    calls: list[tuple[int, int]] = []
    real = bart_128.model.generate

    def spy(*args, **kwargs):
        mask = kwargs["attention_mask"]
        calls.append((int(mask.shape[1]), int(mask.sum(dim=1).max())))
        return real(*args, **kwargs)

    monkeypatch.setattr(bart_128.model, "generate", spy)
    return calls


def _fixed(summarizer: AbstractiveSummarizer, monkeypatch, text: str) -> None:
    """Make every generation return `text` (no attention: the uniform mass)."""
    monkeypatch.setattr(summarizer.engine, "generate", lambda batch, bounds, options: [Generated(text)] * len(batch))


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


def test_short_document_is_one_level(engine, short_doc, generate_spy):
    draft = AbstractiveSummarizer(engine, num_beams=2)([short_doc], length="short")
    _check_draft(draft, [short_doc], "short")
    assert (draft.levels, draft.chunks) == (1, 1)
    assert len(generate_spy) == 1
    assert draft.model == engine.label


def test_long_document_map_reduces_within_the_window(engine, long_doc, generate_spy):
    summarizer = AbstractiveSummarizer(engine, num_beams=2)
    draft = summarizer([long_doc], length="medium")
    _check_draft(draft, [long_doc], "medium")
    assert draft.levels >= 2 and draft.chunks >= 2
    assert generate_spy, "generate was never called"
    window = engine.max_input_tokens
    assert window == 128  # the tiny model's window: the article is many windows long
    assert all(width <= window and longest <= window for width, longest in generate_spy)


def test_transformers_model_calls_stay_within_the_window(bart_128, long_doc, model_spy):
    AbstractiveSummarizer(TransformersEngine(bart_128), num_beams=2)([long_doc], length="medium")
    assert model_spy and all(width <= 128 and longest <= 128 for width, longest in model_spy)


def test_a_sentence_longer_than_the_window_is_split_not_cut(
    engine, make_document, translate_doc, generate_spy
):
    words = " ".join(f"Wort{i}, und" for i in range(300))  # one sentence of several windows
    doc = translate_doc(make_document(words + ".", "huge"))
    assert len(doc.content_sentences) == 1
    draft = AbstractiveSummarizer(engine, num_beams=1)([doc], length="short")
    _check_draft(draft, [doc], "short")
    assert draft.chunks >= 2
    assert all(width <= engine.max_input_tokens for width, _ in generate_spy)


def test_digest_attention_spans_documents(engine, translated_docs):
    docs = translated_docs[:2]
    draft = AbstractiveSummarizer(engine, num_beams=1)(docs, length="2s")
    _check_draft(draft, docs, "2s")
    assert {doc_id for masses in draft.attention for doc_id, _ in masses} == {d.id for d in docs}


def test_same_input_same_output(engine, long_doc):
    summarizer = AbstractiveSummarizer(engine, num_beams=2)
    assert summarizer([long_doc], length="short") == summarizer([long_doc], length="short")


@pytest.mark.parametrize("length", ["1s", "2s", "short", "30t"])
def test_output_is_trimmed_to_the_sentence_cap(engine, short_doc, length, monkeypatch):
    summarizer = AbstractiveSummarizer(engine, num_beams=1)
    _fixed(summarizer, monkeypatch, "One thing. Two things. Three things. Four things. Five things. Six things.")
    draft = summarizer([short_doc], length=length)
    _check_draft(draft, [short_doc], length)
    assert len(draft.sentences) == min(6, parse_length(length).max_sentences)


def test_a_model_that_never_shrinks_still_terminates(engine, long_doc, monkeypatch):
    summarizer = AbstractiveSummarizer(engine, num_beams=1)
    _fixed(summarizer, monkeypatch, " ".join(["Nothing new here"] * 200))  # longer than any chunk
    draft = summarizer([long_doc], length="short")
    _check_draft(draft, [long_doc], "short")


def test_empty_generation_keeps_the_input_text(engine, short_doc, monkeypatch):
    summarizer = AbstractiveSummarizer(engine, num_beams=1)
    _fixed(summarizer, monkeypatch, "")
    draft = summarizer([short_doc], length="short")
    _check_draft(draft, [short_doc], "short")
    assert set(draft.sentences) <= {s.translation for s in short_doc.content_sentences}


def test_no_body_sentences_give_an_empty_draft(engine, short_doc):
    doc = replace(short_doc, sentences=tuple(replace(s, role="boilerplate") for s in short_doc.sentences))
    draft = AbstractiveSummarizer(engine)([doc])
    assert draft.sentences == () and draft.attention == ()


def test_untranslated_documents_are_a_usage_error(engine, seed_docs):
    with pytest.raises(UsageError):
        AbstractiveSummarizer(engine)(seed_docs[:1])


def test_t5_gets_its_task_prefix_and_works(t5_128, translated_docs):
    summarizer = AbstractiveSummarizer(TransformersEngine(t5_128), num_beams=1)
    assert summarizer._task_ids  # "summarize:" goes before every chunk
    docs = translated_docs[:1]
    draft = summarizer(docs, length="short")
    _check_draft(draft, docs, "short")
    assert draft.levels >= 2


def test_load_summarizer_from_settings(bart_128):
    assert isinstance(
        load_summarizer(Settings(summarizer="extractive", translate=False)), ExtractiveSummarizer
    )
    settings = Settings(summarizer_model=bart_128.name, device="cpu", summary_beams=2, engine="transformers")
    loaded = load_summarizer(settings)
    assert isinstance(loaded, AbstractiveSummarizer) and loaded.engine.engine == "transformers"
    assert loaded.num_beams == 2 and loaded.label == f"{bart_128.name}@local"
    assert loaded.batch_size == 1  # torch on CPU: one chunk per call
    asked = load_summarizer(settings.replace(summary_batch_size=3, summary_batch_tokens=600))
    assert (asked.batch_size, asked.max_batch_tokens) == (3, 600)  # the settings' budgets, as resolved


def test_a_bare_loaded_model_still_works_with_a_deprecation_warning(bart_128, short_doc):
    with pytest.warns(DeprecationWarning, match="TransformersEngine"):
        bare = AbstractiveSummarizer(bart_128, num_beams=1)
    assert bare.engine.engine == "transformers"
    assert bare([short_doc], length="short") == AbstractiveSummarizer(TransformersEngine(bart_128), num_beams=1)(
        [short_doc], length="short")


def test_load_summarizer_with_ctranslate2(bart_128, bart_128_ct2):
    settings = Settings(summarizer_model=bart_128.name, device="cpu", engine="ctranslate2")
    loaded = load_summarizer(settings)
    assert loaded.engine.engine == "ctranslate2" and loaded.label == f"{bart_128.name}@local+ct2-int8"
    assert loaded.max_batch_tokens and loaded.batch_size is None  # CTranslate2 on CPU batches under a budget
    fp32 = load_summarizer(settings.replace(int8=False))
    assert fp32.label.endswith("+ct2-float32")
    auto = load_summarizer(settings.replace(engine="auto"))  # ctranslate2 is installed here: auto takes it
    assert auto.engine.engine == "ctranslate2"


# --- the engines against each other ------------------------------------------------------------------


def test_greedy_summaries_are_the_same_on_both_engines(bart_128, bart_128_ct2, long_doc, translated_docs):
    """transformers fp32 and CTranslate2 float32, greedy: the same tokens, so the same summary, on every level."""
    fp32 = AbstractiveSummarizer(TransformersEngine(bart_128), num_beams=1)
    ct2 = AbstractiveSummarizer(bart_128_ct2["float32"], num_beams=1)
    for docs in ([long_doc], list(translated_docs[2:4])):
        for length in ("short", "medium"):
            a, b = fp32(docs, length=length), ct2(docs, length=length)
            assert (a.sentences, a.chunks, a.levels) == (b.sentences, b.chunks, b.levels)


def test_greedy_tokens_are_the_same_on_both_engines(bart_128, bart_128_ct2, translated_docs):
    from summarize.summarizers.engine import Bounds, DecodeOptions

    summarizer = AbstractiveSummarizer(TransformersEngine(bart_128), num_beams=1)
    sentences = [s.translation for d in translated_docs for s in d.content_sentences]
    sources = [summarizer._source_ids(summarizer._units(sentences[i : i + 2])) for i in range(0, 80, 2)]
    sources = [ids for ids in sources if len(ids) <= 128][:20]
    assert len(sources) >= 10
    for bounds in (Bounds(0, 40), Bounds(10, 25)):
        for ngram in (0, 3):
            options = DecodeOptions(num_beams=1, no_repeat_ngram_size=ngram)
            a = TransformersEngine(bart_128).generate(sources, bounds, options)
            b = bart_128_ct2["float32"].generate(sources, bounds, options)
            assert [g.text for g in a] == [g.text for g in b]


def test_ctranslate2_attention_is_the_mean_over_heads_of_the_last_layer(bart_128, bart_128_ct2, short_doc,
                                                                          monkeypatch):
    """With one decoder layer, CTranslate2's returned attention equals the transformers engine's."""
    import numpy as np

    summarizer = AbstractiveSummarizer(bart_128_ct2["float32"], num_beams=1)
    source = summarizer._source_ids(summarizer._units([s.translation for s in short_doc.content_sentences]))
    from summarize.summarizers.engine import Bounds, DecodeOptions

    # A random model may favour <s> (its weights follow the transformers release that made them): both engines
    # are kept from it, so that there is text to attribute.
    bos = bart_128.tokenizer.bos_token_id
    engine = bart_128_ct2["float32"]
    monkeypatch.setattr(engine, "_suppress", [bart_128.tokenizer.convert_ids_to_tokens([bos])])
    monkeypatch.setattr(bart_128.model.generation_config, "suppress_tokens", [bos])
    (ct2,) = engine.generate([source], Bounds(5, 20), DecodeOptions(1, 0))
    (hf,) = TransformersEngine(bart_128).generate([source], Bounds(5, 20), DecodeOptions(1, 0))
    assert ct2.text == hf.text and ct2.text
    spans = [(0, len(ct2.text))]
    (a,) = bart_128_ct2["float32"].attention(ct2, spans, summarizer._tokenize([ct2.text]))
    (b,) = TransformersEngine(bart_128).attention(hf, spans, summarizer._tokenize([hf.text]))
    assert a is not None and b is not None and a.shape == tuple(b.shape) == (len(source),)
    # Both are sums of rows that each sum to 1; the teacher-forced pass re-tokenizes the text, so rows can
    # differ at the ends: compare the normalised distributions.
    assert np.allclose(a / a.sum(), b.numpy() / float(b.sum()), atol=0.05)


# --- batching across articles ----------------------------------------------------------------------


def _calls(summarizer, monkeypatch) -> list[list[int]]:
    """Source lengths of every engine call."""
    calls: list[list[int]] = []
    real = summarizer.engine.generate

    def spy(batch, bounds, options):
        calls.append([len(ids) for ids in batch])
        return real(batch, bounds, options)

    monkeypatch.setattr(summarizer.engine, "generate", spy)
    return calls


@pytest.mark.parametrize("budget", [128, 300, 1000])
def test_batches_across_articles_respect_the_budget(bart_128_ct2, translated_docs, budget, monkeypatch):
    summarizer = AbstractiveSummarizer(bart_128_ct2["int8"], num_beams=2, max_batch_tokens=budget)
    calls = _calls(summarizer, monkeypatch)
    drafts = summarizer.summarize_many([[d] for d in translated_docs], length="short")
    assert len(drafts) == len(translated_docs)
    assert all(max(batch) * len(batch) <= max(budget, max(batch)) for batch in calls)
    if budget >= 300:  # room for two chunks: several articles' chunks share calls
        assert any(len(batch) > 1 for batch in calls)


def test_batch_size_caps_the_chunks_per_call(bart_128, translated_docs, monkeypatch):
    summarizer = AbstractiveSummarizer(TransformersEngine(bart_128), num_beams=1, batch_size=2, max_batch_tokens=100_000)
    calls = _calls(summarizer, monkeypatch)
    summarizer.summarize_many([[d] for d in translated_docs[:3]], length="short")
    assert max(len(batch) for batch in calls) == 2


def _same_drafts(batched, alone) -> None:
    """The same summaries; the attention masses equal up to float noise (padding changes the summation order)."""
    assert [(d.sentences, d.chunks, d.levels) for d in batched] == [(d.sentences, d.chunks, d.levels) for d in alone]
    for x, y in zip(batched, alone):
        for m, n in zip(x.attention, y.attention):
            assert m.keys() == n.keys() and all(m[k] == pytest.approx(n[k], abs=1e-5) for k in m)


@pytest.mark.parametrize(("which", "beams"), [("float32", 1), ("float32", 2), ("int8", 1), ("int8", 2)])
def test_ctranslate2_batched_equals_one_at_a_time(bart_128_ct2, translated_docs, which, beams):
    groups = [[d] for d in translated_docs] + [list(translated_docs[:2])]  # five articles and a digest
    batched = AbstractiveSummarizer(bart_128_ct2[which], num_beams=beams, max_batch_tokens=100_000)
    alone = AbstractiveSummarizer(bart_128_ct2[which], num_beams=beams, batch_size=1)
    _same_drafts(batched.summarize_many(groups, length="short"), [alone(g, length="short") for g in groups])


def test_transformers_fp32_batched_equals_one_at_a_time(bart_128, translated_docs):
    groups = [[d] for d in translated_docs[:3]]
    batched = AbstractiveSummarizer(TransformersEngine(bart_128), num_beams=1, batch_size=8, max_batch_tokens=100_000)
    alone = AbstractiveSummarizer(TransformersEngine(bart_128), num_beams=1)
    _same_drafts(batched.summarize_many(groups, length="short"), [alone(g, length="short") for g in groups])


def test_summarize_many_keeps_order_and_empty_groups(engine, short_doc, translated_docs):
    empty = replace(short_doc, sentences=tuple(replace(s, role="boilerplate") for s in short_doc.sentences))
    summarizer = AbstractiveSummarizer(engine, num_beams=1)
    groups = [[translated_docs[1]], [empty], [short_doc]]
    drafts = summarizer.summarize_many(groups, length="short")
    assert [d.sentences == () for d in drafts] == [False, True, False]
    assert drafts[2] == summarizer([short_doc], length="short")
