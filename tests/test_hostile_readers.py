"""Hostile files and unlucky runs: each is refused with a reason naming its limit, or read into
text every writer takes, in bounded time and memory; a folder that cannot be listed is named."""

from __future__ import annotations

import dataclasses
import errno
import io
import json
import os
import re
import shutil
import struct
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

import pytest
from files import LINES, REPORT, themetag, write_docx, write_pdf, write_txt
from hypothesis import given, settings
from hypothesis import strategies as st

from themetag.errors import UnreadableReport, UsageError
from themetag.readers import READERS, Limits, clean_text, find_reports, read_report

MIB = 2**20
# What no text leaving read_report may hold: lone surrogates, control characters other than
# tab, newline and carriage return, Unicode line separators, and the noncharacters XML refuses.
FORBIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u2028\u2029\ud800-\udfff\ufffe\uffff]")

# read_report in a fresh interpreter: a reader that hangs or eats memory is stopped, not waited
# for. The cap on address space is set in the child, and the peak read from VmHWM, which
# (unlike ru_maxrss) does not carry over the size of the process that started it.
CHILD = """
import json, resource, sys, time
path, limits, memory = sys.argv[1], json.loads(sys.argv[2]), int(sys.argv[3])
resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
from themetag.readers import Limits, read_report
start = time.perf_counter()
try:
    text = read_report(path, limits=Limits(**limits)) if limits else read_report(path)
    kind, value = "text", text
except Exception as error:
    kind, value = type(error).__name__, str(error)
seconds = time.perf_counter() - start
try:
    with open("/proc/self/status") as status:
        peak = next(int(line.split()[1]) for line in status if line.startswith("VmHWM:")) / 1024
except OSError:
    peak = 0.0  # no /proc: the time and the cap on memory are still checked
print(json.dumps({"kind": kind, "value": value, "seconds": seconds, "peak_mb": peak}))
"""


def read_apart(path: Path, seconds: float = 30, memory: int = 2 * 2**30, **limits) -> dict:
    """read_report(path) in a child process stopped after `seconds` and refused more than
    `memory` bytes of address space: what it gave, its time and peak memory (MB)."""
    try:
        done = subprocess.run(
            [sys.executable, "-c", CHILD, str(path), json.dumps(limits), str(memory)],
            capture_output=True,
            text=True,
            timeout=seconds,
        )
    except subprocess.TimeoutExpired:
        return {"kind": "timeout", "value": f"still reading after {seconds} s"}
    if done.returncode != 0 or not done.stdout:
        return {"kind": "crashed", "value": done.stderr[-2000:]}
    return json.loads(done.stdout)


# Refusals take milliseconds; reading what they refuse took minutes or ran out of memory. The
# bound tells those apart on a machine busy with other work too.
def refused(result: dict, reason: str, seconds: float = 10, peak_mb: float = 200) -> None:
    assert result["kind"] == "UnreadableReport", result
    assert re.fullmatch(reason, result["value"]), result["value"]
    assert result["seconds"] < seconds and result["peak_mb"] < peak_mb, result


def safe(text: str) -> str:
    assert not FORBIDDEN.search(text), ascii(FORBIDDEN.search(text).group())
    return text


# Files that are not files.


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no named pipes on this system")
def test_a_fifo_named_as_a_report_is_refused_without_waiting(tmp_path):
    path = tmp_path / "report.txt"
    os.mkfifo(path)  # nobody writes to it: opening it to read would wait for ever
    result = read_apart(path, seconds=10)
    refused(result, re.escape("not a regular file but a named pipe (FIFO)"))


@pytest.mark.skipif(not Path("/dev/zero").exists(), reason="no /dev/zero on this system")
def test_a_link_to_dev_zero_is_refused_unread(tmp_path):
    path = tmp_path / "report.txt"
    path.symlink_to("/dev/zero")  # endless: read whole, it ran until memory was gone
    result = read_apart(path, seconds=20)
    reason = re.escape("not a regular file but a character device (report.txt is a link to ")
    refused(result, reason + ".*/dev/zero\\)")


