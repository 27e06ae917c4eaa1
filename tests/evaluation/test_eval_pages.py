"""`summarize eval pages`: the scoring arithmetic on hand-computed cases, both test-set layouts, and the command.

Every page is built here, in the test: a German news page with a menu, a cookie banner and a teaser around its
article, an English page, and a binary file. No outside data set is read."""

from __future__ import annotations

import io
import json
import re
from pathlib import Path

import pytest
from rich.console import Console

from summarize.errors import InputError, UsageError
from summarize.evaluation import pages as pages_module
from summarize.evaluation.cli import _print_pages
from summarize.evaluation.pages import (
    Counts,
    Page,
    evaluate_pages,
    expected_pages,
    kept_text,
    normalise_space,
    page_language,
    score_snippets,
    score_tokens,
    snippet_pages,
    visible_text,
)
from summarize.pipeline import load_document

NEWS_PAGE = """<!doctype html>
<html lang="de-DE"><head><meta charset="utf-8"><title>Neues Rathaus eröffnet</title>
<script>var tracking = "Der Bürgermeister";</script></head>
<body>
<nav><ul><li><a href="/">Startseite</a></li><li><a href="/politik">Politik</a></li></ul></nav>
<div class="cookie-banner"><p>Wir verwenden Cookies, um Ihnen das beste Erlebnis zu bieten.</p>
<button>Alle akzeptieren</button></div>
<article>
<h1>Neues Rathaus eröffnet</h1>
<p>Der Bürgermeister hat am Montag das neue Rathaus eröffnet. Die Bauarbeiten dauerten zwei Jahre.</p>
<p>Die Kosten lagen bei zwölf Millionen Euro, wie die Stadt am Dienstag mitteilte.</p>
</article>
<aside class="teaser"><h2>Lesen Sie auch</h2><p>Schwimmbad bleibt im Winter geschlossen</p></aside>
<footer><p>Impressum</p><p>Datenschutz</p></footer>
</body></html>
"""
ARTICLE = NEWS_PAGE[NEWS_PAGE.index("<article>") : NEWS_PAGE.index("</article>") + len("</article>")]
NEWS_WITH = ["Der Bürgermeister hat am Montag das neue Rathaus eröffnet.", "Die Kosten lagen bei zwölf Millionen Euro"]
NEWS_WITHOUT = ["Startseite", "Wir verwenden Cookies", "Schwimmbad bleibt im Winter geschlossen", "Impressum"]

ENGLISH_PAGE = """<html lang="en"><head><title>Town hall opens</title></head><body>
<nav><a href="/">Home</a></nav>
<article><h1>Town hall opens</h1><p>The mayor opened the new town hall on Monday after two years of work.</p>
<p>It cost twelve million euros, the city said on Tuesday.</p></article></body></html>
"""
BINARY = b"\x00\x01\x02\x03" * 64  # every reader refuses it (ours: InputError; trafilatura: None)


def write(path: Path, data: str | bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)
    return path


@pytest.fixture
def snippet_set(tmp_path: Path) -> Path:
    """trafilatura's layout: evaldata.json with the pages split over eval/ and cache/ beside it."""
    write(tmp_path / "eval" / "news.html", NEWS_PAGE)
    write(tmp_path / "cache" / "english.html", ENGLISH_PAGE)
    write(tmp_path / "eval" / "binary.html", BINARY)
    annotations = {
        "https://example.de/rathaus": {"file": "news.html", "with": NEWS_WITH, "without": NEWS_WITHOUT},
        "https://example.com/town-hall": {"file": "english.html", "with": ["The mayor opened the new town hall"],
                                          "without": ["Home"]},
        "https://example.de/kaputt": {"file": "binary.html", "with": ["Ein Satz", "Noch ein Satz"], "without": ["Menü"]},
    }  # fmt: skip
    return write(tmp_path / "evaldata.json", json.dumps(annotations, ensure_ascii=False))


@pytest.fixture
def expected_set(tmp_path: Path) -> Path:
    """mozilla/readability's layout: a folder per page with source.html and expected.html."""
    write(tmp_path / "pages" / "001-news" / "source.html", NEWS_PAGE)
    write(tmp_path / "pages" / "001-news" / "expected.html", f"<div id=readability-page-1>{ARTICLE}</div>")
    write(tmp_path / "pages" / "002-english" / "source.html", ENGLISH_PAGE)
    write(tmp_path / "pages" / "002-english" / "expected.html", "<p>The mayor opened the new town hall.</p>")
    write(tmp_path / "pages" / "README.md", "not a page")
    return tmp_path / "pages"


