"""Cut a report into segments: paragraphs, enumerated items and standalone headings."""

from __future__ import annotations

import re
from bisect import bisect_right
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from itertools import accumulate, compress, pairwise, repeat
from operator import not_
from typing import NamedTuple

import numpy as np

from themetag.sequences import ComparedAsSequence, MadeWhenRead

CN_NUMERALS = "一二三四五六七八九十"
_NUMERAL_CHAR = f"[{CN_NUMERALS}]"
_NUMERAL = f"{_NUMERAL_CHAR}{{1,3}}"
_DIGIT_CHAR = "[0-9\uff10-\uff19]"
_DIGIT = f"{_DIGIT_CHAR}{{1,2}}"
# Where an enumeration marker may start a new item: a sentence or clause has just ended.
_BOUNDARY = "\u3002\uff1b;\uff01!\uff1f?\uff1a:\u2026\u201d\u300d)\uff09"
# Every character str.isspace() calls whitespace (none lies above U+3000): the line separators
# str.splitlines breaks at (\x0b, \x0c, \u2028 …) and the em spaces of indented Word text, not only
# the common ones. str.strip(), str.isspace() and \s take exactly these.
_SPACE = "".join(c for c in map(chr, range(0x3001)) if c.isspace())
# The end of a line that closes a sentence; a 文库 page break falls anywhere else.
_SENTENCE_END = _BOUNDARY + ".>\u300b"
# Closing quotes and brackets: they close a sentence only where what they close ends one.
_CLOSERS = "\u201d\u300d)\uff09>\u300b"

# Every marker opens with one of these characters; a pattern that opens with a character class
# lets re skip straight to them, 5 times faster than trying each branch at every character
# (11 ms against 57 ms a million characters). Each branch checks the character it opens with,
# and ends in an empty group that names its kind.
_MARKER_OPENINGS = f"[{CN_NUMERALS}(（0-9\uff10-\uff19\u2460-\u2487—]"
_MARKERS = re.compile(
    rf"{_MARKER_OPENINGS}(?:"
    rf"(?<={_NUMERAL_CHAR}){_NUMERAL_CHAR}{{0,2}}[、.\uff0e](?P<heading>)"
    rf"|(?<=[(（])(?:{_NUMERAL}|{_DIGIT})[)）](?P<paren>)"
    rf"|(?<={_NUMERAL_CHAR}){_NUMERAL_CHAR}{{0,2}}是(?P<ordinal>)"
    rf"|(?<={_DIGIT_CHAR}){_DIGIT_CHAR}?(?:[、)）]|[.\uff0e](?!{_DIGIT_CHAR}))(?P<digit>)"
    r"|(?<=[\u2460-\u2473\u2474-\u2487])(?P<circled>)"
    r"|(?<=—)—(?=[^—]{2,20}[。，,])(?P<dash>)"
    ")"
)
_NOT_ORDINAL_BEFORE = set("统唯之第其同万划单专合归")
_PAGE_MARKER = re.compile(rf"[{_SPACE}]*({_DIGIT})、")
# A text is taken as hard-wrapped only with at least this many lines of the wrap width, and
# lines of fewer characters are headings or lists, whatever their number.
_MIN_WRAPPED_LINES = 3
_MIN_WRAP_WIDTH = 12
_DECIMAL_WRAP = re.compile(rf"{_DIGIT_CHAR}[.\uff0e][{_SPACE}]*{_DIGIT_CHAR}")
# A letter, digit or character: what str.isalnum() takes.
_ALNUM = re.compile(r"[^\W_]")


@dataclass(frozen=True, slots=True)
class Span:
    """A segment of a report: its text and its offsets in the original text."""

    start: int
    end: int
    text: str


class Spans(ComparedAsSequence, MadeWhenRead[Span]):
    """A report's segments held as columns (offsets as arrays, texts as one list); a Span is
    made only when one is read. It equals the list of the same Spans."""

    __slots__ = ("starts", "ends", "texts")

    def __init__(self, starts: Iterable[int], ends: Iterable[int], texts: list[str]):
        self.starts = np.fromiter(starts, dtype=np.int64, count=len(texts))
        self.ends = np.fromiter(ends, dtype=np.int64, count=len(texts))
        self.texts = texts

    @classmethod
    def of(cls, cuts: Iterable[tuple[int, int, str]]) -> Spans:
        """Spans from (start, end, text) triples."""
        # A Span object and two int objects a segment were 65 MB of a 50 MiB report's peak.
        starts, ends, texts = [], [], []
        for start, end, text in cuts:
            starts.append(start)
            ends.append(end)
            texts.append(text)
        return cls(starts, ends, texts)

    @classmethod
    def joined(cls, texts: list[str]) -> Spans:
        """Texts taken as the segments, offsets into the texts joined with newlines."""
        lengths = np.fromiter(map(len, texts), dtype=np.int64, count=len(texts))
        starts = np.cumsum(lengths + 1) - lengths - 1
        return cls(starts, starts + lengths, texts)

    def __len__(self) -> int:
        return len(self.texts)

    def _item(self, index: int) -> Span:
        return Span(int(self.starts[index]), int(self.ends[index]), self.texts[index])

    def __iter__(self) -> Iterator[Span]:
        for start, end, text in zip(
            self.starts.tolist(), self.ends.tolist(), self.texts, strict=True
        ):
            yield Span(start, end, text)

    def __repr__(self) -> str:
        return f"Spans({list(self)!r})"


