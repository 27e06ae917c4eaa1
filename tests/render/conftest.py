"""Builders of the renderer tests: one small Result with hostile article text, one flagged translation (s5)
and a flagged summary."""

from __future__ import annotations

import pytest

from summarize.document import Document, Flag, Result, Sentence, SourceLink, Summary, SummarySentence

EVIL = '<script>document.title="pwned"</script> Er sagte " onmouseover="alert(2) dazu.'


def make_result(doc_id: str = "art", evil: bool = True) -> Result:
    body = EVIL if evil else "Er sagte nichts dazu."
    parts = ["Titel des Artikels", "Durch Anna Schmidt", "Russland liefert 11.000 Container.", body,
             "Ein dritter Satz.", "Diesen Artikel teilen"]
    roles = ["title", "byline", "body", "body", "body", "boilerplate"]
    text = "\n".join(parts) + "\n"
    sentences, pos = [], 0
    for i, (part, role) in enumerate(zip(parts, roles)):
        english = f"EN {part}" if role != "body" or i != 3 else 'He said <b>bold</b> " onmouseover="x'
        sentences.append(Sentence(f"s{i + 1}", i, i, pos, pos + len(part), part, role, english))
        pos += len(part) + 1
    flag = Flag("number", "number 3 in the English has no source in the German", "3")
    sentences[4] = Sentence("s5", 4, 4, sentences[4].start, sentences[4].end, parts[4], "body", "EN a 3rd sentence.",
                            -0.4, (flag,))
    doc = Document(doc_id, text, f"{doc_id}.txt", tuple(sentences), {"date": "2023-09", "title": parts[0]})
    s3, s4 = sentences[2], sentences[3]
    summary = Summary(
        (doc_id,), "abstractive",
        (
            SummarySentence("Russia delivers 11,000 containers.", (SourceLink(doc_id, "s3", s3.start, s3.end, 0.9),), 0.9),
            SummarySentence("<i>Made up</i> claim of 12,000.", (SourceLink(doc_id, "s4", s4.start, s4.end, 0.1),), 0.1,
                            True, ("number 12,000 not in source",)),
        ),
        model="tiny@local",
    )
    return Result(doc, summary, None, {"translation": "m@local", "summarization": "tiny@local"}, "sig|v=0.1.0")


@pytest.fixture
def result_of():
    """result_of(doc_id="art", evil=True) → a Result (see `make_result`)."""
    return make_result
