"""The CTranslate2 engine on the tiny Marian model: convert, cache, and the same invariants as transformers."""

from __future__ import annotations

import pytest

pytest.importorskip("ctranslate2", reason="ctranslate2 (a core dependency) does not import here")

from summarize import loading
from summarize.translate.ctranslate2 import CTranslate2Translator


def ct2_translator(path: str, *, threads: int | None = None, **options) -> CTranslate2Translator:
    return CTranslate2Translator(loading.load_ctranslate2(path, device="cpu", threads=threads), **options)
from tools.tiny_models import seed_lines


@pytest.fixture(scope="module")
def ct2_cache(tmp_path_factory):
    mp = pytest.MonkeyPatch()
    mp.setenv("SUMMARIZE_CACHE", str(tmp_path_factory.mktemp("ct2-cache")))
    yield
    mp.undo()


@pytest.fixture(scope="module")
def engine(ct2_cache, tiny_marian) -> CTranslate2Translator:
    return ct2_translator(tiny_marian)


def test_converts_once_and_labels_the_engine(engine, tiny_marian, monkeypatch):
    assert engine.label == f"{tiny_marian}@local+ct2-int8"
    assert engine.max_input_tokens == 512

    def no_conversion(*args, **kwargs):
        raise AssertionError("converted twice")

    monkeypatch.setattr("ctranslate2.converters.TransformersConverter.convert", no_conversion)
    ct2_translator(tiny_marian)  # cache hit: no conversion
    assert not list(loading.cache_root().glob(".converting-*"))


def test_one_nonempty_translation_per_sentence_in_order(engine):
    texts = seed_lines()[:15]
    out = engine.translate_sentences(texts)
    assert len(out) == len(texts) and all(t.strip() for t in out)


def test_same_output_whatever_the_batch_budget(ct2_cache, tiny_marian):
    texts = seed_lines()[:12]
    small = ct2_translator(tiny_marian, max_batch_tokens=16)
    large = ct2_translator(tiny_marian, max_batch_tokens=100_000)
    assert small.translate_sentences(texts) == large.translate_sentences(texts)


def test_long_sentence_is_split_never_truncated(engine, monkeypatch):
    text = ", und ".join(seed_lines()[5:40]).replace(".", "")
    while engine.count_tokens([text])[0] < 1500:
        text += ", und " + text
    seen: list[int] = []
    original = engine.generate_ids

    def spy(batch, max_new_tokens, options):
        seen.extend(len(ids) for ids in batch)
        return original(batch, max_new_tokens, options)

    monkeypatch.setattr(engine, "generate_ids", spy)
    (english,) = engine.translate_sentences([text + "."])
    assert english.strip() and len(seen) >= 3 and max(seen) <= engine.max_input_tokens


def test_pipeline_with_ct2_engine_keeps_the_invariants(ct2_cache, tiny_settings, seed_files):
    from summarize import Pipeline, load_document

    pipe = Pipeline(tiny_settings.replace(engine="ctranslate2", summarizer="extractive"))
    result = pipe.process(load_document(seed_files[0]))
    doc = result.document
    assert result.models["translation"].endswith("+ct2-int8")
    for s in doc.sentences:
        assert doc.text[s.start:s.end] == s.text and s.translation.strip()
    assert result.summary.sentences and all(s.sources for s in result.summary.sentences)


def test_missing_model_is_a_model_error(ct2_cache):
    from summarize.errors import ModelNotFoundError

    with pytest.raises(ModelNotFoundError):
        ct2_translator("./no/such/model")


def test_threads_become_ctranslate2_intra_threads(ct2_cache, tiny_marian, monkeypatch):
    import ctranslate2

    seen: list[int] = []
    real = ctranslate2.Translator

    def recording(*args, **kwargs):
        seen.append(kwargs["intra_threads"])
        return real(*args, **kwargs)

    monkeypatch.setattr(ctranslate2, "Translator", recording)
    ct2_translator(tiny_marian, threads=3)
    monkeypatch.setenv("OMP_NUM_THREADS", "2")
    ct2_translator(tiny_marian)  # the default: OMP_NUM_THREADS
    assert seen == [3, 2]


# --- the summarizer's model: BART under transformers 5 -------------------------------------------------


def test_bart_converts_without_touching_the_model_folder(ct2_cache, tiny_bart):
    from pathlib import Path

    folder = Path(tiny_bart)
    before = {f.name: f.read_bytes() for f in folder.iterdir() if f.is_file()}
    for quantization in ("int8", "float32"):
        target = loading.convert_ctranslate2(tiny_bart, role="summarization", quantization=quantization)
        assert (target / "model.bin").exists()
    assert {f.name: f.read_bytes() for f in folder.iterdir() if f.is_file()} == before  # normalize_before: a copy


def test_a_tokenizer_smaller_than_the_vocabulary_is_a_clear_error(ct2_cache, tmp_path):
    from summarize.errors import UsageError
    from tools.tiny_models import build_bart

    folder = build_bart(tmp_path / "bart", model_vocab_size=2000)  # ~1,200 tokens for 2,000 output rows
    with pytest.raises(UsageError, match=r"tokenizer has \d+ tokens but the model's vocabulary has 2000"):
        loading.convert_ctranslate2(str(folder), role="summarization")
    assert not list(loading.cache_root().glob(".converting-*"))


def test_confidence_is_the_same_score_on_both_engines(ct2_cache, tiny_marian, monkeypatch):
    """CTranslate2 in float32 and the transformers engine in fp32 give the same greedy tokens and scores (the
    first pass: the beam-search retries of degenerate output are near-ties on a random model)."""
    from summarize.loading import load_seq2seq
    from summarize.translate import base
    from summarize.translate.marian import MarianTranslator

    monkeypatch.setattr(base, "is_degenerate", lambda english, german: False)
    texts = [t for t in seed_lines() if len(t.split()) < 12][:12]
    ct2 = CTranslate2Translator(loading.load_ctranslate2(tiny_marian, device="cpu", int8=False))
    torch_engine = MarianTranslator(load_seq2seq(tiny_marian, device="cpu"))
    a, b = ct2.translate_scored(texts), torch_engine.translate_scored(texts)
    # The same tokens; at the length limit CTranslate2 keeps one token more (its limit leaves out the end token).
    assert all(x.text.startswith(y.text) or y.text.startswith(x.text) for x, y in zip(a, b))
    # Within 10 %: at the limit, transformers counts the end token it forces as certain (log-probability 0),
    # which weighs more in a short output.
    assert [x.confidence for x in a] == pytest.approx([y.confidence for y in b], rel=0.1)