def _number(marker: str) -> int:
    """The count of a digit or ordinal marker: 12 for `12、` or `１２.`, 3 for `三是`."""
    if marker[0] not in CN_NUMERALS:
        return int(marker[:-1])  # int() reads full-width digits too
    value = 0
    for char in marker[:-1]:
        digit = CN_NUMERALS.index(char) + 1
        value = value * 10 + digit if digit < 10 else max(value, 1) * 10
    return value


class _Lines(NamedTuple):
    """The non-blank lines of a text: where each starts and ends (its line break included), and
    the length of its text up to its last non-space character."""

    starts: list[int]
    ends: list[int]
    lengths: list[int]


def _lines(text: str) -> _Lines:
    """The non-blank lines of a text, measured and their texts let go: kept, they take more than
    twice the memory of the text (95 MB against 40 MB for a report of 20 million characters)."""
    every = text.splitlines(keepends=True)
    filled = list(map(not_, map(str.isspace, every)))
    bounds = list(accumulate(map(len, every), initial=0))
    return _Lines(
        list(compress(bounds, filled)),
        list(compress(bounds[1:], filled)),
        list(compress(map(len, map(str.rstrip, every)), filled)),
    )


def _page_breaks(text: str, lines: _Lines) -> dict[int, tuple[int, int]]:
    """Lines opened by a 文库 page number (`2、府常务会议…`): line index -> (end of the number,
    the number).

    Such numbers run 1, 2, 3 … at the starts of lines, and most of the lines before
    them stop in the middle of a sentence."""
    # Matched from each line's start on: its spaces end inside it, as the line is not blank.
    numbered = [
        (index, match.end(), int(match.group(1)))
        for index, match in enumerate(map(_PAGE_MARKER.match, repeat(text), lines.starts))
        if match
    ]
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
        # What stands before a line is the end of the non-blank line before it.
        cut = sum(
            1
            for index, _, _ in run[1:]
            if text[lines.starts[index - 1] + lines.lengths[index - 1] - 1] not in _SENTENCE_END
        )
        if cut * 2 >= len(run) - 1:
            breaks.update({index: (marker_end, number) for index, marker_end, number in run})
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


def _hard_wraps(text: str, lines: _Lines | None = None) -> list[tuple[int, int]]:
    """The line breaks inside paragraphs of a hard-wrapped text, as (end of a line's text, start
    of the next line): after each full-width line that does not end a sentence."""
    starts, ends, lengths = _lines(text) if lines is None else lines
    if not lengths:
        return []
    # Hard-wrapped: many lines of the wrap width (the most common length), hardly any longer,
    # and most of them stopping mid-sentence; one line a paragraph gives lengths of all sorts.
    # Told from the counts of each length first: the lines are read only where they leave it open.
    counts = Counter(lengths)
    width = counts.most_common(1)[0][0]
    if width < _MIN_WRAP_WIDTH:
        return []
    # Lines copied from a PDF reach the wrap width in print, not in characters: one character
    # short where the next one may not open a line, longer where they hold digits or letters.
    # A text cut every so many characters has its wrapped lines all of exactly that length.
    shortest, longest = width - 2, width + width // 4
    full_lines = sum(n for length, n in counts.items() if shortest <= length <= longest)
    if counts[width] * 5 >= full_lines * 4:
        shortest, longest, full_lines = width, width, counts[width]
    longer_lines = sum(n for length, n in counts.items() if length > longest)
    if full_lines < max(_MIN_WRAPPED_LINES, len(lengths) / 3) or longer_lines * 20 > len(lengths):
        return []
    full = [shortest <= length <= longest for length in lengths]
    open_ended = [
        is_full
        and not ends_sentence(text[start:end])
        and (length >= width or not _heading(text[start:end]))
        for is_full, start, end, length in zip(full, starts, ends, lengths, strict=True)
    ]
    if sum(open_ended) * 3 < full_lines * 2:
        return []
    breaks = []
    for i in range(len(starts) - 1):
        next_start = starts[i + 1]
        # A blank line, an indented line or an item marker opens a paragraph whatever the width.
        if ends[i] != next_start or text[next_start].isspace():
            continue
        end = starts[i] + lengths[i]
        # A wrap inside a number (`11.\n4分`) does not end a sentence at its full stop.
        if (
            open_ended[i]
            or (full[i] and _DECIMAL_WRAP.match(text, end - 2, next_start + 1) is not None)
        ) and item_marker(text[next_start : ends[i + 1]]) is None:
            breaks.append((end, next_start))
    return breaks


