import pickle
import time

import pytest

from themetag.text.normalize import to_simplified
from themetag.text.segment import Span, Spans, split_report


def texts(report: str) -> list[str]:
    return [s.text for s in split_report(report)]


def test_paragraphs_are_segments_and_blank_lines_vanish():
    report = "一、工作回顾\n\n  今年以来，我局扎实推进各项工作。  \n\n\n"
    assert texts(report) == ["一、工作回顾", "今年以来，我局扎实推进各项工作。"]


def test_ordinal_items_split_and_a_glued_heading_stands_alone():
    report = "（一）夯实党建工作一是落实三会一课制度。二是开展党史学习教育；三是加强廉政教育。"
    assert texts(report) == [
        "（一）夯实党建工作",
        "一是落实三会一课制度。",
        "二是开展党史学习教育；",
        "三是加强廉政教育。",
    ]


def test_yi_shi_inside_a_word_is_not_an_item():
    report = "坚持标准统一是关键，确保工作到位。"
    assert texts(report) == [report]


def test_numbered_items_split_but_decimals_and_counts_do_not():
    report = "主要做法如下：1、投入资金3.5万元改造厕所。2、新建校舍1.2万平方米。3.完成验收。"
    assert texts(report) == [
        "主要做法如下：",
        "1、投入资金3.5万元改造厕所。",
        "2、新建校舍1.2万平方米。",
        "3.完成验收。",
    ]


def test_items_glued_to_their_heading_are_split_from_it():
    report = "二、抓管理，教育教学质量明显提高1、双常规管理扎实有效。2、德育工作明显改进。"
    assert texts(report) == [
        "二、抓管理，教育教学质量明显提高",
        "1、双常规管理扎实有效。",
        "2、德育工作明显改进。",
    ]


def test_dash_titled_items_and_parenthesised_items_split():
    report = "成绩显著。——基层党建，全面规范。党组织全覆盖。——脱贫攻坚，持续发力。资助到位。"
    assert texts(report)[1:] == [
        "——基层党建，全面规范。党组织全覆盖。",
        "——脱贫攻坚，持续发力。资助到位。",
    ]
    assert texts("工作如下：(1)排查隐患。(2)整改到位。")[1:] == ["(1)排查隐患。", "(2)整改到位。"]


def test_wenku_page_numbers_do_not_cut_a_sentence_into_items():
    report = (
        "1、市教育局工作总结今年以来，各项工作成效明显。一、抓布局调整。规划经市政\n\n"
        "2、府常务会议审议通过。新建学校三所，扩建学校两所，投入资金\n\n"
        "3、两千万元。二、抓质量。"
    )
    segments = texts(report)
    assert (
        "一、抓布局调整。规划经市政\n\n2、府常务会议审议通过。新建学校三所，扩建学校两所，投入资金\n\n3、两千万元。"
        in segments
    )
    assert not any(s.startswith(("2、", "3、")) for s in segments)


def test_a_dash_opens_an_item_only_where_its_clause_ends_in_the_same_paragraph():
    assert texts("工作如下。——基层党建，全面规范。") == ["工作如下。", "——基层党建，全面规范。"]
    assert texts("工作如下。——基层党建\n，全面规范。") == ["工作如下。——基层党建", "，全面规范。"]


def test_a_marker_after_spaces_looks_back_past_them_and_into_the_marker_before():
    assert texts("教育。   二是落实责任；\u3000\u3000三是加强督导。") == [
        "教育。",
        "二是落实责任；",
        "三是加强督导。",
    ]
    assert texts("总体要求。（一）  1.做好工作。2.抓好落实。") == [
        "总体要求。",
        "（一）",
        "1.做好工作。",
        "2.抓好落实。",
    ]


def test_real_numbered_lines_that_end_sentences_stay_items():
    report = "1、做好控辍保学工作。\n2、加大教师培训力度。\n3、落实资助政策。"
    assert texts(report) == ["1、做好控辍保学工作。", "2、加大教师培训力度。", "3、落实资助政策。"]


def test_offsets_point_at_the_segment_in_the_original_text():
    report = "\ufeff  首页 > 要闻\r\n\r\n一、抓投入。1、新建学校。2、改造校舍。\n"
    for span in split_report(report):
        assert report[span.start : span.end] == span.text
        assert span.text == span.text.strip()


