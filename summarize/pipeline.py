"""`Pipeline`: wires the stages. read → segment → translate → summarize → provenance.

Models load lazily on first use, so an extractive run without translation needs no model at all, and
`Pipeline(...)` itself is cheap. Rendering and writing files are the runner's job (`summarize.runner`), which
drives files through a Pipeline; this module returns records and never imports the runner.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import sys
import warnings
from collections.abc import Callable, Iterable, Sequence
from functools import cached_property
from pathlib import Path
from typing import Any

from .checks import check_document
from .document import (
    Document,
    DocumentId,
    Result,
    SourceKey,
    SourceLink,
    Summary,
    SummarySentence,
    document_from_text,
    read_document,
    replace,
    require_unicode,
    with_distinct_ids,
)
from .engines import load_summarizer, load_translator, planned_part
from .errors import InputError
from .loading.devices import resolve_settings, signature_part
from .loading.hub import model_identity
from .provenance import candidates_from, link_summary, with_source_flags
from .segment import segment
from .settings import SUMMARIZERS, Settings
from .summarizers import DraftSummary, Summarizer, find_duplicate_groups
from .translate import Translator, translate_documents
from .version import __version__

DocumentSource = Document | str | Path | bytes
# Settings fields that never change a result, left out of cache keys: max_chars decides which inputs are
# accepted, threads how fast the models run.
KEY_EXCLUDED = frozenset({"max_chars", "threads"})


def load_document(source: str | Path | bytes, *, doc_id: DocumentId | None = None, max_chars: int | None = None
                  ) -> Document:
    """Read a file (or bytes) and segment it: a Document with sentences, offsets, roles and meta."""
    kwargs = {"max_chars": max_chars} if max_chars else {}
    return segment(read_document(source, doc_id=doc_id, **kwargs))


class Pipeline:
    """German article(s) in, translated and summarized `Result`s out.

    >>> pipe = Pipeline.from_pretrained(translator="Helsinki-NLP/opus-mt-de-en", device="auto")
    >>> result = pipe.process(load_document("seeds/000_19680894073e87de.txt"))
    """

    def __init__(
        self,
        settings: Settings | None = None,
        *,
        translator: Translator | None = None,
        summarizer: Summarizer | None = None,
    ) -> None:
        # Choices left to the machine are made here, once, so the signature and cache keys say what runs.
        self.settings = resolve_settings(settings or Settings())
        self._translator = translator
        self._summarizer = summarizer

    @classmethod
    def from_pretrained(
        cls,
        translator: str | None = None,
        summarizer_model: str | None = None,
        *,
        device: str | None = None,
        settings: Settings | None = None,
        load_now: bool = False,
        **overrides: Any,
    ) -> Pipeline:
        """Build from hub names or local directories; other Settings fields as keyword arguments. A field not
        given as a keyword (`device` included) keeps its value in `settings` (the defaults without it).

        `summarizer_model` names the summarization model, as in Settings (`summarizer` there is the method);
        the old keyword `summarizer=` for the model still works, with a DeprecationWarning."""
        if "summarizer" in overrides and overrides["summarizer"] not in SUMMARIZERS:
            warnings.warn(
                "Pipeline.from_pretrained(summarizer=MODEL) is deprecated: use summarizer_model=MODEL "
                "(summarizer= is the method: abstractive, extractive or none)",
                DeprecationWarning,
                stacklevel=2,
            )
            summarizer_model = summarizer_model or overrides.pop("summarizer")
        base = settings or Settings()
        changes: dict[str, Any] = dict(overrides)
        if device is not None:
            changes["device"] = device
        if translator:
            changes["translator"] = translator
        if summarizer_model:
            changes["summarizer_model"] = summarizer_model
        pipe = cls(base.replace(**changes))
        if load_now:
            pipe.load_models()
        return pipe

    # --- models, loaded on first use ------------------------------------------------------------
    @property
    def translator(self) -> Translator:
        if self._translator is None:
            self._translator = load_translator(self.settings)
        return self._translator

    @property
    def summarizer(self) -> Summarizer:
        if self._summarizer is None:
            self._summarizer = load_summarizer(self.settings)
        return self._summarizer

    def load_models(self, on_load: Callable[[str, str], None] | None = None) -> None:
        """Load every model these settings need now (the CLI does this first, to fail fast). `on_load(role, name)`
        is called before a model loads (a first run downloads it: that can take minutes)."""
        s = self.settings
        if s.translate and self._translator is None:
            if on_load:
                on_load("translation", s.translator)
            _ = self.translator
        if s.summarizer != "none" and self._summarizer is None:
            if on_load and s.summarizer == "abstractive":
                on_load("summarization", s.summarizer_model)
            _ = self.summarizer

    def _labels(self, *, summary: bool) -> dict[str, str]:
        """Role → "name@revision" of the models that made a result."""
        models = {}
        if self.settings.translate:
            models["translation"] = self.translator.label
        if summary and self.settings.summarizer == "abstractive":
            models["summarization"] = self.summarizer.label
        return models

    @property
    def signature(self) -> str:
        """What makes the results, as sacrebleu signs a score: each stage's fields as its engine says them
        (`signature_part`: model, engine, compute type, beams), then the length, the device type and the version:
        "tr=opus-mt-de-en|tr.eng=ctranslate2|tr.compute=int8|tr.beam=1|sum=distilbart-cnn-12-6|...|v=0.1.0". An
        engine not loaded yet says what it will run (`engines.planned_part`), so the signature is the same before
        and after the models load, and where they load elsewhere (Ray workers)."""
        fields: dict[str, str] = {}
        for prefix, role in (("tr", "translation"), ("sum", "summarization")):
            fields.update({f"{prefix}.{key}" if key else prefix: value for key, value in self._part(role).items()})
        fields["len"] = self.settings.length
        if self.settings.needs_models:
            fields["dev"] = self.settings.device.split(":")[0]
        fields["v"] = __version__
        return "|".join(f"{key}={value}" for key, value in fields.items())

    def _part(self, role: str) -> dict[str, str]:
        """One stage's fields of the signature: from its engine if it is made (or given), else as planned."""
        s = self.settings
        if not (s.translate if role == "translation" else s.summarizer != "none"):
            return signature_part("none")
        engine = self._translator if role == "translation" else self._summarizer
        if engine is None and role == "summarization" and s.summarizer != "abstractive":
            engine = self.summarizer  # no model to load: made at once
        return engine.signature_part() if engine is not None else planned_part(s, role)

    @cached_property
    def model_identities(self) -> dict[str, str]:
        """Role → identity (`loading.model_identity`) of each model these settings run, found without loading."""
        s = self.settings
        models = {}
        if s.translate:
            models["translation"] = model_identity(s.translator, s.revision)
        if s.summarizer == "abstractive":
            models["summarization"] = model_identity(s.summarizer_model, s.revision)
        return models

    def cache_key(self, doc: Document) -> str:
        """The key under which `doc`'s result is cached: the document as read (text, id, path, meta, sentences),
        every field of the resolved settings but KEY_EXCLUDED (a field added later is included by itself), the
        identity of each model that runs, the signature and the version. The one place a key is made."""
        settings = {f.name: repr(getattr(self.settings, f.name))
                    for f in dataclasses.fields(self.settings) if f.name not in KEY_EXCLUDED}
        payload = {"document": doc.to_dict(), "settings": settings, "models": self.model_identities,
                   "signature": self.signature, "version": __version__}
        data = json.dumps(payload, sort_keys=True, ensure_ascii=False).encode("utf-8", "surrogatepass")
        return hashlib.sha256(data).hexdigest()[:32]

    # --- the stages ------------------------------------------------------------------------------
    def prepare(self, source: DocumentSource) -> Document:
        """An article → a segmented Document. Every entry point (`process`, `translate`, their `_many`, `digest`)
        takes what this takes: a `str` is the article's text; a `Path` (any os.PathLike) is read as a file, bytes
        as a file's content; a Document is used as it is (segmented if it is not yet). Raises InputError for an
        article that cannot be read (a missing file, empty text, a lone surrogate, over max_chars), TypeError for
        anything else."""
        max_chars = self.settings.max_chars
        if isinstance(source, Document):
            require_unicode(source.text, "text", str(source.id))  # it would reach a tokenizer, and no output holds it
            return source if source.sentences else segment(source)
        if isinstance(source, (os.PathLike, bytes)):
            return load_document(source, max_chars=max_chars)
        if not isinstance(source, str):
            raise TypeError(f"an article is a str (its text), a pathlib.Path (a file to read), bytes (a file's "
                            f"content) or a Document; not {type(source).__name__}")
        if _is_file(source):
            warnings.warn(f"reading the file {source!r} because a str names it is deprecated: a str is read as "
                          f"the article's text; pass Path({source!r}) to read a file",
                          DeprecationWarning, stacklevel=_caller_outside_package())
            return load_document(Path(source), max_chars=max_chars)
        if _looks_like_path(source):
            raise InputError(source, "looks like a file name that does not exist; pass Path(...) to read a file "
                                     "(a str is read as the article's text)")
        return segment(document_from_text(source, max_chars=max_chars))

    def translate(self, source: DocumentSource) -> Result:
        """Segment and translate one article (no summary)."""
        return self.translate_many([source])[0]

    def translate_many(self, sources: Iterable[DocumentSource]) -> list[Result]:
        """Several articles, all sentences translated in one batched pass; identical articles (the same text
        under two names) are translated once and the copies written from the first's result."""
        return self._translate_many(sources)[0]

    def _translate_many(self, sources: Iterable[DocumentSource]) -> tuple[list[Result], list[int] | None]:
        """`translate_many`, and the twins it found (`_first_of_twins`; None when nothing was translated)."""
        docs = [self.prepare(s) for s in sources]
        first = None
        if self.settings.translate:
            first = _first_of_twins(docs, translated=False)
            unique = sorted(set(first))
            translated = translate_documents([docs[i] for i in unique], self.translator)
            done = dict(zip(unique, (check_document(d) for d in translated)))
            docs = [done[i] if i == n else as_twin(done[i], docs[n]) for n, i in enumerate(first)]
        models, signature = self._labels(summary=False), self.signature
        return [Result(document=d, models=models, signature=signature) for d in docs], first

    def process(self, source: DocumentSource) -> Result:
        """Segment, translate and summarize one article."""
        return self.process_many([source])[0]

    def process_many(self, sources: Iterable[DocumentSource]) -> list[Result]:
        """Several articles: translation is batched across all of them, then summarization (`summarize_many`)."""
        results, first = self._translate_many(sources)
        if self.settings.summarizer == "none":
            return results
        # Twins found before translation are twins after it (they share their translations): found once.
        docs = [r.document for r in results]
        if first is None:
            first = _first_of_twins(docs, translated=True)
        summaries = self._summarize_many(docs, first)
        models = self._labels(summary=True)
        return [replace(r, summary=s, models=models) for r, s in zip(results, summaries)]

    def summarize(self, docs: Sequence[Document]) -> Summary:
        """A summary of translated documents (one: an article summary; several: a digest, ids `with_distinct_ids`)."""
        docs = with_distinct_ids(_translated_documents(docs, "summarize"))
        body = [d for d in docs if d.content_sentences]
        if not body:  # nothing but title/boilerplate: an empty summary, not an error
            return self._summary(docs, body, None)
        return self._summary(docs, body, self.summarizer(body, length=self.settings.length))

    def summarize_many(self, docs: Sequence[Document]) -> list[Summary]:
        """One summary per already-translated document (`summarize([doc])` each), the model calls batched
        across them (chunks of several articles share a call up to a token budget). Identical documents are
        summarized once."""
        docs = _translated_documents(docs, "summarize_many")
        return self._summarize_many(docs, _first_of_twins(docs, translated=True))

    def _summarize_many(self, docs: Sequence[Document], first: Sequence[int]) -> list[Summary]:
        """`summarize_many` with the twins known: `first[n]` is the index of document n's first twin."""
        unique = sorted(set(first))
        bodies = {i: [docs[i]] if docs[i].content_sentences else [] for i in unique}
        todo = [i for i in unique if bodies[i]]
        drafts: dict[int, DraftSummary] = {}
        if todo:
            drafts = dict(zip(todo, self.summarizer.summarize_many([bodies[i] for i in todo],
                                                                   length=self.settings.length)))
        done = {i: self._summary([docs[i]], bodies[i], drafts.get(i)) for i in unique}
        return [done[i] if i == n else _renamed(done[i], docs[i].id, docs[n].id) for n, i in enumerate(first)]

    def _summary(self, docs: Sequence[Document], body: Sequence[Document], draft: DraftSummary | None) -> Summary:
        lang = "en" if self.settings.translate else "de"
        if draft is None:
            return Summary(tuple(d.id for d in docs), self.settings.summarizer, (), language=lang)
        groups = find_duplicate_groups(body) if len(body) > 1 else ()
        sentences = _linked_sentences(draft, body, self.settings, lang)
        if groups:
            sentences = tuple(_with_duplicates(s, groups, body) for s in sentences)
        sentences = with_source_flags(sentences, body)
        return Summary(
            document_ids=tuple(d.id for d in docs),
            method=draft.method,
            sentences=sentences,
            language=lang,
            model=draft.model,
            chunks=draft.chunks,
            levels=draft.levels,
        )

    def digest(self, sources: Iterable[DocumentSource]) -> Summary:
        """One summary across several articles; near-duplicate sentences count once and link to all copies."""
        results = self.translate_many(sources)
        return self.summarize([r.document for r in results])


