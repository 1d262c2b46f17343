"""Reading reports from files: one module per format, each naming the suffixes it reads.

A reader module defines `SUFFIXES` and `read(data: bytes) -> str`; adding a format is
adding a module to this package."""

from __future__ import annotations

import errno
import importlib
import os
import pkgutil
from collections.abc import Callable, Iterable
from pathlib import Path

from themetag.errors import UnreadableReport

__all__ = ["READERS", "UnreadableReport", "find_reports", "read_report"]


def _discover() -> dict[str, Callable[[bytes], str]]:
    readers = {}
    for module_info in pkgutil.iter_modules(__path__):
        module = importlib.import_module(f"{__name__}.{module_info.name}")
        for suffix in getattr(module, "SUFFIXES", ()):
            readers[suffix] = module.read
    return readers


READERS = _discover()


# Content that announces its format is read as that format whatever the file's name: reports
# saved as .txt that are really PDF, or .docx renamed .pdf, are common in downloaded folders.
_SIGNATURES = ((b"%PDF-", ".pdf"), (b"PK\x03\x04", ".docx"))


def read_report(path: str | Path) -> str:
    """The text of a report file of any supported format; UnreadableReport says why not."""
    path = Path(path)
    if not path.exists():
        # Checked first: a missing folder has no suffix and would pass for an unknown type.
        raise UnreadableReport(os.strerror(errno.ENOENT))
    suffix = path.suffix.lower()
    reader = READERS.get(suffix)
    if reader is None:
        known = ", ".join(sorted(READERS))
        raise UnreadableReport(f"unknown file type {path.suffix or '(none)'!r}; reads {known}")
    try:
        data = path.read_bytes()
    except OSError as error:
        raise UnreadableReport(error.strerror or str(error)) from None
    if not data.strip():
        raise UnreadableReport("the file is empty")
    content = next((kind for mark, kind in _SIGNATURES if data.startswith(mark)), None)
    misnamed = f"a {content} file named {path.suffix}: " if content not in (None, suffix) else ""
    try:
        text = READERS[content](data) if content else reader(data)
    except UnreadableReport as error:
        raise UnreadableReport(f"{misnamed}{error}") from None
    except Exception as error:  # parsers of damaged files fail in many ways; name it, go on
        raise UnreadableReport(
            f"{misnamed}cannot read the file ({type(error).__name__}: {error})"
        ) from None
    if not text.strip():
        raise UnreadableReport("no text found in the file")
    return text


def find_reports(paths: Iterable[str | Path] | str | Path) -> list[Path]:
    """The report files named, and those of a supported type inside named folders, in order.

    Named files are kept whatever their type (so an unsupported one is reported, not lost);
    a folder contributes its supported files, recursively, hidden ones skipped."""
    if isinstance(paths, (str, os.PathLike)):
        paths = [paths]  # one path, not a sequence of one-letter names
    found: list[Path] = []
    for path in map(Path, paths):
        if path.is_dir():
            found += sorted(
                p
                for p in path.rglob("*")
                if p.is_file()
                and p.suffix.lower() in READERS
                and not any(part.startswith(".") for part in p.relative_to(path).parts)
            )
        else:
            found.append(path)
    return found
