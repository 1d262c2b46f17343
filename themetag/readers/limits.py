"""How much of a report file the readers take in; a file past a limit is refused by name."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, fields, replace
from typing import Any

from themetag.errors import UnreadableReport, UsageError

MIB = 2**20


@dataclass(frozen=True)
class Limits:
    """The most the readers take from one report file; pass `read_report(path, limits=...)`."""

    # Bytes of one file, refused before it is opened. Reports run to tens of MB (a 50 MiB text
    # report is tagged whole, docs/ROBUSTNESS.md); a file past 100 MiB is a dump or a disk image
    # sooner than a report, and tagging that much text would take many GB.
    max_file_bytes: int = 100 * MIB
    # Bytes of a .docx's parts once unzipped, as its zip declares them, checked before parsing.
    # Images are compressed already and count at about their size in the file, so this is the
    # file limit with room for XML. python-docx takes some 13 times the XML's size (120 MiB of
    # it took 1.6 GB and 39 s; a 3.6 MB docx of 1 GiB took 9.8 GB): a docx stays under 2 GB.
    max_docx_unzipped_bytes: int = 128 * MIB
    # How many times a docx part of more than 1 MiB may inflate. The XML of varied text inflates
    # about 4 times, of blank paragraphs or empty tables 160-290 times (python-docx's output,
    # measured); a part near deflate's ceiling of 1032 is one byte repeated: a zip bomb.
    max_docx_ratio: int = 500
    # Characters of one report's text. The 50 MiB report of docs/ROBUSTNESS.md is 19.5 million
    # characters and takes 1.8 GB to tag; memory grows in step with the text, so this keeps the
    # tagging of one report under about 5 GB.
    max_text_chars: int = 50_000_000
    # Elements open at once in a web page. Pages nest 10-50 deep, sloppy ones with unclosed
    # <font> some hundreds. The HTML parser scans the open elements at each stray end tag, so
    # this bounds its time too: 100 MB of stray end tags inside 509 open elements take 12 s.
    max_html_depth: int = 512
    # Seconds LibreOffice may take to turn one .doc, .wps or RTF file into .docx before it is
    # killed. A report of a few pages takes 0.7 s, one of 700 pages of text (3.2 MB) 26 s and
    # one of 46 MB, mostly pictures, 1.3 s; a converter stuck on a damaged file would hold its
    # worker for ever.
    max_convert_seconds: int = 120
    # Pages of one PDF read by OCR. A scanned report runs to 5-50 pages; a page takes about
    # 2.5 s (rendered at 300 dpi, read by Tesseract on one core), so 100 pages take 4 minutes.
    max_ocr_pages: int = 100
    # Seconds to render and read one scanned page. A full A4 page of text takes 2.5 s; pages
    # render at A4's size whatever theirs, so only a damaged page or a stuck tool comes near.
    max_ocr_page_seconds: int = 60
    # Whether the pages of a PDF without a text layer are read by OCR (`--ocr`): off unless
    # asked, as it takes seconds a page and needs Tesseract (readers/ocr.py).
    ocr: bool = False

    def __post_init__(self) -> None:
        for field in fields(self):
            value = getattr(self, field.name)
            if field.name == "ocr":
                if type(value) is not bool:
                    raise UsageError(f"Limits.ocr must be True or False: {value!r}")
            elif type(value) is not int or value < 1:
                raise UsageError(f"Limits.{field.name} must be a whole number over 0: {value!r}")

    def with_options(self, options: Iterable[str]) -> Limits:
        """These limits with NAME=VALUE options applied, as `--limit max_file_bytes=300MiB`."""
        names = [field.name for field in fields(self) if field.name != "ocr"]
        changes: dict[str, Any] = {}
        for option in options:
            name, _, value = option.partition("=")
            if name not in names:
                raise UsageError(f"--limit {option}: the limits are {', '.join(names)}")
            changes[name] = byte_count(value, f"--limit {option}")
        return replace(self, **changes)


def byte_count(value: str, option: str) -> int:
    """A whole number given on the command line, bytes perhaps with KiB, MiB or GiB (300MiB)."""
    number = _NUMBER.fullmatch(value.strip().replace("_", ""))
    if not number:
        raise UsageError(f"{option}: give a whole number, for bytes perhaps with KiB, MiB or GiB")
    return int(number[1]) * _UNITS[number[2].lower()]


_NUMBER = re.compile(r"(\d+)\s*((?:[kmg]i?b?)?)", re.IGNORECASE)
_UNITS = {
    prefix + tail: 1024**power
    for power, prefix in enumerate(["", "k", "m", "g"])
    for tail in (["", "ib", "i", "b"] if prefix else [""])
}


def size(count: int) -> str:
    """A byte count as people read it: 512 bytes, 3.5 KiB, 210 MiB, 1 GiB."""
    for unit, scale in (("GiB", 2**30), ("MiB", MIB), ("KiB", 2**10)):
        if count >= scale:
            return f"{count / scale:.1f}".removesuffix(".0") + f" {unit}"
    return f"{count} bytes"


def characters(count: int) -> str:
    """A character count as people read it: 900 characters, 52.4 million characters."""
    if count < 1_000_000:
        return f"{count:,} characters"
    return f"{count / 1e6:.1f}".removesuffix(".0") + " million characters"


def over(what: str, limit: str, field: str) -> UnreadableReport:
    """The refusal of a file past a limit, naming the limit and how to raise it."""
    return UnreadableReport(
        f"{what}, over the {limit} limit (to read it, raise it: --limit {field}=…,"
        f" or Limits({field}=…) in Python)"
    )


DEFAULT_LIMITS = Limits()
