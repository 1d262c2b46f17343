"""Reading reports from files."""

from __future__ import annotations

from pathlib import Path


class UnreadableReport(ValueError):
    """A report file that cannot be read as text; the message says why."""


def read_report(path: str | Path) -> str:
    """The text of a plain-text report (UTF-8, with or without BOM, or GB18030)."""
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as error:
        raise UnreadableReport(f"{path}: {error.strerror or error}") from None
    if not data.strip():
        raise UnreadableReport(f"{path}: the file is empty")
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise UnreadableReport(f"{path}: not text in UTF-8 or GB18030")
