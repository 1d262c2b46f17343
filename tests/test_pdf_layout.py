"""PDF text rebuilt into paragraphs from its layout, and hard-wrapped plain text joined again:
the same report cuts into the same segments as its .txt."""

import re
import shutil
from itertools import pairwise
from pathlib import Path

import pytest
from conftest import SEEDS
from files import REPORT, write_office_pdf, write_typeset_pdf
from hypothesis import given, settings
from hypothesis import strategies as st
from pypdf import PdfReader

from themetag.readers import read_report
from themetag.readers.layout import Line, paragraphs
from themetag.text.segment import _hard_wraps, ends_sentence, split_report

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
TEXTS = {"REPORT": REPORT} | {
    p.name: p.read_text(encoding="utf-8") for p in sorted(EXAMPLES.glob("*.txt"))
}
STYLES = {
    "justified, indented, `- 3 -`": {},
    "ragged, gaps, `第3页 共7页`": {
        "justify": False,
        "indent": False,
        "page_numbers": "第{page}页 共{pages}页",
    },
}
HEADER = "教育工作总结 内部资料 注意保存"  # the running header write_typeset_pdf prints
PAGE_NUMBER = re.compile(r"- \d+ -|第\d+页 共\d+页")


def segments(text: str) -> list[str]:
    return ["".join(span.text.split()) for span in split_report(text)]


@pytest.fixture(scope="module", params=[180, 300], ids=lambda width: f"{width}pt")
def column(request) -> int:
    return request.param


@pytest.mark.parametrize("style", STYLES)
@pytest.mark.parametrize("name", TEXTS)
def test_a_typeset_pdf_cuts_into_the_segments_of_its_txt(tmp_path, name, style, column):
    pdf = write_typeset_pdf(tmp_path / "report.pdf", TEXTS[name], column, **STYLES[style])
    text = read_report(pdf)
    expected = segments(TEXTS[name])
    if len(PdfReader(pdf).pages) == 1:
        # On one page a running header cannot be told from a title: it stays a line of its own.
        expected = ["".join(HEADER.split()), *expected]
    assert segments(text) == expected
    for line in text.splitlines():
        assert not PAGE_NUMBER.search(line), line
        assert "内部资料" not in line or line == HEADER, line


@pytest.mark.skipif(
    not (shutil.which("soffice") or shutil.which("libreoffice")),
    reason="LibreOffice not installed: apt-get install libreoffice-writer-nogui",
)
@pytest.mark.parametrize("name", [name for name in TEXTS if name != "REPORT"])
def test_a_pdf_libreoffice_made_from_a_docx_cuts_into_the_segments_of_its_txt(tmp_path, name):
    """Another typesetter's line breaks, justification, bold headings, header and footer."""
    pdf = write_office_pdf(tmp_path / "report.pdf", TEXTS[name], column_cm=7)
    assert len(PdfReader(pdf).pages) >= 3
    assert segments(read_report(pdf)) == segments(TEXTS[name])


def body_lines(page_text: str) -> list[str]:
    """A page's lines as pypdf gives them, without the header and footer."""
    lines = [line.strip() for line in page_text.splitlines() if line.strip()]
    return [line for line in lines if line not in HEADER and not PAGE_NUMBER.fullmatch(line)]


def test_paragraphs_broken_by_a_page_are_joined_across_it(tmp_path, column):
    broken = 0
    for name, report in TEXTS.items():
        pdf = write_typeset_pdf(tmp_path / f"{name}.pdf", report, column)
        pages = [body_lines(page.extract_text()) for page in PdfReader(pdf).pages]
        text = read_report(pdf)
        for page, next_page in pairwise(pages):
            across = page[-1] + next_page[0]
            if any(across in paragraph for paragraph in report.splitlines()):
                broken += 1
                assert any(across in paragraph for paragraph in text.splitlines())
    assert broken >= 2


def test_headings_in_larger_type_stay_paragraphs_of_their_own(tmp_path, column):
    report = TEXTS["county_2022_summary.txt"]
    text = read_report(write_typeset_pdf(tmp_path / "report.pdf", report, column))
    headings = [line for line in report.splitlines() if re.match("[一二三四五六七八九十]+、", line)]
    assert len(headings) == 10
    assert set(headings) <= set(text.splitlines())


def line(text: str, y: float, *, x0: float = 72, x1: float = 288, bold: float = 0.0) -> Line:
    return Line(1, x0, x1, y, 12, text, bold)


def test_a_bold_heading_filling_its_line_is_a_paragraph_of_its_own():
    page = [
        line("一、坚持立德树人，全面加强学校德育和思政课建设", 700, bold=1.0),
        line("全县各校开齐开足思政课程，组织开展主题教育活动", 685),
        line("一百余场。", 670, x1=132),
    ]
    assert paragraphs([page]) == [page[0].text, page[1].text + page[2].text]


