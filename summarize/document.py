"""Records that flow through the pipeline, and reading an input into a `Document`.

Every offset is a half-open character offset into `Document.text`, the decoded text exactly as
read (never bytes, tokens or normalised text), so `doc.text[s.start:s.end] == s.text` always holds.
Stages never mutate a record: they return new ones with `dataclasses.replace`.
"""

from __future__ import annotations

import dataclasses
import hashlib
import math
import os
import re
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeGuard

from .decoding import decode_bytes
from .errors import InputError
from .html_blocks import looks_like_html
from .limits import check_length, check_size
from .pagemeta import page_meta
from .settings import MAX_BYTES, MAX_CHARS
from .text import plain_text

# 1.1: sentences carry confidence and flags; 1.2: meta of HTML pages (date, authors, site...); 1.3: a document id
# is as its input gave it (a JSONL record's number stays a JSON number)
SCHEMA_VERSION = "1.3"

# An article's id as its input gave it: a file's stem, a URL, a JSONL record's "id". A number stays a number, so
# that 42 and "42" stay two articles to anyone joining results to inputs on id.
DocumentId = str | int | float
SourceKey = tuple[DocumentId, str]  # a source sentence among several documents: (document id, sentence id)

ROLES = ("title", "byline", "body", "boilerplate")


@dataclass(frozen=True, slots=True)
class Flag:
    """One reason to double-check a translated sentence (see `checks`). kind: "number", "untranslated",
    "truncated", "length", "repetition", "low_confidence"...; message: for people; detail: the value it is about
    when there is one ("3.5%", "3.5% → 4.5%", "-1.42")."""

    kind: str
    message: str
    detail: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "message": self.message, "detail": self.detail}

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> Flag:
        return cls(d["kind"], d["message"], d.get("detail"))


@dataclass(frozen=True, slots=True)
class Sentence:
    """One German source sentence (or title/byline/boilerplate line) with its offsets."""

    id: str  # "s1", "s2", ...: stable within its Document
    index: int  # 0-based position in Document.sentences
    paragraph: int  # 0-based paragraph number
    start: int  # half-open character span in Document.text
    end: int
    text: str  # always == Document.text[start:end]
    role: str = "body"  # one of ROLES
    translation: str | None = None  # exactly one English string once translated
    # The translating model's mean log-probability per output token (<= 0); None: not reported (or copied through).
    confidence: float | None = None
    flags: tuple[Flag, ...] = ()  # what a reader should double-check in the translation (`checks`)

    @property
    def boilerplate(self) -> bool:
        return self.role == "boilerplate"

    @property
    def plain(self) -> str:
        """The sentence as models read it: markup removed (see `plain_text`)."""
        return plain_text(self.text)

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "index": self.index,
            "paragraph": self.paragraph,
            "start": self.start,
            "end": self.end,
            "role": self.role,
            "boilerplate": self.boilerplate,
            "de": self.text,
            "en": self.translation,
            "confidence": self.confidence,
            "flags": [f.to_dict() for f in self.flags],
        }

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> Sentence:
        return cls(
            id=d["id"],
            index=d["index"],
            paragraph=d["paragraph"],
            start=d["start"],
            end=d["end"],
            text=d["de"],
            role=d.get("role", "body"),
            translation=d.get("en"),
            confidence=d.get("confidence"),
            flags=tuple(Flag.from_dict(f) for f in d.get("flags", ())),
        )


@dataclass(frozen=True, slots=True)
class Document:
    """A decoded article. `text` is never changed after reading; all offsets point into it."""

    id: DocumentId
    text: str
    path: str | None = None
    sentences: tuple[Sentence, ...] = ()
    meta: Mapping[str, str] = field(default_factory=dict)  # encoding, title, date, language...: README's schema
    warnings: tuple[str, ...] = ()

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.text.encode("utf-8")).hexdigest()

    def sentence(self, sentence_id: str) -> Sentence:
        for s in self.sentences:
            if s.id == sentence_id:
                return s
        raise KeyError(f"{self.id}: no sentence {sentence_id!r}")

    @property
    def title_sentence(self) -> Sentence | None:
        """The headline, when segmentation found one."""
        return next((s for s in self.sentences if s.role == "title"), None)

    @property
    def title(self) -> str:
        """The headline as a reader sees it: its translation once translated, else the German (markup removed);
        "" if none."""
        title = self.title_sentence
        if title is not None:
            return title.translation or title.plain
        return self.meta.get("title", "") if self.meta else ""

    @property
    def flagged(self) -> tuple[Sentence, ...]:
        """Sentences whose translation a reader should double-check."""
        return tuple(s for s in self.sentences if s.flags)

    @property
    def model_sentences(self) -> tuple[Sentence, ...]:
        """Sentences a model reads (the translator: all of these; a summarizer: their body). On a web page (meta
        format "html") boilerplate is the page around the article: never translated (its `translation` stays
        None, JSON "en": null) nor summarized, kept for its offsets. In a text file, boilerplate lines ("Mehr zum
        Thema ...") are the article's own and are translated as they always were."""
        if self.meta.get("format") != "html":
            return self.sentences
        return tuple(s for s in self.sentences if not s.boilerplate)

    @property
    def content_sentences(self) -> tuple[Sentence, ...]:
        """Sentences a summarizer may use: body text, never title, byline or boilerplate."""
        return tuple(s for s in self.sentences if s.role == "body")

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "path": self.path,
            "sha256": self.sha256,
            "meta": dict(self.meta),
            "warnings": list(self.warnings),
            "text": self.text,
            "sentences": [s.to_dict() for s in self.sentences],
        }

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> Document:
        return cls(
            id=d["id"],
            text=d["text"],
            path=d.get("path"),
            sentences=tuple(Sentence.from_dict(s) for s in d.get("sentences", ())),
            meta=dict(d.get("meta", {})),
            warnings=tuple(d.get("warnings", ())),
        )


