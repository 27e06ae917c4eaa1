"""Inputs where users have them: folders of pages, URLs and WARC archives, run end to end (German extractive
summaries, no model): one output per article, one errors.jsonl row with a reason per bad input, nothing lost,
pages saved where their offsets point, inputs read as the run reaches them."""

from __future__ import annotations

import itertools
import json
from pathlib import Path

import pytest

from summarize import Settings
from summarize.runner import FetchLimits, InputItem, discover_inputs, read_url_list, run_batch
from summarize.runner.inputs import READABLE_SUFFIXES, name_items, survey
from tests.integration.test_cli import run_cli
from tools.web_fixtures import ALL_SCRIPT, NO_ARTICLE, article_html, record_starts

SETTINGS = Settings(translate=False, summarizer="extractive")  # no model: these tests are about inputs
# The slow route answers after 5 s; 2 s leaves a busy machine's local server time for the others.
FAST = FetchLimits(read_timeout=2, deadline=15, max_bytes=1_000_000, retries=1, backoff=0.05, max_retry_after=2)
PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(256))


def run(inputs, out: Path, **options):
    return run_batch(inputs, out, settings=SETTINGS, fetch_limits=FAST, formats=("json", "html"), **options)


def errors(out: Path) -> dict[str, str]:
    rows = [json.loads(line) for line in (out / "errors.jsonl").read_text().splitlines()]
    return {row["id"]: row["error"] for row in rows}


def documents(report) -> dict[str, dict]:
    """id → the "document" of each written JSON, checked: offsets index the text, which is the file's text."""
    docs = {}
    for o in report.outcomes:
        if o.status == "failed":
            continue
        doc = json.loads(Path(o.outputs[0]).read_text(encoding="utf-8"))["document"]
        assert doc["sentences"] and all(doc["text"][s["start"]:s["end"]] == s["de"] for s in doc["sentences"])
        assert Path(doc["path"]).read_bytes().decode("utf-8") == doc["text"], "offsets point into the saved file"
        docs[o.id] = doc
    return docs


@pytest.fixture
def pages(tmp_path) -> Path:
    folder = tmp_path / "pages-in"
    folder.mkdir()
    (folder / "a.html").write_text(article_html("Erster Bericht"), encoding="utf-8")
    (folder / "b.htm").write_text(article_html("Zweiter Bericht"), encoding="utf-8")
    (folder / "c.txt").write_text("Ein Text. Er hat zwei Sätze.", encoding="utf-8")
    (folder / "D.HTML").write_text(article_html("Groß geschrieben"), encoding="utf-8")
    (folder / "notes.md").write_text("not read")
    (folder / ".hidden.html").write_text("not read")
    return folder


def test_a_folder_gives_its_pages_texts_and_archives(pages, tmp_path, make_warc):
    make_warc(pages / "e.warc.gz", [("response", "https://example.de/e", article_html("Aus dem Archiv"))])
    assert READABLE_SUFFIXES == (".txt", ".html", ".htm", ".warc", ".warc.gz")
    assert [i.id for i in discover_inputs([pages])] == ["D", "a", "b", "c", "https://example.de/e"]
    report = run([pages], tmp_path / "out")
    assert [o.status for o in report.outcomes] == ["done"] * 5
    assert json.loads((tmp_path / "out" / "a.json").read_text())["document"]["path"] == str(pages / "a.html")


def test_urls_are_fetched_saved_and_summarized(web, tmp_path):
    urls = [web.url("/article/one"), web.url("/moved/two")]
    report = run(urls, tmp_path / "out")
    assert [o.status for o in report.outcomes] == ["done", "done"]
    docs = documents(report)
    assert docs[urls[0]]["path"] == str(tmp_path / "out" / "pages" / f"{report.outcomes[0].name}.html")
    assert docs[urls[0]]["meta"]["source_url"] == urls[0]
    assert docs[urls[1]]["meta"]["source_url"] == web.url("/article/two")  # where the redirect led
    assert report.outcomes[0].path is None  # no input file: the id is the URL


def test_a_warc_gives_its_html_records_and_says_what_it_skipped(tmp_path, make_warc):
    archive = make_warc(tmp_path / "crawl.warc.gz", [
        ("warcinfo",), ("request", "https://example.de/a"),
        ("response", "https://example.de/a", article_html("Archiv A")),
        ("response", "https://example.de/logo.png", PNG, "image/png"),
        ("response", "https://example.de/b", article_html("Archiv B")),
    ])
    report = run([archive], tmp_path / "out")
    assert [(o.id, o.status, o.path) for o in report.outcomes] == [
        ("https://example.de/a", "done", str(archive)), ("https://example.de/b", "done", str(archive))]
    assert set(documents(report)) == {"https://example.de/a", "https://example.de/b"}
    assert report.notes == [f"{archive}: 2 HTML pages read; 3 records skipped (1 image/png, 1 request, 1 warcinfo)"]


