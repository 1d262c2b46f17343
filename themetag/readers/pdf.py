"""PDF files with a text layer (pypdf), their lines joined into paragraphs by their layout;
scanned and encrypted files are refused by name."""

from __future__ import annotations

import io
import logging
import math
import re
from collections.abc import Callable
from typing import Any

from themetag.errors import UnreadableReport
from themetag.readers.layout import Line, Run, page_lines, paragraphs
from themetag.readers.limits import Limits, characters, over

SUFFIXES = (".pdf",)
# Bold faces by name: `Arial,Bold`, `Times-Bold`, `Arial-Black`, and Chinese 黑体 (SimHei, STHeiti).
_BOLD = re.compile("bold|black|heavy|hei", re.IGNORECASE)


def _runs_into(runs: list[Run]) -> Callable[[str, list[float], list[float], Any, float], None]:
    """A pypdf visitor_text that adds each piece of text, with its place and size, to `runs`."""

    def visit(text: str, cm: list[float], tm: list[float], font: Any, size: float) -> None:
        if not text:
            return
        # The text matrix times the current transformation gives the place on the page; its
        # vertical axis scales the font size (Word sets size 1 and scales by the matrix).
        a, b, c, d, e, f = cm
        x, y = tm[4] * a + tm[5] * c + e, tm[4] * b + tm[5] * d + f
        scale = math.hypot(tm[2] * a + tm[3] * c, tm[2] * b + tm[3] * d)
        size = abs(float(size or 0)) * scale
        if not math.isfinite(x + y + size):
            x = y = size = 0.0  # a matrix out of range: the text is kept, its place is not known
        name = str(font.get("/BaseFont", "")) if isinstance(font, dict) else ""
        runs.append(Run(x, y, size, text, _BOLD.search(name) is not None))

    return visit


def read(data: bytes, limits: Limits) -> str:
    from pypdf import PdfReader  # imported on first use, so that `import themetag` stays fast
    from pypdf.errors import PdfReadError

    if b"%PDF-" not in data[:1024]:  # where readers look for the header
        raise UnreadableReport("not a PDF file: no %PDF- header at its start")
    # pypdf logs each defect it meets to stderr; the one message that matters is ours below.
    logger = logging.getLogger("pypdf")
    level = logger.level
    logger.setLevel(logging.ERROR)
    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted:
            raise UnreadableReport("the PDF is encrypted")
        pages: list[list[Line]] = []
        length = 0
        for number, page in enumerate(reader.pages, 1):
            runs: list[Run] = []
            page.extract_text(visitor_text=_runs_into(runs))
            pages.append(page_lines(runs, number))
            length += sum(len(line.text) + 1 for line in pages[-1]) + 1
            if length > limits.max_text_chars:
                # Stopped at the page that passes the limit, not after extracting them all.
                pages_read = "page 1 holds" if number == 1 else f"pages 1-{number} hold"
                most = characters(limits.max_text_chars)
                raise over(f"{pages_read} {characters(length)}", most, "max_text_chars")
    except UnreadableReport:
        raise  # a ValueError too, but ours: not to be taken for damage
    except (PdfReadError, ValueError, KeyError, OSError) as error:
        raise UnreadableReport(f"not a readable PDF: damaged or truncated ({error})") from None
    finally:
        logger.setLevel(level)
    scanned = [number for number, lines in enumerate(pages, 1) if not lines]
    if scanned and limits.ocr:
        return "\n".join(_with_pages_read_by_ocr(data, pages, scanned, limits))
    if not any(pages):
        raise UnreadableReport(
            "the PDF has no text layer (a scan?): --ocr reads it (Limits(ocr=True) in Python)"
        )
    return "\n".join(paragraphs(pages))


def _with_pages_read_by_ocr(
    data: bytes, pages: list[list[Line]], scanned: list[int], limits: Limits
) -> list[str]:
    """The paragraphs of the pages with text, and the text OCR reads on the others, in order."""
    from themetag.readers.ocr import ocr_pages

    read = ocr_pages(data, scanned, limits)
    parts: list[str] = []
    laid_out: list[list[Line]] = []  # pages with text since the last scanned one, joined whole
    for number, lines in enumerate(pages, 1):
        if lines:
            laid_out.append(lines)
            continue
        parts += paragraphs(laid_out)
        laid_out = []
        parts.append(read[number])
    return parts + paragraphs(laid_out)