def fake_reader(kept: dict[str, str | None]):
    """A reader that keeps the given text of each page, looked up by a word of the page (KeyError: crash)."""

    def read(page: bytes) -> str | None:
        if page == pages_module.WARM_UP_PAGE:
            return ""
        key = next(k for k in kept if k.encode() in page)
        return kept[key]

    return read


# --- scoring, by hand --------------------------------------------------------------------------------


SNIPPET_CASES = [
    # (kept text, with, without, (tp, fp, fn), furniture kept)
    ("a1 a2 b1", ["a1", "a2", "a3"], ["b1", "b2"], (2, 1, 1), ["b1"]),
    ("", ["a1"], ["b1"], (0, 0, 1), []),
    (None, ["a1", "a2"], ["b1"], (0, 0, 2), []),  # refused or crashed: every with-snippet missed
    ("Der  Bürgermeister\n hat\tgesagt", ["Der Bürgermeister hat"], [], (1, 0, 0), []),  # white space in the text
    ("Der Bürgermeister hat", ["Der\nBürgermeister   hat "], [], (1, 0, 0), []),  # ... and in the snippet
    ("Der Bürger meister hat", ["Der Bürgermeister"], [], (0, 0, 1), []),  # a space inside a word is a miss
    ("Startseite Politik Text", ["Text"], ["Startseite", "Politik"], (1, 2, 0), ["Startseite", "Politik"]),
]


@pytest.mark.parametrize(("kept", "withs", "withouts", "counts", "furniture"), SNIPPET_CASES,
                         ids=[f"case{i}" for i in range(len(SNIPPET_CASES))])
def test_snippet_scoring(kept, withs, withouts, counts, furniture) -> None:
    got, kept_furniture = score_snippets(kept, withs, withouts)
    assert (got.tp, got.fp, got.fn) == counts
    assert kept_furniture == furniture


def test_normalise_space_collapses_every_kind_of_white_space() -> None:
    assert normalise_space("  a \n\t b\u00a0c\r\n") == "a b c"


def test_token_scoring_is_a_bag_of_words() -> None:
    counts = score_tokens("a a b c", "a b b d")  # min(a) 1 + min(b) 1 kept; a, c extra; b, d missed
    assert (counts.tp, counts.fp, counts.fn) == (2, 2, 2)
    counts = score_tokens("Der Rat, der tagte.", "der Rat der tagte")  # punctuation is no token; case counts
    assert (counts.tp, counts.fp, counts.fn) == (3, 1, 1)
    assert (score_tokens(None, "a b").fn, score_tokens(None, "a b").tp) == (2, 0)


def test_counts_arithmetic() -> None:
    counts = Counts(3, 1, 2)
    assert counts.precision == 0.75 and counts.recall == 0.6
    assert counts.f1 == pytest.approx(2 * 0.75 * 0.6 / (0.75 + 0.6))
    assert (Counts().precision, Counts().recall, Counts().f1) == (0.0, 0.0, 0.0)
    assert Counts(1, 2, 3) + Counts(10, 20, 30) == Counts(11, 22, 33)


def page(tmp_path: Path, name: str, html: str, withs: list[str], withouts: list[str]) -> Page:
    return Page(name, write(tmp_path / name, html), tuple(withs), tuple(withouts))


def test_figures_are_micro_averaged_over_all_snippets(tmp_path: Path) -> None:
    pages = [page(tmp_path, "a.html", "<p>seite-a</p>", ["a1", "a2", "a3"], ["b1", "b2"]),
             page(tmp_path, "b.html", "<p>seite-b</p>", ["c1"], ["d1"])]  # fmt: skip
    reader = fake_reader({"seite-a": "a1 a2 b1", "seite-b": "c1"})
    report = evaluate_pages(pages, {"fake": reader})
    figures = report.reader("fake")
    # page a: tp 2, fp 1, fn 1; page b: tp 1. Micro: 3 / (3 + 1) and 3 / (3 + 1); a per-page mean would give
    # precision (2/3 + 1) / 2 = 0.83.
    assert (figures.counts.tp, figures.counts.fp, figures.counts.fn) == (3, 1, 1)
    assert (figures.counts.precision, figures.counts.recall, figures.counts.f1) == (0.75, 0.75, 0.75)
    assert report.pages == 2 and report.layout == "snippets"


