"""A report's metadata read from its text and file name: title, year, issuer, level and kind.

It knows how reports name and sign themselves, nothing about their themes."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import NamedTuple

from themetag.text.normalize import JOIN, half_width, to_simplified
from themetag.text.segment import split_report
from themetag.text.structure import Kind, read_structure

# What `kind` may be, with what each covers; "" when the report names no kind.
KINDS = {
    "年度总结": "a whole year's work: 2021年工作总结, 年度工作总结, 工作成效盘点, 教育局工作总结",
    "上半年总结": "the first half of a year: 上半年工作总结, 半年工作总结, 1—6月工作总结",
    "工作总结": "any other summary: of one topic (安全工作总结) or another period (季度, 十三五)",
    "自查报告": "a self-inspection or self-evaluation: 自查报告, 自评报告",
    "督导评估报告": "a report by inspectors: 督导评估报告, 督导报告, 评估报告, 评价报告",
    "述职报告": "an official's account of a year: 述职报告, 述职述廉报告, 述责述廉",
    "汇报": "a briefing for visitors or superiors: 情况汇报, 汇报材料, 关于…情况的报告",
    "工作要点": "the year's main tasks: 工作要点",
    "工作计划": "a plan: 工作计划, 行动计划, 规划, 工作打算, 工作安排, 工作思路",
    "工作方案": "a programme for one task: 实施方案, 工作方案, 实施意见, 工作意见",
    "讲话": "a speech: 在…会议上的讲话, 发言, 致辞",
}
# The level of an issuer, from its last place word (某市某区 is a 区) or its kind of body.
LEVELS = ("省", "市", "县", "区", "乡镇", "学校")
_LEVEL_OF_PLACE = {
    "省": "省",
    "自治区": "省",
    "市": "市",
    "州": "市",
    "自治州": "市",
    "盟": "市",
    "地区": "市",
    "县": "县",
    "自治县": "县",
    "旗": "县",
    "自治旗": "县",
    "区": "区",
    "新区": "区",
    "开发区": "区",
    "镇": "乡镇",
    "乡": "乡镇",
    "街道": "乡镇",
    "办事处": "乡镇",
}


@dataclass(frozen=True, slots=True)
class ReportMeta:
    """What a report says about itself; "" or None for what it does not say."""

    title: str = ""
    year: int | None = None
    issuer: str = ""
    level: str = ""
    kind: str = ""


# Matching runs on simplified text with ASCII digits and letters; both keep every offset, so a
# match's offsets cut the text as written.
_MASK_CHARS = "xX×*○〇"
_NAME = f"[\u3400-\u9fff{_MASK_CHARS}]"
_PLACE = "自治区|自治州|自治县|自治旗|开发区|新区|地区|街道|办事处|" + "|".join(
    "省市州盟县旗区镇乡"
)
_PLACES = re.compile(_PLACE)
_SCHOOL = (
    r"中心(?:学校|校|小学|幼儿园)|职业教育中心|职教中心|(?:九年|十二年)一贯制学校"
    r"|学校|(?<!中)小学|(?<![小初高])中学|幼儿园"
)
_SUBJECTS = "科学技术|科技|科学|科|文化|文|体育|体|卫生|卫|旅游"
_BUREAU = (
    rf"教育厅|教育委员会|教委|教育(?:[和与、]?(?:{_SUBJECTS}))*局|教(?:[和与、]?(?:{_SUBJECTS}))+局"
    r"|文教(?:体)?局|教育(?:管理)?(?:办公室|办|中心|站)|教管(?:中心|站|办)|教师发展中心"
    r"|教育(?:科学)?研究(?:中心|室|所|院)|教研(?:室|中心)"
    r"|(?:人民)?政府(?:教育督导(?:委员会办公室|委员会|办公室|室))?"
    r"|教育督导(?:委员会办公室|委员会|办公室|室)"
)
_BODY = re.compile(f"(?P<school>{_SCHOOL})|(?P<bureau>{_BUREAU})")
# After these words a body is what the report speaks of (迎接省政府督导, 在市教育局指导下).
_OBJECT_WORDS = "在|对|迎接|接受|配合|陪同|根据|按照|依据|走进|访问|观摩|由|赴|经(?![开济])"
_OBJECT_BEFORE = re.compile(f"(?:{_OBJECT_WORDS})$")
_NAME_RUN = re.compile(f"{_NAME}*$")
# A name runs back from its body to the last of these: a year, a 关于, a 的, a verb.
_NAME_START = re.compile(f".*(?:年度|年|关于|的|暨|了|{_OBJECT_WORDS})|^{_NAME}*?(?=中共)中共")
_NOT_A_NAME = re.compile(
    "^[全各我本该所每]|义务|农村|城乡|公办|民办|中小|普通|优质|薄弱|寄宿|乡村|所属"
)
_NOT_A_PLACE = re.compile(f"[全各我本该所每]|{_OBJECT_WORDS}")
# A school signs with its name alone, which need not name a place: 青石中心学校.
_SCHOOL_SIGNATURE = re.compile(f"^(?:中共)?(?P<school>{_NAME}{{2,12}}?(?:{_SCHOOL}))[。.]?$")
_SCHOOL_NAME_TAIL = 8  # 实验, 第一, 城关第二 …; a bureau has nothing after its place
_BUREAU_NAME_TAIL = 2
_MAX_NAME = 20
_YEAR_DIGITS = r"(?:19|20)\d\d"
_YEAR_CN = "[一二][〇○零O一二三四五六七八九]{3}"
_YEAR = f"(?:{_YEAR_DIGITS}|{_YEAR_CN})"
# A place named as the subject at the start of a title: 龙渊县创建…情况汇报.
_BARE_PLACE = re.compile(
    f"^(?:关于)?(?:{_YEAR}年度?)?(?:关于)?(?P<place>{_NAME}{{1,8}}?(?:{_PLACE}))"
    f"(?![长委级城直属内域]|{_PLACE})"
)
# 我县, 全区: the issuer's level when it is not named. 全省 only in a title: a county's report
# speaks of 全省 in its text.
_OWN_PLACE_IN_TITLE = re.compile("[我全本](省|县|区|市|旗|镇|乡|校)")
_OWN_PLACE_IN_TEXT = re.compile("[我全本](县|区|市|旗|镇|乡|校)")
_OWN_LEVEL = {**_LEVEL_OF_PLACE, "校": "学校"}

_YEAR_RANGE = re.compile(rf"{_YEAR}\s*年?度?\s*[-—–~～至到]+\s*{_YEAR}")
_YEAR_WITH_NIAN = re.compile(f"(?<!\\d)({_YEAR})\\s*年")
_BARE_YEAR = re.compile(rf"(?<![\d.\-/])({_YEAR_DIGITS})(?![\d年月日.\-/])")
_CN_DIGITS = str.maketrans("〇○零O一二三四五六七八九", "0000123456789")
_MONTH = r"1[0-2]|0?[1-9]|十[一二]?|[一二三四五六七八九]"
_DAY = r"[0-3]?\d|[二三]?十[一二三四五六七八九]?|[一二三四五六七八九]"
_DATE = (
    rf"(?P<year>{_YEAR})\s*年\s*(?P<month>{_MONTH})\s*月(?:\s*(?:{_DAY})\s*日)?"
    rf"|(?P<dyear>{_YEAR_DIGITS})\s*[.\-/]\s*(?P<dmonth>1[0-2]|0?[1-9])(?:\s*[.\-/]\s*[0-3]?\d)?"
)
# A line that is only a date, or a signature and its date: the end or the head of a report. The
# date is searched for, and the signer is what stands before it and its brackets: a pattern with
# the signer in it tried each offset of the line, and each way to split a run of spaces (O(n²)).
_DATE_AT_END = re.compile(rf"(?:{_DATE})[\s)）】\]]*$")
_WHITESPACE = "".join(c for c in map(chr, range(0x3001)) if c.isspace())  # what \s matches
_AFTER_DATE = _WHITESPACE + ")）】]"
_BEFORE_DATE = _WHITESPACE + "(（【["
_CN_MONTHS = {"十": 10, "十一": 11, "十二": 12}
# A report that opens on its year is about that year: 2022年，县教育局…; 2021年是…; not on
# the year a story begins (2015年我县被确定为试点县以来).
_OPENING_YEAR = re.compile(
    f"^(?:回顾|过去的|刚刚过去的)?({_YEAR})年度?(?:上半年|以来)?(?:[，,]|是)"
)
# What stands before the issuer a first paragraph or a line under the title opens with.
_BEFORE_OPENING_ISSUER = re.compile(
    f"^[(（]?(?:{_YEAR}年度?(?:上半年|以来)?|\\d{{1,2}}月\\d{{1,2}}日|今年以来|(?:今年)?[上下]半年"
    "|一年来|半年来|近年来|过去的一年)?"
    "[，,、\\s]*"
)
_OPENING_LINES = 3  # the short lines under a title: an issuer, a date, a first paragraph
_CLOSING_LINES = 12  # a signature and its date, before the page's footer
_SIGNATURE_LINES = 2  # between a signature and its date: a seal (盖章), an empty mark
_SIGNATURE_EXTRA = 5  # 中共…党组, …委员会 around the issuer on a signature line
# Names and bodies are written in these: a line with more other characters than a signature has
# around its issuer is not searched for one (most lines a report ends with are sentences).
_ISSUER_CHARS = f"\u3400-\u9fff{_MASK_CHARS}、\n"
_NOT_A_SIGNATURE = re.compile(f"(?:[{_ISSUER_CHARS}]*[^{_ISSUER_CHARS}]){{{_SIGNATURE_EXTRA + 1}}}")
_HEAD_SEGMENTS = 60  # a title stands among the first segments, after the page's header

# Kinds by the words that name them, the first match wins: 述职述廉大会上的发言 is a 述职报告,
# 计划实施情况自查报告 a 自查报告, 营养改善计划工作总结 a summary.
_KIND_WORDS = (
    ("述职报告", re.compile("述职|述廉|述责")),
    ("自查报告", re.compile("自查|自评")),
    ("督导评估报告", re.compile("督导(?:评估|检查)?报告|评估报告|评价报告|督导意见书")),
    ("讲话", re.compile("讲话|发言|致辞|主持词")),
    ("汇报", re.compile("汇报")),
    ("工作要点", re.compile("要点")),
    ("总结", re.compile("总结|盘点|综述|回眸|回顾|亮点|这一年|成绩单")),
    ("报告", re.compile("的报告|(?:工作|情况)报告")),
    ("工作方案", re.compile("方案|(?:实施|指导|工作)意见|实施办法|实施细则")),
    ("工作计划", re.compile("计划|规划|打算|安排|思路|设想")),
)
# A summary is of a whole year or half year when nothing but generic words stand between its
# period and 总结: 2021年工作总结, 2021年工作成效盘点, 2019年度工作情况的总结, 工作年度总结.
_GENERIC_WORDS = "全面|主要|重点|各项|教育|系统|工作|开展|情况|成效|年度|总体|的"
_GENERIC = f"(?:全[县区市旗镇乡局校]|我[县区市局校]|{_GENERIC_WORDS})*"
_SUMMARY = "(?:总结|盘点|综述|回眸|回顾|报告|[及和暨与])"
_HALF = "(?:上半年|(?<![下前后])半年来?|1\\s*[-—–~至到]\\s*6\\s*月|一至六月)"
_HALF_YEAR = re.compile(f"{_HALF}{_GENERIC}{_SUMMARY}")
_WHOLE_YEAR = re.compile(
    f"(?:{_YEAR}\\s*年度?|年度|全年|年终|一年来?){_GENERIC}{_SUMMARY}|^{_GENERIC}{_SUMMARY}"
)
_PARENTHESES = re.compile(r"[(（][^()（）]*[)）]")
_LEADING_ABOUT = re.compile("^关于")
# The report naming itself in its first paragraph: 现将全年工作总结如下.
_OWN_NAME = re.compile("现将(.{0,40}?)(?:如下|汇报如下)")
_OWN_NAME_KINDS = re.compile("总结|自查|述职|汇报")

# What sites glue to a title: a file suffix, a page number, a price tag, the site's name, a count
# of versions; a column label or a field's name before it, other fields after it. The spaces
# before a piece are left to the \s* before each (_DECORATION_AFTER): a date's own \s* had a
# failed match try each split of a run of spaces anew (O(n²) in the run's length).
_GLUED_AFTER = "|".join(
    (
        r"\.(?:docx?|wps|pdf|txt|rtf)|_第\d+页|_\d{1,2}|_图文|_?百度文库|_最新版|\s[-_|｜]",
        r"(?:word|pdf)?(?:文档)?(?:免费)?下载(?:推荐)?|vip(?:免费|专享)?|[¥￥]\s*[\d.]+",
        r"[(（]\d{4}-\d\d?-\d\d?[\s\d:]*[)）]?|\s[-_|｜]\s*\w{2,8}(?:文库|文档|网|巴巴)",
        r"[(（](?:通用|精选|优选|最新|热门)?\d+篇[)）]|(?:精选|通用)?[\d一二三四五六七八九十]+篇",
        r"[(（](?:\d+[字页]?|共\d+页|完整版|精选|最新版|范文|推荐|优秀)[)）]",
        r"[(（]实用\d+篇[)）]|[-_]?(?:优秀|精选|最新)?范文(?:范例)?",
    )
)
_FIELDS = "生成日期|发布日期|成文日期|发文日期|公开形式|公开方式|索引号|文号"
_LABELS = r"信息名称|文章标题|标题|文件名称|名\s*称|第[一二三四五六七八九十\d]{1,3}篇"
# After a title, glued pieces or other fields run to its end; before it, a label opens it.
_DECORATION_AFTER = re.compile(
    rf"(?:\s*(?:{_GLUED_AFTER}))+$|[\s\u3000]+(?:{_FIELDS})[:：].*$", re.I
)
_DECORATION_BEFORE = re.compile(
    rf"^(?:【[^】]{{1,12}}】|\[[^\]]{{1,12}}\])|^(?:{_LABELS})[:：]\s*", re.I
)
# Where glued pieces may start, so that most lines need no search: a line glued to ends on a
# character a piece of _GLUED_AFTER ends with, and its pieces start after the last character none
# of them holds. Searching every line at each offset took a third of read_meta's time.
_GLUED_LAST = re.compile(r"[a-z\d\s页文库版\-_|｜载荐费享.:)）档网巴篇例]", re.I)
_LAST_NOT_GLUED = re.compile(r"(?s:.*)[^\w\s.\-|｜¥￥(（:)）]")
_FIELD_NAMES = re.compile(_FIELDS)
_SPACE_RUN = re.compile(r"\s+")
_FIGURES = re.compile(r"[\d一二三四五六七八九十]+")  # of a count of versions: 精选3篇
# A title typeset with a space between its characters: 2 0 1 0 年 工 作 总 结.
_SPACED_OUT = re.compile(r"\S(?:[ \u3000]+\S){3,}")
_SPACES = re.compile(r"[ \u3000]+")
# Markup of pasted pages and the pinyin glosses of mirror sites (区(qū)): no part of a title.
_TONED = "āáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜ"
_MARKUP = re.compile(
    r"</?[a-z][a-z0-9]*(?:\s[^<>]{0,200})?/?>|&(?:[a-z]{2,6}|#\d{2,5});"
    f"|(?<=[\u3400-\u9fff])\\((?=[a-zü ]*[{_TONED}])[a-zü{_TONED} ]{{1,20}}\\)",
    re.I,
)
# Lines of a site's navigation that read_structure takes for report text: 文库 > 总结 > 教育.
_SEPARATOR = r"[→>»/|｜•·]|\s[-–—]{1,2}\s|(?<=[\u4e00-\u9fff])-(?=[\u4e00-\u9fff])"
_NAVIGATION = re.compile(
    rf"^(?:[^→>»/|｜•·]{{0,16}}(?:{_SEPARATOR})){{2,}}"
    "|^(?:猜你喜欢|你可能(?:还)?(?:喜欢|关注)|大家都在看|(?:日志)?分类[:：]|栏目[:：]|关键词[:：]"
    "|标签[:：])|^[•·]\\s*\\S{1,8}$"
)
_FOLDERS = re.compile(r"[\\/]")
_FILE_SUFFIX = re.compile(r"\.[A-Za-z][A-Za-z0-9]{0,4}$")
_SENTENCE_END = re.compile("[。；;！!？?]")
_COLON = re.compile("[:：]")
_TITLE_LENGTH = 80
_TITLE_SEARCH = 15  # the title is among the first segments that are not furniture
_HEADLINE_LENGTH = 50
_GLUED_SEARCH = 5
_TITLE_PART = 30  # the length of a title's first or second line
_JOINS_NEXT = ("的", "关于", "暨", "及", "和", "与", "、")
_CONTINUES = ("暨", "及", "和", "与")
_JOINS_PREVIOUS = ("的", "关于", "年度", "年")
# A site's name and its fields stand over its pages' titles, not a title's first line.
_NOT_IN_FIRST_LINE = re.compile(r"[\s:：·|｜—\-]|网$|网站|门户|平台$")
_TEXT_LINES = (Kind.PARAGRAPH, Kind.TITLE)  # lines a title may be joined with
_SUBTITLE = "——"  # 凝心聚力 谱写新篇章 over ——在全县教育工作会议上的讲话
_NOT_A_TITLE_START = ("附件", "附：", "附:")  # an attachment's name in a notice
# A title ends on the kind of report it names, maybe with a note in brackets.
_TITLE_ENDINGS = (
    "总结|报告|汇报|讲话|发言|要点|计划|规划|方案|意见|思路|打算|安排|盘点|综述|回眸|回顾|亮点"
    "|材料|提纲|稿|这一年|成绩单"
)
_BRACKETED_NOTE = "(?:[(（][^()（）]*[)）])?$"
_KIND_AT_END = re.compile(f"(?:{_TITLE_ENDINGS}){_BRACKETED_NOTE}")
# A title ends on a kind of report, a notice, an event, a bracket or a subtitle after a colon;
# a paragraph cut short does not.
_TITLE_END = re.compile(
    f"(?:{_TITLE_ENDINGS}|谋划|通知|通报|会议?|活动|仪式|[)）》”]){_BRACKETED_NOTE}|[:：].{{2,30}}$"
)
# A news headline: who did what, at the top of a page that has no report title.
_HEADLINE_EVENT = re.compile(
    "召开|举办|举行|开展|启动|部署|会议|调度会|推进会|现场会|座谈会|培训会|活动|表彰|荣获|获评"
    "|验收|调研"
)
# A 文库 preview runs the title into the text: 1、某县教育局2021年工作总结今年以来，我局….
_GLUED_TITLE = re.compile(
    r"^(?:\d{1,2}、\.?\s*)?(?:-\s*\d+\s*-\s*)?"
    r"(?P<title>(?!现将|根据|按照|为|在|经|从|自)[^。；;！!？?，,：:《》]{4,60}?"
    r"(?:总结|汇报|报告|讲话|发言|要点|计划|规划|方案|意见|思路|打算)(?:报告|材料|提纲|稿)?"
    r"(?:[和及暨与][^。；;！!？?，,：:《》]{2,30}?(?:总结|计划|打算|安排|思路|要点))?)"
    r"\s*(?![如的之中时后会上就是，,。；:：])\S{10}"
)


class _Found(NamedTuple):
    """An issuer in a text: its offsets and its level ("" when it names none)."""

    start: int
    end: int
    level: str


def _for_matching(text: str) -> str:
    """Simplified, with ASCII digits and letters: the same length as `text`."""
    simplified = half_width(to_simplified(text))
    return simplified if len(simplified) == len(text) else half_width(text)


def _for_matching_all(texts: Sequence[str]) -> list[str]:
    """`_for_matching` of each text."""
    # Converted joined: one OpenCC call for a report's lines instead of one a line took half
    # the time.
    if not texts or any(JOIN in text for text in texts):
        return [_for_matching(text) for text in texts]
    simplified = to_simplified(JOIN.join(texts)).split(JOIN)
    kept = (
        new if len(new) == len(old) else old for new, old in zip(simplified, texts, strict=True)
    )
    return half_width(JOIN.join(kept)).split(JOIN)


def _issuer_in(
    text: str, *, at_start: bool = False, bodies_before: int | None = None
) -> _Found | None:
    """The first issuer a matching-form text names; with `at_start`, only one it opens with;
    with `bodies_before`, only one whose body starts before that offset, or a place."""
    for body in _BODY.finditer(text):
        if at_start and body.start() > _MAX_NAME:
            return None  # a name from the start to this body or any later one is too long
        if bodies_before is not None and body.start() >= bodies_before:
            break
        prefix = text[: body.start()]
        run = _NAME_RUN.search(prefix)
        start = run.start() if run else body.start()
        cut = _NAME_START.match(prefix, start)
        if cut:
            if _OBJECT_BEFORE.search(cut.group()):
                continue
            start = cut.end()
        if at_start:
            level = _named_issuer(prefix[start:], body) if start == 0 else None
            return _Found(0, body.end(), level) if level is not None else None
        level = _named_issuer(prefix[start:], body)
        if level is not None:
            return _Found(start, body.end(), level)
    if at_start:
        return None
    place = _BARE_PLACE.match(text)
    if place and not _NOT_A_PLACE.search(place["place"]):
        level = _LEVEL_OF_PLACE[_PLACES.findall(place["place"])[-1]]
        return _Found(place.start("place"), place.end("place"), level)
    return None


def _named_issuer(name: str, body: re.Match[str]) -> str | None:
    """The level of a body under a name, "" for none, or None when the name is not one."""
    if len(name) > _MAX_NAME or _NOT_A_NAME.search(name):
        return None
    places = list(_PLACES.finditer(name))
    tail = name[places[-1].end() :] if places else name
    masked = any(c in _MASK_CHARS for c in name)
    if body["school"]:
        if not (places or masked) or len(tail) > _SCHOOL_NAME_TAIL:
            return None
        return "学校"
    if body.group() == "教育厅":
        return "省"
    if not places:
        # 教育局 alone is an issuer, 政府 alone (政府信息公开) is not
        return "" if masked or not (name or "政府" in body.group()) else None
    return _LEVEL_OF_PLACE[places[-1].group()] if len(tail) <= _BUREAU_NAME_TAIL else None


def _issuer(original: str, matching: str) -> tuple[str, str] | None:
    found = _issuer_in(matching)
    return (original[found.start : found.end], found.level) if found else None


def _signature(original: str, matching: str) -> tuple[str, str] | None:
    """A line that is only an issuer (中共…党组, …委员会 allowed around it): (issuer, level)."""
    if _NOT_A_SIGNATURE.match(matching):
        return None
    school = _SCHOOL_SIGNATURE.match(matching)
    if school and not _NOT_A_NAME.search(school["school"]):
        return original[school.start("school") : school.end("school")], "学校"
    # A body further on has its name start too late, and leaves too much of the line around it
    # for a place to be the signature: the bodies of a long line are not all tried.
    found = _issuer_in(matching, bodies_before=len("中共") + _MAX_NAME + 1)
    if not found or found.start > len("中共"):
        return None
    if len(matching) - (found.end - found.start) > _SIGNATURE_EXTRA:
        return None
    return original[found.start : found.end], found.level


def _opening_issuer(original: str, matching: str) -> tuple[str, str] | None:
    """The issuer a first paragraph opens with (2021年，某区教育局认真贯彻…), or a line under
    the title: （县教育局副局长 某某）."""
    offset = _BEFORE_OPENING_ISSUER.match(matching)
    skip = offset.end() if offset else 0
    found = _issuer_in(matching[skip:], at_start=True)
    return (original[skip : skip + found.end], found.level) if found else None


def _kind(text: str) -> str:
    """The kind a title (or the phrase a report names itself by) names, or ""."""
    for kind, words in _KIND_WORDS:
        if words.search(text):
            return _summary_kind(text, kind) if kind in ("总结", "报告") else kind
    return ""


def _summary_kind(text: str, kind: str) -> str:
    """A summary's period; a 情况的报告 not on a year's or half year's work is a 汇报."""
    issuer = _issuer_in(text)
    if issuer:
        text = text[: issuer.start] + text[issuer.end :]
    text = _LEADING_ABOUT.sub("", _PARENTHESES.sub("", text))
    if _HALF_YEAR.search(text):
        return "上半年总结"
    if _WHOLE_YEAR.search(text):
        return "年度总结"
    return "工作总结" if kind == "总结" else "汇报"


