"""WARC archives: HTML responses become pages (decoded bodies, declared charsets), everything else is skipped and
counted, damage is found wherever the archive is cut, and a 10,000-record archive streams in flat memory."""

from __future__ import annotations

import gzip
import io
import os
import subprocess
import sys
from pathlib import Path

import pytest

from summarize.errors import InputError
from summarize.runner import warc
from summarize.runner.inputs import discover_inputs
from summarize.runner.warc import WarcArchive
from tools.web_fixtures import article_html, record_starts, write_many_warc

ROOT = Path(__file__).resolve().parents[2]

PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4


def mixed_records(n: int = 3) -> list[tuple]:
    return [("warcinfo",), *[r for i in range(n) for r in (
        ("request", f"https://example.de/{i}"),
        ("response", f"https://example.de/{i}", article_html(f"Seite {i}")),
        ("response", f"https://example.de/{i}.png", PNG, "image/png"),
    )], ("response", "https://example.de/alt", "", "text/html", "301 Moved Permanently"),
        ("metadata", "https://example.de/0"), ("revisit", "https://example.de/1")]


def read(path) -> tuple[list, WarcArchive]:
    archive = WarcArchive(path)
    return list(archive), archive


@pytest.mark.parametrize("name", ["crawl.warc.gz", "crawl.warc"])
def test_html_responses_are_pages_and_the_rest_is_counted(tmp_path, make_warc, name):
    pages, archive = read(make_warc(tmp_path / name, mixed_records()))
    assert [uri for uri, _ in pages] == [f"https://example.de/{i}" for i in range(3)]
    assert all(page.body == article_html(f"Seite {i}").encode() and page.charset == "utf-8"
               for i, (_, page) in enumerate(pages))
    assert archive.pages == 3
    assert archive.skipped_summary() == ("10 records skipped (3 image/png, 3 request, 1 HTTP 301, 1 metadata, "
                                         "1 revisit, 1 warcinfo)")


def test_chunked_and_gzipped_bodies_are_decoded(tmp_path, make_warc):
    html = article_html("Gepackt").encode("latin-1", "replace")
    packed = gzip.compress(html)
    chunked = b"".join(b"%x\r\n%s\r\n" % (len(part), part) for part in (packed[:50], packed[50:])) + b"0\r\n\r\n"
    head = (b"HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=ISO-8859-1\r\nTransfer-Encoding: chunked\r\n"
            b"Content-Encoding: gzip")
    [(_, page)], _ = read(make_warc(tmp_path / "a.warc.gz", [("raw-response", "https://example.de/g", head, chunked)]))
    assert page.body == html and page.charset == "iso-8859-1"


def test_a_record_over_the_cap_fails_alone(tmp_path, make_warc):
    path = make_warc(tmp_path / "a.warc.gz", [("response", "https://example.de/big", "<p>" + "x" * 5000),
                                              ("response", "https://example.de/ok", article_html("Gut"))])
    entries = list(WarcArchive(path, max_bytes=1000))
    assert entries[0] == ("https://example.de/big", "over the 0.001 MB cap")
    assert entries[1][0] == "https://example.de/ok" and entries[1][1].body.startswith(b"<!doctype")


