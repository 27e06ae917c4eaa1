"""Web pages: which of `html_blocks`' blocks are the article, chosen by trafilatura and aligned onto our spans.

`html_blocks` reads a page into blocks with raw character spans; which of them are the article is decided by
trafilatura (with its jusText and readability fallbacks), the field's leading main-text extractor. Its output is
plain text without offsets, so it is mapped back onto our blocks: the page's word tokens (blocks in document
order) and the extractor's are aligned in one monotonic pass (`difflib.SequenceMatcher`, longest common runs
first), and a block is the article's when most of its tokens are matched. Text the page repeats (a headline or
lead repeated in a teaser) is matched where the article's run of text continues, not at its first occurrence.
Blocks outside the article become boilerplate: kept in the document with their offsets, never translated or
summarized. Where the extractor finds nothing or fails, the page is read as before (every block outside
`<nav>`, `<aside>` and `<footer>`), with a warning in the document.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from difflib import SequenceMatcher

from .html_blocks import HtmlBlock, read_html
from .text import plain_text

__all__ = ["Layout", "article_blocks", "extract_article", "html_layout"]

Span = tuple[int, int]

# A block is the article's when at least this share of its word tokens is matched in the extractor's text.
MIN_MATCHED = 0.5
# Our own votes, where trafilatura misses prose (it often drops a news page's lead paragraph). Measured on halves
# of trafilatura's German evaluation pages (notes/eval.md): the lead vote raised recall by about 2 points at no
# cost in precision, the gap vote by 0.6 points for 0.3 of precision (F1 up).
LEAD_BLOCKS = 8  # the lead: prose among the blocks just above the article's first (below the headline)
LEAD_MIN_CHARS = 60
GAP_MIN_CHARS = 120  # a paragraph between two of the article's blocks
MAX_LINKED = 0.2  # prose has at most this share of its characters in links
# Past this many steps of one alignment pass (`_alignment_work`) a page is matched paragraph by paragraph: the
# largest of trafilatura's 1,025 evaluation pages takes 1.5 million, a 5,000-paragraph page of one repeated
# sentence 200 million (38 s).
ALIGN_WORK = 20_000_000
_TOKEN = re.compile(r"\w+")
_HEADINGS = ("h1",)  # what a headline is


@dataclass(frozen=True, slots=True)
class Layout:
    """Where an article's text lies: its blocks (paragraphs), which is the title, meta found on the way."""

    blocks: tuple[Span, ...]
    title_block: int | None
    meta: dict[str, str]
    content_start: int  # the article's content (the footer zone is measured on it)
    content_end: int
    furniture: frozenset[int] = frozenset()  # blocks whose every sentence is boilerplate (outside the article)
    warnings: tuple[str, ...] = ()  # what the reader could not do as it should (a fallback)


def extract_article(text: str) -> str | None:
    """The page's main text as trafilatura extracts it, or None when it finds none. Comments are left out, and
    precision is favoured: our votes (`_with_our_votes`) win back the lead and paragraphs it then drops. Measured
    on trafilatura's German pages (notes/eval.md): its defaults with our votes keep more furniture (precision
    0.917), favor_recall more still; favor_precision with our votes scores best and reads faster."""
    import trafilatura

    return trafilatura.extract(text, include_comments=False, with_metadata=False, favor_precision=True)


def article_blocks(text: str, blocks: tuple[HtmlBlock, ...], article: str) -> frozenset[int]:
    """Indices of the blocks whose text the extracted `article` holds: tokens aligned in one monotonic pass
    (paragraph by paragraph on a page too repetitive for that, `ALIGN_WORK`)."""
    block_tokens = [_TOKEN.findall(plain_text(text[block.start : block.end])) for block in blocks]
    article_tokens = _TOKEN.findall(article)
    if _alignment_work(block_tokens, article_tokens) > ALIGN_WORK:
        return _blocks_by_paragraph(block_tokens, article)
    page_tokens = [token for tokens in block_tokens for token in tokens]
    owner = [i for i, tokens in enumerate(block_tokens) for _ in tokens]  # block index of each page token
    matched = [0] * len(blocks)
    for a, size in _aligned_runs(page_tokens, article_tokens):
        for k in range(a, a + size):
            matched[owner[k]] += 1
    totals = [len(tokens) for tokens in block_tokens]
    kept = {i for i, total in enumerate(totals) if total and matched[i] >= MIN_MATCHED * total}
    # A block without a word ("•", "|") goes with its neighbours: inside the article when both are.
    for i, total in enumerate(totals):
        if not total and i - 1 in kept and _next_with_words(totals, i) in kept:
            kept.add(i)
    return frozenset(kept)


def _alignment_work(block_tokens: list[list[str]], article_tokens: list[str]) -> int:
    """The steps of one longest-match pass over the whole page: each page token meets each of its copies in the
    article. Repetitive text (a hostile page: one phrase 100,000 times) makes it grow with the square of length."""
    in_article = Counter(article_tokens)
    return sum(in_article[token] for tokens in block_tokens for token in tokens)


def _blocks_by_paragraph(block_tokens: list[list[str]], article: str) -> frozenset[int]:
    """The blocks whose words are one of the extracted text's paragraphs (its lines): linear time."""
    paragraphs = {" ".join(_TOKEN.findall(line)) for line in article.splitlines()} - {""}
    return frozenset(i for i, tokens in enumerate(block_tokens) if tokens and " ".join(tokens) in paragraphs)


