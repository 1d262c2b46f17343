"""Word 97-2003, WPS and RTF files read through LibreOffice (or catdoc), and scanned PDFs read by
Tesseract: each made on the fly from the team's report and read back; slow or missing tools
fail the file by name."""

from __future__ import annotations

import csv
import difflib
import io
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from files import LINES, REPORT, write_docx, write_pdf

from themetag.errors import UnreadableReport
from themetag.readers import Limits, read_report
from themetag.readers.ocr import ocr_missing, ocr_pages
from themetag.readers.pdf import read as read_pdf

SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")
INSTALL_LIBREOFFICE = "apt-get install libreoffice-writer-nogui"
INSTALL_OCR = "apt-get install tesseract-ocr tesseract-ocr-chi-sim"
OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
# Enough of a Word 97 file to be taken for one: the header and its main stream's name.
WORD_97_LOOKALIKE = OLE2 + bytes(500) + "WordDocument".encode("utf-16-le") + bytes(500)


def needs_libreoffice() -> str:
    if SOFFICE is None:
        pytest.skip(f"LibreOffice not installed: {INSTALL_LIBREOFFICE}")
    return SOFFICE


def lines_of(text: str) -> list[str]:
    return [line for line in text.splitlines() if line.strip()]


@pytest.fixture(scope="module")
def made(tmp_path_factory) -> dict[str, Path]:
    """The team's report as .docx, and as .doc, .wps, .rtf and Word 2003 XML converted from it
    by LibreOffice. Its "wps" is written with the Word 97 filter, the same bytes as the .doc:
    LibreOffice's Word 97 type lists .wps, WPS Office's own files being in that format."""
    soffice = needs_libreoffice()
    folder = tmp_path_factory.mktemp("office")
    docx = write_docx(folder / "report.docx")
    profile = f"-env:UserInstallation={(folder / 'profile').as_uri()}"
    for target in ["doc:MS Word 97", "wps", "rtf", "xml:MS Word 2003 XML"]:
        command = [soffice, "--headless", profile, "--convert-to", target, "--outdir", str(folder)]
        subprocess.run(
            [*command, str(docx)],
            check=True,
            capture_output=True,
            timeout=120,
            env={**os.environ, "TMPDIR": str(folder)},
        )
    return {
        suffix: folder / f"report{suffix}" for suffix in [".docx", ".doc", ".wps", ".rtf", ".xml"]
    }


@pytest.fixture
def private_tmp(tmp_path, monkeypatch) -> Path:
    """A temporary folder standing for /tmp, to see what the readers leave in it."""
    folder = tmp_path / "tmp"
    folder.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(folder))
    return folder


def without_tools(monkeypatch, *names: str) -> None:
    which = shutil.which
    monkeypatch.setattr(
        shutil, "which", lambda name, *a, **k: None if name in names else which(name, *a, **k)
    )


def on_path(monkeypatch, folder: Path, name: str, script: str) -> None:
    """A fake `name` first on PATH: this shell script."""
    folder.mkdir(exist_ok=True)
    tool = folder / name
    tool.write_text(f"#!/bin/sh\n{script}\n", encoding="utf-8")
    tool.chmod(0o755)
    monkeypatch.setenv("PATH", f"{folder}{os.pathsep}{os.environ['PATH']}")


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state != "Z"  # a zombie has ended: only its parent's wait is missing


def processes_mentioning(marker: str) -> list[str]:
    found = []
    for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
        try:
            command = cmdline.read_bytes().replace(b"\0", b" ").decode("utf-8", "replace")
        except OSError:
            continue
        if marker in command and alive(int(cmdline.parent.name)):
            found.append(command)
    return found


# Word 97-2003, WPS and RTF through LibreOffice.


@pytest.mark.parametrize("suffix", [".doc", ".wps", ".rtf"])
def test_doc_wps_and_rtf_give_the_text_of_the_docx_they_were_made_from(made, suffix, private_tmp):
    assert read_report(made[suffix]) == read_report(made[".docx"])
    assert list(private_tmp.iterdir()) == []


@pytest.mark.parametrize(
    ("kind", "name"),
    [
        (".docx", "report.doc"),
        (".rtf", "report.doc"),
        (".xml", "report.doc"),
        (".doc", "report.docx"),
        (".doc", "report.txt"),
        (".rtf", "report.wps"),
    ],
)
def test_a_file_named_for_another_office_format_is_read_as_what_it_is(made, tmp_path, kind, name):
    path = tmp_path / name
    path.write_bytes(made[kind].read_bytes())
    assert read_report(path) == read_report(made[".docx"])


