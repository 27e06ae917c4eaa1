"""Reading bytes into Documents, and the records' round trips."""

from __future__ import annotations

import tracemalloc

import pytest

from summarize.decoding import decode_bytes
from summarize.document import (
    Document,
    Result,
    Sentence,
    SourceLink,
    Summary,
    SummarySentence,
    document_from_text,
    read_document,
)
from summarize.errors import InputError
from summarize.pipeline import load_document
from summarize.settings import MAX_BYTES, MAX_CHARS


def test_seed_is_read_exactly(seed_files):
    doc = read_document(seed_files[0])
    assert doc.text == seed_files[0].read_text(encoding="utf-8")
    assert doc.id == seed_files[0].stem
    assert doc.meta["encoding"] == "utf-8" and doc.warnings == ()


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"", "empty"),
        (b"   \n\n\t ", "empty"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "binary"),
        (bytes(range(1, 32)) * 50, "binary"),
    ],
    ids=["empty", "whitespace", "png", "control-chars"],
)
def test_bad_input_is_a_clear_input_error(data: bytes, reason: str):
    with pytest.raises(InputError, match=reason):
        decode_bytes(data, name="x.txt")


def test_latin1_is_decoded_with_a_warning():
    text, encoding, warnings = decode_bytes("Die Straße führt über München.".encode("latin-1"))
    assert text == "Die Straße führt über München."
    assert encoding == "cp1252"
    assert warnings and "not valid UTF-8" in warnings[0]


def test_crlf_and_bom_are_kept_so_offsets_point_into_the_file():
    text, _, _ = decode_bytes("\ufeffTitel\r\nEin Satz.\r\n".encode())
    assert text == "\ufeffTitel\r\nEin Satz.\r\n"


def test_too_large_is_an_error_not_a_silent_cut(tmp_path):
    p = tmp_path / "big.txt"
    p.write_text("Wort " * 1000, encoding="utf-8")
    with pytest.raises(InputError, match="over the limit"):
        read_document(p, max_chars=100)


ARTICLE = "<h1>Kim trifft Putin</h1><p>Der Machthaber ist am Mittwoch in Russland eingetroffen.</p>"