def _own_name_kind(lines: Sequence[str]) -> str:
    """The kind a report gives itself in its first lines: 现将自查情况报告如下."""
    for line in lines:
        own_name = _OWN_NAME.search(line)
        if own_name and _OWN_NAME_KINDS.search(own_name.group(1)):
            return _kind(own_name.group(1))
    return ""


def _own_level(text: str, own_place: re.Pattern[str]) -> str:
    """The level 我县, 全区 or 本校 speaks from."""
    found = own_place.search(text)
    return _OWN_LEVEL[found.group(1)] if found else ""


def _year_of(text: str) -> int | None:
    """The first year a title names: 2021年, 二〇二一年度, 盘点2022; not a span (2011-2013年)."""
    text = _YEAR_RANGE.sub(" ", text)
    found = _YEAR_WITH_NIAN.search(text) or _BARE_YEAR.search(text)
    return _year_number(found.group(1)) if found else None


def _year_number(text: str) -> int | None:
    year = int(text.translate(_CN_DIGITS))
    return year if 1949 <= year <= 2099 else None


def _month_number(text: str) -> int:
    return _CN_MONTHS.get(text) or int(text.translate(_CN_DIGITS))


def _dated(line: str) -> tuple[str, int | None, int] | None:
    """A line that is a date, maybe after its signer: (signer, year, month)."""
    last = line.rstrip(_AFTER_DATE)[-1:]
    if not (last in ("月", "日") or last.isdecimal()):
        return None  # what a date ends on, so that most lines are not searched
    found = _DATE_AT_END.search(line)
    if not found:
        return None
    signer = line[: found.start()].rstrip(_BEFORE_DATE)
    if "\n" in signer:
        return None  # the date is not on the signer's line
    if found["year"]:
        return signer, _year_number(found["year"]), _month_number(found["month"])
    return signer, _year_number(found["dyear"]), int(found["dmonth"])