WORD_PAGE = (
    '<html xmlns:w="urn:schemas-microsoft-com:office:word">\n<head><meta http-equiv=Content-Type'
    ' content="text/html; charset=gbk"><style>p.MsoNormal {margin:0}</style>'
    "<!--[if gte mso 9]><xml><w:WordDocument><w:View>Print</w:View></w:WordDocument></xml>"
    "<![endif]--></head>\n<body>"
    + "".join(f"<p class=MsoNormal>{line}</p>" for line in LINES)
    + "</body></html>"
)


def web_archive() -> bytes:
    """WORD_PAGE as Word saves a "single file web page": MIME, quoted-printable."""
    from email.mime.multipart import MIMEMultipart
    from email.mime.text import MIMEText

    archive = MIMEMultipart("related")
    archive.attach(MIMEText(WORD_PAGE.replace("charset=gbk", "charset=utf-8"), "html", "utf-8"))
    mime = archive.as_bytes()
    return b"MIME-Version: 1.0\n" + mime.replace(b"MIME-Version: 1.0\n", b"", 1)


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (WORD_PAGE.encode("gbk"), LINES),
        (web_archive(), LINES),
        (REPORT.encode("gb18030"), LINES),
    ],
    ids=["web page", "MHT web archive", "GB18030 text"],
)
def test_a_doc_that_is_a_web_page_or_text_is_read_without_libreoffice(
    tmp_path, monkeypatch, data, expected
):
    without_tools(monkeypatch, "soffice", "libreoffice", "catdoc")
    path = tmp_path / "report.doc"
    path.write_bytes(data)
    assert lines_of(read_report(path)) == expected


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (OLE2 + bytes(2000), "^an Office file with no Word document found in it"),
        (bytes(range(256)) * 8, "^not a Word, WPS or RTF document, nor a web page or text"),
    ],
    ids=["spreadsheet-like OLE2", "binary junk"],
)
def test_a_doc_that_is_no_document_is_refused_at_once(tmp_path, monkeypatch, data, reason):
    path = tmp_path / "report.doc"
    path.write_bytes(data)
    # Refused before any converter is looked for: LibreOffice would import junk as text.
    without_tools(monkeypatch, "soffice", "libreoffice", "catdoc")
    with pytest.raises(UnreadableReport, match=reason):
        read_report(path)


def test_conversions_in_parallel_each_have_their_own_profile(made):
    # Sharing LibreOffice's profile, the second conversion would hand its file to the first.
    with ThreadPoolExecutor(4) as pool:
        texts = list(pool.map(read_report, [made[".doc"], made[".wps"]] * 2))
    assert texts == [read_report(made[".docx"])] * 4


def test_a_damaged_doc_fails_with_what_libreoffice_said(made, tmp_path):
    path = tmp_path / "damaged.doc"
    data = made[".doc"].read_bytes()
    path.write_bytes(data[:512] + bytes(512) + data[1024:])  # its first sector zeroed
    with pytest.raises(UnreadableReport) as error:
        read_report(path)
    assert str(error.value) == (
        "LibreOffice could not convert it (Error: source file could not be loaded)"
    )


# Without LibreOffice.


def test_without_libreoffice_a_doc_is_read_by_catdoc(made, monkeypatch):
    if shutil.which("catdoc") is None:
        pytest.skip("catdoc not installed: apt-get install catdoc")
    without_tools(monkeypatch, "soffice", "libreoffice")
    expected = lines_of(read_report(made[".docx"]))
    assert lines_of(read_report(made[".doc"])) == expected
    assert lines_of(read_report(made[".wps"])) == expected


@pytest.mark.parametrize(
    ("data", "missing"),
    [
        (WORD_97_LOOKALIKE, "reading .doc and .wps files needs LibreOffice: "),
        (b"{\\rtf1\\ansi " + REPORT.encode("ascii", "replace") + b"}", "reading this file needs"),
    ],
    ids=["doc", "rtf"],
)
def test_without_a_converter_the_file_fails_naming_the_install_command(
    tmp_path, monkeypatch, data, missing
):
    without_tools(monkeypatch, "soffice", "libreoffice", "catdoc")
    path = tmp_path / "report.doc"
    path.write_bytes(data)
    with pytest.raises(UnreadableReport) as error:
        read_report(path)
    assert str(error.value).startswith(missing)
    assert INSTALL_LIBREOFFICE in str(error.value) and "README" in str(error.value)


# Conversions past their time limit.

# A converter that never finishes, with a helper of its own as soffice.bin is; both write their
# process ids down.
STUCK = 'sleep 300 &\necho $$ $! >> "{pids}"\nwait'


