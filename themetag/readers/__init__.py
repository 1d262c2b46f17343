"""Reading reports from files: one module per format, each naming the suffixes it reads.

A reader module defines `SUFFIXES` and `read(data: bytes, limits: Limits) -> str`; adding a
format is adding a module to this package. `read_report` guards what enters and leaves them."""

from __future__ import annotations

import importlib
import os
import pkgutil
import re
import stat
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from themetag.errors import UnreadableReport
from themetag.outputs import PAGE_HEAD_BYTES, PAGE_MARK
from themetag.readers.limits import DEFAULT_LIMITS, Limits, characters, over, size

__all__ = [
    "READERS",
    "Found",
    "Limits",
    "PassedOver",
    "UnreadableReport",
    "find_reports",
    "read_bytes",
    "read_report",
    "read_stream",
]


def _discover() -> dict[str, Callable[[bytes, Limits], str]]:
    readers = {}
    for module_info in pkgutil.iter_modules(__path__):
        module = importlib.import_module(f"{__name__}.{module_info.name}")
        for suffix in getattr(module, "SUFFIXES", ()):
            readers[suffix] = module.read
    return readers


# Content that announces its format is read as that format whatever the file's name: reports
# saved as .txt that are really PDF, or .docx renamed .pdf, are common in downloaded folders;
# so are Word 97-2003 files (OLE2) renamed .docx, and RTF saved as .doc.
_SIGNATURES = (
    (b"%PDF-", ".pdf"),
    (b"PK\x03\x04", ".docx"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", ".doc"),
    (b"{\\rtf", ".rtf"),
)
# Opening a FIFO waits for a writer and a device can stream for ever: only regular files are read.
_NOT_REGULAR = {
    stat.S_IFIFO: "a named pipe (FIFO)",
    stat.S_IFSOCK: "a socket",
    stat.S_IFCHR: "a character device",
    stat.S_IFBLK: "a block device",
}
# One read takes a file that is the size it says; a file that says 0 (as /proc files do) is
# read in steps of this.
_STEP = 1 << 16


def read_report(path: str | Path, *, limits: Limits = DEFAULT_LIMITS) -> str:
    """The text of a report file of any supported format; UnreadableReport says why not."""
    path = Path(path)
    info = _look_up(path)
    suffix = path.suffix.lower()
    reader = READERS.get(suffix)
    if reader is None:
        known = ", ".join(sorted(READERS))
        raise UnreadableReport(f"unknown file type {path.suffix or '(none)'!r}; reads {known}")
    data = _read_file(path, info, limits)
    if not data.strip():
        raise UnreadableReport("the file is empty")
    content = next((kind for mark, kind in _SIGNATURES if data.startswith(mark)), None)
    # One reader takes several kinds (.doc, .wps and RTF alike): a file it reads is not misnamed.
    misnamed = (
        f"a {content} file named {path.suffix}: "
        if content and READERS[content] is not reader
        else ""
    )
    try:
        text = READERS[content](data, limits) if content else reader(data, limits)
    except UnreadableReport as error:
        raise UnreadableReport(f"{misnamed}{error}") from None
    except Exception as error:  # parsers of damaged files fail in many ways; name it, go on
        raise UnreadableReport(
            f"{misnamed}cannot read the file ({type(error).__name__}: {error})"
        ) from None
    del data  # the text alone is kept from here on
    return _checked(text, limits)


def read_stream(data: bytes, *, limits: Limits = DEFAULT_LIMITS) -> str:
    """Plain text given as bytes (a report piped to standard input), read as a .txt file is."""
    if len(data) > limits.max_file_bytes:
        most = size(limits.max_file_bytes)
        raise over(f"the input holds more than {most}", most, "max_file_bytes")
    return _checked(READERS[".txt"](data, limits), limits)


def _checked(text: str, limits: Limits) -> str:
    text = clean_text(text)
    if len(text) > limits.max_text_chars:
        length, most = characters(len(text)), characters(limits.max_text_chars)
        raise over(f"the text is {length}", most, "max_text_chars")
    if not text.strip():
        raise UnreadableReport("no text found in the file")
    return text


def read_bytes(path: str | Path, limits: Limits = DEFAULT_LIMITS) -> bytes:
    """The bytes of a regular file within `limits.max_file_bytes`, else UnreadableReport."""
    path = Path(path)
    return _read_file(path, _look_up(path), limits)


def _look_up(path: Path) -> os.stat_result:
    try:
        info = os.stat(path)  # follows links: a link to /dev/zero is a device, not a file
    except OSError as error:
        # Checked first: a missing folder has no suffix and would pass for an unknown type.
        raise UnreadableReport(error.strerror or str(error)) from None
    if stat.S_ISDIR(info.st_mode):
        raise _folder_error(path)
    return info


def _folder_error(path: Path) -> UnreadableReport:
    # find_reports lists a folder it could not list, so that the run names it: say why.
    try:
        with os.scandir(path):
            pass
    except OSError as error:
        return UnreadableReport(f"cannot list the folder: {error.strerror or error}")
    return UnreadableReport("a folder, not a report file")


def _read_file(path: Path, info: os.stat_result, limits: Limits) -> bytes:
    """The bytes of a regular file of at most `limits.max_file_bytes`, else UnreadableReport."""
    _check_regular(path, info.st_mode)
    most = limits.max_file_bytes
    if info.st_size > most:
        raise over(f"the file is {size(info.st_size)}", size(most), "max_file_bytes")
    try:
        # Non-blocking, so that a FIFO put in the file's place since the check cannot hang us.
        handle = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except OSError as error:
        raise UnreadableReport(error.strerror or str(error)) from None
    try:
        opened = os.fstat(handle)
        _check_regular(path, opened.st_mode)
        parts: list[bytes] = []
        total = 0
        step = max(opened.st_size + 1, _STEP)
        # At most one byte past the limit: a file that grows, or lies about its size, is
        # refused without being held whole.
        while total <= most:
            part = os.read(handle, min(step, most + 1 - total))
            if not part:
                break
            parts.append(part)
            total += len(part)
    except OSError as error:
        raise UnreadableReport(error.strerror or str(error)) from None
    finally:
        os.close(handle)
    if total > most:
        raise over(f"the file holds more than {size(most)} when read", size(most), "max_file_bytes")
    return parts[0] if len(parts) == 1 else b"".join(parts)


def _check_regular(path: Path, mode: int) -> None:
    if stat.S_ISREG(mode):
        return
    kind = _NOT_REGULAR.get(stat.S_IFMT(mode), "a file of an unknown kind")
    link = f" ({path.name} is a link to {os.path.realpath(path)})" if path.is_symlink() else ""
    raise UnreadableReport(f"not a regular file but {kind}{link}")


# Text is made safe once, here, for every writer after it: a lone surrogate (from a PDF's
# character map or broken UTF-16) cannot be encoded as UTF-8, and control characters and the
# noncharacters U+FFFE/U+FFFF are refused by XML, so by Excel files.
_UNSAFE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u2028\u2029\ud800-\udfff\ufffe\uffff]")
_REPLACED = re.compile("[\ud800-\udfff\ufffe\uffff]")
# The separators str.splitlines() breaks at: they end a line, so they become one.
_LINE_BREAKS = re.compile("[\x0b\x0c\x1c-\x1e\x85\u2028\u2029]")
_DROPPED = re.compile("[\x00-\x08\x0e-\x1b\x1f\x7f-\x84\x86-\x9f]")


