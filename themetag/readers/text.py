"""Plain text in any common Chinese encoding: UTF-8 (with or without BOM), GB18030/GBK, UTF-16."""

from __future__ import annotations

import codecs

from themetag.readers.errors import UnreadableReport

SUFFIXES = (".txt", ".text", ".md")
_BOMS = (
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)


def read(data: bytes) -> str:
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            return data.decode(encoding)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    from charset_normalizer import from_bytes  # imported on first use, like every parser

    best = from_bytes(data).best()
    # Without a BOM, text that is not UTF-8 is most often GB18030 in Chinese offices.
    for encoding in ([best.encoding] if best else []) + ["gb18030"]:
        try:
            text = data.decode(encoding)
        except (UnicodeDecodeError, LookupError):
            continue
        if _looks_like_text(text):
            return text
    raise UnreadableReport("binary data, not text in UTF-8, GB18030 or UTF-16")


def _looks_like_text(text: str) -> bool:
    control = sum(1 for c in text if ord(c) < 32 and c not in "\r\n\t\f")
    return control <= len(text) * 0.01