def test_page_furniture_is_dropped_and_a_page_break_joins_a_paragraph():
    pages = [
        [
            line("XX县教育局", 780, x1=144),
            line("今年全县新建校舍三所，改造运动场五处，", 700),
            line("第1页 共2页", 40, x0=150, x1=216),
        ],
        [
            line("XX县教育局", 780, x1=144),
            line("完成投资八千万元。", 700, x1=180),
            line("第2页 共2页", 40, x0=150, x1=216),
        ],
    ]
    assert paragraphs(pages) == ["今年全县新建校舍三所，改造运动场五处，完成投资八千万元。"]


def test_latin_words_keep_a_space_where_a_line_is_joined():
    page = [line("the report was read by the", 700), line("whole staff.", 685, x1=140)]
    assert paragraphs([page]) == ["the report was read by the whole staff."]


# Hard-wrapped plain text.


def hard_wrapped(report: str, width: int) -> str:
    """The report cut every `width` characters, as a .txt saved with a fixed line width."""
    return "\n".join(
        line[start : start + width]
        for line in report.splitlines()
        for start in range(0, len(line) or 1, width)
    )


def kept_breaks(report: str, width: int) -> str:
    """The report with a line break where its wrap at `width` falls right after a sentence end
    (a decimal point is none): such a break is kept, since a paragraph may end there."""
    lines = []
    for line in report.splitlines():
        cuts = []
        for wrap in range(width, len(line), width):
            decimal = re.fullmatch(r"[0-9]\.[0-9]", line[wrap - 2 : wrap + 1])
            if ends_sentence(line[wrap - width : wrap]) and not decimal:
                cuts.append(wrap)
        lines.append("\n".join(line[a:b] for a, b in pairwise([0, *cuts, len(line)])))
    return "\n".join(lines)


@pytest.mark.parametrize("width", [30, 38])
@pytest.mark.parametrize("name", TEXTS)
def test_a_hard_wrapped_report_cuts_as_the_unwrapped_one(name, width):
    report = TEXTS[name]
    wrapped = hard_wrapped(report, width)
    spans = split_report(wrapped)
    for span in spans:
        assert wrapped[span.start : span.end] == span.text
    assert ["".join(span.text.split()) for span in spans] == segments(kept_breaks(report, width))


def test_a_wrap_after_a_sentence_end_is_kept_as_a_break():
    wrapped = hard_wrapped(TEXTS["county_2022_summary.txt"], 38)
    assert "三是抓清廉学校建设。" in segments(wrapped)
    assert "三是抓清廉学校建设。" not in segments(TEXTS["county_2022_summary.txt"])


def test_an_item_marker_split_by_a_wrap_still_opens_an_item():
    paragraph = next(
        line for line in TEXTS["county_2022_summary.txt"].splitlines() if "二是" in line
    )
    between = paragraph.index("二是") + 1
    width = next(width for width in range(20, 60) if between % width == 0)
    wrapped = hard_wrapped(paragraph, width)
    assert "二\n是" in wrapped
    assert segments(wrapped) == segments(paragraph)
    assert any(segment.startswith("二是") for segment in segments(paragraph))


def test_hard_wrapped_text_with_indents_and_crlf_keeps_its_paragraphs():
    report = TEXTS["district_2016_safety.txt"]
    wrapped = "\r\n".join(
        piece
        for paragraph in report.splitlines()
        if paragraph.strip()
        for piece in hard_wrapped("\u3000\u3000" + paragraph, 32).splitlines()
    )
    assert segments(wrapped) == segments(report)


def test_ordinary_reports_are_not_taken_for_hard_wrapped():
    reports = [*TEXTS.values(), *(p.read_text(encoding="utf-8") for p in SEEDS.glob("*.txt"))]
    for report in reports:
        assert _hard_wraps(report) == []


@settings(max_examples=100, deadline=None)
@given(
    st.lists(st.sampled_from([line for text in TEXTS.values() for line in text.splitlines()])),
    st.integers(12, 60),
)
def test_hard_wrapped_text_loses_nothing_and_keeps_true_offsets(lines, width):
    wrapped = hard_wrapped("\n".join(lines), width)
    previous_end = 0
    for span in split_report(wrapped):
        assert wrapped[span.start : span.end] == span.text == span.text.strip()
        assert not any(c.isalnum() for c in wrapped[previous_end : span.start])
        previous_end = span.end
    assert not any(c.isalnum() for c in wrapped[previous_end:])