def _year_of_date(year: int | None, month: int, kind: str) -> int | None:
    """The year a dated report is about: an annual summary signed in January is of the year
    before, a plan signed in December of the year after."""
    if year is None:
        return None
    if kind in ("年度总结", "述职报告") and month <= 2:
        return year - 1
    if kind in ("工作要点", "工作计划") and month == 12:
        return year + 1
    return year


def _opening_year(line: str, kind: str) -> int | None:
    dated = _dated(line)
    if dated and not dated[0].strip():
        return _year_of_date(dated[1], dated[2], kind)
    found = _OPENING_YEAR.match(line)
    return _year_number(found.group(1)) if found else None


def _closing(
    originals: Sequence[str], matching: Sequence[str], kind: str
) -> tuple[tuple[str, str] | None, int | None]:
    """The signature and the year of the date a report ends with, as far as it has them."""
    for index in range(len(matching) - 1, -1, -1):
        dated = _dated(matching[index])
        if not dated:
            continue
        signer = dated[0].strip()
        signed = _signature(originals[index][: len(signer)], signer) if signer else None
        if signer and not signed:
            continue
        for back in range(index - 1, max(index - 1 - _SIGNATURE_LINES, -1), -1):
            signed = signed or _signature(originals[back], matching[back])
        return signed, _year_of_date(dated[1], dated[2], kind)
    for index in range(len(matching) - 1, -1, -1):
        signed = _signature(originals[index], matching[index])
        if signed:
            return signed, None
    return None, None