def twin_key(doc: Document, *, translated: bool = False) -> str:
    """Equal for the same article under two names: its text and sentence layout (and, when asked, its
    translations). A hash, so that a run over thousands of articles keeps only short keys."""
    layout = "".join(f"{s.start},{s.end},{s.role};" for s in doc.sentences)
    translations = repr(tuple(s.translation for s in doc.sentences)) if translated else ""
    return hashlib.sha256(f"{doc.text}\x1f{layout}\x1f{translations}".encode("utf-8", "surrogatepass")).hexdigest()


def _first_of_twins(docs: Sequence[Document], *, translated: bool) -> list[int]:
    """For each document, the index of the first one with the same `twin_key`: the same article under two names
    is computed once."""
    seen: dict[str, int] = {}
    return [seen.setdefault(twin_key(d, translated=translated), n) for n, d in enumerate(docs)]


def as_twin(done: Document, twin: Document) -> Document:
    """`twin` (same text and sentences as `done`) with `done`'s translations; its own id, path, meta, warnings."""
    return replace(twin, sentences=tuple(replace(s, translation=t.translation, confidence=t.confidence, flags=t.flags)
                                         for s, t in zip(twin.sentences, done.sentences)))


def twin_result(done: Result, twin: Document) -> Result:
    """The result of an identical article under another name: `done`'s translations and summary, `twin`'s ids."""
    summary = done.summary
    if summary is not None:
        summary = _renamed(summary, done.document.id, twin.id)
    return replace(done, document=as_twin(done.document, twin), summary=summary)


