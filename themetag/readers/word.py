"""Word documents (.docx): paragraphs and table rows in document order."""

from __future__ import annotations

import io
import struct
import zipfile
import zlib

from themetag.errors import UnreadableReport
from themetag.readers.limits import MIB, Limits, over, size

SUFFIXES = (".docx",)
# Parts smaller than this are not judged by their ratio: tiny parts inflate oddly and cost little.
_RATIO_FROM = MIB
# Inflated a chunk at a time, so that checking a part never holds more than this of it.
_CHUNK = MIB


def read(data: bytes, limits: Limits) -> str:
    import docx  # imported on first use, like every parser
    from docx.table import Table
    from docx.text.paragraph import Paragraph

    try:
        check_archive(data, limits)
        document = docx.Document(io.BytesIO(data))
    except zipfile.BadZipFile as error:
        # A .docx is a zip archive; one that starts as a zip but will not open was cut short.
        problem = "damaged or truncated" if data.startswith(b"PK") else "not a zip archive"
        raise UnreadableReport(f"not a readable .docx file: {problem} ({error})") from None
    except UnreadableReport:
        raise  # a ValueError too, but ours: said as it is
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


def check_archive(data: bytes, limits: Limits, *, kind: str = ".docx") -> None:
    """Refuse a zip bomb (a .docx, or an .xlsx table) before it is unzipped and parsed: by the
    sizes its parts declare, by their ratio, and by inflating each to its declared size."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        parts = archive.infolist()
    declared = sum(part.file_size for part in parts)
    if declared > limits.max_docx_unzipped_bytes:
        most = size(limits.max_docx_unzipped_bytes)
        raise over(f"the {kind} unzips to {size(declared)}", most, "max_docx_unzipped_bytes")
    for part in parts:
        if part.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
            # Word writes only these; bzip2 and LZMA inflate without a bound in zipfile.
            raise UnreadableReport(
                f"not a readable {kind} file: {part.filename} is compressed with method "
                f"{part.compress_type}, which Word does not write"
            )
        ratio = part.file_size / max(part.compress_size, 1)
        if part.file_size > _RATIO_FROM and ratio > limits.max_docx_ratio:
            raise over(
                f"{part.filename} inflates {ratio:.0f} times ({size(part.compress_size)} to "
                f"{size(part.file_size)}), a zip bomb's mark",
                f"{limits.max_docx_ratio} times",
                "max_docx_ratio",
            )
        if part.compress_type == zipfile.ZIP_DEFLATED and _inflates_past(data, part):
            # zipfile cuts a part at its declared size, but only after inflating all of it.
            raise UnreadableReport(
                f"not a readable {kind} file: {part.filename} inflates past the "
                f"{size(part.file_size)} it declares (damaged or forged)"
            )


def _inflates_past(data: bytes, part: zipfile.ZipInfo) -> bool:
    """Whether a deflated part holds more than its declared size, found with bounded memory."""
    header = part.header_offset
    if data[header : header + 4] != b"PK\x03\x04":
        raise zipfile.BadZipFile(f"no local header for {part.filename}")
    name_length, extra_length = struct.unpack_from("<HH", data, header + 26)
    start = header + 30 + name_length + extra_length
    stream = memoryview(data)[start : start + part.compress_size]
    inflater = zlib.decompressobj(-zlib.MAX_WBITS)
    inflated = 0
    try:
        for offset in range(0, len(stream), _CHUNK):
            pending: bytes | memoryview = stream[offset : offset + _CHUNK]
            while pending:
                inflated += len(inflater.decompress(pending, _CHUNK))
                if inflated > part.file_size:
                    return True
                pending = inflater.unconsumed_tail
        inflated += len(inflater.flush())  # what a full chunk left behind: a few bytes
    except zlib.error:
        return False  # damaged, or encrypted: python-docx says which if it needs the part
    return inflated > part.file_size
