"""Paragraphs of a PDF rebuilt from where its lines stand: joined unless an indent, a short line,
larger or bold type or a gap opens a new one; running headers, footers and page numbers dropped."""

from __future__ import annotations

import re
import unicodedata
from collections import Counter, defaultdict
from dataclasses import dataclass
from itertools import pairwise

from themetag.text.segment import ends_sentence, item_marker

# Page numbers as printed: `3`, `- 3 -`, `第3页 共7页`, `共7页 第3页`, `3/7`, `Page 3 of 7`.
_PAGE_NUMBER = re.compile(
    r"[-—–－~·•\s]*(?:第?\s*\d+\s*页?(?:\s*[/／,，]?\s*共\s*\d+\s*页)?|\d+\s*[/／]\s*\d+"
    r"|共\s*\d+\s*页\s*第\s*\d+\s*页|page\s*\d+(?:\s*of\s*\d+)?)[-—–－~·•\s]*",
    re.IGNORECASE,
)
# Running headers and footers are looked for among the lines nearest the top and bottom edges.
_EDGE_LINES = 2
# A text line of a page, not a footnote or a table row, stands on at least a third of the pages.
_RUNNING_SHARE = 1 / 3
# Measured in ems of the line's type: a line a first-line indent (2 characters in Chinese
# reports) opens, a line that stops short of the right edge ends, a gap between paragraphs.
_INDENT = 0.8
_SHORT = 2.0
_SHORT_AT_SENTENCE_END = 1.5
_ROOM = 1.0  # for widths that are estimates, and ragged lines that end up to an em short
_GAP = 1.2  # times the usual distance between lines
# What a line may not be broken inside of: a run of Latin letters, figures and their marks
# (`6·26`, `3.5%`), or a character, with the punctuation that may not end a line before it and
# that may not open one after it.
_FIRST_WORD = re.compile(r"[（《“‘「『]*(?:[\x21-\x7e\xa1-\u024f]+|.)[，。、；：？！）》”’」』]*")
_SAME_LINE = 0.5  # of the type size: baselines nearer than this are one line
_SAME_SIZE = 0.1  # relative difference of type sizes still the same type


@dataclass(frozen=True)
class Run:
    """A piece of text where the PDF shows it: the start of its baseline and its type size, in
    points from the page's lower left corner, and whether its face is bold."""

    x: float
    y: float
    size: float
    text: str
    bold: bool = False


@dataclass(frozen=True)
class Line:
    """A line of a page: where it starts and (estimated) ends, its baseline, type size, and the
    share of its characters in a bold face."""

    page: int
    x0: float
    x1: float
    y: float
    size: float
    text: str
    bold: float = 0.0


def _width(text: str, size: float) -> float:
    """The printed width of a text, estimated: CJK characters one em, capitals 0.7, spaces 0.25
    and the other Latin letters, figures and marks half an em (as in Times and Arial)."""
    ems = 0.0
    for char in text:
        if char.isascii():
            ems += 0.7 if char.isupper() else 0.25 if char == " " else 0.5
        else:
            ems += 1.0 if unicodedata.east_asian_width(char) in "WFA" else 0.5
    return ems * size


def _line(runs: list[Run], page: int) -> Line:
    text, x0, cursor = "", runs[0].x, runs[0].x
    started = False
    for run in runs:
        # pypdf does not move its text position over the glyphs it shows, so a run that starts
        # behind the end of the one before (a font change mid-line) goes on where that one ended.
        start = run.x if run.x > cursor - _SAME_LINE * run.size else cursor
        if text and start - cursor > run.size and not (text[-1] + run.text[0]).isspace():
            text += " "  # the gap between the two ends of a header, or between table cells
        if not started and run.text.strip():
            x0 = start + _width(run.text[: len(run.text) - len(run.text.lstrip())], run.size)
            started = True
        text += run.text
        cursor = start + _width(run.text, run.size)
    last = runs[-1]
    x1 = cursor - _width(last.text[len(last.text.rstrip()) :], last.size)
    sizes: Counter[float] = Counter()
    for run in runs:
        sizes[run.size] += len(run.text.strip())
    bold = sum(len(run.text.strip()) for run in runs if run.bold) / max(sizes.total(), 1)
    return Line(page, x0, x1, runs[0].y, sizes.most_common(1)[0][0], text.strip(), bold)


def page_lines(runs: list[Run], page: int) -> list[Line]:
    """The lines of one page, in the order the page shows them, blank ones left out."""
    pieces = []
    for run in runs:
        # pypdf ends a run with "\n" where the next one is on a new line; a break inside a run
        # (T* and ' operators) gets the next line of the same type at the usual spacing.
        for index, text in enumerate(run.text.split("\n")):
            if text:
                pieces.append(Run(run.x, run.y - index * 1.2 * run.size, run.size, text, run.bold))
    lines: list[Line] = []
    current: list[Run] = []
    for piece in pieces:
        # pypdf 4 reports the spaces between runs at the page's origin: they stay in the line.
        if not piece.text.strip():
            if current:
                current.append(piece)
            continue
        if current and abs(piece.y - current[0].y) > _SAME_LINE * max(piece.size, 1e-6):
            lines.append(_line(current, page))
            current = []
        current.append(piece)
    if current:
        lines.append(_line(current, page))
    return [line for line in lines if line.text]