def _stem(name: str) -> str:
    """A file name without its folders and suffix."""
    return _FILE_SUFFIX.sub("", _FOLDERS.split(name)[-1]).strip()


def _title_like(matching: str) -> bool:
    """A line that names a kind of report as a title does, for titles read_structure misses."""
    return (
        len(matching) <= _TITLE_LENGTH
        and _SENTENCE_END.search(matching) is None
        and _KIND_AT_END.search(matching) is not None
        and _kind(matching) != ""
    )


def _ends_as_title(matching: str) -> bool:
    """Not a sentence announcing what follows, an attachment's name, or a paragraph cut short
    (…会议回顾了全年工作，对)."""
    if matching.endswith(("：", ":")) or matching.startswith(_NOT_A_TITLE_START):
        return False
    return _TITLE_END.search(matching) is not None


def _headline(matching: str) -> bool:
    """A news page's headline: short, one clause, an event."""
    return (
        len(matching) <= _HEADLINE_LENGTH
        and _SENTENCE_END.search(matching) is None
        and _COLON.search(matching) is None
        and _HEADLINE_EVENT.search(matching) is not None
    )


class _TitleSpan(NamedTuple):
    """The segments a title stands in, where it starts in the first and ends in the last."""

    first: int
    last: int
    start: int
    end: int
    headline: bool = False  # a news headline names no kind of report, whatever its words


