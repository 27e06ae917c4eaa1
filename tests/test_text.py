"""`text`: the helpers every stage shares."""

from __future__ import annotations

import pytest

from summarize.text import strip_controls


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("\x00Hello\x07 world\x1b[31m", "Hello world"),
        ("Zeile\tmit Tab\nund Zeilenumbruch", "Zeile\tmit Tab\nund Zeilenumbruch"),
        ("a\x1fb\x0bc\r\nd", "a b c \nd"),  # white-space controls keep words apart
        ("bad\ud800surrogate\ufffe\uffff\ufdd0", "badsurrogate"),
        ("C1\x85 and\x9b DEL\x7f", "C1  and DEL"),
        ("Grüße, „Zitat“ – 5 €", "Grüße, „Zitat“ – 5 €"),
    ],
    ids=["nul-bell-ansi", "tab-newline-kept", "space-controls", "surrogates-nonchars", "c1-del", "unicode-kept"],
)
def test_strip_controls(raw: str, clean: str):
    assert strip_controls(raw) == clean