def test_the_bad_input_tour_loses_nothing(web, tmp_path, make_warc):
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "good.html").write_text(article_html("Gut"), encoding="utf-8")
    (folder / "script.html").write_text(ALL_SCRIPT, encoding="utf-8")
    (folder / "nav.html").write_text(NO_ARTICLE, encoding="utf-8")
    records = [("response", f"https://example.de/{i}", article_html(f"Seite {i}")) for i in range(3)]
    whole = make_warc(tmp_path / "cut.warc.gz", records).read_bytes()
    third = record_starts(tmp_path / "cut.warc.gz")[2]
    (folder / "cut.warc.gz").write_bytes(whole[: len(whole) - 40])  # the third record is damaged
    make_warc(folder / "images.warc", [("warcinfo",), ("response", "https://example.de/x.png", PNG, "image/png")])
    urls = [web.url(p) for p in ("/article/fine", "/pdf", "/loop-a", "/slow", "/huge", "/script", "/nav")]
    report = run([folder, *urls, "http://nothing.invalid/"], tmp_path / "out")

    assert errors(tmp_path / "out") == {
        "script": "no readable text (only markup, scripts, styles or invisible characters)",
        "nav": "no article text on the page (only navigation, header, footer or title)",
        "cut.warc.gz": f"damaged or cut short at byte {third:,}; the records before it were read",
        "images.warc": "no HTML pages in this archive: 2 records skipped (1 image/png, 1 warcinfo)",
        web.url("/pdf"): "not an HTML page (application/pdf)",
        web.url("/loop-a"): f"redirect loop: {web.url('/loop-a')} → {web.url('/loop-b')} → {web.url('/loop-a')}",
        web.url("/slow"): "timed out after 2 s reading",
        web.url("/huge"): "over the 1 MB cap",
        web.url("/script"): "no readable text (only markup, scripts, styles or invisible characters)",
        web.url("/nav"): "no article text on the page (only navigation, header, footer or title)",
        "http://nothing.invalid/": "DNS: no such host (nothing.invalid)",
    }
    done = {o.id for o in report.outcomes if o.status == "done"}
    assert done == {"good", "https://example.de/0", "https://example.de/1", web.url("/article/fine")}
    assert set(documents(report)) == done
    assert len(report.outcomes) == len(done) + 11


def test_urls_are_fetched_as_the_run_reaches_them(web, tmp_path):
    urls = [web.url(f"/article/lazy{n}") for n in range(20)]
    fetched_at_first_outcome: list[int] = []

    def first(outcome) -> None:
        if not fetched_at_first_outcome:
            fetched_at_first_outcome.append(sum(web.hits[f"/article/lazy{n}"] for n in range(20)))

    report = run(iter(urls), tmp_path / "out", on_outcome=first)  # a stream, as an API user may give
    assert [o.status for o in report.outcomes] == ["done"] * 20
    assert fetched_at_first_outcome[0] <= 9, "the first article was written before the last URL was fetched"


def test_a_url_list(tmp_path, web):
    listing = tmp_path / "urls.txt"
    listing.write_text(f"# today's pages\n\n{web.url('/article/x')}\n  {web.url('/article/y')}  \nnot a url\n")
    items = list(read_url_list(listing))
    assert [(i.id, i.url, i.error) for i in items] == [
        (web.url("/article/x"), web.url("/article/x"), None), (web.url("/article/y"), web.url("/article/y"), None),
        ("line5", None, "line 5: not an http(s) URL: not a url")]


def test_the_cli_reads_urls_lists_and_archives(tmp_path, web, make_warc, capsys):
    listing = tmp_path / "urls.txt"
    listing.write_text(f"{web.url('/article/listed')}\n{web.url('/missing')}\n")
    archive = make_warc(tmp_path / "c.warc", [("response", "https://example.de/c", article_html("C")),
                                              ("request", "https://example.de/c")])
    out = tmp_path / "out"
    code = run_cli([web.url("/article/given"), str(archive), "--urls", str(listing), "--out", str(out),
                    "--no-translate", "--summarizer", "extractive", "--format", "json"])
    assert code == 1  # one URL failed; the others are written
    err = capsys.readouterr().err
    assert f"failed {web.url('/missing')}: HTTP 404 Not Found" in err
    assert f"{archive}: 1 HTML page read; 1 record skipped (1 request)" in err
    written = sorted(p.name for p in out.glob("*.json"))
    assert len(written) == 3 and len(list((out / "pages").glob("*.html"))) == 3


def test_a_url_alone_is_something_to_read(tmp_path, capsys):
    assert run_cli(["http://nothing.invalid/x", "--out", str(tmp_path / "out"), "--no-translate",
                    "--summarizer", "extractive", "--quiet"]) == 1
    assert "DNS: no such host" in capsys.readouterr().err


def test_a_folder_of_only_html_is_not_empty(tmp_path, pages):
    (pages / "c.txt").unlink()
    found = survey([pages])
    assert found.total == 3 and sorted(Path(f).name for f in found.files) == ["D.HTML", "a.html", "b.htm"]


