"""A report's metadata read from its text and file name: title, year, issuer, level, kind."""

from pathlib import Path

import pytest
from files import REPORT
from hypothesis import given, settings
from hypothesis import strategies as st

from themetag.text.metadata import KINDS, LEVELS, ReportMeta, read_meta

EXAMPLES = Path(__file__).parent.parent / "examples"
NOTHING = ReportMeta(title="", year=None, issuer="", level="", kind="")
BODY = "今年以来，我们围绕年初目标扎实推进各项工作。\n一、加强队伍建设\n培训教师300人次。\n"


@pytest.mark.parametrize(
    ("file", "meta"),
    [
        (
            "city_2009_wenku.txt",
            ReportMeta("XX市教育局2009年上半年工作总结", 2009, "XX市教育局", "市", "上半年总结"),
        ),
        (
            "county_2022_summary.txt",
            ReportMeta(
                "青禾县教育局2022年工作总结及2023年工作打算", 2022, "青禾县教育局", "县", "年度总结"
            ),
        ),
        (
            "district_2016_safety.txt",
            ReportMeta(
                "柳塘区教育局2016年校园安全工作总结", 2016, "柳塘区教育局", "区", "工作总结"
            ),
        ),
    ],
)
def test_the_team_examples_are_read(file, meta):
    assert read_meta((EXAMPLES / file).read_text(encoding="utf-8")) == meta


def test_the_team_report_is_read():
    expected = ReportMeta("XX县教育局2021年工作总结", 2021, "XX县教育局", "县", "年度总结")
    assert read_meta(REPORT) == expected


# Read by hand from each seed report. The title is given by its line in the file and what a site
# glued to it, the issuer only when it is generic: no real text is copied here.
SEEDS = {
    "000_2de8b1604765b0c1.txt": (0, "", 2017, "区", "工作总结", None, "区教体局"),
    "001_3032d1d3da931d48.txt": (0, ".docx", 2021, "市", "年度总结", "市教育局", "市教育局"),
    "002_f402f1ac93898069.txt": (10, "", 2021, "区", "年度总结", None, "区教育局"),
    "003_f440c356669c28b3.txt": (2, "", None, "区", "自查报告", None, "区教育局"),
    "004_459fe1779b462aea.txt": (4, "VIP免费", 2024, "区", "上半年总结", "区教育局", "区教育局"),
}


def test_the_seed_reports_are_read_as_read_by_hand(seed_files):
    assert set(SEEDS) <= {path.name for path in seed_files}
    for path in (path for path in seed_files if path.name in SEEDS):
        text = path.read_text(encoding="utf-8")
        line, glued, year, level, kind, issuer, issuer_end = SEEDS[path.name]
        meta = read_meta(text, name=path.name)
        assert meta.title == text.splitlines()[line].strip().removesuffix(glued), path.name
        assert (meta.year, meta.level, meta.kind) == (year, level, kind), path.name
        assert meta.issuer.endswith(issuer_end), path.name
        assert issuer is None or meta.issuer == issuer, path.name


@pytest.mark.parametrize(
    ("title", "kind"),
    [
        ("XX县教育局2021年工作总结", "年度总结"),
        ("XX县教育局二〇二一年度工作总结", "年度总结"),
        ("XX县教育局关于2019年度工作情况的总结", "年度总结"),
        ("2021年XX区教育局工作成效盘点", "年度总结"),
        ("XX县教育局2022年工作总结及2023年工作打算", "年度总结"),
        ("XX县教育局2021年上半年工作总结", "上半年总结"),
        ("XX区教体局2018年1—6月工作总结和7—12月工作安排", "上半年总结"),
        ("XX县教育局2016年校园安全工作总结", "工作总结"),
        ("XX县教育局2024年上半年教师队伍建设工作总结", "工作总结"),
        ("XX县教育局“十三五”教育发展工作总结", "工作总结"),
        ("XX县教育局关于学生资助工作的自查报告", "自查报告"),
        ("XX区人民政府2018年度履行教育职责自评报告", "自查报告"),
        ("XX县义务教育均衡发展督导评估报告", "督导评估报告"),
        ("XX县教育局局长2020年度述职述廉报告", "述职报告"),
        ("在全县领导干部述职述廉大会上的发言", "述职报告"),
        ("XX县创建义务教育优质均衡发展县情况汇报", "汇报"),
        ("XX县教育局迎接省政府教育督导评估汇报材料", "汇报"),
        ("关于全县中小学教师队伍建设情况的报告", "汇报"),
        ("XX县教育局2023年工作要点", "工作要点"),
        ("XX县教育局关于印发《2023年全县教育工作要点》的通知", "工作要点"),
        ("XX县教育局2024年工作计划", "工作计划"),
        ("XX县学前教育第三期行动计划", "工作计划"),
        ("XX县中小学校舍安全工程实施方案", "工作方案"),
        ("XX县营养改善计划实施方案", "工作方案"),
        ("在2018年全县教育工作会议上的讲话", "讲话"),
        ("XX县教育局召开2022年春季开学工作会议", ""),
    ],
)
def test_each_kind_is_read_from_the_title(title, kind):
    assert read_meta(f"{title}\n{BODY}").kind == kind
    assert kind in KINDS or kind == ""


