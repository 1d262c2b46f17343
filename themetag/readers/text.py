"""Plain text in any common Chinese encoding: UTF-8 (with or without BOM), GB18030/GBK, Big5,
UTF-16."""

from __future__ import annotations

import codecs
import re

from themetag.errors import UnreadableReport
from themetag.readers.limits import Limits

SUFFIXES = (".txt", ".text", ".md")
_BOMS = (
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
# Without a BOM, text that is not UTF-8 is most often GB18030 in Chinese offices, then Big5 or
# UTF-16; earlier wins a tie. Guessing among every encoding instead read one short GBK text in
# eight as Korean or UTF-16.
_CHINESE_ENCODINGS = ("gb18030", "big5", "utf_16_le", "utf_16_be")
# Enough characters to tell a right decoding from mojibake, few enough to be quick on any file.
_SAMPLE = 20_000
_CONTROL = re.compile("[\x00-\x08\x0b\x0e-\x1f\x7f]")
# What a Chinese report is written in: ASCII, Latin-1, punctuation and symbols, CJK. A wrong
# decoding of short text scores as clean as the right one but lands in Hangul or private use.
_NOT_REPORT_TEXT = re.compile(
    "[^\x00-\xff\u2000-\u2bff\u3000-\u303f\u30fb\u3400-\u4dbf\u4e00-\u9fff\uff00-\uffef]"
)


# In a file marked UTF-16 by its BOM, or that is UTF-8, a lone surrogate (half of a UTF-16
# pair, or its 3-byte UTF-8 form that CESU-8 and WTF-8 writers leave) is decoded as itself for
# read_report to replace: one bad character must not lose the report, nor send UTF-8 text to
# be guessed as another encoding.
_SURROGATES = "surrogatepass"


def read(data: bytes, limits: Limits) -> str:
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            return data.decode(encoding, _SURROGATES)
    try:
        text = data.decode("utf-8", _SURROGATES)
    except UnicodeDecodeError:
        text = ""
    # Multi-byte UTF-8 is never an accident; plain ASCII full of control bytes is binary or
    # UTF-16 without its BOM.
    if text and (looks_like_text(text) or not text.isascii()):
        return text
    from charset_normalizer import from_bytes  # imported on first use, like every parser
    from charset_normalizer.md import mess_ratio

    candidates = []
    for rank, encoding in enumerate(_CHINESE_ENCODINGS):
        try:
            text = data.decode(encoding)  # a guess: one with a surrogate is a wrong guess
        except UnicodeDecodeError:
            continue
        if looks_like_text(text):
            sample = text[:_SAMPLE]
            foreign = len(_NOT_REPORT_TEXT.findall(sample)) / len(sample)
            candidates.append((foreign, mess_ratio(sample, 1.0), rank, text))
    if candidates:
        return min(candidates)[-1]
    best = from_bytes(data).best()
    if best and looks_like_text(str(best)):
        return str(best)
    raise UnreadableReport("binary data, not text in UTF-8, GB18030, Big5 or UTF-16")


def looks_like_text(text: str) -> bool:
    """Whether a decoded text has at most 1% control characters (binary data has many)."""
    return len(_CONTROL.findall(text)) <= len(text) * 0.01