def _title_span(matching: Sequence[str], kinds: Sequence[Kind]) -> _TitleSpan | None:
    """Where the title stands: a title read_structure found, else a line that ends on a kind of
    report, else a title run into its text, else a headline; joined with its other lines."""
    index = next((i for i, kind in enumerate(kinds) if kind == Kind.TITLE), None)
    if index is not None and not _ends_as_title(matching[index]):
        index = None
    report_text = [i for i, kind in enumerate(kinds) if kind != Kind.FURNITURE][:_TITLE_SEARCH]
    candidates = [
        i for i in report_text if kinds[i] == Kind.PARAGRAPH or matching[i].startswith(_SUBTITLE)
    ]
    if index is None:
        index = next((i for i in candidates if _title_like(matching[i])), None)
    if index is None:
        for i in [i for i in report_text if kinds[i] != Kind.HEADING][:_GLUED_SEARCH]:
            glued = _GLUED_TITLE.match(matching[i])
            if glued and _kind(glued["title"]):
                return _TitleSpan(i, i + 1, glued.start("title"), glued.end("title"))
        headline = next((i for i in candidates if _headline(matching[i])), None)
        if headline is not None:
            return _TitleSpan(headline, headline + 1, 0, len(matching[headline]), headline=True)
    if index is None:
        return None
    first, last = _joined(matching, kinds, index)
    return _TitleSpan(first, last, 0, len(matching[last - 1]))


