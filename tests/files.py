"""Report files of every supported format, built on the fly from the team's own text,
and the command line to run on them."""

from __future__ import annotations

import re
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


# Typesetting for write_typeset_pdf: a line may not start with closing punctuation nor end with
# opening punctuation (禁则); figures and Latin letters are words that do not break, set in a
# Latin font inside the line, as Word sets them.
_CLOSING = set("，。、；：？！）》”’」』%,.;:?!)")
_OPENING = set("（《“‘「『(")
_WORD = re.compile(r"[0-9A-Za-z.%*_@/-]+|.", re.S)
_HEADING = re.compile("[一二三四五六七八九十]+、")
_CJK_FONT, _LATIN_FONT = "STSong-Light", "Times-Roman"


def _font(token: str) -> str:
    return _LATIN_FONT if token.isascii() else _CJK_FONT


def _token_width(token: str, size: float) -> float:
    from reportlab.pdfbase.pdfmetrics import stringWidth

    return stringWidth(token, _font(token), size)


def _wrap(text: str, size: float, first: float, width: float) -> list[list[str]]:
    """The text's words cut into lines of at most `width` points, the first `first` narrower."""
    lines: list[list[str]] = [[]]
    used = first
    for token in _WORD.findall(text.strip()):
        wide = _token_width(token, size)
        if used + wide > width and lines[-1]:
            carried = []
            if token in _CLOSING and len(lines[-1]) > 1:
                carried.append(lines[-1].pop())
            while len(lines[-1]) > 1 and lines[-1][-1] in _OPENING:
                carried.insert(0, lines[-1].pop())
            lines.append(carried)
            used = sum(_token_width(t, size) for t in carried)
            if token.isspace():
                continue
        lines[-1].append(token)
        used += wide
    while lines and lines[-1][-1:] == [" "]:
        lines[-1].pop()
    return [line for line in lines if "".join(line).strip()]


def write_typeset_pdf(
    path: Path,
    text: str,
    column: float = 240.0,
    *,
    justify: bool = True,
    indent: bool = True,
    page_numbers: str = "- {page} -",
) -> Path:
    """Each line of `text` a paragraph typeset in a column `column` points wide (a centred title,
    larger `一、` headings, indents or gaps), under a running header and over page numbers."""
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen import canvas

    pdfmetrics.registerFont(UnicodeCIDFont(_CJK_FONT))
    top, bottom, left = 770.0, 90.0, (595.0 - column) / 2
    # (page, x, y, size, extra spacing between characters, words)
    placed: list[tuple[int, float, float, float, float, list[str]]] = []
    page, y = 1, top
    paragraphs = [line.strip() for line in text.splitlines() if line.strip()]
    for number, paragraph in enumerate(paragraphs):
        title, heading = number == 0, bool(_HEADING.match(paragraph))
        size = 16.0 if title else 14.0 if heading else 10.5
        first = 2 * size if indent and not (title or heading) else 0.0
        if not indent or title or heading:
            y -= 0.6 * size  # the blank gap that opens a paragraph
        lines = _wrap(paragraph, size, first, column)
        for index, words in enumerate(lines):
            if y < bottom:
                page, y = page + 1, top
            natural = sum(_token_width(word, size) for word in words)
            x = left + (first if index == 0 else 0.0)
            spacing = 0.0
            if title:
                x = left + (column - natural) / 2
            elif justify and not heading and index < len(lines) - 1:
                glyphs = len("".join(words))
                spacing = (column - (x - left) - natural) / max(glyphs - 1, 1)
            placed.append((page, x, y, size, spacing, words))
            y -= 1.5 * size
    pages = page
    document = canvas.Canvas(str(path))
    for page in range(1, pages + 1):
        document.setFont(_CJK_FONT, 9)
        document.drawString(left, 800, "教育工作总结")
        document.drawRightString(left + column, 800, "内部资料 注意保存")
        document.line(left, 795, left + column, 795)
        document.drawCentredString(297.5, 50, page_numbers.format(page=page, pages=pages))
        for on_page, x, y, size, spacing, words in placed:
            if on_page != page:
                continue
            line = document.beginText()
            if size > 10.5:
                # Large type as Word writes it: size 1, scaled by the text matrix.
                line.setTextTransform(size, 0, 0, size, x, y)
                size, spacing = 1, spacing / size
            else:
                line.setTextOrigin(x, y)
            line.setCharSpace(spacing)
            for word in words:
                line.setFont(_font(word), size)
                line.textOut(word)
            document.drawText(line)
        document.showPage()
    document.save()
    return path


def write_office_pdf(path: Path, text: str, column_cm: float) -> Path:
    """Each line of `text` a paragraph of a .docx (a centred title, bold `一、` headings, the body
    justified with indented first lines), a header and `- 3 -` footer; PDF by LibreOffice."""
    import os
    import shutil

    import docx
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn
    from docx.shared import Cm, Pt

    document = docx.Document()
    section = document.sections[0]
    section.page_width, section.page_height = Cm(21), Cm(29.7)
    section.left_margin = section.right_margin = Cm((21 - column_cm) / 2)
    section.header.paragraphs[0].text = "教育工作总结（内部资料）"
    footer = section.footer.paragraphs[0]
    footer.alignment = WD_ALIGN_PARAGRAPH.CENTER
    footer.add_run("- ")
    page = footer.add_run()
    for kind, instruction in [("begin", ""), ("", "PAGE"), ("end", "")]:
        element = OxmlElement("w:fldChar" if kind else "w:instrText")
        if kind:
            element.set(qn("w:fldCharType"), kind)
        element.text = instruction or None
        page._r.append(element)
    footer.add_run(" -")
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    for number, line in enumerate(lines):
        paragraph = document.add_paragraph()
        run = paragraph.add_run(line)
        run.font.name = "WenQuanYi Zen Hei"
        run._r.rPr.rFonts.set(qn("w:eastAsia"), "WenQuanYi Zen Hei")
        paragraph.paragraph_format.space_after = Pt(0)
        if number == 0:
            paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
            run.font.size = Pt(16)
        elif _HEADING.match(line):
            run.font.size, run.bold = Pt(14), True
        else:
            run.font.size = Pt(10.5)
            paragraph.alignment = WD_ALIGN_PARAGRAPH.JUSTIFY
            paragraph.paragraph_format.first_line_indent = Pt(21)
    source = path.with_suffix(".docx")
    document.save(str(source))
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    assert soffice, "LibreOffice is not installed"
    profile = f"-env:UserInstallation={(path.parent / 'profile').as_uri()}"
    subprocess.run(
        [soffice, "--headless", profile, "--convert-to", "pdf", "--outdir", str(path.parent)]
        + [str(source)],
        check=True,
        capture_output=True,
        timeout=120,
        env={**os.environ, "TMPDIR": str(path.parent)},
    )
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
