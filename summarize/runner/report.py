"""The records of a folder run: what happened to each input (`Outcome`) and to the run as a whole (`RunReport`)."""

from __future__ import annotations

from dataclasses import dataclass, field

from ..document import DocumentId
from ..render.html import IndexRow


@dataclass(frozen=True, slots=True)
class Outcome:
    """What happened to one input: a row of the final table, of the index and of errors.jsonl."""

    id: DocumentId  # as the input gave it (`InputItem.id`): what errors.jsonl rows carry
    path: str | None
    status: str  # "done" | "cached" | "failed"
    error: str | None = None
    sentences: int = 0
    summary_sentences: int = 0
    flagged: int = 0  # translated sentences flagged for a second look (`checks`)
    warnings: int = 0
    # This file's own time: reading, cache look-up and writing, plus its share of the batched pipeline pass it
    # went through with other articles (the pass's time split by their lengths in characters).
    seconds: float = 0.0
    outputs: tuple[str, ...] = ()
    title: str = ""
    key: str = ""  # cache key of the finished result
    name: str = ""  # the stem of its output files
    date: str = ""  # the article's date, when it gives one (for the index)
    authors: str = ""  # a page's authors, site and link (for the index: `render.facts.PageFacts`)
    site: str = ""
    link: str = ""
    first: str = ""  # the summary's first sentence (for the index)

    def index_row(self) -> IndexRow:
        if self.status == "failed":
            return IndexRow(self.id, self.path, error=self.error or "failed")
        return IndexRow(self.id, self.path, title=self.title, date=self.date, authors=self.authors,
                        site=self.site, link=self.link, first=self.first, sentences=self.sentences,
                        flagged=self.flagged, warnings=self.warnings, href=f"{self.name}.html")


@dataclass
class RunReport:
    outcomes: list[Outcome] = field(default_factory=list)
    index: str | None = None
    digest: tuple[str, ...] = ()
    total: int = 0  # inputs in the run (a stopped run has fewer outcomes)
    total_known: bool = True  # False: a stream of unknown length (an archive...), `total` counts those read so far
    # What went wrong beside the articles, the run going on: the --jsonl stream, the index, the digest.
    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # one line each, for people: what an archive skipped

    @property
    def failed(self) -> list[Outcome]:
        return [o for o in self.outcomes if o.status == "failed"]

    @property
    def finished(self) -> int:
        """Inputs whose outputs are written (done or cached)."""
        return sum(o.status != "failed" for o in self.outcomes)
