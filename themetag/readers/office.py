"""Word 97-2003 (.doc), WPS and RTF files, turned into .docx by LibreOffice and read as one;
a .doc that is really a web page, Word XML or plain text is read as what it is."""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from themetag.errors import UnreadableReport
from themetag.readers.limits import Limits, over
from themetag.readers.text import read as read_text
from themetag.readers.tools import run_tool, summary
from themetag.readers.webpage import read as read_page
from themetag.readers.word import read as read_docx

SUFFIXES = (".doc", ".wps", ".rtf")
# Word 97-2003 files, and WPS Office's .wps (LibreOffice reads both with its Word 97 filter), are
# OLE2 compound files holding a stream of this name; Excel and PowerPoint files are OLE2 too.
_OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_WORD_STREAM = "WordDocument".encode("utf-16-le")
_RTF = b"{\\rtf"
# Office systems export reports as .doc files that are Word 2003 XML, web pages or MHT web
# archives inside; each announces itself in its first lines.
_HEAD = 1024
_WORD_XML = b'<?mso-application progid="word.document"?>'
_MAIL_HEADERS = (b"mime-version:", b"content-type:", b"from:")
INSTALL_LIBREOFFICE = (
    "apt-get install libreoffice-writer-nogui (README: .doc, .wps and scanned PDFs)"
)


def read(data: bytes, limits: Limits) -> str:
    if data.startswith(_OLE2):
        if _WORD_STREAM not in data:
            raise UnreadableReport(
                "an Office file with no Word document found in it (a spreadsheet or slides,"
                " or a damaged file?)"
            )
        return _read_word_97(data, limits)
    if data.startswith(_RTF):
        return _convert(data, ".rtf", limits)
    head = data[:_HEAD].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if _WORD_XML in head:
        return _convert(data, ".xml", limits)
    if head.startswith(_MAIL_HEADERS) and b"multipart/related" in head:
        return read_page(_page_in_web_archive(data), limits)
    if head.startswith(b"<") and b"<html" in head:
        return read_page(data, limits)
    try:
        return read_text(data, limits)
    except UnreadableReport:
        raise UnreadableReport(
            "not a Word, WPS or RTF document, nor a web page or text under a Word name"
        ) from None


def _read_word_97(data: bytes, limits: Limits) -> str:
    if _libreoffice():
        return _convert(data, ".doc", limits)
    catdoc = shutil.which("catdoc")
    if catdoc is None:
        raise UnreadableReport(
            f"reading .doc and .wps files needs LibreOffice: {INSTALL_LIBREOFFICE};"
            " or apt-get install catdoc, lighter but plainer"
        )
    # catdoc reads the Word 97 binary format alone, 700 times as fast as LibreOffice (1 ms for
    # the test report, which it gives line for line the same): the fallback where LibreOffice
    # is missing. antiword refused that report as too short to read.
    with tempfile.TemporaryDirectory(prefix="themetag-doc-") as folder:
        document = Path(folder, "report.doc")
        document.write_bytes(data)
        command = [catdoc, "-w", "-d", "utf-8", str(document)]
        try:
            done = run_tool(command, limits.max_convert_seconds, folder)
        except subprocess.TimeoutExpired:
            raise _took_too_long("catdoc", limits) from None
    if done.returncode != 0:
        raise UnreadableReport(f"catdoc could not read it ({summary(done.stderr)})")
    return done.stdout.decode("utf-8", "replace")


def _convert(data: bytes, suffix: str, limits: Limits) -> str:
    """The text of a document LibreOffice reads, by way of the .docx it converts it to."""
    soffice = _libreoffice()
    if soffice is None:
        raise UnreadableReport(f"reading this file needs LibreOffice: {INSTALL_LIBREOFFICE}")
    with tempfile.TemporaryDirectory(prefix="themetag-office-") as folder:
        document = Path(folder, f"report{suffix}")
        document.write_bytes(data)
        # A profile of its own: LibreOffice locks its profile, so conversions sharing one wait
        # for each other or fail, as parallel workers would. A new one costs 0.07 s.
        profile = Path(folder, "profile").as_uri()
        command = [
            soffice,
            "--headless",
            "--norestore",
            f"-env:UserInstallation={profile}",
            "--convert-to",
            "docx",
            "--outdir",
            str(Path(folder, "out")),
            str(document),
        ]
        try:
            done = run_tool(command, limits.max_convert_seconds, folder)
        except subprocess.TimeoutExpired:
            raise _took_too_long("LibreOffice", limits) from None
        finally:
            # LibreOffice listens on a socket in /tmp named after its profile, and removes it
            # only when it ends normally; a killed or crashed one leaves it behind.
            _socket_of(profile).unlink(missing_ok=True)
        converted = Path(folder, "out", "report.docx")
        if not converted.is_file():
            # LibreOffice exits with 0 when it cannot load a file: only the missing file tells.
            why = summary(done.stderr + done.stdout)
            raise UnreadableReport(f"LibreOffice could not convert it ({why})")
        docx = converted.read_bytes()
    try:
        return read_docx(docx, limits)
    except UnreadableReport as error:  # its limits apply: say where a .docx came from
        raise UnreadableReport(f"in the .docx LibreOffice made of it: {error}") from None


def _libreoffice() -> str | None:
    return shutil.which("soffice") or shutil.which("libreoffice")


def _socket_of(profile: str) -> Path:
    # LibreOffice's name for it: the MD5 of the profile's URL in UTF-16, each byte in hex
    # without leading zeros (desktop/source/app/officeipcthread.cxx).
    digest = hashlib.md5(profile.encode("utf-16-le")).digest()
    name = "".join(f"{byte:x}" for byte in digest)
    return Path(f"/tmp/OSL_PIPE_{os.getuid()}_SingleOfficeIPC_{name}")


def _took_too_long(tool: str, limits: Limits) -> UnreadableReport:
    seconds = limits.max_convert_seconds
    what = f"{tool} took more than {seconds} s to convert it"
    return over(what, f"{seconds} s", "max_convert_seconds")


def _page_in_web_archive(data: bytes) -> bytes:
    """The web page inside an MHT web archive ("single file web page", as Word saves it)."""
    import email  # imported on first use, like every parser

    for part in email.message_from_bytes(data).walk():
        if part.get_content_type() == "text/html":
            page = part.get_payload(decode=True)
            if isinstance(page, bytes):
                return page
    raise UnreadableReport("a web archive (MHT) with no web page inside")