def test_a_crash_or_refusal_is_a_miss_and_the_run_goes_on(tmp_path: Path) -> None:
    pages = [page(tmp_path, "a.html", "<p>seite-a</p>", ["a1", "a2"], ["b1"]),
             page(tmp_path, "b.html", "<p>seite-b</p>", ["c1"], ["d1"]),
             page(tmp_path, "c.html", "<p>seite-c</p>", ["e1"], []),
             page(tmp_path, "d.html", "<p>seite-d</p>", ["f1"], [])]  # fmt: skip

    def refuse(page_bytes: bytes) -> str:
        raise InputError("page", "over the limit")

    kept = {"seite-a": "a1 a2", "seite-c": None, "seite-d": "f1 d1"}  # seite-b: no entry, the reader crashes
    reader = fake_reader(kept)
    report = evaluate_pages(pages, {"fake": reader, "refuser": refuse})
    fake = report.reader("fake")
    assert [s.status for s in fake.scores] == ["ok", "crashed", "refused", "ok"]
    assert (fake.counts.tp, fake.counts.fp, fake.counts.fn) == (3, 0, 2)  # c1 and e1 missed
    assert fake.count("crashed") == 1 and fake.count("refused") == 1
    assert fake.scores[1].error.startswith("StopIteration")
    refuser = report.reader("refuser")
    assert refuser.count("refused") == 4 and refuser.scores[0].error == "over the limit"
    assert (refuser.counts.tp, refuser.counts.fp, refuser.counts.fn) == (0, 0, 5)


def test_text_kept_ratio_and_worst_pages(tmp_path: Path) -> None:
    pages = [page(tmp_path, f"{n}.html", f"<p>seite-{n}</p>", ["x"], ["menu", "footer"]) for n in "abc"]
    ours = fake_reader({"seite-a": "x menu footer", "seite-b": "x menu", "seite-c": "x" * 30})
    theirs = fake_reader({"seite-a": "x", "seite-b": "x   ", "seite-c": "x" * 10})
    report = evaluate_pages(pages, {"ours": ours, "trafilatura": theirs})
    data = report.to_dict()
    rows = {r["reader"]: r for r in data["readers"]}
    # characters after white space is normalised: 13/1, 6/1, 30/10
    # (13/1, 6/1, 30/10): median 6; 90th percentile 6 + 0.8 × (13 − 6); mean 22/3; overall 49/12
    assert rows["ours"]["text_kept_vs_trafilatura"] == {"median": 6.0, "p90": 11.6, "mean": round(22 / 3, 3),
                                                        "overall": round(49 / 12, 3), "pages": 3}
    assert rows["trafilatura"]["text_kept_vs_trafilatura"]["median"] == 1.0
    assert [w["page"] for w in rows["ours"]["worst_pages"]] == ["a.html", "b.html"]  # most furniture first
    assert rows["ours"]["worst_pages"][0]["furniture_kept"] == ["menu", "footer"]
    assert rows["trafilatura"]["worst_pages"] == []


def test_lang_and_limit_choose_the_pages(tmp_path: Path) -> None:
    pages = [page(tmp_path, "en.html", ENGLISH_PAGE, ["The mayor"], []),
             page(tmp_path, "de.html", NEWS_PAGE, ["Der Bürgermeister"], []),
             page(tmp_path, "de2.html", NEWS_PAGE, ["Der Bürgermeister"], [])]  # fmt: skip
    reader = {"fake": lambda page_bytes: ""}
    report = evaluate_pages(pages, reader, lang="de")
    assert (report.pages, report.other_language) == (2, 1)
    assert [s.page for s in report.reader("fake").scores] == ["de.html", "de2.html"]
    report = evaluate_pages(pages, reader, lang="de", limit=1)  # the limit counts pages in the language
    assert [s.page for s in report.reader("fake").scores] == ["de.html"]
    assert evaluate_pages(pages, reader, limit=2).pages == 2


LANGUAGE_CASES = [
    ('<html lang="de-DE"><body><p>The mayor said.</p></body></html>', "de"),  # the page says so
    ("<HTML LANG=en><body><p>Der Bürgermeister hat gesagt.</p></body></html>", "en"),
    ('<html xmlns="http://www.w3.org/1999/xhtml" xml:lang="fr">', "fr"),
    ('<html lang="lang="de-DE"">', "de"),  # as one page of trafilatura's set has it
    (f"<html><body><p>{'Der Rat hat die Pläne für das neue Rathaus nicht mit der Stadt abgestimmt. ' * 3}</p>", "de"),
    (f"<html><body><p>{'The council did not agree the plans for the new town hall with the city. ' * 3}</p>", "en"),
    ("<html><body><p>Hallo</p></body></html>", None),  # too little text to tell
]


