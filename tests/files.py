"""Report files of every supported format, built on the fly from the team's own text,
and the command line to run on them."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

REPORT = (
    "XX县教育局2021年工作总结\n"
    "今年以来，我局在县委、县政府领导下，各项工作取得新进展。\n"
    "一、校园安全。开展校园安全隐患大排查，整改消防和校舍隐患27处，组织防溺水专题教育。\n"
    "二、学生资助。全年发放国家助学金和营养改善计划补助资金860万元，惠及困难学生4120人次。\n"
    "三、教师队伍。招聘新教师85名，组织国培省培1200人次，评选县级骨干教师40名。\n"
)
LINES = [line for line in REPORT.splitlines() if line]
GOOD = ["a_utf8.txt", "b_gbk.txt", "c_utf16.txt", "d_report.docx", "e_report.pdf", "f_page.html"]
BAD = {"g_empty.txt", "h_corrupt.docx", "i_scan.pdf", "j_locked.pdf", "k_junk.txt"}


def write_txt(path: Path, encoding: str = "utf-8") -> Path:
    path.write_bytes(REPORT.encode(encoding))
    return path


def write_docx(path: Path) -> Path:
    import docx

    document = docx.Document()
    for line in LINES[:3]:
        document.add_paragraph(line)
    table = document.add_table(rows=1, cols=2)
    table.rows[0].cells[0].text = "项目"
    table.rows[0].cells[1].text = "校舍维修投入资金300万元"
    for line in LINES[3:]:
        document.add_paragraph(line)
    document.save(path)
    return path


def write_pdf(path: Path, lines: list[str] | None = None, encrypt: str | None = None) -> Path:
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen import canvas

    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    page = canvas.Canvas(str(path), encrypt=encrypt)
    page.setFont("STSong-Light", 10)
    for number, line in enumerate(LINES if lines is None else lines):
        page.drawString(40, 800 - 16 * number, line)
    page.rect(40, 300, 200, 100)
    page.showPage()
    page.save()
    return path


def write_html(path: Path) -> Path:
    body = "".join(f"<p>{line}</p>" for line in LINES)
    path.write_text(
        "<html><head><meta charset='utf-8'><title>t</title><style>p{color:red}</style>"
        "<script>var nav = '首页 导航';</script></head><body>"
        "<nav><a href='/'>首页</a> &gt; <a href='/news'>要闻动态</a></nav>"
        f"<div class='content'>{body}</div><footer>版权所有 网站地图</footer></body></html>",
        encoding="utf-8",
    )
    return path


def write_all(folder: Path) -> dict[str, Path]:
    """One good report per format, plus the bad files a real folder holds."""
    folder.mkdir(parents=True, exist_ok=True)
    good = {
        "utf8": write_txt(folder / "a_utf8.txt"),
        "gbk": write_txt(folder / "b_gbk.txt", "gbk"),
        "utf16": write_txt(folder / "c_utf16.txt", "utf-16"),
        "docx": write_docx(folder / "d_report.docx"),
        "pdf": write_pdf(folder / "e_report.pdf"),
        "html": write_html(folder / "f_page.html"),
    }
    (folder / "g_empty.txt").write_bytes(b"")
    (folder / "h_corrupt.docx").write_bytes(b"PK\x03\x04 this is not really a docx")
    write_pdf(folder / "i_scan.pdf", lines=[])
    write_pdf(folder / "j_locked.pdf", encrypt="secret")
    (folder / "k_junk.txt").write_bytes(bytes(range(256)) * 20)
    (folder / "notes.xyz").write_text("not a report", encoding="utf-8")
    return good


def themetag(*args: object) -> subprocess.CompletedProcess:
    """Run the themetag command line in a fresh interpreter and capture what it says."""
    return subprocess.run(
        [sys.executable, "-m", "themetag.cli", *map(str, args)],
        capture_output=True,
        text=True,
        encoding="utf-8",
    )