def test_a_file_over_the_size_limit_is_refused_before_it_is_read(tmp_path):
    path = write_txt(tmp_path / "big.txt")
    path.write_bytes(REPORT.encode() * (2 * MIB // len(REPORT.encode()) + 1))
    with pytest.raises(UnreadableReport) as error:
        read_report(path, limits=Limits(max_file_bytes=MIB))
    assert str(error.value) == (
        "the file is 2 MiB, over the 1 MiB limit (to read it, raise it:"
        " --limit max_file_bytes=…, or Limits(max_file_bytes=…) in Python)"
    )
    assert read_report(path).startswith(LINES[0])


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="no /proc on this system")
def test_a_file_longer_than_it_says_is_read_no_further_than_the_limit(tmp_path):
    path = tmp_path / "status.txt"
    path.symlink_to("/proc/self/status")  # a regular file of size 0 that holds a page of text
    assert os.stat(path).st_size == 0
    assert read_report(path).startswith("Name:")
    with pytest.raises(UnreadableReport) as error:
        read_report(path, limits=Limits(max_file_bytes=64))
    assert str(error.value) == (
        "the file holds more than 64 bytes when read, over the 64 bytes limit"
        " (to read it, raise it: --limit max_file_bytes=…, or Limits(max_file_bytes=…) in Python)"
    )


def test_a_folder_given_as_a_report_says_so(tmp_path):
    with pytest.raises(UnreadableReport, match="^a folder, not a report file$"):
        read_report(tmp_path)


# Zip bombs posing as Word documents.


@pytest.fixture(scope="module")
def docx_bytes(tmp_path_factory) -> bytes:
    return write_docx(tmp_path_factory.mktemp("docx") / "r.docx").read_bytes()


def rebuild_docx(source: bytes, path: Path, *chunks: bytes, repeat: int = 1) -> Path:
    """A copy of a docx with `chunks`, `repeat` times over, put at the start of its body; the
    XML is streamed into the zip, so a large document costs little memory to build."""
    with (
        zipfile.ZipFile(io.BytesIO(source)) as original,
        zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as copy,
    ):
        for info in original.infolist():
            if info.filename != "word/document.xml":
                copy.writestr(info, original.read(info))
                continue
            head, tail = original.read(info).split(b"<w:body>")
            entry = zipfile.ZipInfo(info.filename)
            entry.compress_type = zipfile.ZIP_DEFLATED
            with copy.open(entry, "w", force_zip64=repeat > 1) as stream:
                stream.write(head + b"<w:body>")
                for _ in range(repeat):
                    for chunk in chunks:
                        stream.write(chunk)
                stream.write(tail)
    return path


def declare(data: bytes, name: str, file_size: int) -> bytes:
    """The zip with the unzipped size that `name` declares, in both its headers, replaced."""
    patched = bytearray(data)
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        local = archive.getinfo(name).header_offset
    struct.pack_into("<I", patched, local + 22, file_size)
    encoded = name.encode()
    central = data.find(b"PK\x01\x02")
    while data[central + 46 : central + 46 + len(encoded)] != encoded:
        central = data.find(b"PK\x01\x02", central + 1)
        assert central != -1, name
    struct.pack_into("<I", patched, central + 24, file_size)
    return bytes(patched)


def test_a_docx_bomb_is_refused_before_it_is_parsed(docx_bytes, tmp_path):
    paragraph = "<w:p><w:r><w:t>校园安全隐患大排查</w:t></w:r></w:p>".encode()
    chunk = paragraph * (MIB // len(paragraph))
    # 160 MiB of XML in a zip of under 1 MB; 1 GiB of it (3.6 MB zipped) took 9.8 GB to parse.
    path = rebuild_docx(docx_bytes, tmp_path / "bomb.docx", chunk, repeat=160)
    assert path.stat().st_size < MIB
    result = read_apart(path, seconds=30)
    refused(
        result,
        r"the \.docx unzips to 160(\.\d)? MiB, over the 128 MiB limit"
        r" \(to read it, raise it: --limit max_docx_unzipped_bytes=…,"
        r" or Limits\(max_docx_unzipped_bytes=…\) in Python\)",
        peak_mb=200,
    )


def test_a_docx_declaring_a_huge_part_is_refused_by_what_it_declares(docx_bytes, tmp_path):
    path = tmp_path / "declares.docx"
    path.write_bytes(declare(docx_bytes, "word/document.xml", 2**30))
    refused = (
        r"the \.docx unzips to 1 GiB, over the 128 MiB limit"
        r" \(to read it, raise it: --limit max_docx_unzipped_bytes=…,"
        r" or Limits\(max_docx_unzipped_bytes=…\) in Python\)"
    )
    with pytest.raises(UnreadableReport, match=rf"\A{refused}\Z"):
        read_report(path)


def test_a_docx_part_of_one_repeated_byte_is_refused_by_its_ratio(docx_bytes, tmp_path):
    # An XML comment of 8 MiB of spaces: valid, small to parse, but inflating ~1000 times.
    path = rebuild_docx(docx_bytes, tmp_path / "spaces.docx", b"<!--" + b" " * 8 * MIB + b"-->")
    refused = (
        r"word/document\.xml inflates \d+ times \([\d.]+ KiB to 8 MiB\), a zip bomb's mark,"
        r" over the 500 times limit \(to read it, raise it: --limit max_docx_ratio=…,"
        r" or Limits\(max_docx_ratio=…\) in Python\)"
    )
    with pytest.raises(UnreadableReport, match=rf"\A{refused}\Z"):
        read_report(path)
    text = read_report(path, limits=Limits(max_docx_ratio=2000))
    assert all(line in text for line in LINES)


def test_a_docx_part_inflating_past_its_declared_size_is_refused(docx_bytes, tmp_path):
    path = rebuild_docx(docx_bytes, tmp_path / "lies.docx", b"<!--" + b" " * 8 * MIB + b"-->")
    # zipfile cuts such a part at its declared size, but only once it is all in memory.
    path.write_bytes(declare(path.read_bytes(), "word/document.xml", 4096))
    with pytest.raises(UnreadableReport) as error:
        read_report(path)
    assert str(error.value) == (
        "not a readable .docx file: word/document.xml inflates past the 4 KiB it declares"
        " (damaged or forged)"
    )


# Web pages that took the old parser minutes.


DEEP = "<html><body>" + "<div>" * 100_000 + "正文" + "</div>" * 100_000 + "</body></html>"
UNCLOSED = "<html><body>" + "".join(f"<p>第{i}段" for i in range(20_000)) + "</body></html>"
STRAY = "<html><body>" + "<div>" * 500 + "正文" + "</span>" * 200_000 + "</body></html>"


@pytest.mark.parametrize(
    ("page", "limits", "expected"),
    [
        (DEEP, {"max_html_depth": 200_000}, "正文"),
        (UNCLOSED, {}, "\n".join(f"第{i}段" for i in range(20_000))),
        (STRAY, {}, "正文"),
    ],
    ids=["100k nested div", "20k unclosed p", "500 open div and 200k stray end tags"],
)
def test_deep_and_unclosed_html_is_read_in_linear_time(tmp_path, page, limits, expected):
    path = tmp_path / "page.html"
    path.write_text(page, encoding="utf-8")  # 100k nested div took over 300 s, 20k <p> 39 s
    result = read_apart(path, seconds=60, **limits)
    assert result["kind"] == "text", result
    assert result["value"] == expected
    # Linear time takes under a second here, 2.4 s on a machine busy with other work; the
    # quadratic parser took 39-300 s. The bound tells those apart, not fast from slow.
    assert result["seconds"] < 15, result


def test_html_nested_past_the_depth_limit_is_refused_at_once(tmp_path):
    path = tmp_path / "page.html"
    path.write_text(DEEP, encoding="utf-8")
    refused(
        read_apart(path, seconds=60),
        re.escape(
            "the page nests more than 512 tags inside each other, over the 512 tags limit"
            " (to read it, raise it: --limit max_html_depth=…,"
            " or Limits(max_html_depth=…) in Python)"
        ),
    )


def test_html_keeps_its_text_in_lines_and_drops_hidden_parts(tmp_path):
    path = tmp_path / "page.html"
    page = (
        "<html><head><meta charset='gbk'><script>var a = 1;</script></head><body>"
        "<nav>首页</nav><div>一、校园安全<p>整改隐患27处</p>二、学生资助<br>发放助学金"
        "<!-- 注释 --><aside>广告</aside></div><footer>版权所有</footer></body></html>"
    )
    path.write_bytes(page.encode("gbk"))
    assert read_report(path) == "一、校园安全\n整改隐患27处\n二、学生资助\n发放助学金"


# Text no writer can take.


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (
            b"\xff\xfe" + (REPORT + "\ud800学生").encode("utf-16-le", "surrogatepass"),
            REPORT + "\ufffd学生",
        ),
        (REPORT.encode() + b"\xed\xa0\x80" + "学生".encode(), REPORT + "\ufffd学生"),
        (
            REPORT.replace("。", "。\x00").replace("\n一", "\x0c一").replace("\n二", "\x1b\n二"),
            REPORT,
        ),
        ("第一页\x0c第二页\u2028第三行\x85第四行\x1e第五行\x7f\x9f".encode(), None),
    ],
    ids=[
        "UTF-16 with an unpaired surrogate",
        "UTF-8 with an encoded surrogate",
        "UTF-8 with NUL bytes, form feeds and escapes",
        "line separators of every kind",
    ],
)
def test_text_files_give_text_without_surrogates_or_control_characters(tmp_path, data, expected):
    path = tmp_path / "report.txt"
    path.write_bytes(data if isinstance(data, bytes) else data.encode())
    text = safe(read_report(path))
    assert text == (expected or "第一页\n第二页\n第三行\n第四行\n第五行")


