"""The structure of a report: kinds, heading levels, parents and the items under headings."""

import pytest

from themetag import split_report
from themetag.text.structure import Kind, read_structure


@pytest.mark.parametrize(
    ("text", "kind", "level"),
    [
        ("一、抓管理,教育教学质量明显提高", Kind.HEADING, 1),
        ("二、抓管理，教育教学质量明显提高。", Kind.HEADING, 1),
        ("第三部分 存在的问题", Kind.HEADING, 1),
        ("（一）教育保障持续强化。", Kind.HEADING, 2),
        ("(二)落实惠民实事", Kind.HEADING, 2),
        ("1.义务教育均衡发展,成效明显。", Kind.HEADING, 3),
        ("2．教育教学领域亮点纷呈", Kind.HEADING, 3),
        ("（3）强化督导检查", Kind.HEADING, 4),
        ("①完善资助体系", Kind.HEADING, 5),
        ("一是加强了对全区学校标准化建设的督查力度，指导该区通过评估。", Kind.ITEM, 0),
        ("首先，要提高认识，统一思想，把各项工作落到实处。", Kind.ITEM, 0),
        ("①完善资助体系。加大投入，扩大资助覆盖面。", Kind.ITEM, 5),
        ("——强化安全责任。与各校签订责任书86份，明确第一责任人。", Kind.ITEM, 2),
        ("——脱贫攻坚,持续发力。", Kind.HEADING, 2),
        ("1、开展拉网式排查。结合春秋季开学、汛期和节假日，排查隐患127处。", Kind.ITEM, 3),
        ("(一)夯实党建一是落实主体责任，认真落实三会一课。二是开展党史学习。", Kind.ITEM, 2),
        ("首页 > 要闻动态 > 部门速递", Kind.FURNITURE, 0),
        ("上传人:亦明 文档编号:125325766 上传时间:2020-03-17 格式:DOC 页数:25", Kind.FURNITURE, 0),
        ("2019年教育局年度工作总结.doc_第3页", Kind.FURNITURE, 0),
        ("今年以来，我局紧紧围绕县委县政府的部署，各项工作取得新成效。", Kind.PARAGRAPH, 0),
        ("2.5万名学生受益于营养改善计划，覆盖全县所有农村学校。", Kind.PARAGRAPH, 0),
    ],
)
def test_a_segment_is_read_as_its_kind_and_level(text, kind, level):
    (part,) = read_structure([text])
    assert (part.kind, part.level) == (kind, level)


def test_the_title_is_found_after_site_furniture_and_only_once():
    texts = [
        "首页 > 工作总结 > 教育",
        "XX县教育局2019年工作总结",
        "今年以来，我局各项工作稳步推进。",
        "XX县教育局2020年工作计划",
    ]
    kinds = [part.kind for part in read_structure(texts)]
    assert kinds == [Kind.FURNITURE, Kind.TITLE, Kind.PARAGRAPH, Kind.PARAGRAPH]


def test_parents_and_items_follow_the_heading_levels():
    texts = [
        "XX区教育局2021年工作总结",  # 0
        "一、加强党的建设",  # 1
        "（一）落实主体责任",  # 2
        "一是召开专题会议12次，研究部署党建工作。",  # 3
        "二是签订党风廉政建设责任书46份。",  # 4
        "（二）深化主题教育",  # 5
        "组织党员干部开展专题学习，撰写心得体会300余篇。",  # 6
        "二、推进均衡发展",  # 7
        "新建学校3所，新增学位4500个。",  # 8
    ]
    parts = read_structure(texts)
    assert [p.parent for p in parts] == [None, None, 1, 2, 2, 1, 5, None, 7]
    assert parts[1].items == range(2, 7)
    assert parts[2].items == range(3, 5)
    assert parts[5].items == range(6, 7)
    assert parts[7].items == range(8, 9)
    assert all(not p.items for i, p in enumerate(parts) if i not in (1, 2, 5, 7))


def test_the_seed_reports_have_a_consistent_structure(seed_files):
    for path in seed_files:
        texts = [span.text for span in split_report(path.read_text(encoding="utf-8"))]
        parts = read_structure(texts)
        assert len(parts) == len(texts)
        assert any(p.kind == Kind.HEADING for p in parts), path.name
        for index, part in enumerate(parts):
            if part.parent is not None:
                parent = parts[part.parent]
                assert part.parent < index and parent.kind == Kind.HEADING
                assert index in parent.items
            if part.items:
                assert part.items.start == index + 1
                inside = [parts[i] for i in part.items]
                assert all(p.kind != Kind.HEADING or p.level > part.level for p in inside)


def test_an_empty_report_has_no_structure():
    assert read_structure([]) == []
