"""Text of scanned PDFs: each page without a text layer is rendered by pdftoppm (poppler) and
read by Tesseract in Simplified Chinese."""

from __future__ import annotations

import io
import logging
import re
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

from themetag.errors import UnreadableReport
from themetag.readers.limits import Limits, over
from themetag.readers.tools import run_tool, summary

INSTALL = (
    "apt-get install tesseract-ocr tesseract-ocr-chi-sim poppler-utils"
    " (README: .doc, .wps and scanned PDFs)"
)
LANGUAGE = "chi_sim"
# Pages are rendered at A4's size at 300 dpi whatever theirs, so that a poster-sized page costs
# no more than a report's. 10-point characters are then 42 pixels high; at 150 dpi Tesseract
# read a clean page as well, but scans are seldom clean.
_LONG_SIDE_PIXELS = 3508
# "A single uniform block of text": the test report read back 0.994 alike (difflib's ratio)
# against 0.974 with automatic page segmentation (--psm 3); a full page as well, a little faster.
_PAGE_SEGMENTATION = "6"
# Tesseract sets a space beside some Chinese characters and punctuation (29 in a page of 1,291
# characters); Chinese is written without them.
_CHINESE = "\u3000-\u303f\u3400-\u9fff\uff00-\uffef"  # punctuation, characters, full width
_SPACE_BY_CHINESE = re.compile(f"(?<=[{_CHINESE}]) +| +(?=[{_CHINESE}])")


def ocr_missing() -> str | None:
    """What OCR lacks on this machine, with the command that installs it; None when
    Tesseract, its Simplified Chinese data and pdftoppm are all there."""
    tesseract = shutil.which("tesseract")
    if tesseract is None or shutil.which("pdftoppm") is None:
        return f"reading scanned PDFs needs Tesseract and pdftoppm: {INSTALL}"
    languages = subprocess.run(
        [tesseract, "--list-langs"], capture_output=True, text=True, timeout=60
    ).stdout.split()
    if LANGUAGE not in languages:
        return f"Tesseract has no Simplified Chinese ({LANGUAGE}): {INSTALL}"
    return None


def ocr_pdf(data: bytes, limits: Limits) -> str:
    """The text of a PDF, with its pages that have no text layer read by OCR."""
    problem = ocr_missing()
    if problem:
        raise UnreadableReport(problem)
    pages = _text_layers(data)
    scanned = [number for number, text in enumerate(pages, 1) if not text.strip()]
    if len(scanned) > limits.max_ocr_pages:
        what = f"the PDF has {len(scanned)} pages without text to read by OCR"
        raise over(what, f"{limits.max_ocr_pages} pages", "max_ocr_pages")
    with tempfile.TemporaryDirectory(prefix="themetag-ocr-") as folder:
        pdf = Path(folder, "report.pdf")
        pdf.write_bytes(data)
        for number in scanned:
            pages[number - 1] = _read_page(pdf, number, limits)
    return "\n".join(pages)


def _text_layers(data: bytes) -> list[str]:
    """The text layer of each page, empty on a scanned one."""
    from pypdf import PdfReader  # imported on first use, like every parser
    from pypdf.errors import PdfReadError

    # pypdf logs each defect it meets to stderr; the one message that matters is ours.
    logger = logging.getLogger("pypdf")
    level = logger.level
    logger.setLevel(logging.ERROR)
    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted:
            raise UnreadableReport("the PDF is encrypted")
        return [page.extract_text() or "" for page in reader.pages]
    except UnreadableReport:
        raise  # a ValueError too, but ours: not to be taken for damage
    except (PdfReadError, ValueError, KeyError, OSError) as error:
        raise UnreadableReport(f"not a readable PDF: damaged or truncated ({error})") from None
    finally:
        logger.setLevel(level)


def _read_page(pdf: Path, number: int, limits: Limits) -> str:
    seconds = limits.max_ocr_page_seconds
    deadline = time.monotonic() + seconds
    image = pdf.with_name(f"page-{number}")
    # PGM, not PNG: the same pixels, written in 0.1 s against 1.45 s for a page.
    render = ["pdftoppm", "-f", str(number), "-l", str(number), "-singlefile", "-gray"]
    render += ["-scale-to", str(_LONG_SIDE_PIXELS), str(pdf), str(image)]
    read = ["tesseract", f"{image}.pgm", "stdout", "-l", LANGUAGE, "--psm", _PAGE_SEGMENTATION]
    try:
        rendered = run_tool(render, seconds, str(pdf.parent))
        if rendered.returncode != 0:
            why = summary(rendered.stderr)
            raise UnreadableReport(f"pdftoppm could not render page {number} ({why})")
        # OpenMP's threads made Tesseract slower here, 1.6 s for a page against 0.5 s on one
        # thread, and parallel workers share the cores anyway.
        done = run_tool(read, deadline - time.monotonic(), str(pdf.parent), OMP_THREAD_LIMIT="1")
    except subprocess.TimeoutExpired:
        what = f"reading page {number} by OCR took more than {seconds} s"
        raise over(what, f"{seconds} s", "max_ocr_page_seconds") from None
    finally:
        Path(f"{image}.pgm").unlink(missing_ok=True)  # 9 MB a page
    if done.returncode != 0:
        raise UnreadableReport(f"Tesseract could not read page {number} ({summary(done.stderr)})")
    return _SPACE_BY_CHINESE.sub("", done.stdout.decode("utf-8", "replace")).strip()