@pytest.mark.parametrize(
    ("title", "issuer", "level"),
    [
        ("XX省教育厅2021年工作要点", "XX省教育厅", "省"),
        ("某自治区教育厅2020年工作总结", "某自治区教育厅", "省"),
        ("××市教育局2022年工作总结", "××市教育局", "市"),
        ("某市教育体育局2019年工作总结", "某市教育体育局", "市"),
        ("XX县教育局2021年工作总结", "XX县教育局", "县"),
        ("XX县教体局2017年青少年校园足球工作总结", "XX县教体局", "县"),
        ("XX县教育和体育局2025年工作要点", "XX县教育和体育局", "县"),
        ("XX县教育科技体育局2013年上半年工作总结", "XX县教育科技体育局", "县"),
        ("XX彝族自治县教育局2011年工作总结", "XX彝族自治县教育局", "县"),
        ("**旗教育局2009年工作总结", "**旗教育局", "县"),
        ("某县人民政府教育督导室2014年教育督导工作总结", "某县人民政府教育督导室", "县"),
        ("某区教体局2018年工作总结", "某区教体局", "区"),
        ("XX市XX区教育局2020年工作总结", "XX市XX区教育局", "区"),
        ("某镇人民政府2019年教育工作总结", "某镇人民政府", "乡镇"),
        ("某街道教育办公室2024年上半年工作总结", "某街道教育办公室", "乡镇"),
        ("某镇中心学校2016年安全工作总结", "某镇中心学校", "学校"),
        ("**镇中心校2020年工作总结", "**镇中心校", "学校"),
        ("XX县实验小学2021年工作总结", "XX县实验小学", "学校"),
        ("XX县第一幼儿园2022年保教工作总结", "XX县第一幼儿园", "学校"),
        ("中共XX县教育局委员会2022年党建工作总结", "XX县教育局", "县"),
        ("XX县教育局局长2010年度述职述廉报告", "XX县教育局", "县"),
        ("龙渊县创建全省义务教育优质均衡先行县情况汇报", "龙渊县", "县"),
    ],
)
def test_the_issuer_and_its_level_are_read_from_the_title(title, issuer, level):
    meta = read_meta(f"{title}\n{BODY}")
    assert (meta.issuer, meta.level) == (issuer, level)
    assert level in LEVELS


def test_an_issuer_the_report_speaks_of_is_not_its_issuer():
    meta = read_meta("关于迎接省政府教育督导评估的汇报\n在市教育局的指导下，我们做了大量工作。")
    assert (meta.issuer, meta.kind) == ("", "汇报")


def test_a_title_without_an_issuer_takes_its_level_from_our_county():
    meta = read_meta("在全县学前教育工作会议上的讲话\n同志们：今天召开全县学前教育工作会议。")
    assert (meta.issuer, meta.level, meta.kind) == ("", "县", "讲话")


def test_traditional_characters_are_read_but_the_title_and_issuer_stay_as_written():
    meta = read_meta(f"XX縣教育體育局二〇二〇年上半年工作總結\n{BODY}")
    expected = ReportMeta(
        "XX縣教育體育局二〇二〇年上半年工作總結", 2020, "XX縣教育體育局", "县", "上半年总结"
    )
    assert meta == expected
    assert read_meta(f"某鎮中心學校2016年工作總結\n{BODY}").level == "学校"


@pytest.mark.parametrize(
    ("text", "title"),
    [
        (f"XX县教育局\n2021年工作总结\n{BODY}", "XX县教育局2021年工作总结"),
        (f"关于2019年教育工作情况的\n汇报\n{BODY}", "关于2019年教育工作情况的汇报"),
        (f"XX县教育局2021年工作总结\n暨2022年工作计划\n{BODY}",
         "XX县教育局2021年工作总结暨2022年工作计划"),
        (f"凝心聚力 开创新局\n——在2018年全县教育工作会议上的讲话\n{BODY}",
         "凝心聚力 开创新局——在2018年全县教育工作会议上的讲话"),
    ],
)  # fmt: skip
def test_a_title_split_over_two_lines_is_joined(text, title):
    assert read_meta(text).title == title


def test_a_site_name_over_the_title_is_not_joined_to_it():
    meta = read_meta(f"XX县人民政府门户网站\nXX县教育局2021年工作总结\n{BODY}")
    assert meta.title == "XX县教育局2021年工作总结"