def _paragraphs(lines: _Lines, breaks: dict[int, tuple[int, int]]) -> list[int]:
    """Where paragraphs start: at every non-blank line but those a 文库 page number other than 1
    opens, which go on with the paragraph before them."""
    joined = {index for index, (_, number) in breaks.items() if number != 1}
    if not joined:
        return lines.starts
    return [start for index, start in enumerate(lines.starts) if index not in joined]


def _previous_char(text: str, position: int, floor: int) -> str:
    """The last non-space character before `position` (not before `floor`), or ""."""
    before = text[floor:position].rstrip()
    return before[-1] if before else ""


def _item_starts(text: str, paragraphs: list[int], masks: list[tuple[int, int]]) -> list[int]:
    """Offsets where an enumerated item or heading begins inside a paragraph, paragraphs given by
    their starts; a marker inside a masked range is none."""
    starts: list[int] = []
    mask_starts = [start for start, _ in masks]
    # The paragraph of the last marker: [start, limit); what lies between paragraphs is blank.
    start = limit = previous_end = 0
    next_digit, last_second = 1, -1
    # One scan of the whole text, not one a paragraph: 12 ms against 20 ms a million characters.
    for match in _MARKERS.finditer(text):
        kind, position = match.lastgroup, match.start()
        if position >= limit:
            paragraph = bisect_right(paragraphs, position)
            start = paragraphs[paragraph - 1]
            limit = paragraphs[paragraph] if paragraph < len(paragraphs) else len(text)
            # Found once per paragraph: testing the rest of it at every 一是 is quadratic on
            # run-on text.
            next_digit, last_second = 1, text.rfind("二是", start, limit)
        # Looking back to the last marker only, not to the paragraph start: run-on pages are one
        # paragraph with many markers. The last marker's last character is no space.
        floor = previous_end - 1 if previous_end > start else start
        previous_end = match.end()
        mask = bisect_right(mask_starts, position) - 1
        if mask >= 0 and position < masks[mask][1]:
            continue
        # The scan reads on past the paragraph: a dash counts only where its clause ends in it.
        if kind == "dash" and _MARKERS.match(text, position, limit) is None:
            continue
        previous = _previous_char(text, position, floor)
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


def _segments(text: str, lines: _Lines) -> Iterator[tuple[int, int, str]]:
    """The segments of a text as (start, end, text)."""
    breaks = _page_breaks(text, lines)
    paragraphs = _paragraphs(lines, breaks)
    masks = [(lines.starts[index], marker_end) for index, (marker_end, _) in sorted(breaks.items())]
    # Cut from each paragraph or item start to the next: the blank lines between paragraphs are
    # trimmed off with the spaces that end each segment.
    cuts = sorted([*paragraphs, *_item_starts(text, paragraphs, masks), len(text)])
    for start, end in pairwise(cuts):
        piece = text[start:end].rstrip()
        kept = piece.lstrip()
        # A piece without a letter, digit or character is none; most open with a character, and
        # testing the first costs half a search.
        if kept[:1].isalnum() or _ALNUM.search(kept):
            start += len(piece) - len(kept)
            yield start, start + len(kept), kept


def split_report(text: str) -> Spans:
    """Cut a whole report into segments as THEMES.md defines them, keeping offsets."""
    if not isinstance(text, str):
        raise TypeError(f"split_report needs a str, got {type(text).__name__}")
    lines = _lines(text)
    breaks = _hard_wraps(text, lines)
    if not breaks:
        return Spans.of(_segments(text, lines))
    # A hard-wrapped text is cut with its wrapped lines joined, so that a marker a wrap splits
    # (`二\n是`) is found too; the segments keep their offsets in the text as given.
    starts, ends = [0, *(b for _, b in breaks)], [*(a for a, _ in breaks), len(text)]
    pieces = list(zip(starts, ends, strict=True))
    joined_starts = list(accumulate((end - start for start, end in pieces), initial=0))
    # What to add to an offset in the joined text, by the piece it falls in.
    shifts = [
        start - joined_start for start, joined_start in zip(starts, joined_starts[:-1], strict=True)
    ]
    joined = "".join(text[start:end] for start, end in pieces)
    cuts = []
    for joined_start, joined_end, _ in _segments(joined, _lines(joined)):
        start = joined_start + shifts[bisect_right(joined_starts, joined_start) - 1]
        end = joined_end + shifts[bisect_right(joined_starts, joined_end - 1) - 1]
        cuts.append((start, end, text[start:end]))
    return Spans.of(cuts)