@pytest.mark.parametrize("name", ["crawl.warc.gz", "crawl.warc"])
def test_a_cut_anywhere_gives_the_records_before_it_and_the_byte_of_the_damage(tmp_path, make_warc, name):
    records = [("response", f"https://example.de/{i}", article_html(f"Seite {i}")) for i in range(4)]
    whole = make_warc(tmp_path / name, records).read_bytes()
    starts = record_starts(tmp_path / name)
    third = starts[2]
    cut = tmp_path / f"cut-{name}"
    # Cuts in the third record: in its WARC header, its HTTP header, its body, and (gzip) its last bytes.
    # (In a plain archive the last 3 bytes are blank lines between records: cutting them loses nothing.)
    ends = (third + 20, third + 150, third + (starts[3] - third) // 2, *([starts[3] - 3] * name.endswith(".gz")))
    for end in ends:
        cut.write_bytes(whole[:end])
        got = []
        with pytest.raises(InputError) as info:
            for uri, _ in WarcArchive(cut):
                got.append(uri)
        assert got == ["https://example.de/0", "https://example.de/1"], end
        assert info.value.reason == (f"damaged or cut short at byte {third:,}; the records before it were read")


def test_a_whole_archive_is_no_damage_and_trailing_garbage_is(tmp_path, make_warc):
    path = make_warc(tmp_path / "a.warc.gz", [("response", "https://example.de/0", article_html("A"))])
    assert len(read(path)[0]) == 1
    size = path.stat().st_size
    path.write_bytes(path.read_bytes() + gzip.compress(b"not a record at all\r\n"))
    with pytest.raises(InputError, match=f"at byte {size:,}"):
        read(path)


def test_a_file_that_is_no_archive(tmp_path):
    path = tmp_path / "x.warc"
    path.write_text("<html>just a page</html>")
    with pytest.raises(InputError, match=r"not a WARC archive \("):
        read(path)


def test_an_archive_as_items(tmp_path, make_warc):
    path = make_warc(tmp_path / "a.warc.gz", mixed_records(2))
    notes: list[str] = []
    items = list(discover_inputs([path], on_note=notes.append))
    assert [i.id for i in items] == ["https://example.de/0", "https://example.de/1"]
    assert all(i.path == str(path) and i.page is not None for i in items)
    assert notes == [(f"{path}: 2 HTML pages read; 8 records skipped (2 image/png, 2 request, 1 HTTP 301, "
                      "1 metadata, 1 revisit, 1 warcinfo)")]


def test_an_archive_without_html_is_one_failing_item(tmp_path, make_warc):
    path = make_warc(tmp_path / "images.warc.gz", [("warcinfo",), ("response", "https://example.de/a.png", PNG,
                                                                    "image/png")])
    [item] = discover_inputs([path])
    assert (item.id, item.path) == ("images.warc.gz", str(path))
    assert item.error == "no HTML pages in this archive: 2 records skipped (1 image/png, 1 warcinfo)"


MEASURE = """
import resource, sys
from summarize.runner.inputs import discover_inputs
items = discover_inputs([sys.argv[1]])
first = [item.id for _, item in zip(range(100), items)]
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
rest = list(items) if sys.argv[2:] == ["keep"] else items  # "keep": what holding every record would cost
count = len(first) + sum(1 for _ in rest)
print(first[0], count, before, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
"""


def peak_growth(path, *args: str) -> tuple[str, int, int]:
    """(first id, items, growth of the peak resident memory in kB from the 100th record to the end), measured in
    a fresh interpreter: this one's peak was set by earlier tests."""
    out = subprocess.run([sys.executable, "-c", MEASURE, str(path), *args], capture_output=True, text=True,
                         check=True, env={**os.environ, "PYTHONPATH": str(ROOT)}).stdout.split()
    return out[0], int(out[1]), int(out[3]) - int(out[2])


def test_a_10000_record_archive_streams_in_flat_memory(tmp_path):
    page = article_html("Seite") + "<!-- " + "x" * 5000 + " -->"  # 5.4 kB a record: 54 MB of pages in all
    path = write_many_warc(tmp_path / "big.warc.gz", 10_000, page)
    first, count, growth = peak_growth(path)
    assert first == "https://example.de/000000" and count == 10_000
    assert growth < 10_000, f"the peak grew by {growth:,} kB over 9,900 records: they are not streamed"


def test_discovery_is_lazy(tmp_path, make_warc, monkeypatch):
    path = make_warc(tmp_path / "a.warc", [("response", f"https://example.de/{i}", article_html("S")) for i in
                                           range(200)])
    opened: list[io.BufferedReader] = []
    real_open = open

    def spy(file, *args, **kwargs):
        f = real_open(file, *args, **kwargs)
        opened.append(f)
        return f

    monkeypatch.setattr(warc, "open", spy, raising=False)  # the module's `open`, not the builtin
    items = discover_inputs([path])
    assert not opened, "nothing is read before the first item is asked for"
    next(items)
    assert opened[0].tell() < path.stat().st_size // 4, "one record read, not the archive"