def test_a_conversion_past_its_time_limit_is_killed_with_all_it_started(
    tmp_path, monkeypatch, private_tmp
):
    pids = tmp_path / "pids"
    on_path(monkeypatch, tmp_path / "bin", "soffice", STUCK.format(pids=pids))
    path = tmp_path / "report.doc"
    path.write_bytes(WORD_97_LOOKALIKE)
    start = time.perf_counter()
    with pytest.raises(UnreadableReport) as error:
        read_report(path, limits=Limits(max_convert_seconds=1))
    assert time.perf_counter() - start < 5
    assert str(error.value) == (
        "LibreOffice took more than 1 s to convert it, over the 1 s limit"
        " (to read it, raise it: --limit max_convert_seconds=…,"
        " or Limits(max_convert_seconds=…) in Python)"
    )
    started = [int(pid) for pid in pids.read_text().split()]
    assert len(started) == 2
    deadline = time.monotonic() + 5
    while any(map(alive, started)) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not any(map(alive, started))
    assert list(private_tmp.iterdir()) == []


def test_libreoffice_stopped_mid_conversion_leaves_no_process_and_no_file(tmp_path, private_tmp):
    needs_libreoffice()
    # 30,000 paragraphs of RTF take LibreOffice 3.4 s to convert.
    line = "".join(f"\\u{ord(c)}?" for c in LINES[1])
    body = "".join(f"{{\\pard {line} {i}\\par}}\n" for i in range(30_000))
    path = tmp_path / "long.rtf"
    path.write_text("{\\rtf1\\ansi\n" + body + "}", encoding="ascii")
    sockets = set(Path("/tmp").glob("OSL_PIPE_*"))
    with pytest.raises(UnreadableReport, match="^LibreOffice took more than 1 s to convert it"):
        read_report(path, limits=Limits(max_convert_seconds=1))
    deadline = time.monotonic() + 5
    while processes_mentioning(str(private_tmp)) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert processes_mentioning(str(private_tmp)) == []
    assert list(private_tmp.iterdir()) == []
    assert set(Path("/tmp").glob("OSL_PIPE_*")) <= sockets  # its socket, named by its profile


def test_the_command_line_names_a_file_past_the_conversion_limit(tmp_path, monkeypatch):
    on_path(monkeypatch, tmp_path / "bin", "soffice", STUCK.format(pids=tmp_path / "pids"))
    reports = tmp_path / "reports"
    reports.mkdir()
    (reports / "a.doc").write_bytes(WORD_97_LOOKALIKE)
    (reports / "b.txt").write_text(REPORT, encoding="utf-8")
    done = subprocess.run(
        [sys.executable, "-m", "themetag.cli", "tag", str(reports), "-o", str(tmp_path / "t.csv")]
        + ["--limit", "max_convert_seconds=1"],
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=120,
    )
    assert done.returncode == 1, done.stderr
    with open(tmp_path / "t.errors.csv", encoding="utf-8-sig", newline="") as errors:
        rows = list(csv.DictReader(errors))
    assert [(Path(row["report"]).name, row["error"][:40]) for row in rows] == [
        ("a.doc", "LibreOffice took more than 1 s to conver")
    ]


# Scanned PDFs through Tesseract.


def needs_ocr() -> None:
    problem = ocr_missing()
    if problem:
        pytest.skip(f"OCR not installed: {problem}")


def chinese_font() -> str:
    listed = ""
    if shutil.which("fc-list"):
        listed = subprocess.run(
            ["fc-list", ":lang=zh", "file"], capture_output=True, text=True, check=True
        ).stdout
    fonts = sorted(line.strip().rstrip(":") for line in listed.splitlines() if line.strip())
    if not fonts:
        pytest.skip("no Chinese font installed: apt-get install fonts-wqy-zenhei")
    return fonts[0]


def scanned_pdf(lines: list[str], pages: int = 1) -> bytes:
    """The lines drawn as an A4 page image at 300 dpi, 12-point, in a PDF with no text layer."""
    from PIL import Image, ImageDraw, ImageFont

    font = ImageFont.truetype(chinese_font(), 48)
    images = []
    for _ in range(pages):
        page = Image.new("L", (2480, 3508), 255)
        draw = ImageDraw.Draw(page)
        row = 0
        for line in lines:
            for start in range(0, len(line), 44):  # 44 characters to a line, as in a report
                draw.text((200, 250 + 80 * row), line[start : start + 44], font=font, fill=0)
                row += 1
        images.append(page)
    pdf = io.BytesIO()
    images[0].save(pdf, "PDF", resolution=300, save_all=True, append_images=images[1:])
    return pdf.getvalue()


def likeness(expected: str, read: str) -> float:
    """How alike two texts are character by character, line breaks and spaces aside."""
    squeezed = [re.sub(r"\s", "", text) for text in (expected, read)]
    return difflib.SequenceMatcher(None, *squeezed, autojunk=False).ratio()


