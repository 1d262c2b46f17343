"""Cut a report into segments: paragraphs, enumerated items and standalone headings."""

from __future__ import annotations

import re
from bisect import bisect_right
from collections import Counter
from dataclasses import dataclass
from itertools import accumulate, pairwise

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
# Closing quotes and brackets: they close a sentence only where what they close ends one.
_CLOSERS = "\u201d\u300d)\uff09>\u300b"

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
# A text is taken as hard-wrapped only with at least this many lines of the wrap width, and
# lines of fewer characters are headings or lists, whatever their number.
_MIN_WRAPPED_LINES = 3
_MIN_WRAP_WIDTH = 12
_DECIMAL_WRAP = re.compile(rf"[0-9\uff10-\uff19][.\uff0e][{_SPACE}]*[0-9\uff10-\uff19]")


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


def ends_sentence(line: str) -> bool:
    """Whether the last non-space character of a line closes a sentence: a closing quote or
    bracket only after a full stop (`…。”`), not after a term (`“不低于”`)."""
    end = len(line.rstrip(_SPACE))
    if end and line[end - 1] in _CLOSERS:
        end -= 1
    return bool(end) and line[end - 1] in _SENTENCE_END


def item_marker(line: str) -> str | None:
    """The kind of enumeration or heading marker a line starts with (`heading` for `一、`,
    `paren` for `（二）`, `digit` for `3.`, `ordinal` for `二是` …), or None."""
    marker = _MARKERS.match(line.lstrip(_SPACE))
    return marker.lastgroup if marker else None


def _heading(line: str) -> bool:
    """A line that opens an item and holds no full stop: a heading, if not a full-width one."""
    return item_marker(line) is not None and "\u3002" not in line


def _hard_wraps(text: str) -> list[tuple[int, int]]:
    """The line breaks inside paragraphs of a hard-wrapped text, as (end of a line's text, start
    of the next line): after each full-width line that does not end a sentence."""
    lines = _lines(text)
    ends = [start + len(text[start:end].rstrip(_SPACE)) for start, end in lines]
    lengths = [end - start for (start, _), end in zip(lines, ends, strict=True)]
    if not lengths:
        return []
    width = Counter(lengths).most_common(1)[0][0]
    # Lines copied from a PDF reach the wrap width in print, not in characters: one character
    # short where the next one may not open a line, longer where they hold digits or letters.
    # A text cut every so many characters has its wrapped lines all of exactly that length.
    shortest, longest = width - 2, width + width // 4
    if lengths.count(width) * 5 >= sum(shortest <= n <= longest for n in lengths) * 4:
        shortest = longest = width
    full = [shortest <= length <= longest for length in lengths]
    open_ended = [
        full[i]
        and not ends_sentence(text[start:end])
        and (lengths[i] >= width or not _heading(text[start:end]))
        for i, (start, end) in enumerate(lines)
    ]
    # Hard-wrapped: many lines of the wrap width (the most common length), hardly any longer,
    # and most of them stopping mid-sentence; one line a paragraph gives lengths of all sorts.
    if (
        width < _MIN_WRAP_WIDTH
        or sum(full) < max(_MIN_WRAPPED_LINES, len(lines) / 3)
        or sum(length > longest for length in lengths) * 20 > len(lines)
        or sum(open_ended) * 3 < sum(full) * 2
    ):
        return []
    breaks = []
    for i, ((_, end), (next_start, next_end)) in enumerate(pairwise(lines)):
        # A wrap inside a number (`11.\n4分`) does not end a sentence at its full stop.
        in_number = full[i] and _DECIMAL_WRAP.match(text, ends[i] - 2, next_start + 1) is not None
        # A blank line, an indented line or an item marker opens a paragraph whatever the width.
        if (
            (open_ended[i] or in_number)
            and end == next_start
            and text[next_start] not in _SPACE
            and item_marker(text[next_start:next_end]) is None
        ):
            breaks.append((ends[i], next_start))
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


def _segments(text: str) -> list[Span]:
    spans = []
    for start, end, masks in _paragraphs(text):
        cuts = [start, *_item_starts(text, start, end, masks), end]
        for a, b in pairwise(cuts):
            span = _trimmed(text, a, b)
            if span:
                spans.append(span)
    return spans


def split_report(text: str) -> list[Span]:
    """Cut a whole report into segments as THEMES.md defines them, keeping offsets."""
    if not isinstance(text, str):
        raise TypeError(f"split_report needs a str, got {type(text).__name__}")
    breaks = _hard_wraps(text)
    if not breaks:
        return _segments(text)
    # A hard-wrapped text is cut with its wrapped lines joined, so that a marker a wrap splits
    # (`二\n是`) is found too; the segments keep their offsets in the text as given.
    starts, ends = [0, *(b for _, b in breaks)], [*(a for a, _ in breaks), len(text)]
    pieces = list(zip(starts, ends, strict=True))
    joined_starts = list(accumulate((end - start for start, end in pieces), initial=0))

    def given(position: int) -> int:
        piece = bisect_right(joined_starts, position) - 1
        return pieces[piece][0] + position - joined_starts[piece]

    spans = []
    for span in _segments("".join(text[start:end] for start, end in pieces)):
        start, end = given(span.start), given(span.end - 1) + 1
        spans.append(Span(start, end, text[start:end]))
    return spans
