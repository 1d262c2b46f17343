"""Text of scanned PDFs: each page without a text layer is rendered by pdftoppm (poppler) and
read by Tesseract in Simplified Chinese."""

from __future__ import annotations

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


def ocr_pages(data: bytes, numbers: list[int], limits: Limits) -> dict[int, str]:
    """The text OCR reads on these pages of a PDF (numbered from 1)."""
    problem = ocr_missing()
    if problem:
        raise UnreadableReport(problem)
    if len(numbers) > limits.max_ocr_pages:
        what = f"the PDF has {len(numbers)} pages without text to read by OCR"
        raise over(what, f"{limits.max_ocr_pages} pages", "max_ocr_pages")
    with tempfile.TemporaryDirectory(prefix="themetag-ocr-") as folder:
        pdf = Path(folder, "report.pdf")
        pdf.write_bytes(data)
        return {number: _read_page(pdf, number, limits) for number in numbers}


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