def test_a_scanned_pdf_is_read_back_by_ocr(private_tmp):
    needs_ocr()
    start = time.perf_counter()
    text = read_pdf(scanned_pdf(LINES), Limits(ocr=True))
    # Measured: 0.994 alike (one character of 172 misread) in 0.8 s with Tesseract 5.3.
    assert likeness(REPORT, text) >= 0.95, text
    assert time.perf_counter() - start < 30
    assert "校园安全" in text and " " not in text
    assert list(private_tmp.iterdir()) == []


def test_ocr_reads_only_the_pages_without_a_text_layer(tmp_path):
    from pypdf import PdfWriter

    needs_ocr()
    text_pdf = write_pdf(tmp_path / "text.pdf")
    both = PdfWriter()
    both.append(str(text_pdf))
    both.append(io.BytesIO(scanned_pdf(LINES[3:])))
    data = io.BytesIO()
    both.write(data)
    layer = read_pdf(text_pdf.read_bytes(), Limits())
    text = read_pdf(data.getvalue(), Limits(ocr=True))
    assert text.startswith(layer + "\n")
    assert likeness("".join(LINES[3:]), text.removeprefix(layer)) >= 0.95
    with pytest.raises(UnreadableReport, match="no text layer .* --ocr reads it"):
        read_pdf(scanned_pdf(LINES[3:]), Limits())


def test_a_scan_past_the_page_limit_is_refused_before_ocr():
    needs_ocr()
    with pytest.raises(UnreadableReport) as error:
        read_pdf(scanned_pdf(LINES[:1], pages=3), Limits(max_ocr_pages=2, ocr=True))
    assert str(error.value) == (
        "the PDF has 3 pages without text to read by OCR, over the 2 pages limit"
        " (to read it, raise it: --limit max_ocr_pages=…, or Limits(max_ocr_pages=…) in Python)"
    )


def test_a_page_past_the_ocr_time_limit_is_killed_and_named(tmp_path, monkeypatch, private_tmp):
    if shutil.which("pdftoppm") is None:
        pytest.skip("pdftoppm not installed: apt-get install poppler-utils")
    pids = tmp_path / "pids"
    stuck = 'if [ "$1" = --list-langs ]; then echo chi_sim; exit; fi\n' + STUCK.format(pids=pids)
    on_path(monkeypatch, tmp_path / "bin", "tesseract", stuck)
    scan = scanned_pdf(LINES[:1])
    start = time.perf_counter()
    with pytest.raises(UnreadableReport, match="^reading page 1 by OCR took more than 1 s, over"):
        read_pdf(scan, Limits(max_ocr_page_seconds=1, ocr=True))
    assert time.perf_counter() - start < 5
    started = [int(pid) for pid in pids.read_text().split()]
    deadline = time.monotonic() + 5
    while any(map(alive, started)) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not any(map(alive, started))
    assert list(private_tmp.iterdir()) == []


@pytest.mark.parametrize(
    ("tesseract", "problem"),
    [
        (None, "reading scanned PDFs needs Tesseract and pdftoppm: "),
        ('echo "List of available languages (2):"; echo eng; echo osd', "Tesseract has no "),
    ],
    ids=["no tesseract", "no chi_sim"],
)
def test_without_tesseract_or_its_chinese_ocr_names_the_install_command(
    tmp_path, monkeypatch, tesseract, problem
):
    if tesseract is None:
        without_tools(monkeypatch, "tesseract")
    else:
        on_path(monkeypatch, tmp_path / "bin", "tesseract", tesseract)
        on_path(monkeypatch, tmp_path / "bin", "pdftoppm", "exit 1")
    message = ocr_missing()
    assert message is not None and message.startswith(problem) and INSTALL_OCR in message
    with pytest.raises(UnreadableReport, match=re.escape(message)):
        ocr_pages(b"%PDF-1.4", [1], Limits())


def test_the_command_line_reads_a_scan_with_ocr_and_says_how_without(tmp_path, monkeypatch):
    needs_ocr()
    scan = tmp_path / "scan.pdf"
    scan.write_bytes(scanned_pdf(LINES))
    command = [sys.executable, "-m", "themetag.cli", "tag", str(scan), "-q"]
    without = subprocess.run(command, capture_output=True, text=True)
    assert without.returncode == 1 and "--ocr reads it" in without.stderr
    read = subprocess.run([*command, "--ocr"], capture_output=True, text=True)
    assert read.returncode == 0, read.stderr
    assert "校园安全" in read.stdout
    on_path(monkeypatch, tmp_path / "bin", "tesseract", 'echo "List of languages:"; echo eng')
    monkeypatch.setenv("PATH", f"{tmp_path / 'bin'}{os.pathsep}{os.environ['PATH']}")
    missing = subprocess.run([*command, "--ocr"], capture_output=True, text=True)
    assert (
        missing.returncode == 2
        and "--ocr cannot run: Tesseract has no Simplified" in missing.stderr
    )