def page_with_markup(markup_chars: int, article: str = ARTICLE) -> str:
    """A page whose markup (an inline script and style, as news sites ship) is `markup_chars` long."""
    script = "<script>var config = {" + "x" * (markup_chars // 2) + "};</script>"
    style = "<style>" + ".a{color:red}" * (markup_chars // 26) + "</style>"
    return f"<!doctype html><html><head>{style}</head><body>{script}<article>{article}</article></body></html>"


def test_max_chars_counts_a_pages_text_not_its_markup():
    page = page_with_markup(600_000)
    assert len(page) > MAX_CHARS  # refused before: --max-chars counted the raw page
    doc = load_document(page.encode("utf-8"), doc_id="big-markup")
    assert [s.plain for s in doc.sentences if s.role != "boilerplate"] == [
        "Kim trifft Putin", "Der Machthaber ist am Mittwoch in Russland eingetroffen."]
    long_article = page_with_markup(1_000, "<p>" + "Ein Satz. " * 100 + "</p>")
    with pytest.raises(InputError, match=r"^long: 999 readable characters \(the page's text, not its markup\) is "
                                         r"over the limit of 500"):
        read_document(long_article.encode("utf-8"), doc_id="long", max_chars=500)


def test_a_file_over_the_raw_cap_is_refused_without_reading_it(tmp_path):
    huge = tmp_path / "huge.html"
    with huge.open("wb") as f:  # 1 GB, sparse: no disk is used
        f.truncate(1 << 30)
    tracemalloc.start()
    try:
        with pytest.raises(InputError) as info:
            read_document(huge)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert info.value.name == str(huge)
    assert info.value.reason == "1,073,741,824 bytes is over the 20 MB cap on an input's raw size"
    assert MAX_BYTES == 20_000_000 and peak < 2.5 * MAX_BYTES, f"{peak:,} bytes held for a {MAX_BYTES:,} cap"


def test_bytes_and_text_over_the_raw_cap_are_refused():
    with pytest.raises(InputError, match=r"^stdin: 1,001 bytes is over the 0.001 MB cap"):
        read_document(b"x" * 1001, max_bytes=1000)
    with pytest.raises(InputError, match=r"^api: 1,001 bytes is over the 0.001 MB cap"):
        document_from_text("x" * 1001, "api", max_bytes=1000)
    assert read_document(b"x" * 1000, max_bytes=1000).text == "x" * 1000  # at the cap: read


def test_missing_file_is_an_input_error(tmp_path):
    with pytest.raises(InputError, match="cannot read"):
        read_document(tmp_path / "nope.txt")


def test_result_round_trips_through_dict():
    text = "Titel\nEin Satz. Noch einer."
    s1 = Sentence("s1", 0, 0, 0, 5, "Titel", role="title", translation="Title")
    s2 = Sentence("s2", 1, 1, 6, 15, "Ein Satz.", translation="A sentence.")
    doc = Document("d", text, "d.txt", (s1, s2), {"title": "Titel"}, ("w",))
    link = SourceLink("d", "s2", 6, 15, 0.75)
    summary = Summary(("d",), "abstractive", (SummarySentence("A sentence.", (link,), 0.75, False, ()),), model="m")
    result = Result(doc, summary, None, {"translation": "m@local"}, "sig")
    assert Result.from_dict(result.to_dict()) == result
    assert result.to_dict()["schema_version"]


def test_result_ok_still_answers_but_is_deprecated():
    doc = document_from_text("Ein Satz.")
    with pytest.warns(DeprecationWarning, match="Result.ok"):
        assert Result(doc).ok and not Result(doc, error="boom").ok


@pytest.mark.parametrize("codec", ["utf-16", "utf-16-be", "utf-32"])
def test_utf16_and_utf32_with_a_byte_order_mark_are_text_not_binary(codec: str):
    german = "Die Straße führt über München. Dort wohnt „er“."
    data = german.encode(codec) if codec != "utf-16-be" else b"\xfe\xff" + german.encode(codec)
    text, encoding, warnings = decode_bytes(data)
    assert text == german and encoding.startswith(codec[:6]) and "byte-order mark" in warnings[0]


def test_a_false_utf16_byte_order_mark_is_a_clear_error():
    with pytest.raises(InputError, match="byte-order mark"):
        decode_bytes(b"\xff\xfe" + b"\x00\xd8")  # a lone surrogate: not UTF-16


# The JSONL reader's words for a record whose text holds a lone surrogate: every path says the same.
JSONL_SURROGATE = '"text" is not valid Unicode (a lone surrogate escape such as \\ud800)'


@pytest.mark.parametrize("text", ["Satz \ud800 eins.", "\udc80", "Ende.\udfff", "Emoji als Paar: \ud83d\ude00."])
def test_a_lone_surrogate_in_text_is_an_input_error(text: str):
    with pytest.raises(InputError) as caught:
        document_from_text(text, "doc")
    assert caught.value.name == "doc" and caught.value.reason == JSONL_SURROGATE


def test_a_lone_surrogate_in_the_id_is_an_input_error_with_a_printable_name():
    with pytest.raises(InputError, match='"id" is not valid Unicode') as caught:
        document_from_text("Ein Satz.", "a\udc80b")
    assert caught.value.name == "'a\\udc80b'"
    caught.value.name.encode("utf-8")  # writable to errors.jsonl


@pytest.mark.parametrize("text", ["Der\x00 Minister sagte nichts.", "\x07\x1b[31mAlarm\x00\x00", "Ende\x7f\x85."])
def test_control_characters_in_a_str_are_text_kept_exactly(text: str):
    doc = document_from_text(text)  # a str is text: never "binary", whatever it holds
    assert doc.text == text and doc.meta["encoding"] == "str"


def test_document_from_text_refuses_what_a_file_would_be_refused_for():
    with pytest.raises(InputError, match="empty input"):
        document_from_text(" \n\t")
    with pytest.raises(InputError, match="over the limit of 10"):
        document_from_text("Ein Satz, der zu lang ist.", max_chars=10)
    with pytest.raises(TypeError, match="must be a str, not bytes"):
        document_from_text(b"Ein Satz.")  # type: ignore[arg-type]


@pytest.mark.parametrize("given", ["a-1", 42, 4.5, 0, -3])
def test_an_id_is_kept_exactly_as_given(given):
    doc = document_from_text("Ein Satz.", given)
    assert doc.id == given and type(doc.id) is type(given)
    assert Result(doc).to_dict()["document"]["id"] == given
    assert Result.from_dict(Result(doc).to_dict()).document.id == given
    assert read_document(b"Ein Satz.", doc_id=given).id == given


@pytest.mark.parametrize("given", [True, None, [1], float("nan"), float("inf")])
def test_an_id_no_json_could_carry_is_a_type_error_or_the_default(given):
    if given is None:
        assert document_from_text("Ein Satz.", given).id == "text"
        return
    with pytest.raises(TypeError, match="a document id must be a str or a finite number"):
        document_from_text("Ein Satz.", given)