def _joined(matching: Sequence[str], kinds: Sequence[Kind], index: int) -> tuple[int, int]:
    """The lines a title stands in, around the one at `index`."""
    first, last = index, index + 1
    # A title cut inside 《…》: 关于印发《某县2021年 over 教育工作要点》的通知
    while first and kinds[first - 1] in _TEXT_LINES and _unclosed("".join(matching[first:last])):
        if len(matching[first - 1]) > _TITLE_PART or _SENTENCE_END.search(matching[first - 1]):
            break
        first -= 1
    if first and kinds[first - 1] in _TEXT_LINES:
        previous = matching[first - 1]
        if _is_first_line(previous) or (
            matching[first].startswith(_SUBTITLE)
            and len(previous) <= _TITLE_PART
            and not _SENTENCE_END.search(previous)
        ):
            first -= 1
    if last < len(matching) and kinds[last] != Kind.FURNITURE:
        following = matching[last]
        ends_open = matching[index].endswith(_JOINS_NEXT) or following.startswith(_CONTINUES)
        if ends_open and len(following) <= _TITLE_PART and not _SENTENCE_END.search(following):
            last += 1
    return first, last


def _unclosed(text: str) -> bool:
    return text.count("》") > text.count("《") or text.count("）") > text.count("（")


def _is_first_line(matching: str) -> bool:
    """A title's first line: 某县教育局 over 2021年工作总结, 关于2019年…的 over 汇报."""
    if len(matching) > _TITLE_PART or _SENTENCE_END.search(matching):
        return False
    if _NOT_IN_FIRST_LINE.search(matching) or _kind(matching):
        return False  # a site's name or fields, or a title of its own
    return matching.endswith(_JOINS_PREVIOUS) or _issuer_in(matching) is not None