def _renamed(summary: Summary, old: DocumentId, new: DocumentId) -> Summary:
    """The same summary, its document id and links moved from document `old` to document `new`."""
    return replace(
        summary,
        document_ids=tuple(new if d == old else d for d in summary.document_ids),
        sentences=tuple(
            replace(s, sources=tuple(replace(link, document_id=new) if link.document_id == old else link
                                     for link in s.sources))
            for s in summary.sentences
        ),
    )


def _translated_documents(docs: Iterable[Document], method: str) -> list[Document]:
    """`docs` as a list when it holds Documents only; else a TypeError that says what to pass."""
    many = isinstance(docs, Iterable) and not isinstance(docs, (str, bytes, os.PathLike))
    items = list(docs) if many else [docs]
    wrong = [d for d in items if not isinstance(d, Document)]
    if many and not wrong:
        return items
    raise TypeError(f"{method} takes a list of translated Documents (each Result.document of translate() or "
                    f"process()); not {'a Document alone (pass [doc])' if isinstance(docs, Document) else type(wrong[0]).__name__}"
                    ": to summarize an article given "
                    "as a str, a Path or bytes, call process()")


def _is_file(text: str) -> bool:
    """Whether a str argument names an existing file (read as one, with a DeprecationWarning)."""
    if "\n" in text or len(text) > 1024:
        return False
    try:
        return Path(text).is_file()
    except (OSError, ValueError):  # over-long names, NUL bytes
        return False


