"""PDF files with a text layer (pypdf); scanned and encrypted files are refused by name."""

from __future__ import annotations

import io
import logging

from themetag.errors import UnreadableReport
from themetag.readers.limits import Limits, characters, over

SUFFIXES = (".pdf",)


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
        pages = []
        length = 0
        for number, page in enumerate(reader.pages, 1):
            pages.append(page.extract_text() or "")
            length += len(pages[-1]) + 1
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
    if not any(page.strip() for page in pages):
        raise UnreadableReport("the PDF has no text layer (a scan?): run OCR first")
    return "\n".join(pages)