def _first_issuer(found: Iterable[tuple[str, str] | None]) -> tuple[str, str]:
    """The first issuer with a level, else the first issuer, else ("", "")."""
    issuers = [issuer for issuer in found if issuer]
    with_level = [issuer for issuer in issuers if issuer[1]]
    return (with_level or issuers or [("", "")])[0]


def _head(segments: Sequence[str]) -> tuple[list[str], list[str]]:
    """The first segments without markup, navigation and decorations: as written, and in the
    matching form."""
    cleaned = [_without_markup(segment) for segment in segments[:_HEAD_SEGMENTS]]
    head, head_matching = [], []
    for segment, matching in zip(cleaned, _for_matching_all(cleaned), strict=True):
        if _NAVIGATION.search(matching):
            continue
        start, end = _undecorated(matching)
        if end > start:
            head.append(segment[start:end])
            head_matching.append(matching[start:end])
    return head, head_matching


def _without_markup(segment: str) -> str:
    """A segment without markup or pinyin glosses, and a title typeset spaced out closed up."""
    if "<" in segment or "&" in segment or "(" in segment:  # what each kind of markup opens with
        segment = _MARKUP.sub("", segment)
    if _SPACED_OUT.fullmatch(segment):
        segment = _SPACES.sub("", segment)
    return segment


