import pytest
from files import GOOD, LINES

from themetag.errors import UnreadableReport
from themetag.readers import find_reports, read_report


@pytest.mark.parametrize("name", GOOD)
def test_every_format_gives_the_report_text(folder, name):
    text = read_report(folder / name)
    for line in LINES:
        assert line in text


def test_docx_tables_are_read_in_place(folder):
    text = read_report(folder / "d_report.docx")
    assert "项目\t校舍维修投入资金300万元" in text
    assert text.index(LINES[2]) < text.index("项目") < text.index(LINES[3])


def test_html_drops_scripts_styles_and_navigation(folder):
    text = read_report(folder / "f_page.html")
    assert "var nav" not in text and "color:red" not in text
    assert "要闻动态" not in text and "网站地图" not in text


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        ("g_empty.txt", "empty"),
        ("h_corrupt.docx", "docx"),
        ("i_scan.pdf", "no text layer"),
        ("j_locked.pdf", "encrypted"),
        ("k_junk.txt", "binary"),
        ("notes.xyz", "unknown file type"),
        ("missing.txt", "No such file"),
    ],
)
def test_unreadable_files_say_why(folder, name, reason):
    with pytest.raises(UnreadableReport, match=reason):
        read_report(folder / name)


def test_folders_give_their_supported_files_and_named_files_are_kept(folder, tmp_path):
    found = find_reports([folder]).reports
    assert [p.name for p in found][:6] == GOOD
    assert "notes.xyz" not in {p.name for p in found}
    assert find_reports([folder / "notes.xyz"]).reports == [folder / "notes.xyz"]
    (tmp_path / ".hidden").mkdir()
    (tmp_path / ".hidden" / "x.txt").write_text("隐藏", encoding="utf-8")
    assert find_reports([tmp_path]).reports == []