def _aligned_runs(page: list[str], article: list[str]) -> list[tuple[int, int]]:
    """(start in `page`, length) of each run of tokens matched with `article`, in order and never crossing.

    The longest common run anchors the alignment, and each side is aligned the same way (difflib's recursion).
    Unlike difflib, a run the page repeats before its anchor is taken at its last copy (nearest the anchor),
    after it at its first: a headline or lead that a teaser repeats higher up lands on the article's copy."""
    matcher = SequenceMatcher(None, page, article, autojunk=False)
    positions: dict[str, list[int]] = {}
    for i, token in enumerate(page):
        positions.setdefault(token, []).append(i)
    runs: list[tuple[int, int]] = []
    todo = [(0, len(page), 0, len(article), False)]
    while todo:
        alo, ahi, blo, bhi, before_anchor = todo.pop()
        a, b, size = matcher.find_longest_match(alo, ahi, blo, bhi)
        if not size:
            continue
        if before_anchor:
            a = _last_copy(page, positions, a, size, ahi)
        runs.append((a, size))
        todo.append((alo, a, blo, b, True))
        todo.append((a + size, ahi, b + size, bhi, False))
    return sorted(runs)


def _last_copy(page: list[str], positions: dict[str, list[int]], a: int, size: int, ahi: int) -> int:
    """The start of the last copy of page[a:a + size] that ends by `ahi`."""
    run = page[a : a + size]
    for start in reversed(positions[page[a]]):
        if start <= a:
            return a
        if start + size <= ahi and page[start : start + size] == run:
            return start
    return a


def _next_with_words(totals: list[int], i: int) -> int | None:
    return next((j for j in range(i + 1, len(totals)) if totals[j]), None)


def html_layout(text: str) -> Layout:
    """An HTML page: its block elements' text, the article's blocks chosen by the extractor and every other
    block boilerplate; the headline (the article's first <h1>, else the last one above it) is the title
    sentence."""
    page = read_html(text)
    blocks = tuple((b.start, b.end) for b in page.blocks)
    if not blocks:
        return _layout(blocks, None, frozenset(), (0, len(text)), "html_blocks")
    article = frozenset[int]()
    try:
        extracted = extract_article(text)
    except Exception as exc:  # noqa: BLE001 - any failure of the extractor falls back to our own rules
        extracted, reason = None, f"the article extractor (trafilatura) failed ({type(exc).__name__}: {str(exc)[:100]})"
    else:
        reason = "the article extractor (trafilatura) found no article"
    if extracted:
        article = _with_our_votes(text, page.blocks, article_blocks(text, page.blocks, extracted))
        reason = "the article extractor's (trafilatura's) text matched no block outside <nav>, <aside> and <footer>"
    if article:
        first, last = min(article), max(article)
        title_block = _headline(page.blocks, article, first)
        outside = frozenset(range(len(blocks))) - article - {title_block}
        return _layout(blocks, title_block, outside, (blocks[first][0], blocks[last][1]), "trafilatura")
    warnings = (f"{reason}: kept every block outside <nav>, <aside> and <footer>",)
    title_block = next((i for i, b in enumerate(page.blocks) if b.tag == "h1"), None)
    furniture = frozenset(i for i, b in enumerate(page.blocks) if b.furniture)
    return _layout(blocks, title_block, furniture, (blocks[0][0], blocks[-1][1]), "html_blocks", warnings)


def _with_our_votes(text: str, blocks: tuple[HtmlBlock, ...], article: frozenset[int]) -> frozenset[int]:
    """The extractor's blocks but site furniture (<nav>, <aside>, <footer>), and ours where it misses prose: the
    lead between the headline and the article's first block, and long paragraphs in the gaps inside the article.
    Empty when nothing is left."""
    article = frozenset(i for i in article if not blocks[i].furniture)
    if not article:
        return article
    first, last = min(article), max(article)
    headline = _headline(blocks, article, first)
    votes = set(article)
    if headline is None or headline < first:  # a headline in the article has no lead above it
        lead_from = max(first - LEAD_BLOCKS, 0 if headline is None else headline + 1)
        votes.update(i for i in range(lead_from, first) if _is_prose(text, blocks[i], LEAD_MIN_CHARS))
    votes.update(i for i in range(first + 1, last) if i not in article and _is_prose(text, blocks[i], GAP_MIN_CHARS))
    return frozenset(votes)


_LINK = re.compile(r"<a\b.*?</a\s*>", re.IGNORECASE | re.DOTALL)


def _is_prose(text: str, block: HtmlBlock, min_chars: int) -> bool:
    """Whether a block reads as a paragraph of the article: long enough, ends a sentence, few links."""
    if block.furniture or block.tag in ("figcaption", "caption"):  # a picture's caption is no paragraph
        return False
    raw = text[block.start : block.end]
    plain = plain_text(raw)
    if len(plain) < min_chars or not plain.rstrip("\"'“”»«)").endswith((".", "!", "?", "…")):
        return False
    linked = sum(len(plain_text(m.group(0))) for m in _LINK.finditer(raw))
    return linked <= MAX_LINKED * len(plain)


def _headline(blocks: tuple[HtmlBlock, ...], article: frozenset[int], first: int) -> int | None:
    """The article's first <h1>, else the last <h1> above its first block; None when there is neither."""
    inside = [i for i in sorted(article) if blocks[i].tag in _HEADINGS]
    if inside:
        return inside[0]
    above = [i for i in range(first) if blocks[i].tag in _HEADINGS]
    return above[-1] if above else None


def _layout(
    blocks: tuple[Span, ...],
    title_block: int | None,
    furniture: frozenset[int],
    content: Span,
    extractor: str,
    warnings: tuple[str, ...] = (),
) -> Layout:
    # The meta title is the headline `pagemeta` found; here only what chose the blocks.
    meta = {"format": "html", "extractor": extractor}
    return Layout(blocks, title_block, meta, content[0], content[1], furniture, warnings)