@dataclass(frozen=True, slots=True)
class SourceLink:
    """A German source sentence that a summary sentence rests on."""

    document_id: DocumentId
    sentence_id: str
    start: int  # span of Document.text inside that sentence
    end: int
    score: float  # 0..1: how strongly the summary sentence rests on it

    def to_dict(self) -> dict[str, Any]:
        return {
            "document_id": self.document_id,
            "sentence_id": self.sentence_id,
            "start": self.start,
            "end": self.end,
            "score": self.score,
        }

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> SourceLink:
        return cls(d["document_id"], d["sentence_id"], d["start"], d["end"], d["score"])


@dataclass(frozen=True, slots=True)
class SummarySentence:
    text: str
    sources: tuple[SourceLink, ...] = ()  # best first
    support: float = 0.0  # best source score
    unsupported: bool = False  # no source clears the threshold: shown, never dropped
    warnings: tuple[str, ...] = ()  # faithfulness warnings, e.g. "number 12,000 not in source"

    def to_dict(self) -> dict[str, Any]:
        return {
            "text": self.text,
            "sources": [s.to_dict() for s in self.sources],
            "support": self.support,
            "unsupported": self.unsupported,
            "warnings": list(self.warnings),
        }

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> SummarySentence:
        return cls(
            text=d["text"],
            sources=tuple(SourceLink.from_dict(s) for s in d.get("sources", ())),
            support=d.get("support", 0.0),
            unsupported=d.get("unsupported", False),
            warnings=tuple(d.get("warnings", ())),
        )


@dataclass(frozen=True, slots=True)
class Summary:
    # The documents summarized, in order; several: a digest, whose ids are those of `with_distinct_ids`.
    document_ids: tuple[DocumentId, ...]
    method: str  # "abstractive" | "extractive"
    sentences: tuple[SummarySentence, ...]
    language: str = "en"
    model: str | None = None
    chunks: int = 1  # chunks the input was cut into at the first level
    levels: int = 1  # map-reduce levels (1: the input fitted the window)

    @property
    def text(self) -> str:
        return " ".join(s.text for s in self.sentences)

    def to_dict(self) -> dict[str, Any]:
        return {
            "document_ids": list(self.document_ids),
            "method": self.method,
            "model": self.model,
            "language": self.language,
            "chunks": self.chunks,
            "levels": self.levels,
            "sentences": [s.to_dict() for s in self.sentences],
        }

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> Summary:
        return cls(
            document_ids=tuple(d["document_ids"]),
            method=d["method"],
            sentences=tuple(SummarySentence.from_dict(s) for s in d.get("sentences", ())),
            language=d.get("language", "en"),
            model=d.get("model"),
            chunks=d.get("chunks", 1),
            levels=d.get("levels", 1),
        )


@dataclass(frozen=True, slots=True)
class Result:
    """What the pipeline produces for one article: the document (translated), its summary, or an error."""

    document: Document
    summary: Summary | None = None
    error: str | None = None
    models: Mapping[str, str] = field(default_factory=dict)  # role -> "name@revision"
    signature: str = ""

    @property
    def ok(self) -> bool:
        """Deprecated: nothing in the package reads it; test `result.error is None`."""
        warnings.warn("Result.ok is deprecated: test `result.error is None`", DeprecationWarning, stacklevel=2)
        return self.error is None

    def to_dict(self) -> dict[str, Any]:
        return {
            "schema_version": SCHEMA_VERSION,
            "signature": self.signature,
            "models": dict(self.models),
            "error": self.error,
            "document": self.document.to_dict(),
            "summary": self.summary.to_dict() if self.summary else None,
        }

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> Result:
        return cls(
            document=Document.from_dict(d["document"]),
            summary=Summary.from_dict(d["summary"]) if d.get("summary") else None,
            error=d.get("error"),
            models=dict(d.get("models", {})),
            signature=d.get("signature", ""),
        )