FILE_SUFFIXES = (".txt", ".html", ".htm", ".warc", ".warc.gz", ".jsonl")


def _looks_like_path(text: str) -> bool:
    """Whether a str is more likely a mistyped file name than an article: one short line without white space
    that ends in an article file's suffix or holds a path separator ("seeds/nope.txt", "C:\\news\\a"), or one
    with both ("My Articles/a.txt"). A sentence that mentions a file ("Die Datei liegt unter notes.txt") has
    white space and no separator: it is text."""
    text = text.strip()
    if "\n" in text or len(text) > 260:
        return False
    separator = "/" in text or "\\" in text
    suffix = text.lower().endswith(FILE_SUFFIXES)
    has_space = any(ch.isspace() for ch in text)
    return (separator and suffix) or (not has_space and (separator or suffix))


def _caller_outside_package() -> int:
    """The `stacklevel` at which a warning names the user's line: the first caller outside this package (the
    entry points reach `prepare` through one another, at different depths)."""
    frame, level = sys._getframe(1), 1
    while frame is not None and f"{frame.f_globals.get('__name__', '')}.".startswith(f"{__package__}."):
        frame, level = frame.f_back, level + 1
    return level


def _linked_sentences(
    draft: DraftSummary, docs: Sequence[Document], settings: Settings, lang: str
) -> tuple[SummarySentence, ...]:
    """Provenance for each draft sentence: exact for extractive picks, aligned for generated text."""
    if draft.exact_sources is not None:
        by_key = {(d.id, s.id): s for d in docs for s in d.sentences}
        return tuple(
            SummarySentence(
                text=text,
                sources=tuple(
                    SourceLink(doc_id, sid, by_key[doc_id, sid].start, by_key[doc_id, sid].end, 1.0)
                    for doc_id, sid in keys
                ),
                support=1.0,
            )
            for text, keys in zip(draft.sentences, draft.exact_sources)
        )
    return link_summary(
        draft.sentences,
        candidates_from(docs),
        attention=draft.attention,
        threshold=settings.support_threshold,
        lang=lang,
    )


def _with_duplicates(
    sentence: SummarySentence, groups: Sequence[Sequence[SourceKey]], docs: Sequence[Document]
) -> SummarySentence:
    """Add a link to every copy of a duplicated source sentence, with the same score."""
    group_of = {key: group for group in groups for key in group}
    docs_by_id = {d.id: d for d in docs}
    links = list(sentence.sources)
    seen = {(s.document_id, s.sentence_id) for s in links}
    for link in sentence.sources:
        for doc_id, sid in group_of.get((link.document_id, link.sentence_id), ()):
            if (doc_id, sid) not in seen:
                s = docs_by_id[doc_id].sentence(sid)
                links.append(SourceLink(doc_id, sid, s.start, s.end, link.score))
                seen.add((doc_id, sid))
    return replace(sentence, sources=tuple(links))


__all__ = ["InputError", "Pipeline", "load_document"]
