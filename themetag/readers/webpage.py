"""Saved web pages (.html, .htm): the visible text, without scripts, styles and navigation."""

from __future__ import annotations

from themetag.errors import UnreadableReport
from themetag.readers.text import looks_like_text

SUFFIXES = (".html", ".htm", ".xhtml")
_HIDDEN = ["script", "style", "noscript", "template", "nav", "header", "footer", "aside", "form"]
_BLOCKS = ["p", "div", "br", "li", "tr", "h1", "h2", "h3", "h4", "h5", "h6", "section", "article"]


def read(data: bytes) -> str:
    from bs4 import BeautifulSoup  # imported on first use, like every parser

    soup = BeautifulSoup(data, "html.parser")
    for element in soup(_HIDDEN):
        element.decompose()
    for element in soup(_BLOCKS):
        element.insert_after("\n")
    lines = (line.strip() for line in soup.get_text().splitlines())
    text = "\n".join(line for line in lines if line)
    if not looks_like_text(text):
        # The parser takes any bytes for a page; binary junk would be tagged as text.
        raise UnreadableReport("binary data, not a web page")
    return text
