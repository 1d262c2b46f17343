"""Saved web pages (.html, .htm): the visible text, without scripts, styles and navigation."""

from __future__ import annotations

from themetag.errors import UnreadableReport
from themetag.readers.limits import Limits, over
from themetag.readers.text import looks_like_text

SUFFIXES = (".html", ".htm", ".xhtml")
_HIDDEN = frozenset(
    ["script", "style", "noscript", "template", "nav", "header", "footer", "aside", "form"]
)
_BLOCKS = frozenset(
    ["p", "div", "br", "li", "tr", "h1", "h2", "h3", "h4", "h5", "h6", "section", "article"]
)


class _TooDeep(Exception):
    pass


class _VisibleText:
    """An lxml parser target: the text outside hidden elements, a line break at each block's
    start and end. No tree is built, so time and memory stay linear in the page."""

    def __init__(self, max_depth: int):
        self.parts: list[str] = []
        self.hidden = 0  # hidden elements open around the parser's place
        self.depth = 0
        self.max_depth = max_depth

    def start(self, tag: str, attrib: object) -> None:
        self.depth += 1
        if self.depth > self.max_depth:
            raise _TooDeep
        if tag in _HIDDEN:
            self.hidden += 1
        elif tag in _BLOCKS:
            self.parts.append("\n")

    def end(self, tag: str) -> None:
        self.depth -= 1
        if tag in _HIDDEN:
            self.hidden -= 1
        elif tag in _BLOCKS:
            self.parts.append("\n")

    def data(self, text: str) -> None:
        if not self.hidden:
            self.parts.append(text)

    def close(self) -> str:
        return "".join(self.parts)


def read(data: bytes, limits: Limits) -> str:
    # Imported on first use, like every parser. libxml2 (lxml, python-docx's parser) reads tag
    # soup in time linear in the page while its nesting is bounded; BeautifulSoup's tree took
    # minutes on deep or unclosed tags. It feeds a target, not a tree: lxml.html's tree stops
    # at 256 levels and drops the rest of the page without a word.
    from bs4 import UnicodeDammit
    from lxml import etree  # type: ignore[import-untyped]

    # The page's own encoding (BOM, <meta charset>, else detected) as BeautifulSoup found it.
    markup = UnicodeDammit(data, is_html=True).unicode_markup
    if markup is None:
        raise UnreadableReport("binary data, not a web page")
    target = _VisibleText(limits.max_html_depth)
    # huge_tree lifts libxml2's 10 MB cap on one text run; the page's size is bounded already.
    parser = etree.HTMLParser(target=target, encoding="utf-8", huge_tree=True, no_network=True)
    try:
        text = etree.fromstring(markup.encode("utf-8", "replace"), parser)
    except _TooDeep:
        raise over(
            f"the page nests more than {limits.max_html_depth} tags inside each other",
            f"{limits.max_html_depth} tags",
            "max_html_depth",
        ) from None
    lines = (line.strip() for line in text.splitlines())
    text = "\n".join(line for line in lines if line)
    if not looks_like_text(text):
        # The parser takes any bytes for a page; binary junk would be tagged as text.
        raise UnreadableReport("binary data, not a web page")
    return text