def test_site_furniture_around_the_title_is_skipped():
    text = (
        "豆丁文库 > 教育专区 > 自查报告\n"
        "来源：县教育局  发布时间：2016-03-02  浏览次数：326\n"
        "XX县教育局关于2015年学生资助工作的自查报告.doc\n"
        f"{BODY}"
    )
    meta = read_meta(text)
    assert meta == ReportMeta(
        "XX县教育局关于2015年学生资助工作的自查报告", 2015, "XX县教育局", "县", "自查报告"
    )


@pytest.mark.parametrize(
    ("line", "title"),
    [
        ("XX县教育局2021年工作总结.docx", "XX县教育局2021年工作总结"),
        ("XX县教育局2021年工作总结VIP免费", "XX县教育局2021年工作总结"),
        ("XX县教育局2021年工作总结(精选3篇)", "XX县教育局2021年工作总结"),
        ("XX县教育局2021年工作总结范文", "XX县教育局2021年工作总结"),
        ("XX县教育局2021年工作总结 - 豆丁文库", "XX县教育局2021年工作总结"),
        ("XX县教育局年度工作思路_0", "XX县教育局年度工作思路"),
        ("【年终盘点】XX县教育局2021年工作总结", "XX县教育局2021年工作总结"),
        ("[XX县教育局]某县教育局副局长2011年度述职报告", "某县教育局副局长2011年度述职报告"),
        ("文章标题：某县教育局副局长述职报告", "某县教育局副局长述职报告"),
        (
            "信息名称：XX县教育局2010年工作要点\u3000生成日期：2010-02-25",
            "XX县教育局2010年工作要点",
        ),
        ("<h3>XX县教育局2021年工作总结</h3>", "XX县教育局2021年工作总结"),
        ("XX縣教育局2021年工作總結(jié)", "XX縣教育局2021年工作總結"),
        ("2 0 2 1 年 工 作 总 结", "2021年工作总结"),
        ("XX县教育局2021年工作总结(实用4篇)", "XX县教育局2021年工作总结"),
        ("XX县教育局2021年工作总结范文范例", "XX县教育局2021年工作总结"),
    ],
)
def test_what_sites_glue_to_a_title_is_left_out(line, title):
    assert read_meta(f"{line}\n{BODY}").title == title


def test_a_title_run_into_its_text_is_cut_from_it():
    text = "1、XX县教育局2021年工作总结今年以来，我局在县委、县政府的领导下扎实推进各项工作。"
    meta = read_meta(text)
    assert meta == ReportMeta("XX县教育局2021年工作总结", 2021, "XX县教育局", "县", "年度总结")
    text = "1、- 1 -XX市教育局 2016 年学生资助工作汇报各位领导：现将有关情况汇报如下。"
    meta = read_meta(text)
    assert meta == ReportMeta(
        "XX市教育局 2016 年学生资助工作汇报", 2016, "XX市教育局", "市", "汇报"
    )


def test_a_news_headline_is_the_title_but_names_no_kind():
    text = (
        "首页 > 要闻动态 > 部门动态\n"
        "某区教育局召开2025年教育工作思路研讨会\n"
        "12月18日，某区教育局召开2025年教育工作思路研讨会，总结全年工作。\n"
    )
    meta = read_meta(text)
    assert meta == ReportMeta(
        "某区教育局召开2025年教育工作思路研讨会", 2025, "某区教育局", "区", ""
    )


def test_a_site_menu_and_its_fields_are_not_the_report():
    menu = "".join(f"• {item}\n" for item in ["美文", "日记", "散文", "诗歌", "小说", "故事"] * 3)
    text = f"{menu}政府信息公开\nXX镇2009年教育工作总结\n{BODY}"
    assert read_meta(text) == ReportMeta("XX镇2009年教育工作总结", 2009, "XX镇", "乡镇", "年度总结")


def test_a_paragraph_cut_short_is_not_a_title():
    text = "各单位负责人交流发言，会议回顾了全年工作，对\n第二天继续开会。"
    assert read_meta(text).title == ""


def test_an_attachment_name_is_not_the_title():
    text = (
        "各中小学：\n现将实施方案印发给你们，请认真贯彻实施。\n"
        "附件：《XX县课后服务工作实施方案》\nXX县教育局\n2019年10月25日\n附件\n"
        "XX县课后服务工作实施方案\n一、指导思想\n"
    )
    meta = read_meta(text)
    assert (meta.title, meta.kind, meta.issuer) == ("XX县课后服务工作实施方案", "工作方案", "XX县")