@pytest.mark.parametrize(("html", "lang"), LANGUAGE_CASES, ids=[f"case{i}" for i in range(len(LANGUAGE_CASES))])
def test_page_language(html: str, lang: str | None) -> None:
    assert page_language(html.encode("utf-8")) == lang


def test_visible_text_leaves_out_what_a_reader_never_sees_and_keeps_blocks_apart() -> None:
    text = visible_text(NEWS_PAGE)
    assert "tracking" not in text and "<p>" not in text and "Neues Rathaus eröffnet\n" in text
    assert "Jahre.\n" in text and "Impressum\n\nDatenschutz" in text
    assert visible_text("<p>a &amp; b</p><p>c</p>").split() == ["a", "&", "b", "c"]
    assert visible_text("<html><head><title>T</title><body><p>Text</p>").split() == ["Text"]  # head left open


# --- our reader --------------------------------------------------------------------------------------


def test_kept_text_is_every_sentence_but_boilerplate() -> None:
    doc = load_document(NEWS_PAGE.encode("utf-8"), doc_id="news")
    kept = kept_text(doc)
    assert kept == " ".join(s.plain for s in doc.sentences if s.role != "boilerplate")
    assert NEWS_WITH[0] in kept
    assert pages_module.read_with_summarize(NEWS_PAGE.encode("utf-8")) == kept
    with pytest.raises(InputError):
        pages_module.read_with_summarize(BINARY)


# --- the test sets -----------------------------------------------------------------------------------


def test_snippet_pages_are_found_in_every_folder(snippet_set: Path) -> None:
    found, missing = snippet_pages(snippet_set)  # eval/ and cache/ beside the JSON
    assert [p.name for p in found] == ["news.html", "english.html", "binary.html"] and missing == []
    assert found[0].with_snippets == tuple(NEWS_WITH) and found[0].without_snippets == tuple(NEWS_WITHOUT)
    found, missing = snippet_pages(snippet_set, [snippet_set.parent / "eval"])  # only the folders given
    assert [p.name for p in found] == ["news.html", "binary.html"] and missing == ["english.html"]


def test_expected_pages_are_the_folders_with_both_files(expected_set: Path) -> None:
    found = expected_pages(expected_set)
    assert [p.name for p in found] == ["001-news", "002-english"]
    assert found[0].expected == expected_set / "001-news" / "expected.html"


BROKEN_SETS = {
    "missing": None,
    "not-json": "{",
    "not-a-mapping": json.dumps(["news.html"]),
    "no-file": json.dumps({"u": {"with": ["a"], "without": []}}),
    "snippets-not-a-list": json.dumps({"u": {"file": "news.html", "with": "Der Bürgermeister", "without": []}}),
}


@pytest.mark.parametrize("bad", BROKEN_SETS)
def test_a_broken_snippet_set_is_a_usage_error(tmp_path: Path, bad: str) -> None:
    path = tmp_path / "evaldata.json"
    write(tmp_path / "news.html", NEWS_PAGE)
    if BROKEN_SETS[bad] is not None:
        write(path, BROKEN_SETS[bad])
    with pytest.raises(UsageError, match="--annotations"):
        snippet_pages(path)


# --- the command ---------------------------------------------------------------------------------------


@pytest.fixture
def trafilatura():
    return pytest.importorskip("trafilatura")  # in the eval and dev extras


def run_json(args: list[str], capsys) -> dict:
    from summarize.cli import main

    with pytest.raises(SystemExit) as exc:
        main(["eval", "pages", *args, "--json"])
    assert exc.value.code in (0, None)
    return json.loads(capsys.readouterr().out)


READER_KEYS = {"reader", "precision", "recall", "f1", "tp", "fp", "fn", "text_kept_vs_trafilatura", "refused",
               "crashed", "pages_per_second", "median_ms", "worst_pages", "errors"}


