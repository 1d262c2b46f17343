"""The structure of a report read from its segments: site furniture, title, headings with their
levels, enumerated items and paragraphs; each segment's parent heading and a heading's items.

It knows how reports are laid out, nothing about their themes."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from enum import IntEnum

from themetag.text.segment import CN_NUMERALS


class Kind(IntEnum):
    """What a segment is in its report."""

    FURNITURE = 0  # a line of the web page or file around the report, not report text
    TITLE = 1
    HEADING = 2  # a standalone heading: it announces the segments under it
    ITEM = 3  # an enumerated measure: 一是…, 1、… with a body
    PARAGRAPH = 4


# Heading levels by marker: 一、 > (一) and —— > 1. > (1) > ①; 一是 and 首先 open items only.
_NUMERAL = f"[{CN_NUMERALS}]{{1,3}}"
_DIGITS = "[0-9\uff10-\uff19]{1,2}"
# One pattern for all markers, its branches tried in order of level and named for it: one match
# a segment, not one for each level.
_MARKER = re.compile(
    rf"(?P<level1>{_NUMERAL}[、.\uff0e,，]|第{_NUMERAL}[部章篇]分?)"
    rf"|(?P<level2>[(（]{_NUMERAL}[)）]|——(?!—))"
    rf"|(?P<level3>{_DIGITS}(?:[、)）]|[.\uff0e](?![0-9\uff10-\uff19])))"
    rf"|(?P<level4>[(（]{_DIGITS}[)）])"
    "|(?P<level5>[\u2460-\u2473\u2474-\u2487])"
    rf"|(?P<item>{_NUMERAL}是|首先|其次|再次|最后)"
)
_LEVEL: dict[str | None, int] = {
    "level1": 1,
    "level2": 2,
    "level3": 3,
    "level4": 4,
    "level5": 5,
    "item": 0,
}
# A heading is short and holds at most one sentence, at its end.
HEADING_LENGTH = 40
_SENTENCE_INSIDE = re.compile("[。；;！!？?][^。；;！!？?]")
_TITLE_WORDS = re.compile(
    "总结|报告|要点|计划|规划|方案|讲话|发言|汇报|材料|述职|情况|意见|通知|盘点|纪实|综述"
)
_TITLE_LENGTH = 80
_TITLE_SEARCH = 10  # the title is among the first segments that are not furniture
# Lines of the page around a report: navigation, upload and file fields, page markers,
# download and share prompts, addresses. Layout, not themes.
_FURNITURE_TEXT = re.compile(
    r"首页|当前位置|您的位置|所在位置|>\s*\S+\s*>|›|»|上传|下载|浏览|阅读(?:全文|次数)|举报|收藏|"
    r"分享|扫一扫|二维码|关注|点击|登录|注册|版权|免责|侵权|客服|第\s*\d+\s*页|共\s*\d+\s*页|"
    r"_第\d+页|页数|文档编号|文件(?:名称|大小|格式)|格式[:：]|大小[:：]|来源[:：]|作者[:：]|"
    r"发布(?:时间|日期)|时间[:：]\s*\d|字体|打印|关闭窗口|返回顶部|http|www\.|\.com|\.cn|"
    r"VIP|积分|会员|APP|相关(?:文档|推荐|文章)|上一篇|下一篇|热门|推荐"
)
_FURNITURE_LENGTH = 120
# Kind's members read once: reading one off the class costs 60 ns in Python 3.11 (a plain name
# 5 ns), and read_structure reads several a segment.
_FURNITURE, _TITLE, _HEADING, _ITEM, _PARAGRAPH = (
    Kind.FURNITURE,
    Kind.TITLE,
    Kind.HEADING,
    Kind.ITEM,
    Kind.PARAGRAPH,
)
_NO_ITEMS = range(0)


@dataclass(frozen=True, slots=True)
class Part:
    """One segment's place in its report.

    `level` is the heading level of its marker (1 for 一、 to 5 for ①; 0 without one);
    `parent` the index of the heading it stands under; `items` the indices under a heading,
    up to the next heading of the same or a higher level."""

    kind: Kind
    level: int
    parent: int | None
    items: range


def _is_furniture(text: str) -> bool:
    return len(text) <= _FURNITURE_LENGTH and _FURNITURE_TEXT.search(text) is not None


def _is_heading(text: str) -> bool:
    if len(text) > HEADING_LENGTH:
        return False
    return _SENTENCE_INSIDE.search(text.rstrip("。；;！!？?:：")) is None


def _kinds(texts: Sequence[str]) -> list[tuple[Kind, int]]:
    kinds: list[tuple[Kind, int]] = []
    title_found, report_text_seen = False, 0
    for text in texts:
        text = text.strip()
        marker = _MARKER.match(text)
        level = _LEVEL[marker.lastgroup] if marker else 0
        if level and _is_heading(text):
            kind = _HEADING
        elif marker:
            kind = _ITEM
        elif _is_furniture(text):
            kind = _FURNITURE
        elif (
            not title_found
            and report_text_seen < _TITLE_SEARCH
            and len(text) <= _TITLE_LENGTH
            and _TITLE_WORDS.search(text)
            and _SENTENCE_INSIDE.search(text) is None
            and not text.endswith(("。", "；", ";", "！", "？"))
        ):
            kind, title_found = _TITLE, True
        else:
            kind = _PARAGRAPH
        report_text_seen += kind is not _FURNITURE
        kinds.append((kind, level))
    return kinds


def read_structure(texts: Sequence[str]) -> list[Part]:
    """The structure of a report given its segments in reading order (one Part per segment)."""
    parts: list[Part] = []
    open_headings: list[int] = []  # a stack of headings, each of a deeper level than the last
    for index, (kind, level) in enumerate(_kinds(texts)):
        if kind is _HEADING:
            while open_headings and parts[open_headings[-1]].level >= level:
                _close(parts, open_headings.pop(), index)
        parent = open_headings[-1] if open_headings and kind is not _FURNITURE else None
        parts.append(Part(kind, level, parent, _NO_ITEMS))
        if kind is _HEADING:
            open_headings.append(index)
    for heading in open_headings:
        _close(parts, heading, len(parts))
    return parts


def _close(parts: list[Part], heading: int, end: int) -> None:
    """Give a heading the segments up to `end` as its items."""
    part = parts[heading]
    parts[heading] = Part(part.kind, part.level, part.parent, range(heading + 1, end))