def with_distinct_ids(docs: Sequence[Document]) -> list[Document]:
    """`docs`, each with an id of its own, as a digest needs: its links name a source sentence by document id and
    sentence id. A document whose id an earlier one has (two files `x.txt` in two folders, the API's default
    "text") is told apart as "<id>#2" (#3...: the first that no document has); the others keep theirs. The same
    list gives the same ids, so the summary and the renderers agree; a list of distinct ids is unchanged."""
    ids: set[DocumentId] = {d.id for d in docs}
    seen: set[DocumentId] = set()
    distinct = []
    for doc in docs:
        if doc.id in seen:
            n = 2
            while f"{doc.id}#{n}" in ids:
                n += 1
            ids.add(f"{doc.id}#{n}")
            doc = dataclasses.replace(doc, id=f"{doc.id}#{n}")
        seen.add(doc.id)
        distinct.append(doc)
    return distinct


# --- reading ---------------------------------------------------------------------------------------


def read_document(
    source: str | Path | bytes, *, doc_id: DocumentId | None = None, max_chars: int = MAX_CHARS,
    max_bytes: int = MAX_BYTES
) -> Document:
    """Read a file path (or raw bytes) into an unsegmented Document; an HTML page's meta gains what the page says
    of itself (`pagemeta`). Raises InputError per file: unreadable, over `max_bytes` raw or `max_chars` readable.
    `doc_id` (None or "": the file's stem, "stdin" for bytes) is kept as given."""
    if isinstance(source, bytes):
        data, path = source, None
        doc_id = _checked_id(doc_id, "stdin")
        name = str(doc_id)
        check_size(len(data), name, max_bytes)
    else:
        p = Path(source)
        name = str(p)
        data = _read_capped(p, max_bytes)
        path = str(p)
        doc_id = _checked_id(doc_id, p.stem or "stdin")
    text, encoding, warnings = decode_bytes(data, name=name)
    check_length(text, name, max_chars)
    return Document(id=doc_id, text=text, path=path, meta=_meta(text, encoding), warnings=warnings)


def _read_capped(path: Path, max_bytes: int) -> bytes:
    """A file's bytes, never more than `max_bytes` + 1 of them in memory (a 1 GB file is refused, not read)."""
    try:
        with path.open("rb") as f:
            data = f.read(max_bytes + 1)
            if len(data) > max_bytes:
                check_size(max(os.fstat(f.fileno()).st_size, len(data)), str(path), max_bytes)
    except OSError as exc:
        raise InputError(str(path), f"cannot read: {exc.strerror or exc}") from None
    return data


def _meta(text: str, encoding: str) -> dict[str, str]:
    """A new Document's meta: its encoding, and for an HTML page what the page says of itself."""
    return {"encoding": encoding, **(page_meta(text) if looks_like_html(text) else {})}


def document_from_text(
    text: str, doc_id: DocumentId = "text", *, max_chars: int = MAX_CHARS, max_bytes: int = MAX_BYTES
) -> Document:
    """An unsegmented Document from a Python string (the API's article text, a JSONL record). Raises InputError.

    A str is text, whatever it holds: NUL and other control characters are kept in `Document.text` (offsets
    point into it) and never reach a model (`Sentence.plain` drops them). A lone surrogate (`"\\ud800"`, from
    `surrogateescape` or a broken JSON escape) is no character at all: no file can hold it, so it is an error."""
    if not isinstance(text, str):
        raise TypeError(f"article text must be a str, not {type(text).__name__}")
    doc_id = _checked_id(doc_id, "text")
    name = str(doc_id)
    if isinstance(doc_id, str):
        require_unicode(doc_id, "id", repr(doc_id))
    require_unicode(text, "text", name)
    if not text.strip():
        raise InputError(name, "empty input")
    check_size(len(text), name, max_bytes)  # characters: a str's raw size is at least that in bytes
    check_length(text, name, max_chars)
    return Document(id=doc_id, text=text, meta=_meta(text, "str"))


def is_document_id(value: object) -> TypeGuard[DocumentId]:
    """Whether `value` can be a `DocumentId`: a str, or a finite number (a bool, a list or NaN is none)."""
    if isinstance(value, str):
        return True
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def _checked_id(doc_id: object, default: str) -> DocumentId:
    """`doc_id` as given, `default` for None or ""; TypeError for what no JSON could carry as an id."""
    if doc_id is None or doc_id == "":
        return default
    if is_document_id(doc_id):
        return doc_id
    raise TypeError(f"a document id must be a str or a finite number, not {doc_id!r}")


# Python strs never pair surrogates: any one is a lone surrogate, which UTF-8 (and so every tokenizer) refuses.
_SURROGATE = re.compile("[\ud800-\udfff]")


def require_unicode(value: str, field_name: str, name: str) -> None:
    """InputError(name) when `value` holds a lone surrogate (`"\\ud800"`, from `surrogateescape` or a broken
    JSON escape): no file can hold one. The words are the JSONL reader's."""
    if _SURROGATE.search(value):
        raise InputError(name, f'"{field_name}" is not valid Unicode (a lone surrogate escape such as \\ud800)')


def replace(record: Any, **changes: Any) -> Any:
    """`dataclasses.replace`, re-exported so stages need one import."""
    return dataclasses.replace(record, **changes)
