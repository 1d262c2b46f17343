"""Word documents (.docx): paragraphs and table rows in document order."""

from __future__ import annotations

import io
import zipfile

from themetag.errors import UnreadableReport

SUFFIXES = (".docx",)


def read(data: bytes) -> str:
    import docx  # imported on first use, like every parser
    from docx.table import Table
    from docx.text.paragraph import Paragraph

    try:
        document = docx.Document(io.BytesIO(data))
    except zipfile.BadZipFile as error:
        # A .docx is a zip archive; one that starts as a zip but will not open was cut short.
        problem = "damaged or truncated" if data.startswith(b"PK") else "not a zip archive"
        raise UnreadableReport(f"not a readable .docx file: {problem} ({error})") from None
    except (KeyError, ValueError) as error:
        raise UnreadableReport(f"not a readable .docx file ({error})") from None
    lines = []
    for block in document.iter_inner_content():
        if isinstance(block, Paragraph):
            lines.append(block.text)
        elif isinstance(block, Table):
            for row in block.rows:
                cells = dict.fromkeys(cell.text.strip() for cell in row.cells)
                lines.append("\t".join(c for c in cells if c))
    return "\n".join(lines)
