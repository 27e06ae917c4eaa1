"""Where a page's script and style text lies, as Python's HTML parser reads it: the oracle of the property tests
of `html_blocks` and HTML segmentation (no block or sentence may overlap these spans)."""

from __future__ import annotations

from html.parser import HTMLParser


def script_and_style_spans(text: str) -> list[tuple[int, int]]:
    """The spans of script and style content as the HTML parser itself reads them: the oracle. (`<p<script>` is
    one bogus tag named `p<script`, as in browsers, and starts no script.)"""
    line_starts = [0] + [i + 1 for i, ch in enumerate(text) if ch == "\n"]
    spans: list[tuple[int, int]] = []

    class Oracle(HTMLParser):
        inside = ""

        def handle_starttag(self, tag, attrs):
            self.inside = tag if tag in ("script", "style") else self.inside

        def handle_endtag(self, tag):
            self.inside = "" if tag == self.inside else self.inside

        def handle_data(self, data):
            if self.inside and data.strip():
                line, column = self.getpos()
                start = line_starts[line - 1] + column
                spans.append((start, start + len(data)))

    oracle = Oracle(convert_charrefs=False)  # data as written: its length is its span
    oracle.feed(text)
    oracle.close()
    return spans