def pdf_mapping_glyphs_to(targets: list[str]) -> bytes:
    """A one-page PDF whose glyphs 1..n map, through its ToUnicode map, to these UTF-16 code
    units (in hex): how a PDF makes pypdf return lone surrogates and control characters."""
    codes = "".join(f"{i + 1:02X}" for i in range(len(targets)))
    cmap = (
        "/CIDInit /ProcSet findresource begin 12 dict begin begincmap /CMapName /X def\n"
        "1 begincodespacerange <00> <FF> endcodespacerange\n"
        f"{len(targets)} beginbfchar\n"
        + "".join(f"<{i + 1:02X}> <{target}>\n" for i, target in enumerate(targets))
        + "endbfchar endcmap CMapName currentdict /CMap defineresource pop end end\n"
    ).encode()
    content = f"BT /F1 12 Tf 72 720 Td <{codes}> Tj ET".encode()
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R"
        b" /Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n%s\nendstream" % (len(content), content),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /ToUnicode 6 0 R >>",
        b"<< /Length %d >>\nstream\n%s\nendstream" % (len(cmap), cmap),
    ]
    pdf = io.BytesIO()
    pdf.write(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(pdf.tell())
        pdf.write(b"%d 0 obj\n%s\nendobj\n" % (number, body))
    xref = pdf.tell()
    pdf.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
    pdf.writelines(b"%010d 00000 n \n" % offset for offset in offsets)
    pdf.write(b"trailer\n<< /Size %d /Root 1 0 R >>\n" % (len(objects) + 1))
    pdf.write(b"startxref\n%d\n%%%%EOF\n" % xref)
    return pdf.getvalue()


# 学 生 <lone surrogate> NUL <form feed> NEL ESC 校
ODD_GLYPHS = ["5B66", "751F", "D800", "0000", "000C", "0085", "001B", "6821"]


def test_a_pdf_whose_text_holds_a_lone_surrogate_and_controls_gives_safe_text(tmp_path):
    path = tmp_path / "odd.pdf"
    path.write_bytes(pdf_mapping_glyphs_to(ODD_GLYPHS))
    assert safe(read_report(path)) == "学生\ufffd\n\n校"


@pytest.fixture(scope="module")
def model_dir(small_model, tmp_path_factory):
    from themetag.model import save_model

    return save_model(small_model, tmp_path_factory.mktemp("model") / "m")


@pytest.mark.parametrize("output", ["tags.xlsx", "tags.jsonl"])
def test_the_cli_writes_such_text_to_excel_and_json(model_dir, tmp_path, output):
    folder = tmp_path / "reports"
    folder.mkdir()
    (folder / "odd.pdf").write_bytes(pdf_mapping_glyphs_to(ODD_GLYPHS))
    (folder / "nul.txt").write_bytes(REPORT.replace("。", "。\x00\x1b").encode())
    half = b"\xff\xfe" + "学生\ud800资助".encode("utf-16-le", "surrogatepass")
    (folder / "half.txt").write_bytes(half)
    result = themetag("tag", folder, "-o", tmp_path / output, "--model", model_dir, "-q")
    assert "Traceback" not in result.stderr, result.stderr
    assert result.returncode == 0, result.stderr
    assert (tmp_path / output).stat().st_size > 0


# The text limit, and the limits themselves.


def test_text_over_the_character_limit_is_refused(tmp_path):
    path = tmp_path / "long.txt"
    path.write_text("学" * 3000, encoding="utf-8")
    with pytest.raises(UnreadableReport) as error:
        read_report(path, limits=Limits(max_text_chars=1000))
    assert str(error.value) == (
        "the text is 3,000 characters, over the 1,000 characters limit"
        " (to read it, raise it: --limit max_text_chars=…, or Limits(max_text_chars=…) in Python)"
    )
    pdf = write_pdf(tmp_path / "long.pdf")
    with pytest.raises(UnreadableReport, match=r"^page 1 holds \d+ characters, over the 50 "):
        read_report(pdf, limits=Limits(max_text_chars=50))


def test_limits_are_frozen_checked_and_passed_by_keyword(tmp_path):
    limits = Limits()
    assert (limits.max_file_bytes, limits.max_docx_unzipped_bytes) == (100 * MIB, 128 * MIB)
    assert (limits.max_docx_ratio, limits.max_text_chars, limits.max_html_depth) == (
        500,
        50_000_000,
        512,
    )
    with pytest.raises(dataclasses.FrozenInstanceError):
        limits.max_file_bytes = 1
    for bad in [0, -1, 1.5, "10", True]:
        with pytest.raises(UsageError, match="^Limits.max_text_chars must be a whole number"):
            Limits(max_text_chars=bad)
    path = write_txt(tmp_path / "r.txt")
    with pytest.raises(TypeError):
        read_report(path, Limits())


# Folders that cannot be listed or looked into.


def deny(path: str | os.PathLike) -> PermissionError:
    return PermissionError(errno.EACCES, os.strerror(errno.EACCES), os.fspath(path))


@pytest.fixture
def tree(tmp_path) -> Path:
    """a.txt, b/ (to be made unreadable) with x.txt, c.txt, .d/ (hidden) with y.txt."""
    for name in ["a.txt", "b/x.txt", "c.txt", ".d/y.txt"]:
        (tmp_path / name).parent.mkdir(exist_ok=True)
        write_txt(tmp_path / name)
    return tmp_path


def test_a_subfolder_that_cannot_be_listed_is_named_and_the_run_goes_on(
    tree, monkeypatch, small_model
):
    scandir = os.scandir

    def refusing(path="."):
        if Path(path) in (tree / "b", tree / ".d"):
            raise deny(path)
        return scandir(path)

    monkeypatch.setattr(os, "scandir", refusing)
    found = find_reports([tree]).reports
    assert found == [tree / "a.txt", tree / "b", tree / "c.txt"]  # the hidden one is not looked at
    with pytest.raises(UnreadableReport, match="^cannot list the folder: Permission denied$"):
        read_report(tree / "b")
    from themetag import tag_files

    results = list(tag_files([tree], model=small_model))
    assert [r.error for r in results] == [None, "cannot list the folder: Permission denied", None]
    assert results[0].rows and results[2].rows


def test_a_subfolder_whose_files_cannot_be_looked_at_does_not_stop_the_run(tree, monkeypatch):
    stat = os.stat

    def refusing(path, *args, **kwargs):
        if Path(path).parent == tree / "b":  # listable, but its entries cannot be looked up
            raise deny(path)
        return stat(path, *args, **kwargs)

    monkeypatch.setattr(os, "stat", refusing)
    assert find_reports(tree).reports == [tree / "a.txt", tree / "b" / "x.txt", tree / "c.txt"]
    with pytest.raises(UnreadableReport, match="^Permission denied$"):
        read_report(tree / "b" / "x.txt")


def as_nobody(work):
    """work() run where file permissions hold: here if not root, else in a child process that
    has given up root for the user nobody; its JSON-able result."""
    if os.geteuid() != 0:
        return work()
    reader, writer = os.pipe()
    child = os.fork()
    if child == 0:
        answer: dict = {}
        try:
            os.setgid(65534)
            os.setuid(65534)
        except OSError as error:
            answer = {"no setuid": repr(error)}
        else:
            try:
                answer = {"gave": work()}
            except BaseException as error:
                answer = {"raised": repr(error)}
        finally:
            os.write(writer, json.dumps(answer).encode())
            os._exit(0)
    os.close(writer)
    with os.fdopen(reader, "rb") as pipe:
        answer = json.loads(pipe.read() or b"{}")
    os.waitpid(child, 0)
    if "no setuid" in answer:
        pytest.skip(f"cannot give up root to check permissions: {answer['no setuid']}")
    assert "gave" in answer, answer
    return answer["gave"]


def test_real_unlistable_and_unsearchable_folders_are_named():
    top = Path(tempfile.mkdtemp(prefix="themetag-"))  # not under pytest's root-only folder
    try:
        top.chmod(0o755)
        for name in ["a.txt", "locked/x.txt", "unsearchable/y.txt", "z.txt"]:
            (top / name).parent.mkdir(exist_ok=True)
            write_txt(top / name)
        (top / "locked").chmod(0)  # cannot be listed
        (top / "unsearchable").chmod(0o644)  # can be listed, its files not looked at

        def work():
            found = find_reports([top]).reports
            said = {}
            for path in found:
                try:
                    said[str(path.relative_to(top))] = read_report(path)[:2]
                except UnreadableReport as error:
                    said[str(path.relative_to(top))] = str(error)
            return said

        assert as_nobody(work) == {
            "a.txt": "XX",
            "locked": "cannot list the folder: Permission denied",
            "unsearchable/y.txt": "Permission denied",
            "z.txt": "XX",
        }
    finally:
        for folder in ["locked", "unsearchable"]:
            (top / folder).chmod(0o755)
        shutil.rmtree(top)


def test_find_reports_keeps_its_order_and_names_what_is_not_a_file(tmp_path):
    for name in ["b.txt", "a/c.docx", "a/.e.txt", "a.pdf", "notes.xyz", ".hidden/d.txt"]:
        (tmp_path / name).parent.mkdir(exist_ok=True)
        (tmp_path / name).write_bytes(b"x")
    (tmp_path / "a" / "link").symlink_to(tmp_path / ".hidden")  # a linked folder is not walked
    os.mkfifo(tmp_path / "pipe.txt")  # skipped in silence before; now named by read_report
    found = find_reports([tmp_path, tmp_path / "notes.xyz"]).reports
    assert found == [
        tmp_path / "a" / "c.docx",
        tmp_path / "a.pdf",
        tmp_path / "b.txt",
        tmp_path / "pipe.txt",
        tmp_path / "notes.xyz",
    ]
    with pytest.raises(UnreadableReport, match=r"^not a regular file but a named pipe \(FIFO\)$"):
        read_report(found[3])


# Any bytes at all.


@pytest.fixture(scope="module")
def fuzz_dir(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("fuzz")


SAMPLES = [
    REPORT.encode("utf-16"),
    REPORT.encode("gb18030"),
    b"<html><body><p>" + REPORT.encode() + b"</p><script>x</script></body></html>",
    pdf_mapping_glyphs_to(ODD_GLYPHS),
]


def mutated(data: bytes) -> st.SearchStrategy[bytes]:
    """The bytes with a run of random bytes written over them somewhere, perhaps cut short."""
    return st.tuples(
        st.integers(0, len(data)), st.binary(max_size=16), st.integers(0, len(data))
    ).map(lambda cut: (data[: cut[0]] + cut[1] + data[cut[0] + len(cut[1]) :])[: cut[2] or None])


ANY_BYTES = st.one_of(
    st.binary(max_size=2048),
    st.sampled_from(SAMPLES).flatmap(mutated),
    st.lists(
        st.one_of(st.characters(exclude_categories=()), st.sampled_from("\ud800\x00\x0c\x85<>"))
    ).map(lambda chars: "".join(chars).encode("utf-8", "surrogatepass")),
)


@settings(max_examples=300, deadline=None)
@given(data=ANY_BYTES, suffix=st.sampled_from(sorted(READERS)))
def test_any_bytes_give_safe_text_or_a_reason(fuzz_dir, data, suffix):
    path = fuzz_dir / f"report{suffix}"
    path.write_bytes(data)
    try:
        text = read_report(path, limits=Limits(max_html_depth=64))
    except UnreadableReport as error:
        assert str(error)
    else:
        assert text.strip() and safe(text)


def reference_clean(text: str) -> str:
    """clean_text as a rule per character, to check the one that works on whole texts."""
    kept = []
    for char in text:
        if "\ud800" <= char <= "\udfff" or char in "\ufffe\uffff":
            kept.append("\ufffd")
        elif char in "\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029":
            kept.append("\n")
        elif char in "\t\n\r" or not ("\x00" <= char <= "\x1f" or "\x7f" <= char <= "\x9f"):
            kept.append(char)
    return "".join(kept)


@given(st.text(st.characters(exclude_categories=())))
def test_clean_text_follows_its_rule_for_every_character(text):
    assert safe(clean_text(text)) == reference_clean(text)


def test_every_character_clean_text_keeps_goes_into_json_and_excel(tmp_path):
    from openpyxl import load_workbook

    from themetag.writers.tables import write_xlsx

    every = safe(clean_text("".join(map(chr, range(0x110000)))))
    json.dumps(every, ensure_ascii=False).encode("utf-8")
    pieces = [every[i : i + 30_000] for i in range(0, len(every), 30_000)]  # under Excel's cell
    write_xlsx({"text": (["text"], [{"text": piece} for piece in pieces])}, tmp_path / "t.xlsx")
    sheet = load_workbook(tmp_path / "t.xlsx", read_only=True)["text"]
    assert [row[0] for row in sheet.iter_rows(min_row=2, values_only=True)] == pieces
