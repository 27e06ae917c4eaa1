"""The Python API over the whole pipeline on tiny models: invariants, determinism, digests."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from summarize import InputError, Pipeline, Settings, UsageError, load_document, pipeline
from summarize import settings as settings_module
from summarize.document import Document, Result, with_distinct_ids
from summarize.engines import ENGINES, engine_class
from summarize.loading import load_seq2seq
from summarize.pipeline import twin_key
from summarize.render.json import render_json
from summarize.translate import Translator
from summarize.translate.base import Scored
from summarize.version import __version__


@pytest.fixture(scope="module", params=sorted(ENGINES))
def engine_run(request, tiny_settings, seed_files) -> tuple[Pipeline, list[Result]]:
    """The seeds through the whole pipeline on each engine of the table: the pipeline and its results."""
    if request.param == "ctranslate2":
        pytest.importorskip("ctranslate2")
    pipe = Pipeline(tiny_settings.replace(engine=request.param))
    return pipe, pipe.process_many([load_document(f) for f in seed_files])


@pytest.fixture(scope="module")
def seed_results(engine_run) -> list[Result]:
    return engine_run[1]


def test_every_sentence_translated_once_and_slices_back(seed_results):
    for result in seed_results:
        doc = result.document
        assert [s.index for s in doc.sentences] == list(range(len(doc.sentences)))
        assert len({s.id for s in doc.sentences}) == len(doc.sentences)
        for s in doc.sentences:
            assert doc.text[s.start:s.end] == s.text
            assert s.translation and s.translation.strip()


def test_every_translated_sentence_has_the_models_confidence(seed_results):
    from summarize.text import has_letter

    for result in seed_results:
        translated = [s for s in result.document.sentences if has_letter(s.plain)]
        assert translated and all(s.confidence is not None and s.confidence <= 0 for s in translated)
        # A random model guesses: its confidence is low, and the checks say so.
        assert any(f.kind == "low_confidence" for s in translated for f in s.flags)


def test_summary_links_point_into_existing_sentences(seed_results):
    for result in seed_results:
        doc, summary = result.document, result.summary
        assert summary is not None and summary.sentences
        body = {s.id for s in doc.content_sentences}
        for sentence in summary.sentences:
            assert sentence.text.strip()
            assert sentence.sources or sentence.unsupported
            for link in sentence.sources:
                assert link.document_id == doc.id and link.sentence_id in body
                src = doc.sentence(link.sentence_id)
                assert src.start <= link.start < link.end <= src.end
                assert 0.0 <= link.score <= 1.0


def test_models_and_signature_are_recorded(engine_run, tiny_settings):
    pipe, results = engine_run
    engine = pipe.settings.engine  # as asked: the fixture's engine, never read back from the results
    suffix = {"ctranslate2": "+ct2-int8", "transformers": ""}[engine]
    assert all(r.models["translation"] == f"{tiny_settings.translator}@local{suffix}" for r in results)
    assert all(r.models["summarization"] == f"{tiny_settings.summarizer_model}@local{suffix}" for r in results)
    # The signature is made from the engines that ran; before any model loads, the same from the settings.
    assert pipe.translator.engine == engine and pipe.summarizer.engine.engine == engine
    ran = pipe.signature
    assert all(r.signature == ran for r in results)
    assert ran == Pipeline(tiny_settings.replace(engine=engine)).signature
    summary_compute = {"ctranslate2": "int8", "transformers": "float32"}[engine]  # transformers: translator only
    assert ran == (f"tr={Path(tiny_settings.translator).name}|tr.eng={engine}|tr.compute=int8|tr.beam=1|"
                   f"sum={Path(tiny_settings.summarizer_model).name}|sum.eng={engine}|sum.compute={summary_compute}|"
                   f"sum.beam=4|len=medium|dev=cpu|v={__version__}")


def test_the_engine_table_names_every_engine_the_settings_accept():
    assert set(ENGINES) == set(settings_module.ENGINES) - {"auto"}
    for name in ENGINES:
        assert engine_class(name, "translator").engine == name == engine_class(name, "summarizer").engine


def test_an_injected_engine_signs_for_itself(tiny_settings):
    pipe = Pipeline(tiny_settings.replace(summarizer="extractive"), translator=Recorder())
    assert pipe.signature.startswith("tr=recorder|tr.beam=1|sum=extractive|len=medium|dev=cpu|")


def test_same_input_gives_byte_identical_json(tiny_settings, seed_files):
    a = Pipeline(tiny_settings).process(load_document(seed_files[0]))
    b = Pipeline(tiny_settings).process(load_document(seed_files[0]))
    assert render_json(a) == render_json(b)


def test_summarize_many_gives_each_document_its_own_summary(tiny_pipeline, seed_files):
    docs = [r.document for r in tiny_pipeline.translate_many([load_document(f) for f in seed_files[:3]])]
    assert tiny_pipeline.summarize_many(docs) == [tiny_pipeline.summarize([d]) for d in docs]


def test_summarize_many_batches_across_documents_on_ctranslate2(tiny_settings_ct2, seed_files, monkeypatch):
    pipe = Pipeline(tiny_settings_ct2)
    docs = [r.document for r in pipe.translate_many([load_document(f) for f in seed_files])]
    calls: list[int] = []
    real = pipe.summarizer.engine.generate
    monkeypatch.setattr(pipe.summarizer.engine, "generate",
                        lambda batch, bounds, options: calls.append(len(batch)) or real(batch, bounds, options))
    many = pipe.summarize_many(docs)
    assert max(calls) > 1  # chunks of several articles shared calls
    single = [pipe.summarize([d]) for d in docs]
    assert [[(s.text, [(x.document_id, x.sentence_id) for x in s.sources]) for s in m.sentences] for m in many] == [
        [(s.text, [(x.document_id, x.sentence_id) for x in s.sources]) for s in m.sentences] for m in single
    ]


def test_identical_articles_are_computed_once(tiny_settings, seed_files, monkeypatch):
    pipe = Pipeline(tiny_settings.replace(int8=False))  # fp32: a translation never depends on its batch
    data = seed_files[0].read_bytes()
    a, b, c = load_document(data, doc_id="a"), load_document(data, doc_id="b"), load_document(seed_files[1])
    sentences, groups = [], []
    translate, summarize_many = pipe.translator.translate_scored, pipe.summarizer.summarize_many
    monkeypatch.setattr(pipe.translator, "translate_scored", lambda t: sentences.extend(t) or translate(t))
    monkeypatch.setattr(pipe.summarizer, "summarize_many",
                        lambda g, **kw: groups.extend(g) or summarize_many(g, **kw))
    hashed = []  # twins are found once per run of the pipeline: one twin key per article
    monkeypatch.setattr(pipeline, "twin_key", lambda d, **kw: hashed.append(d.id) or twin_key(d, **kw))
    ra, _, rb = pipe.process_many([a, c, b])
    assert len(sentences) == len(a.sentences) + len(c.sentences) and len(groups) == 2
    assert sorted(hashed) == sorted(["a", "b", c.id])
    assert (rb.document.id, rb.summary.document_ids) == ("b", ("b",))
    assert {link.document_id for s in rb.summary.sentences for link in s.sources} == {"b"}
    monkeypatch.undo()
    assert rb == pipe.process(b)  # exactly what b alone gives
    assert [s.translation for s in rb.document.sentences] == [s.translation for s in ra.document.sentences]


def test_translate_only_has_no_summary(tiny_pipeline, seed_files):
    result = tiny_pipeline.translate(load_document(seed_files[3]))
    assert result.summary is None
    assert all(s.translation for s in result.document.sentences)


def test_plain_text_input(tiny_pipeline):
    result = tiny_pipeline.process("Russland und Nordkorea vertiefen ihre Beziehungen. Die USA sind besorgt.")
    assert len(result.document.sentences) == 2


def test_no_translate_gives_a_german_extractive_summary(seed_files):
    pipe = Pipeline(Settings(translate=False, summarizer="extractive"))  # needs no model at all
    result = pipe.process(load_document(seed_files[1]))
    assert all(s.translation is None for s in result.document.sentences)
    assert result.summary.language == "de"
    german = {s.plain for s in result.document.content_sentences}
    assert all(s.text in german for s in result.summary.sentences)


def test_abstractive_without_translation_is_refused():
    with pytest.raises(UsageError):
        Settings(translate=False, summarizer="abstractive")


def test_digest_links_sources_in_several_articles(tiny_settings, seed_files):
    pipe = Pipeline(tiny_settings.replace(summarizer="extractive"))
    digest = pipe.digest([load_document(f) for f in seed_files])
    assert len(digest.document_ids) == 5
    docs_linked = {link.document_id for s in digest.sentences for link in s.sources}
    assert len(docs_linked) > 1


def test_a_digest_tells_apart_documents_that_share_an_id():
    """Two strings are both "text" (the API's default id), two files x.txt in two folders both "x": a digest
    links each source to the article it is in, its offsets into that article's text."""
    pipe = Pipeline(Settings(translate=False, summarizer="extractive"))
    texts = ["Die Regierung hat am Montag beschlossen, die Steuern zu senken. Die Opposition kritisiert das scharf.",
             "Im Zoo von Berlin ist ein Eisbär geboren worden. Die Pfleger freuen sich sehr. Er wiegt zwei Kilo."]
    digest = pipe.digest(texts)
    assert digest.document_ids == ("text", "text#2")
    texts_by_id = dict(zip(digest.document_ids, texts))
    links = [link for s in digest.sentences for link in s.sources]
    assert {link.document_id for link in links} == {"text", "text#2"}
    for link in links:
        sentence = texts_by_id[link.document_id][link.start:link.end]
        assert sentence and any(sentence in s.text for s in digest.sentences)


def test_with_distinct_ids_keeps_every_id_it_can():
    docs = [Document(id=i, text="x") for i in ("x", "x", "x#2", 42, "42", 42, "x")]
    assert [d.id for d in with_distinct_ids(docs)] == ["x", "x#3", "x#2", 42, "42", "42#2", "x#4"]
    assert with_distinct_ids(with_distinct_ids(docs)) == with_distinct_ids(docs)


MARKUP_ARTICLE = (
    "<h1>Russland und Nordkorea</h1>\n"
    "<p>Der Minister sagte am <b>Mittwoch</b> nichts. Die Gespräche gehen weiter &amp; bleiben geheim.</p>\n"
    '<p><a href="https://example.de/x?a=1&amp;b=2">Mehr zum Thema</a></p>\n'
    "<br/>\n"
    "<p>Kommentare (0)</p>\n"
    "<p>Impressum und Datenschutz der Seite hier.</p>\n"
)


class Recorder(Translator):
    """Records what reaches the model; translates each word as "words"."""

    label, max_input_tokens = "recorder@test", 512

    def __init__(self) -> None:
        super().__init__()
        self.seen: list[str] = []

    def tokenize(self, texts):
        self.seen.extend(texts)
        return [[1] * len(t.split()) for t in texts]

    def generate_ids(self, batch, max_new_tokens, options):
        return [list(ids) for ids in batch]

    def decode(self, ids):
        return "words " * len(ids)


def test_markup_in_an_article_is_read_as_text_and_kept_in_offsets(tiny_settings):
    translator = Recorder()
    pipe = Pipeline(tiny_settings.replace(summarizer="extractive"), translator=translator)
    result = pipe.process(MARKUP_ARTICLE)
    doc = result.document
    assert all(doc.text[s.start : s.end] == s.text for s in doc.sentences)  # offsets into the raw text
    assert not any("<" in t or "&amp;" in t for t in translator.seen)  # models never read the markup
    assert all(s.translation for s in doc.sentences)  # "<br/>" alone still gets its one record
    roles = {s.plain: s.role for s in doc.sentences}
    assert roles["Mehr zum Thema"] == "boilerplate" and roles["Russland und Nordkorea"] == "title"
    assert roles["Impressum und Datenschutz der Seite hier."] == "boilerplate"  # after a footer marker in markup
    assert "Die Gespräche gehen weiter & bleiben geheim." in roles


class TableTranslator(Recorder):
    """A stand-in translator: the reference English of each German line, one of them corrupted."""

    label = "table@stand-in"

    def __init__(self, table: dict[str, str]) -> None:
        super().__init__()
        self.table = table

    def translate_scored(self, texts):
        return [Scored(self.table[t]) for t in texts]


def test_a_corrupted_translation_is_flagged_exactly_there_in_every_output(tiny_settings, news_data):
    from html.parser import HTMLParser

    from summarize.render import render_html, render_markdown

    german = news_data[0].read_text(encoding="utf-8").splitlines()[20:30]  # the inflation article
    english = news_data[1].read_text(encoding="utf-8").splitlines()[20:30]
    table = dict(zip(german, english))
    table[german[1]] = table[german[1]].replace("4.5 percent", "5.4 percent")  # the one corruption
    pipe = Pipeline(tiny_settings.replace(summarizer="extractive", length="long"), translator=TableTranslator(table))
    result = pipe.process("\n\n".join(german))
    doc = result.document
    assert [s.text for s in doc.sentences] == german
    assert [s.id for s in doc.flagged] == ["s2"] and doc.sentence("s2").flags[0].kind == "number"

    data = json.loads(render_json(result))
    assert [s["id"] for s in data["document"]["sentences"] if s["flags"]] == ["s2"]
    assert data["document"]["sentences"][1]["flags"][0]["detail"] == "4.5% → 5.4%"
    md = render_markdown(result)
    assert md.count("⚑[^") == 1 and "⚑[^s2]" in md

    class Rows(HTMLParser):
        def __init__(self) -> None:
            super().__init__()
            self.flagged: list[str] = []

        def handle_starttag(self, tag, attrs):
            a = dict(attrs)
            if "flagged" in (a.get("class") or "").split():
                self.flagged.append(a["data-sid"])

    rows = Rows()
    rows.feed(render_html(result))
    assert rows.flagged == ["s2"]
    for sentence in result.summary.sentences:  # a summary resting on s2 says so, naming it
        rests_on_s2 = any(link.sentence_id == "s2" for link in sentence.sources)
        assert rests_on_s2 == any(w.startswith("source s2 is flagged (number)") for w in sentence.warnings)
    assert any(link.sentence_id == "s2" for s in result.summary.sentences for link in s.sources)


def test_an_html_page_gives_the_models_only_its_visible_text(tiny_settings):
    from pathlib import Path

    from tests.test_html_blocks import HIDDEN_TEXT

    translator = Recorder()
    pipe = Pipeline(tiny_settings.replace(summarizer="extractive"), translator=translator)
    result = pipe.process(Path(__file__).resolve().parent / "data" / "article.html")
    doc = result.document
    assert doc.meta["format"] == "html" and all(doc.text[s.start : s.end] == s.text for s in doc.sentences)
    seen = " ".join(translator.seen)
    assert "Kim besucht Putin in Wladiwostok" in translator.seen  # the headline alone, not glued to the byline
    assert not any(hidden in seen for hidden in HIDDEN_TEXT) and "<" not in seen and "&amp;" not in seen
    picked = {link.sentence_id for s in result.summary.sentences for link in s.sources}
    assert all(doc.sentence(i).role == "body" for i in picked)  # never navigation, title or footer

JUNK = "\x00Hello\x07 world\x1b[31m"  # what a broken model may emit: NUL, a bell, a terminal colour code


def _assert_no_controls(rendered: str) -> None:
    bad = [ch for ch in rendered if (ord(ch) < 32 and ch not in "\t\n") or 0x7F <= ord(ch) <= 0x9F]
    assert not bad and "[31m" not in rendered


@pytest.mark.parametrize("summarizer", ["extractive", "abstractive"])
def test_control_characters_in_model_output_never_reach_the_outputs(tiny_settings, monkeypatch, summarizer):
    from summarize.render.html import render_html
    from summarize.render.markdown import render_markdown
    from summarize.summarizers.abstractive import AbstractiveSummarizer
    from summarize.summarizers.engine import TransformersEngine
    from summarize.translate import Translator

    class Junk(Translator):  # every translation is the junk string
        label, max_input_tokens = "junk@test", 512

        def tokenize(self, texts):
            return [[1] * len(t.split()) for t in texts]

        def generate_ids(self, batch, max_new_tokens, options):
            return [list(ids) for ids in batch]

        def decode(self, ids):
            return JUNK

    abstractive = None
    if summarizer == "abstractive":  # the summary model emits the junk too
        abstractive = AbstractiveSummarizer(TransformersEngine(load_seq2seq(tiny_settings.summarizer_model,
                                                                            role="summarization")))
        monkeypatch.setattr(abstractive.engine.tokenizer, "decode", lambda *a, **k: JUNK)
    pipe = Pipeline(tiny_settings.replace(summarizer=summarizer), translator=Junk(), summarizer=abstractive)
    result = pipe.process("Der Minister sagte am Mittwoch nichts. Die Gespräche gehen weiter.")
    assert {s.translation for s in result.document.sentences} == {"Hello world"}
    assert result.summary.sentences and all(s.text == "Hello world" for s in result.summary.sentences)
    for rendered in (render_json(result), render_markdown(result), render_html(result)):
        _assert_no_controls(rendered)


# --- What the API accepts, and the errors it raises ---------------------------------------------------------------


@pytest.fixture
def recording_pipe() -> Pipeline:
    """No model to load: a Recorder translator (it keeps what the model would read) and extractive summaries."""
    return Pipeline(Settings(summarizer="extractive", device="cpu", engine="transformers"), translator=Recorder())


# The API fault tour: what a hostile but fair user of `from summarize import Pipeline, Settings` measured in 0.1,
# and what each raises now. Every error is the package's own (UsageError, InputError) or a TypeError naming what
# is accepted; the last two items of the tour are tests of their own below.
FAULT_TOUR = [
    # (what 0.1 did, the call, what it raises now, words its message holds)
    ("lone surrogate: RuntimeError from sentencepiece", lambda pipe: pipe.process("Er sagte \ud800 nichts."),
     InputError, "lone surrogate"),
    ("Settings(threads='2'): bare TypeError", lambda pipe: Settings(threads="2"), UsageError, "threads must be an int"),
    ("Settings(max_chars='abc'): bare TypeError", lambda pipe: Settings(max_chars="abc"), UsageError,
     "max_chars must be an int"),
    ("process(None): AttributeError", lambda pipe: pipe.process(None), TypeError, "a pathlib.Path"),
    ("process(5): AttributeError", lambda pipe: pipe.process(5), TypeError, "not int"),
    ("process('seeds/nope.txt'): the path summarized as the article", lambda pipe: pipe.process("seeds/nope.txt"),
     InputError, "pass Path(...) to read a file"),
    ("Settings(device='tpu'): accepted, failed at the first process", lambda pipe: Settings(device="tpu"),
     UsageError, "'tpu'"),
]


@pytest.mark.parametrize(("item", "call", "error", "words"), FAULT_TOUR, ids=[row[0] for row in FAULT_TOUR])
def test_api_fault_tour(recording_pipe, item, call, error, words):
    with pytest.raises(error) as caught:
        call(recording_pipe)
    assert type(caught.value) is error and words in str(caught.value)
    assert not recording_pipe.translator.seen  # nothing reached a model


def test_api_fault_tour_from_pretrained_keeps_the_device_of_its_settings(monkeypatch):
    """0.1: `from_pretrained(settings=Settings(device="cpu"))` ran on "auto" (its own keyword default won)."""
    import summarize.pipeline

    monkeypatch.setattr(summarize.pipeline, "resolve_settings", lambda s: s)  # what was asked, before the machine
    base = Settings(device="cpu", summary_beams=2, summarizer="extractive")
    assert Pipeline.from_pretrained(settings=base).settings == base
    assert Pipeline.from_pretrained(settings=base, device="mps").settings == base.replace(device="mps")
    assert Pipeline.from_pretrained("org/tr", settings=base).settings == base.replace(translator="org/tr")
    assert Pipeline.from_pretrained().settings == Settings()


def test_api_fault_tour_a_model_has_one_short_name():
    """0.1: `_short` in settings.py and the same expression in ModelNotFoundError (tests/test_errors.py checks they
    agree)."""
    import inspect

    import summarize.errors
    import summarize.loading.devices

    for module in (summarize.loading.devices, summarize.errors):
        source = inspect.getsource(module)
        assert "model_short_name(" in source and 'rsplit("/"' not in source


@pytest.mark.parametrize("entry", ["prepare", "translate", "process", "translate_many", "process_many", "digest"])
@pytest.mark.parametrize("bad", [None, 5, 3.5, ["Ein Satz."], bytearray(b"Ein Satz."), {"text": "Ein Satz."}],
                         ids=lambda b: type(b).__name__)
def test_every_entry_point_names_the_accepted_types(recording_pipe, entry, bad):
    method = getattr(recording_pipe, entry)
    many = entry.endswith("_many") or entry == "digest"
    with pytest.raises(TypeError, match=r"str \(its text\), a pathlib\.Path .*bytes .*Document; not "):
        method([bad] if many else bad)


@pytest.mark.parametrize("entry", ["summarize", "summarize_many"])
@pytest.mark.parametrize("bad", [None, 5, "Ein Satz.", Path("a.txt"), b"Ein Satz.", [5], ["Ein Satz."], "document"],
                         ids=["None", "int", "str", "Path", "bytes", "list-of-int", "list-of-str", "a-document"])
def test_summarize_names_what_it_takes(recording_pipe, entry, bad):
    """0.1 (and main before): `summarize(5)` raised "'int' object is not iterable", a str an AttributeError."""
    if bad == "document":
        bad = recording_pipe.prepare("Ein Satz. Noch ein Satz.")
    with pytest.raises(TypeError, match=r"takes a list of translated Documents .*call process\(\)"):
        getattr(recording_pipe, entry)(bad)
    doc = recording_pipe.translate("Ein Satz. Noch ein Satz.").document
    assert getattr(recording_pipe, entry)(iter([doc])) is not None  # any iterable of Documents


def test_a_path_is_always_read_as_a_file(recording_pipe, seed_files, tmp_path):
    doc = recording_pipe.prepare(seed_files[0])
    assert doc.path == str(seed_files[0]) and doc.text == seed_files[0].read_text(encoding="utf-8")
    missing = tmp_path / "Ein Satz."  # even when its name reads like a sentence
    with pytest.raises(InputError) as caught:
        recording_pipe.process(missing)
    assert caught.value.name == str(missing) and "cannot read" in caught.value.reason


def test_bytes_are_a_files_content(recording_pipe, seed_files):
    doc = recording_pipe.prepare(seed_files[0].read_bytes())
    assert doc.text == seed_files[0].read_text(encoding="utf-8") and doc.path is None


def test_a_str_naming_a_file_is_still_read_with_a_deprecation_warning(recording_pipe, seed_files):
    with pytest.warns(DeprecationWarning, match=r"pass Path\(") as caught:
        result = recording_pipe.process(str(seed_files[0]))
    assert result.document.path == str(seed_files[0]) and result.document.text == seed_files[0].read_text("utf-8")
    assert {w.filename for w in caught} == {__file__}  # it names the user's line, not the package's


@pytest.mark.parametrize(
    ("text", "path_like"),
    [
        ("seeds/nope.txt", True), ("nope.txt", True), ("artikel.HTML", True), ("crawl.warc.gz", True),
        ("/home/ich/artikel", True), ("C:\\Nachrichten\\artikel", True), ("My Articles/nope.txt", True),
        ("./seeds", True), ("Eine Meldung.", False), ("Berlin", False), ("Die Datei heißt notes.txt", False),
        ("Die 24/7-Gesellschaft wächst.", False), ("Kurs: 1/2", False), ("seeds/nope.txt\nZweite Zeile", False),
        ("x/" * 200, False),
    ],
)
def test_a_str_that_looks_like_a_missing_file_gets_a_hint(recording_pipe, text, path_like):
    if path_like:
        with pytest.raises(InputError, match="looks like a file name that does not exist; pass Path"):
            recording_pipe.prepare(text)
    else:
        assert recording_pipe.prepare(text).text == text  # a str is text


def test_a_str_is_checked_like_a_file(recording_pipe):
    pipe = Pipeline(recording_pipe.settings.replace(max_chars=20), translator=Recorder())
    with pytest.raises(InputError, match="over the limit of 20"):
        pipe.process("Ein Satz, der zu lang ist für dieses Limit.")
    with pytest.raises(InputError, match="empty input"):
        pipe.process("  \n ")


def test_a_document_with_a_lone_surrogate_is_an_input_error(recording_pipe):
    from summarize.document import Document

    with pytest.raises(InputError, match="lone surrogate") as caught:
        recording_pipe.process_many([Document(id="d", text="Ein Satz \udc80 hier.")])
    assert caught.value.name == "d" and not recording_pipe.translator.seen


CONTROLS = "Der Minister\x00 sagte\x07 nichts.\x1b[31m Die Gespräche\x0b gehen weiter.\n\n\x00\x07\n\nEnde\x7f der\x85 Meldung."


def test_control_characters_in_a_str_are_kept_in_offsets_and_never_reach_a_model(recording_pipe):
    result = recording_pipe.process(CONTROLS)
    doc = result.document
    assert doc.text == CONTROLS and all(doc.text[s.start : s.end] == s.text for s in doc.sentences)
    seen = "".join(recording_pipe.translator.seen)
    assert seen and not [ch for ch in seen if ord(ch) < 32 or 0x7F <= ord(ch) <= 0x9F]
    assert all(not set(s.plain) & set("\x00\x07\x0b\x1b\x7f\x85") for s in doc.sentences)
    assert json.loads(render_json(result))["document"]["text"] == CONTROLS  # JSON keeps the text exactly