def clean_text(text: str) -> str:
    """Text any writer takes: lone surrogates as U+FFFD, no control character but tab and
    line breaks (line separators become newlines)."""
    if not _UNSAFE.search(text):
        return text  # nearly every report: one scan, no copy
    text = _REPLACED.sub("\ufffd", text)
    text = _LINE_BREAKS.sub("\n", text)
    return _DROPPED.sub("", text)


@dataclass(frozen=True)
class PassedOver:
    """A file met inside a folder and not read, with the reason."""

    path: Path
    reason: str


@dataclass(frozen=True)
class Found:
    """The report files to tag, in order, and the files inside folders passed over."""

    reports: list[Path] = field(default_factory=list)
    passed_over: list[PassedOver] = field(default_factory=list)


# Reasons a file inside a folder is not read; a run names each in its summary and errors file.
HIDDEN = "hidden (its name starts with a dot)"
HIDDEN_FOLDER = "a hidden folder, not looked into"
OUR_PAGE = "a page themetag wrote (an earlier run's output)"


def find_reports(paths: Iterable[str | Path] | str | Path) -> Found:
    """The report files named, and those of a supported type inside named folders, in order.

    Named files are kept whatever their type, as is a folder inside that cannot be listed:
    reading it says why. Every other file inside a folder that is not read, hidden ones,
    those of other types and the pages themetag wrote (which a later run would otherwise
    tag as reports), is passed over with its reason."""
    if isinstance(paths, (str, os.PathLike)):
        paths = [paths]  # one path, not a sequence of one-letter names
    found = Found()
    for path in map(Path, paths):
        if os.path.isdir(path):  # False, not an error, for a path that cannot be looked at
            _walk(path, found)
        else:
            found.reports.append(path)
    return found


def _is_page_of_ours(path: Path) -> bool:
    try:
        # Non-blocking and regular files only, as in _read_file: a FIFO named .html must not hang.
        handle = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
        try:
            regular = stat.S_ISREG(os.fstat(handle).st_mode)
            head = os.read(handle, PAGE_HEAD_BYTES) if regular else b""
        finally:
            os.close(handle)
    except OSError:
        return False  # reading it will say why
    return PAGE_MARK.encode() in head


def _walk(folder: Path, found: Found) -> None:
    reports: list[Path] = []
    passed_over: list[PassedOver] = []

    def unlisted(error: OSError) -> None:
        reports.append(Path(error.filename) if error.filename else folder)

    for top, folders, files in os.walk(folder, onerror=unlisted):
        hidden = [name for name in folders if name.startswith(".")]
        passed_over += (PassedOver(Path(top, name), HIDDEN_FOLDER) for name in hidden)
        folders[:] = sorted(set(folders) - set(hidden))
        for name in files:
            path = Path(top, name)
            reason = _not_read_because(path)
            if reason:
                passed_over.append(PassedOver(path, reason))
            else:
                reports.append(path)
    found.reports.extend(sorted(reports))
    found.passed_over.extend(sorted(passed_over, key=lambda item: item.path))


def _not_read_because(path: Path) -> str | None:
    if path.name.startswith("."):
        return HIDDEN
    reader = READERS.get(path.suffix.lower())
    if reader is None:
        kind = f"a {path.suffix} file" if path.suffix else "a file without a suffix"
        return f"{kind}, a type themetag does not read ({', '.join(sorted(READERS))})"
    if reader is READERS[".html"] and _is_page_of_ours(path):
        return OUR_PAGE
    return None


# Discovered last: a reader module may import the helpers above from this package.
READERS = _discover()
