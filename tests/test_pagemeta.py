"""pagemeta: what an HTML page says of itself (headline, date, authors, site, URL, description, language) goes into
`Document.meta`; the title is the article's headline, never `<title>` with the site's name."""

from __future__ import annotations

import sys

import pytest

from summarize.document import document_from_text, read_document
from summarize.pagemeta import PAGE_META_KEYS, headline, page_meta
from summarize.pipeline import load_document

NEWS_PAGE = """<!DOCTYPE html>
<html lang="de_de">
<head>
<meta charset="utf-8">
<title>Kim trifft Putin in Wladiwostok | tagesschau.de</title>
<meta property="og:title" content="Kim trifft Putin in Wladiwostok | tagesschau.de">
<meta property="og:site_name" content="tagesschau.de">
<meta property="og:url" content="https://www.tagesschau.de/ausland/kim-putin-101.html">
<meta name="description" content="Der nordkoreanische Machthaber ist in Russland eingetroffen.">
<meta name="author" content="Anna Schmidt, Jan Müller">
<meta property="article:published_time" content="2023-09-13T08:15:00+02:00">
<link rel="canonical" href="https://www.tagesschau.de/ausland/kim-putin-101.html">
</head>
<body>
<nav><a href="/">Startseite</a></nav>
<article><h1>Kim trifft Putin in Wladiwostok</h1>
<p>Der nordkoreanische Machthaber Kim Jong Un ist am Mittwoch in Russland eingetroffen. Die Gespräche dauern an.</p>
</article>
</body>
</html>
"""


def test_a_news_page_gives_every_key_and_its_headline():
    doc = load_document(NEWS_PAGE.encode("utf-8"), doc_id="kim")
    assert {k: doc.meta[k] for k in PAGE_META_KEYS} == {
        "title": "Kim trifft Putin in Wladiwostok",
        "date": "2023-09-13",
        "authors": "Anna Schmidt; Jan Müller",
        "site_name": "tagesschau.de",
        "url": "https://www.tagesschau.de/ausland/kim-putin-101.html",
        "description": "Der nordkoreanische Machthaber ist in Russland eingetroffen.",
        "declared_language": "de-DE",
    }
    assert doc.meta["language"] == "de" and doc.meta["format"] == "html" and doc.meta["extractor"]
    assert all(isinstance(v, str) for v in doc.meta.values())  # the schema's rule: every value a string
    assert doc.title == "Kim trifft Putin in Wladiwostok"
    # Metadata never touches the text: every sentence still slices it.
    assert all(doc.text[s.start : s.end] == s.text for s in doc.sentences)


@pytest.mark.parametrize(("title", "h1", "site", "host", "expected"), [
    ("Kim trifft Putin | tagesschau.de", "", "", "", "Kim trifft Putin"),  # a domain needs no site name
    ("tagesschau.de - Kim trifft Putin", "", "", "", "Kim trifft Putin"),  # the site first
    ("Ein Presse-Event | MODEPILOT.de", "", "Modepilot", "www.modepilot.de", "Ein Presse-Event"),
    ("Gendersprache » SciLogs - Wissenschaftsblogs", "", "Engelbart", "scilogs.spektrum.de", "Gendersprache"),
    ("Mystery Bag - ein Geheimnis! - Martina Berg - Lady 50plus", "", "Martina Berg - Lady 50plus", "",
     "Mystery Bag - ein Geheimnis!"),
    ("Homo Brandenburgensis | Landeszentrale für politische Bildung", "Homo Brandenburgensis", "", "",
     "Homo Brandenburgensis"),  # the h1 says where the headline ends
    ("BMJV", "Transparenz bei Preisanpassungen", "BMJV", "www.bmjv.de", "Transparenz bei Preisanpassungen"),
    ("Unser wahres Ich - brand eins online", "", "brand eins", "www.brandeins.de", "Unser wahres Ich"),
    ("Tagesschau-Sprecher geht in Rente", "", "tagesschau", "tagesschau.de", "Tagesschau-Sprecher geht in Rente"),
    ("", "Kim trifft Putin", "", "", "Kim trifft Putin"),  # no title at all
    ("Geopolitik: USA haben kaum Einfluss", "", "Zeitung", "zeitung.de", "Geopolitik: USA haben kaum Einfluss"),
    ("Baden-Württemberg - Neue Regeln ab Montag", "", "", "", "Baden-Württemberg - Neue Regeln ab Montag"),
    ("tagesschau.de", "tagesschau", "tagesschau.de", "www.tagesschau.de", ""),  # only the site: no headline
])  # fmt: skip
def test_the_headline_is_the_title_without_the_site(title, h1, site, host, expected):
    assert headline(title, h1, site, host) == expected


def test_a_title_that_is_only_the_site_gives_way_to_the_pages_title_then_its_h1():
    # bmjv.de in trafilatura's set: og:title "BMJV", the <h1> the ministry's name (its logo).
    assert headline("BMJV", "Bundesministerium der Justiz", "BMJV", "www.bmjv.de",
                    "BMJV | Transparenz bei Preisanpassungen") == "Transparenz bei Preisanpassungen"
    assert headline("BMJV", "Bundesministerium der Justiz", "BMJV", "www.bmjv.de", "BMJV") == (
        "Bundesministerium der Justiz")


def test_the_declared_language_is_a_bcp47_tag_and_a_missing_one_no_key():
    assert page_meta('<html lang="EN-us"><body><p>x</p></body></html>')["declared_language"] == "en-US"
    assert page_meta('<html xml:lang="de"><body><p>x</p></body></html>').get("declared_language") == "de"
    assert "declared_language" not in page_meta('<html lang="{{lang}}"><body><p>x</p></body></html>')


def test_only_html_gets_page_keys_and_a_plain_text_keeps_its_own():
    text = read_document(b"date 2024-01\nKim trifft Putin\n\nDer Machthaber ist eingetroffen.\n")
    assert dict(text.meta) == {"encoding": "utf-8"}
    doc = document_from_text(NEWS_PAGE, "api")  # a str holding a page: read as a page, as its bytes would be
    assert doc.meta["title"] == "Kim trifft Putin in Wladiwostok" and doc.meta["encoding"] == "str"


@pytest.mark.parametrize("page", [
    "<html><head><title>\x00</title></head><body><p>Text.</p></body></html>",
    "<!doctype html><html><head><meta property='og:title' content=''><title></title></head></html>",
    "<!doctype html><html><body>" + "<div>" * 5000 + "Tief.",
    "<!doctype html><html lang=\"\"><head><link rel=canonical href=\"javascript:alert(1)\"></head><body><p>x</p>",
])  # fmt: skip
def test_odd_pages_never_fail_for_their_metadata(page):
    meta = page_meta(page)
    assert set(meta) <= set(PAGE_META_KEYS) and all(isinstance(v, str) and v for v in meta.values())
    assert not meta.get("url", "").startswith("javascript:")


def test_without_trafilatura_a_page_is_read_with_fewer_keys(monkeypatch):
    monkeypatch.setitem(sys.modules, "trafilatura.metadata", None)  # import fails as if not installed
    assert page_meta(NEWS_PAGE) == {}
    doc = load_document(NEWS_PAGE.encode("utf-8"))
    assert doc.sentences and doc.meta["format"] == "html" and "title" not in doc.meta
    assert doc.title == "Kim trifft Putin in Wladiwostok"  # the title sentence still gives it