def test_command_on_a_snippet_set(trafilatura, snippet_set: Path, tmp_path: Path, capsys) -> None:
    json_out = tmp_path / "out" / "pages.json"
    data = run_json(["--annotations", str(snippet_set), "--json-out", str(json_out)], capsys)
    assert data == json.loads(json_out.read_text(encoding="utf-8"))
    assert data["annotations"] == str(snippet_set) and data["layout"] == "snippets"
    assert data["pages"] == 3 and data["missing_files"] == [] and "micro" in data["averaging"]
    assert [r["reader"] for r in data["readers"]] == ["summarize", "trafilatura"]
    for row in data["readers"]:
        assert set(row) == READER_KEYS
        assert row["tp"] + row["fn"] == len(NEWS_WITH) + 1 + 2  # every with-snippet of every page
        assert 0 <= row["precision"] <= 1 and 0 <= row["recall"] <= 1 and row["median_ms"] >= 0
        assert set(row["text_kept_vs_trafilatura"]) == {"median", "p90", "mean", "overall", "pages"}
        assert {"page": "binary.html", "status": "refused"}.items() <= row["errors"][0].items()
        for worst in row["worst_pages"]:
            assert {"page", "precision", "recall", "fp", "furniture_kept", "status", "ms"} <= set(worst)

    out = io.StringIO()
    _print_pages(Console(file=out, width=80), data)  # what the command prints without --json
    for text in ("page reading", "summarize", "trafilatura", "precision", "F1", "text kept", "pages refused"):
        assert text in out.getvalue()


def test_command_with_lang_limit_and_page_folders(trafilatura, snippet_set: Path, capsys) -> None:
    data = run_json(["--annotations", str(snippet_set), "--lang", "DE"], capsys)
    assert (data["pages"], data["other_language"], data["lang"]) == (1, 2, "de")  # binary: no language
    data = run_json(["--annotations", str(snippet_set), "--limit", "1", "--pages", str(snippet_set.parent / "cache"),
                     "--pages", str(snippet_set.parent / "eval")], capsys)  # fmt: skip
    assert data["pages"] == 1 and data["readers"][0]["tp"] + data["readers"][0]["fn"] == len(NEWS_WITH)


def test_command_on_an_expected_text_set(trafilatura, expected_set: Path, capsys) -> None:
    data = run_json(["--expected-dir", str(expected_set)], capsys)
    assert data["layout"] == "tokens" and data["pages"] == 2 and data["expected_dir"] == str(expected_set)
    expected_tokens = len(re.findall(r"\w+", visible_text(ARTICLE))) + 7  # + "The mayor opened the new town hall"
    for row in data["readers"]:
        assert row["tp"] + row["fn"] == expected_tokens  # every token of both expected articles
        assert row["refused"] == row["crashed"] == 0 and row["recall"] > 0


def test_a_crashing_reader_never_stops_the_command(trafilatura, snippet_set: Path, monkeypatch, capsys) -> None:
    def crash(page: bytes) -> str:
        raise RuntimeError("reader bug")

    monkeypatch.setitem(pages_module.READERS, "summarize", crash)
    data = run_json(["--annotations", str(snippet_set)], capsys)
    ours = data["readers"][0]
    assert ours["crashed"] == 3 and (ours["tp"], ours["fp"]) == (0, 0) and ours["recall"] == 0.0
    assert ours["errors"][0]["error"] == "RuntimeError: reader bug"


@pytest.mark.parametrize(
    "args",
    [[], ["--annotations", "/no/such/evaldata.json"], ["--expected-dir", "/no/such/dir"],
     ["--annotations", "{set}", "--expected-dir", "{dir}"], ["--annotations", "{set}", "--pages", "/no/such/dir"],
     ["--expected-dir", "{dir}", "--pages", "{dir}"], ["--annotations", "{set}", "--limit", "0"],
     ["--annotations", "{set}", "--pages", "{empty}"], ["--annotations", "{set}", "--lang", "fi"]],
    ids=["no-set", "missing-annotations", "missing-expected-dir", "both-layouts", "missing-pages-dir",
         "pages-without-annotations", "bad-limit", "no-file-found", "no-page-in-language"],
)  # fmt: skip
def test_command_usage_errors_exit_2_with_one_line(trafilatura, args: list[str], snippet_set: Path,
                                                   expected_set: Path, tmp_path: Path, capsys) -> None:  # fmt: skip
    from summarize.cli import main

    (tmp_path / "empty").mkdir()
    fill = {"{set}": str(snippet_set), "{dir}": str(expected_set), "{empty}": str(tmp_path / "empty")}
    with pytest.raises(SystemExit) as exc:
        main(["eval", "pages", *[fill.get(a, a) for a in args]])
    assert exc.value.code == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("error:") and len(err.splitlines()) == 1
