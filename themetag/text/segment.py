"""Cut a report into segments: paragraphs, enumerated items and standalone headings."""

from __future__ import annotations

import re
from dataclasses import dataclass
from itertools import pairwise

CN_NUMERALS = "一二三四五六七八九十"
_NUMERAL = f"[{CN_NUMERALS}]{{1,3}}"
_DIGIT = "[0-9\uff10-\uff19]{1,2}"
# Where an enumeration marker may start a new item: a sentence or clause has just ended.
_BOUNDARY = "\u3002\uff1b;\uff01!\uff1f?\uff1a:\u2026\u201d\u300d)\uff09"
# Every character str.isspace() calls whitespace: the line separators str.splitlines breaks at
# (\x0b, \x0c, \u2028 …) and the em spaces of indented Word text, not only the common ones.
_SPACE = "".join(c for c in map(chr, range(0x3001)) if c.isspace())
# The end of a line that closes a sentence; a 文库 page break falls anywhere else.
_SENTENCE_END = _BOUNDARY + ".>\u300b"

_MARKERS = re.compile(
    rf"(?P<heading>{_NUMERAL}[、.\uff0e])"
    rf"|(?P<paren>[(（](?:{_NUMERAL}|{_DIGIT})[)）])"
    rf"|(?P<ordinal>{_NUMERAL}是)"
    rf"|(?P<digit>{_DIGIT}(?:[、)）]|[.\uff0e](?![0-9\uff10-\uff19])))"
    r"|(?P<circled>[\u2460-\u2473\u2474-\u2487])"
    r"|(?P<dash>——(?=[^—]{2,20}[。，,]))"
)
_NOT_ORDINAL_BEFORE = set("统唯之第其同万划单专合归")
_PAGE_MARKER = re.compile(rf"[{_SPACE}]*({_DIGIT})、")


@dataclass(frozen=True)
class Span:
    """A segment of a report: its text and its offsets in the original text."""

    start: int
    end: int
    text: str


def _number(token: str) -> int:
    digits = "".join(c for c in token if c.isdigit())
    if digits:
        return int("".join(str(int(c)) for c in digits))
    value = 0
    for char in token:
        if char in CN_NUMERALS:
            digit = CN_NUMERALS.index(char) + 1
            value = value * 10 + digit if digit < 10 else max(value, 1) * 10
    return value


def _lines(text: str) -> list[tuple[int, int]]:
    """Offsets of the non-blank lines of a text."""
    spans, start = [], 0
    for line in text.splitlines(keepends=True):
        end = start + len(line)
        if line.strip(_SPACE):
            spans.append((start, end))
        start = end
    return spans


def _page_breaks(text: str, lines: list[tuple[int, int]]) -> dict[int, tuple[int, int]]:
    """Lines opened by a 文库 page number (`2、府常务会议…`): line start -> (end of the
    number, the number).

    Such numbers run 1, 2, 3 … at the starts of lines, and most of the lines before
    them stop in the middle of a sentence."""
    numbered = []
    for start, end in lines:
        match = _PAGE_MARKER.match(text, start, end)
        if match:
            numbered.append((start, match.end(), int(match.group(1))))
    runs: list[list[tuple[int, int, int]]] = []
    for entry in numbered:
        if runs and entry[2] == runs[-1][-1][2] + 1:
            runs[-1].append(entry)
        elif entry[2] == 1:
            runs.append([entry])
    breaks: dict[int, tuple[int, int]] = {}
    for run in runs:
        if len(run) < 2:
            continue
        cut = sum(1 for start, _, _ in run[1:] if _previous_char(text, start) not in _SENTENCE_END)
        if cut * 2 >= len(run) - 1:
            breaks.update({start: (marker_end, number) for start, marker_end, number in run})
    return breaks


def _paragraphs(text: str) -> list[tuple[int, int, list[tuple[int, int]]]]:
    """Paragraphs as (start, end, masked ranges), joining lines split by page numbers."""
    lines = _lines(text)
    breaks = _page_breaks(text, lines)
    paragraphs: list[tuple[int, int, list[tuple[int, int]]]] = []
    for start, end in lines:
        if start in breaks:
            marker_end, number = breaks[start]
            mask = [(start, marker_end)]
            if paragraphs and number != 1:
                first, _, masks = paragraphs.pop()
                paragraphs.append((first, end, masks + mask))
            else:
                paragraphs.append((start, end, mask))
        else:
            paragraphs.append((start, end, []))
    return paragraphs


def _previous_char(text: str, position: int, floor: int = 0) -> str:
    """The last non-space character before `position` (not before `floor`), or ""."""
    # Walking back, not slicing: run-on pages are one paragraph with many markers.
    while position > floor and text[position - 1] in _SPACE:
        position -= 1
    return text[position - 1] if position > floor else ""


def _item_starts(text: str, start: int, end: int, masks: list[tuple[int, int]]) -> list[int]:
    """Offsets inside one paragraph where an enumerated item or heading begins."""
    starts: list[int] = []
    next_digit = 1
    # Found once per paragraph: testing the rest of it at every 一是 is quadratic on run-on text.
    last_second = text.rfind("二是", start, end)
    for match in _MARKERS.finditer(text, start, end):
        kind, position = match.lastgroup, match.start()
        if any(a <= position < b for a, b in masks):
            continue
        previous = _previous_char(text, position, start)
        at_boundary = previous == "" or previous in _BOUNDARY
        if kind == "ordinal":
            number = _number(match.group())
            if number == 1:
                # 一是 opens a list only where 二是 follows; 统一是 and 唯一是 open nothing.
                accepted = previous not in _NOT_ORDINAL_BEFORE and last_second >= match.end()
            else:
                accepted = at_boundary or previous in ",\uff0c"
        elif kind == "digit":
            number = _number(match.group())
            # Items glued to their heading (`…明显提高1、“双常规”…`) keep their count.
            accepted = at_boundary or (number == next_digit and previous != "第")
            if accepted:
                next_digit = number + 1
        else:
            accepted = at_boundary
            if kind == "heading" and accepted:
                next_digit = 1
        if accepted and position > start:
            starts.append(position)
    return starts


def _trimmed(text: str, start: int, end: int) -> Span | None:
    while start < end and text[start] in _SPACE:
        start += 1
    while end > start and text[end - 1] in _SPACE:
        end -= 1
    piece = text[start:end]
    if not any(c.isalnum() for c in piece):
        return None
    return Span(start, end, piece)


def split_report(text: str) -> list[Span]:
    """Cut a whole report into segments as THEMES.md defines them, keeping offsets."""
    if not isinstance(text, str):
        raise TypeError(f"split_report needs a str, got {type(text).__name__}")
    spans = []
    for start, end, masks in _paragraphs(text):
        cuts = [start, *_item_starts(text, start, end, masks), end]
        for a, b in pairwise(cuts):
            span = _trimmed(text, a, b)
            if span:
                spans.append(span)
    return spans