def test_an_input_read_later_is_never_overwritten_by_an_earlier_report(tmp_path):
    # b.htm comes first (sorted) and is named "b": its report b.html would replace the input b.html, read later.
    (tmp_path / "b.htm").write_text(article_html("Kurz"), encoding="utf-8")
    (tmp_path / "b.html").write_text(article_html("Lang"), encoding="utf-8")
    before = (tmp_path / "b.html").read_bytes()
    report = run([tmp_path], tmp_path)
    assert [o.status for o in report.outcomes] == ["failed", "done"]
    assert "is an input file" in report.outcomes[0].error
    assert (tmp_path / "b.html").read_bytes() == before


def test_names_stay_unique_over_a_stream_without_holding_it():
    endless = (InputItem(id="x") for _ in itertools.count())
    assert [i.name for i in itertools.islice(name_items(endless), 3)] == ["x", "x-2", "x-3"]


def news_page(title: str, site: str, url: str) -> str:
    """An article page that says what it is: og:title with the site's name, a site name, a canonical URL."""
    head = (f'<meta property="og:title" content="{title} | {site}"><meta property="og:site_name" content="{site}">'
            f'<meta name="author" content="Anna Schmidt"><link rel="canonical" href="{url}">')
    return article_html(title).replace("<title>", head + "<title>", 1)


def test_one_output_per_article_from_a_folder_a_url_and_an_archive(web, tmp_path, make_warc):
    """The issue's target: a folder of .html pages, a URL and a WARC archive (HTML records plus an image record)
    each give one output per article, with the page's metadata in the JSON and the index."""
    folder = tmp_path / "saved"
    folder.mkdir()
    (folder / "kim.html").write_text(news_page("Kim trifft Putin", "tagesschau.de", "https://www.tagesschau.de/k"),
                                     encoding="utf-8")
    (folder / "wahl.htm").write_text(article_html("Wahl in Bayern"), encoding="utf-8")
    archive = make_warc(tmp_path / "crawl.warc.gz", [
        ("warcinfo",), ("request", "https://example.de/a"),
        ("response", "https://example.de/a", news_page("Archiv A", "Beispiel-Zeitung", "https://example.de/a")),
        ("response", "https://example.de/logo.png", PNG, "image/png"),
        ("response", "https://example.de/b", article_html("Archiv B")),
    ])
    url = web.url("/article/netz")
    out = tmp_path / "out"
    report = run([folder, url, archive], out)

    articles = ["kim", "wahl", url, "https://example.de/a", "https://example.de/b"]
    assert [(o.id, o.status) for o in report.outcomes] == [(a, "done") for a in articles]
    assert not (out / "errors.jsonl").exists() or not (out / "errors.jsonl").read_text().strip()
    names = [o.name for o in report.outcomes]
    assert len(set(names)) == len(articles)
    assert sorted(p.stem for p in out.glob("*.json")) == sorted(names)  # one JSON per article, none for the image
    assert sorted(p.stem for p in out.glob("*.html") if p.name != "index.html") == sorted(names)
    assert len(list((out / "pages").glob("*.html"))) == 3  # the URL's page and the archive's two, saved
    docs = documents(report)
    assert docs["kim"]["meta"]["title"] == "Kim trifft Putin" and docs["kim"]["meta"]["site_name"] == "tagesschau.de"
    assert docs["https://example.de/a"]["meta"]["url"] == "https://example.de/a"
    assert docs[url]["meta"]["source_url"] == url and docs[url]["meta"]["title"] == "Bericht netz"
    index = (out / "index.html").read_text(encoding="utf-8")
    assert index.count("<tr>") == 1 + len(articles)  # the heading row and one per article
    assert '<a href="https://www.tagesschau.de/k" rel="noopener noreferrer">tagesschau.de</a>' in index
    assert f'<a href="{url}" rel="noopener noreferrer">' in index  # a fetched page links where it came from


def test_size_limits_count_the_article_and_a_raw_input_over_the_cap_fails_alone(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    script = "<script>var daten = '" + "x" * 600_000 + "';</script>"
    (folder / "markup.html").write_text(article_html("Viel Markup").replace("</body>", script + "</body>"),
                                        encoding="utf-8")
    with (folder / "huge.html").open("wb") as f:
        f.truncate(1 << 30)  # 1 GB (sparse): over the raw cap
    (folder / "long.txt").write_text("Ein Satz. " * 60_000, encoding="utf-8")  # 600,000 characters of text
    report = run([folder], tmp_path / "out")
    assert errors(tmp_path / "out") == {
        "huge": "1,073,741,824 bytes is over the 20 MB cap on an input's raw size",
        "long": "600,000 characters is over the limit of 500,000 (--max-chars / Settings.max_chars)",
    }
    assert [(o.id, o.status) for o in report.outcomes if o.status != "failed"] == [("markup", "done")]
    assert set(documents(report)) == {"markup"}