def _undecorated(matching: str) -> tuple[int, int]:
    """Where a line's text starts and ends once the decorations around it are cut and its spaces
    stripped (start >= end when nothing is left)."""
    end = _decorated_from(matching, 0)
    before = _DECORATION_BEFORE.match(matching) if end else None
    start = before.end() if before else 0
    if end < start:  # what follows a label is looked for after it
        end = _decorated_from(matching, start)
    kept = matching[start:end]
    return start + len(kept) - len(kept.lstrip()), start + len(kept.rstrip())


def _decorated_from(matching: str, start: int) -> int:
    """The first offset from `start` where a decoration after a line's text starts, else the
    line's length."""
    glued_from = len(matching)
    if _GLUED_LAST.match(matching, len(matching) - 1):
        not_glued = _LAST_NOT_GLUED.match(matching)
        glued_from = max(start, not_glued.end() if not_glued else 0)
    if _FIELD_NAMES.search(matching, start):  # before glued pieces, only fields after spaces
        for spaces in _SPACE_RUN.finditer(matching, start, glued_from):
            if _DECORATION_AFTER.match(matching, spaces.end() - 1):
                return spaces.start()
    offset = glued_from
    while offset < len(matching):
        space_run = _SPACE_RUN.match(matching, offset)
        if space_run:
            # What follows a run of spaces decides for all of it; from its first space, the
            # pattern tried each way to split the run among its pieces (O(n²) in its length).
            if _DECORATION_AFTER.match(matching, space_run.end() - 1):
                return offset
            offset = space_run.end()
            continue
        if _DECORATION_AFTER.match(matching, offset):
            return offset
        # Inside a run of figures only a count (3篇) can match, and it matched at the run's start.
        figures = _FIGURES.match(matching, offset)
        offset = figures.end() if figures else offset + 1
    return len(matching)


def _looks_like_title(stem_matching: str) -> bool:
    return bool(stem_matching) and (
        _kind(stem_matching) != "" or read_structure([stem_matching])[0].kind == Kind.TITLE
    )


def read_meta(text: str, *, name: str = "", segments: Sequence[str] | None = None) -> ReportMeta:
    """A report's title, year, issuer, level and kind, from its text and its file name;
    `segments` are the texts of the report's split_report spans, when the caller has them."""
    if segments is None:
        segments = [span.text for span in split_report(text)]
    head, head_matching = _head(segments)
    kinds = [part.kind for part in read_structure(head_matching)]
    span = _title_span(head_matching, kinds)
    stem = _stem(name)
    stem_matching = _for_matching(stem)
    # The lines under the title, as written and in the matching form; a title run into its
    # text leaves that text as the first of them.
    opening: list[tuple[str, str]] = []
    if span:
        last = span.last - 1
        title = "".join(head[span.first : last]) + head[last][: span.end]
        title = title[span.start :]
        if span.end < len(head[last]):
            opening.append((head[last][span.end :], head_matching[last][span.end :]))
    else:
        title = stem if _looks_like_title(stem_matching) else ""
    after_title = span.last if span else 0
    opening += [
        (head[i], head_matching[i])
        for i in range(after_title, len(head))
        if kinds[i] != Kind.FURNITURE
    ]
    opening = opening[:_OPENING_LINES]
    closing = segments[-_CLOSING_LINES:]
    # Title first, then the file name, then the lines under the title, then the signature.
    named = [(title, _for_matching(title)), (stem, stem_matching)]
    kind_sources = named[1:] if span and span.headline else named
    kind = next((k for k in (_kind(m) for _, m in kind_sources) if k), "")
    kind = kind or _own_name_kind([m for _, m in opening])
    year = next((y for y in (_year_of(m) for _, m in named) if y), None)
    issuers = [_issuer(original, matching) for original, matching in named]
    for original, matching in opening:
        issuers.append(_signature(original, matching) or _opening_issuer(original, matching))
        year = year or _opening_year(matching, kind)
    signed, signed_year = _closing(closing, _for_matching_all(closing), kind)
    issuers.append(signed)
    issuer, level = _first_issuer(issuers)
    own_levels = [_own_level(m, _OWN_PLACE_IN_TITLE) for _, m in named]
    own_levels += [_own_level(m, _OWN_PLACE_IN_TEXT) for _, m in opening]
    level = level or next((found for found in own_levels if found), "")
    return ReportMeta(title=title, year=year or signed_year, issuer=issuer, level=level, kind=kind)
