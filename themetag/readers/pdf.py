"""PDF files with a text layer (pypdf); scanned and encrypted files are refused by name."""

from __future__ import annotations

import io

from themetag.readers.errors import UnreadableReport

SUFFIXES = (".pdf",)


def read(data: bytes) -> str:
    from pypdf import PdfReader  # imported on first use, so that `import themetag` stays fast
    from pypdf.errors import PdfReadError

    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted:
            raise UnreadableReport("the PDF is encrypted")
        pages = [page.extract_text() or "" for page in reader.pages]
    except (PdfReadError, ValueError, KeyError, OSError) as error:
        raise UnreadableReport(f"not a readable PDF ({error})") from None
    if not any(page.strip() for page in pages):
        raise UnreadableReport("the PDF has no text layer (a scan?): run OCR first")
    return "\n".join(pages)