def _furniture(pages: list[list[Line]]) -> set[tuple[int, int]]:
    """(page index, line index) of running headers, footers and page numbers."""
    edges: list[tuple[int, int, Line]] = []
    for p, lines in enumerate(pages):
        by_height = sorted(range(len(lines)), key=lambda i: -lines[i].y)
        nearest = set(by_height[:_EDGE_LINES] + by_height[-_EDGE_LINES:])
        edges.extend((p, i, lines[i]) for i in sorted(nearest))
    # A running line repeats its words at the same height; only its page number changes.
    pages_showing: defaultdict[tuple[str, int], set[int]] = defaultdict(set)
    for p, _, line in edges:
        pages_showing[_running_key(line)].add(p)
    needed = max(2, len(pages) * _RUNNING_SHARE)
    return {
        (p, i)
        for p, i, line in edges
        if _PAGE_NUMBER.fullmatch(line.text) or len(pages_showing[_running_key(line)]) >= needed
    }


def _running_key(line: Line) -> tuple[str, int]:
    # Heights to 4 points: the same header stands within a point or two on every page.
    return re.sub(r"\d+", "#", "".join(line.text.split())), round(line.y / 4)


def _quantile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[int(share * (len(ordered) - 1))]


@dataclass(frozen=True)
class _Block:
    """The text block of a document: where its body lines start and end, their usual size and
    the usual distance between their baselines in ems."""

    left: float
    right: float
    size: float
    spacing: float

    def opens(self, before: Line, line: Line) -> bool:
        """Whether `line` starts a new paragraph after `before`."""
        em = line.size
        same_type = abs(line.size - before.size) <= _SAME_SIZE * max(line.size, before.size)
        # A heading is set in larger type, or wholly in bold among lines with none (a bold
        # lead-in that opens a paragraph shares its line, and the next, with plain text).
        if not same_type or {before.bold, line.bold} == {0.0, 1.0}:
            return True
        # A line stops short of the right edge at the end of a paragraph, or where the next
        # line's first word (a figure, a word of letters, a character with its closing mark)
        # would not have fitted.
        slack = self.right - before.x1
        word = _FIRST_WORD.match(line.text)
        fits = word is None or _width(word.group(), before.size) + _ROOM * before.size < slack
        if fits and (
            slack > _SHORT * before.size
            or (slack > _SHORT_AT_SENTENCE_END * before.size and ends_sentence(before.text))
        ):
            return True
        if line.page == before.page:
            rise = line.y - before.y
            if rise > _SAME_LINE * em or -rise > _GAP * self.spacing * em:
                return True  # a new column or block, or a blank gap
        # A numbered heading or item after a full stop opens a paragraph; `二是` goes on in one.
        if ends_sentence(before.text) and item_marker(line.text) not in (None, "ordinal"):
            return True
        # A heading or title in large type goes on under itself, centred or not.
        return line.x0 - self.left > _INDENT * em and not line.size > self.size * (1 + _SAME_SIZE)


def _block(lines: list[Line]) -> _Block:
    sizes: Counter[float] = Counter()
    for line in lines:
        sizes[line.size] += len(line.text)
    size = sizes.most_common(1)[0][0]
    body = [line for line in lines if line.size == size]
    spacings = [
        (before.y - line.y) / size
        for before, line in pairwise(body)
        if before.page == line.page and 0 < before.y - line.y < 3 * size
    ]
    # Edges that most body lines reach: a few wider lines (a table, a long link) do not move them.
    return _Block(
        left=_quantile([line.x0 for line in body], 0.1),
        right=_quantile([line.x1 for line in body], 0.9),
        size=size,
        spacing=_quantile(spacings, 0.5) if spacings else 1.2,
    )


def _joined(text: str, more: str) -> str:
    # Chinese runs on without a space; Latin words and figures keep one between them.
    if text[-1].isascii() and more[0].isascii() and more[0].isalnum():
        return f"{text} {more}"
    return text + more


def paragraphs(pages: list[list[Line]]) -> list[str]:
    """The text of the pages as paragraphs, running headers, footers and page numbers left out."""
    furniture = _furniture(pages)
    lines = [
        line
        for p, page in enumerate(pages)
        for i, line in enumerate(page)
        if (p, i) not in furniture
    ]
    if not lines:
        return []
    block = _block(lines)
    texts = [lines[0].text]
    for before, line in pairwise(lines):
        if block.opens(before, line):
            texts.append(line.text)
        else:
            texts[-1] = _joined(texts[-1], line.text)
    return texts
