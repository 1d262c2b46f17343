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
_LEVELS = (
    (1, re.compile(rf"(?:{_NUMERAL}[、.\uff0e,，]|第{_NUMERAL}[部章篇]分?)")),
    (2, re.compile(rf"[(（]{_NUMERAL}[)）]|——(?!—)")),
    (3, re.compile(rf"{_DIGITS}(?:[、)）]|[.\uff0e](?![0-9\uff10-\uff19]))")),
    (4, re.compile(rf"[(（]{_DIGITS}[)）]")),
    (5, re.compile("[\u2460-\u2473\u2474-\u2487]")),
)
_ORDINAL = re.compile(rf"(?:{_NUMERAL}是|首先|其次|再次|最后)")
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
_FURNITURE = re.compile(
    r"首页|当前位置|您的位置|所在位置|>\s*\S+\s*>|›|»|上传|下载|浏览|阅读(?:全文|次数)|举报|收藏|"
    r"分享|扫一扫|二维码|关注|点击|登录|注册|版权|免责|侵权|客服|第\s*\d+\s*页|共\s*\d+\s*页|"
    r"_第\d+页|页数|文档编号|文件(?:名称|大小|格式)|格式[:：]|大小[:：]|来源[:：]|作者[:：]|"
    r"发布(?:时间|日期)|时间[:：]\s*\d|字体|打印|关闭窗口|返回顶部|http|www\.|\.com|\.cn|"
    r"VIP|积分|会员|APP|相关(?:文档|推荐|文章)|上一篇|下一篇|热门|推荐"
)
_FURNITURE_LENGTH = 120


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


def _marker_level(text: str) -> int:
    for level, pattern in _LEVELS:
        if pattern.match(text):
            return level
    return 0


def _is_furniture(text: str) -> bool:
    return len(text) <= _FURNITURE_LENGTH and _FURNITURE.search(text) is not None


def _is_heading(text: str) -> bool:
    if len(text) > HEADING_LENGTH:
        return False
    return _SENTENCE_INSIDE.search(text.rstrip("。；;！!？?:：")) is None


def _kinds(texts: Sequence[str]) -> list[tuple[Kind, int]]:
    kinds: list[tuple[Kind, int]] = []
    title_found, report_text_seen = False, 0
    for text in texts:
        text = text.strip()
        level = _marker_level(text)
        if level and _is_heading(text):
            kind = Kind.HEADING
        elif level or _ORDINAL.match(text):
            kind = Kind.ITEM
        elif _is_furniture(text):
            kind = Kind.FURNITURE
        elif (
            not title_found
            and report_text_seen < _TITLE_SEARCH
            and len(text) <= _TITLE_LENGTH
            and _TITLE_WORDS.search(text)
            and _SENTENCE_INSIDE.search(text) is None
            and not text.endswith(("。", "；", ";", "！", "？"))
        ):
            kind, title_found = Kind.TITLE, True
        else:
            kind = Kind.PARAGRAPH
        report_text_seen += kind != Kind.FURNITURE
        kinds.append((kind, level))
    return kinds


def read_structure(texts: Sequence[str]) -> list[Part]:
    """The structure of a report given its segments in reading order (one Part per segment)."""
    kinds = _kinds(texts)
    open_headings: list[int] = []  # a stack of headings, each of a deeper level than the last
    parents: list[int | None] = []
    ends = [index + 1 for index in range(len(kinds))]
    for index, (kind, level) in enumerate(kinds):
        if kind == Kind.HEADING:
            while open_headings and kinds[open_headings[-1]][1] >= level:
                ends[open_headings.pop()] = index
        parents.append(open_headings[-1] if open_headings and kind != Kind.FURNITURE else None)
        if kind == Kind.HEADING:
            open_headings.append(index)
    for heading in open_headings:
        ends[heading] = len(kinds)
    return [
        Part(
            kind, level, parent, range(index + 1, ends[index]) if kind == Kind.HEADING else range(0)
        )
        for index, ((kind, level), parent) in enumerate(zip(kinds, parents, strict=True))
    ]
