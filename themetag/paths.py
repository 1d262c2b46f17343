"""File names as people read them, whatever bytes the file system holds."""

from __future__ import annotations

import os


def readable(path: str | os.PathLike[str]) -> str:
    """A file name with no undecodable bytes: names unzipped from a Chinese Windows archive are
    GBK bytes that Python keeps as lone surrogates, which no UTF-8 output can hold."""
    text = os.fspath(path)
    try:
        text.encode("utf-8")
        return text
    except UnicodeEncodeError:
        raw = os.fsencode(text)
    for encoding in ("gb18030", "big5"):
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    return raw.decode("utf-8", "replace")