def test_spans_held_as_columns_behave_as_the_list_of_their_spans():
    report = "一、抓投入\n今年新建学校3所。\n二、抓质量\n开展教研活动。"
    spans = split_report(report)
    listed = [
        Span(0, 5, "一、抓投入"),
        Span(6, 15, "今年新建学校3所。"),
        Span(16, 21, "二、抓质量"),
        Span(22, 29, "开展教研活动。"),
    ]
    assert spans == listed and listed == spans and spans != listed[:3]
    assert len(spans) == 4 and spans[-1] == listed[3] and spans[1:3] == listed[1:3]
    assert type(spans[0].start) is int  # not a numpy integer leaking out of the columns
    with pytest.raises(IndexError):
        spans[4]
    assert pickle.loads(pickle.dumps(spans)) == listed
    assert split_report("   \n") == [] and not split_report("。")


def test_segments_given_are_offset_into_their_text_joined_with_newlines():
    texts = ["第一段", "第二段文字", "三"]
    joined = "\n".join(texts)
    spans = Spans.joined(texts)
    assert [joined[s.start : s.end] for s in spans] == texts
    assert [(s.start, s.end) for s in spans] == [(0, 3), (4, 9), (10, 11)]
    assert Spans.joined([]) == []


def test_traditional_text_cuts_like_its_simplified_form():
    report = "（二）落實教育民生。一是加大投入改善辦學條件。二是加大資助力度。"
    simplified = to_simplified(report)
    assert [(s.start, s.end) for s in split_report(report)] == [
        (s.start, s.end) for s in split_report(simplified)
    ]


def test_lines_without_letters_or_characters_are_dropped():
    assert texts("   \n•\n——\n  。\n") == []


def test_non_text_is_refused():
    with pytest.raises(TypeError):
        split_report(b"bytes")


def test_seed_reports_cut_into_ordered_segments_with_true_offsets(seed_files):
    for file in seed_files:
        report = file.read_text(encoding="utf-8")
        spans = split_report(report)
        assert len(spans) >= 10, file.name
        previous_end = 0
        for span in spans:
            assert report[span.start : span.end] == span.text
            assert span.start >= previous_end
            previous_end = span.end


def test_seed_wenku_page_breaks_are_joined(seed_files):
    wenku = next(f for f in seed_files if "金锄头文库" in f.read_text(encoding="utf-8"))
    segments = texts(wenku.read_text(encoding="utf-8"))
    # Page 2 of that report opens mid-sentence with `2、府常务会议…`; it must not start a segment.
    assert not any(s.startswith("2、府") for s in segments)
    assert any("2、府" in s for s in segments)
    headings = [s for s in segments if s[:2] in {"一、", "二、", "三、", "四、", "五、"}]
    assert len(headings) == 5


# Work quadratic in the size (a pattern that backtracks, a paragraph scanned again at each of its
# markers) takes tens of minutes on these; the cut takes seconds of CPU time. The bound tells those
# apart on a busy machine, not fast from slow.
LINEAR_SECONDS = 30


def seconds_to_cut(text: str) -> float:
    start = time.process_time()
    split_report(text)
    return time.process_time() - start


@pytest.mark.parametrize(
    "unit",
    [
        pytest.param(None, id="seed reports run on without a space or line break"),
        pytest.param("一是工作，", id="yi shi after yi shi, never an er shi to open the list"),
        pytest.param("。  二是加强教育管理", id="markers looking back past spaces"),
    ],
)
def test_a_5_mb_line_is_cut_in_time_linear_in_its_size(seed_files, unit):
    unit = unit or "".join("".join(f.read_text(encoding="utf-8").split()) for f in seed_files)
    line = (unit * (5_000_000 // len(unit) + 1))[:5_000_000]
    assert seconds_to_cut(line) < LINEAR_SECONDS


def test_a_20_mb_report_of_short_lines_is_cut_in_time_linear_in_its_size(seed_files):
    words = "".join(f.read_text(encoding="utf-8") for f in seed_files).split()
    short = "\n".join(word[i : i + 40] for word in words for i in range(0, len(word), 40))
    report = (short * (20_000_000 // len(short) + 1))[:20_000_000]
    assert seconds_to_cut(report) < LINEAR_SECONDS
