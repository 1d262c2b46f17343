"""Text normalisation before featurisation: width, script, case, figures and spacing."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

import numpy as np
import opencc

# PDF and 文库 extraction put spaces between Chinese characters; they carry no meaning.
_SPACES = re.compile(r"\s+")
_CJK_BEFORE = re.compile(r"[\u3000-\u9fff\uff00-\uffef]")
_CJK_AFTER = re.compile(r"[\u3000-\u9fff]")
_DIGITS = re.compile(r"\d+(?:\.\d+)?")
_MASKS = re.compile(r"[x*×]{2,}")
# Mirror sites that convert to traditional characters glue tone-marked pinyin after some of
# them (落實(shí), 國(guo)): glosses mean nothing, and the corpus's only glossed text had taught
# the model that a gloss means student_aid. Syllables of letters, after a Chinese character.
# What follows a gloss's opening bracket: letters with a vowel, then the closing bracket.
_SYLLABLE_REST = (
    "(?=[a-zāáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜü]*[aeiouüāáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜ])"
    "[a-zāáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜüńňǹ]{1,6}\\)"
)
# The bracket comes first and the character before it is looked back at from there: led by
# the lookbehind, the pattern was tried at every character (a sixth of normalising a batch).
_PINYIN_GLOSS = re.compile(f"\\((?<=[\u3400-\u9fff]\\(){_SYLLABLE_REST}(?:\\({_SYLLABLE_REST})*")
# Pages pasted with their markup keep tags and entities (<h3>, &nbsp;): layout, not words.
# Never across the character batches are joined with (below): a text ending inside a tag
# (`<p style="…`) and the next starting with its end (`">…`) lost one text of the batch.
_MARKUP = re.compile(r"</?[a-z][a-z0-9]*(?:\s[^<>\ue000]{0,80})?/?>|&(?:[a-z]{2,6}|#\d{2,5});")
# Batches are normalised as one string joined by a private-use character, which NFKC, OpenCC
# (no phrase of its holds it) and the patterns above all leave alone: one call per step
# instead of one per text.
JOIN = "\ue000"
# Lone surrogates cannot be encoded; NULs go too, as OpenCC before 1.4 ended the text at one
# (its C string) and so lost every text after it in a joined batch.
_UNENCODABLE = re.compile("[\ud800-\udfff\x00]")


@lru_cache(maxsize=1)
def _to_simplified() -> opencc.OpenCC:
    return opencc.OpenCC("t2s")


def to_simplified(text: str) -> str:
    """Traditional to simplified characters (OpenCC t2s)."""
    return _to_simplified().convert(text)


def normalize(text: str) -> str:
    """The canonical form a segment is featurised from: NFKC, simplified, lower case,
    figures and masks (XX, **) folded, spacing inside Chinese removed."""
    return _after_width(unicodedata.normalize("NFKC", _before_nfkc(text)))


def half_width(text: str) -> str:
    """Full-width ASCII forms (Ａ, １, ，) made ASCII, by arithmetic on the code points:
    str.translate takes 40-100 ns a character."""
    codes = np.frombuffer(text.encode("utf-32-le"), np.uint32).copy()
    codes[(codes >= 0xFF01) & (codes <= 0xFF5E)] -= 0xFEE0
    return codes.tobytes().decode("utf-32-le")


def _before_nfkc(text: str) -> str:
    """Lone surrogates and NULs replaced, full-width ASCII and the ideographic space made ASCII."""
    # Full-width forms are folded before NFKC: NFKC takes a slow path over any text holding a
    # character it changes, and Chinese text nearly always holds full-width punctuation.
    return half_width(_UNENCODABLE.sub("\ufffd", text)).replace("\u3000", " ")


def _after_width(text: str) -> str:
    text = _PINYIN_GLOSS.sub("", _MARKUP.sub(" ", to_simplified(text).lower()))
    text = _DIGITS.sub("0", text)
    text = _MASKS.sub("x", text)
    return _SPACES.sub(_space, text).strip()


def _space(run: re.Match) -> str:
    """A run of whitespace is dropped beside Chinese and made one space elsewhere."""
    text, start, end = run.string, run.start(), run.end()
    beside_chinese = (start and _CJK_BEFORE.match(text, start - 1)) or _CJK_AFTER.match(text, end)
    return "" if beside_chinese else " "


def normalize_many(texts: list[str]) -> list[str]:
    """`normalize` of each text, computed for the whole batch at once."""
    if len(texts) < 2 or any(JOIN in t for t in texts):
        return [normalize(t) for t in texts]
    # NFKC a text at a time keeps its slow path to the few texts that need it.
    parts = _before_nfkc(JOIN.join(texts)).split(JOIN)
    folded = JOIN.join(unicodedata.normalize("NFKC", part) for part in parts)
    return [part.strip() for part in _after_width(folded).split(JOIN)]