def test_a_title_cut_inside_its_quotation_marks_is_joined():
    text = (
        "某省人民政府教育督导委员会\n关于印发《2023年全省县级政府教育督导\n评估报告》的通知\n"
        "各市人民政府：\n现将评价报告印发给你们。\n"
    )
    meta = read_meta(text)
    assert (
        meta.title
        == "某省人民政府教育督导委员会关于印发《2023年全省县级政府教育督导评估报告》的通知"
    )
    assert (meta.year, meta.issuer, meta.level, meta.kind) == (
        2023,
        "某省人民政府教育督导委员会",
        "省",
        "督导评估报告",
    )


def test_a_school_signs_without_naming_its_place():
    meta = read_meta(f"工作汇报\n{BODY}青石中心学校。\n")
    assert (meta.issuer, meta.level, meta.kind) == ("青石中心学校", "学校", "汇报")


@pytest.mark.parametrize(
    ("title", "date", "year"),
    [
        ("工作总结", "2021年12月28日", 2021),
        ("工作总结", "2022年1月10日", 2021),  # an annual summary signed in January: the last year
        ("工作总结", "二〇二一年十二月二十八日", 2021),
        ("工作要点", "2021年12月20日", 2022),  # a plan signed in December: the next year
        ("工作要点", "2022年2月20日", 2022),
        ("学生资助工作汇报", "2022年1月10日", 2022),
        ("述职报告", "2019.12", 2019),
    ],
)
def test_a_date_at_the_end_gives_the_year_when_nothing_else_does(title, date, year):
    meta = read_meta(f"{title}\n{BODY}某镇教育办公室\n{date}\n")
    assert (meta.year, meta.issuer, meta.level) == (year, "某镇教育办公室", "乡镇")


def test_a_signature_on_the_date_line_and_page_footer_after_it():
    text = f"工作总结\n{BODY}XX县教育局  2021年12月28日\n» 打印本页  » 关闭窗口\n"
    assert (read_meta(text).issuer, read_meta(text).year) == ("XX县教育局", 2021)


def test_a_publication_date_is_not_the_report_date():
    text = f"工作总结\n{BODY}发布时间：2022-01-05\n"
    assert read_meta(text).year is None


def test_the_title_year_wins_over_the_date_at_the_end():
    text = f"XX县教育局2022年工作总结\n{BODY}XX县教育局\n2023年1月9日\n"
    assert read_meta(text).year == 2022


def test_a_year_span_is_not_the_year():
    meta = read_meta(f"XX县学前教育三年行动计划（2011-2013年）实施情况自查报告\n{BODY}")
    assert (meta.year, meta.kind) == (None, "自查报告")


def test_the_opening_lines_give_the_year_and_issuer():
    text = "工作亮点\n2017年，某区教体局坚持党建引领，各项工作取得新成效。\n一、加强党建\n"
    meta = read_meta(text)
    assert (meta.year, meta.issuer, meta.level, meta.kind) == (2017, "某区教体局", "区", "工作总结")


def test_a_story_opening_on_a_year_does_not_give_the_year():
    assert read_meta("情况汇报\n2015年我县被确定为试点县以来，各项改革稳步推进。").year is None


@pytest.mark.parametrize(
    "name",
    [
        "2019年XX镇中心学校上半年工作总结.docx",
        "reports/2019/2019年XX镇中心学校上半年工作总结.docx",
        "C:\\reports\\2019年XX镇中心学校上半年工作总结.doc",
    ],
)
def test_a_file_name_is_the_title_when_the_text_has_none(name):
    expected = ReportMeta(
        "2019年XX镇中心学校上半年工作总结", 2019, "XX镇中心学校", "学校", "上半年总结"
    )
    assert read_meta("", name=name) == expected
    assert read_meta(BODY, name=name) == expected


def test_a_file_name_fills_what_the_title_leaves_out():
    meta = read_meta(f"工作总结\n{BODY}", name="XX县教育局2021年工作总结.docx")
    assert meta == ReportMeta("工作总结", 2021, "XX县教育局", "县", "年度总结")


def test_a_file_name_that_is_no_title_is_not_taken():
    assert read_meta(BODY, name="000_2de8b1604765b0c1.txt").title == ""


@pytest.mark.parametrize("text", ["", "   \n\n \u3000 \n", "今天天气很好。", "首页 > 新闻"])
def test_nothing_is_guessed_when_nothing_is_found(text):
    assert read_meta(text) == NOTHING


@settings(max_examples=200, deadline=None)
@given(
    st.text(alphabet=st.sampled_from(list("XX县市区镇教育局学校2021年月日工作总结汇报 \n。，>")))
)
def test_any_text_gives_values_of_the_vocabulary(text):
    meta = read_meta(text, name=text[:20])
    assert meta.kind in KINDS or meta.kind == ""
    assert meta.level in LEVELS or meta.level == ""
    assert meta.year is None or 1949 <= meta.year <= 2100
