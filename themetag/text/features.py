"""Featurisation: TF-IDF over character n-grams of normalised text, and jieba words."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from scipy.sparse import csr_matrix
    from sklearn.feature_extraction.text import TfidfVectorizer

# A code point needs 21 bits; an n-gram of up to three is packed into one uint64 key, each
# character stored as code point + 1 so that keys of different lengths never collide.
_CODE_BITS = 21
MAX_PACKED_NGRAM = 64 // _CODE_BITS
_SEPARATOR = np.uint64((1 << _CODE_BITS) - 1)  # above every code point + 1


@lru_cache(maxsize=1)
def _jieba():
    import jieba  # its import and dictionary load cost a second; only words and explain need it

    jieba.setLogLevel(logging.WARNING)
    return jieba


@lru_cache(maxsize=50_000)
def _cut(text: str) -> tuple[str, ...]:
    return tuple(word for word in _jieba().lcut(text) if any(c.isalnum() for c in word))


def jieba_words(text: str) -> list[str]:
    """The words of a normalised text, as jieba cuts them, without spaces and punctuation."""
    # Cross-validation featurises every segment once per fold: the cache cuts each once.
    return list(_cut(text))


def ngram_key(gram: str) -> int:
    """The integer key of a character n-gram (up to three characters)."""
    key = 0
    for character in gram:
        key = (key << _CODE_BITS) | (ord(character) + 1)
    return key


def key_ngram(key: int) -> str:
    """The character n-gram an integer key stands for."""
    characters = []
    while key:
        characters.append(chr((key & ((1 << _CODE_BITS) - 1)) - 1))
        key >>= _CODE_BITS
    return "".join(reversed(characters))


# Vocabulary lookups go through an open-addressing hash table of this many slots per key:
# twice as fast as a binary search over the sorted keys.
_SLOTS_PER_KEY = 3
_HASH_MULTIPLIER = np.uint64(0x9E3779B97F4A7C15)


class _KeyTable:
    """Positions of uint64 keys in a sorted array, found by vectorised linear probing."""

    def __init__(self, keys: np.ndarray):
        self.bits = max(int(len(keys) * _SLOTS_PER_KEY).bit_length(), 4)
        self.mask = (1 << self.bits) - 1
        self.keys = np.zeros(1 << self.bits, np.uint64)  # 0 is never a key: an empty slot
        self.positions = np.full(1 << self.bits, -1, np.int32)
        pending = np.arange(len(keys))
        slots = self._slots(keys)
        while len(pending):
            free = self.keys[slots] == 0
            taken, first = np.unique(slots[free], return_index=True)
            placed = pending[free][first]
            self.keys[taken], self.positions[taken] = keys[placed], placed
            moving = np.ones(len(pending), bool)
            moving[np.flatnonzero(free)[first]] = False
            pending, slots = pending[moving], (slots[moving] + 1) & self.mask

    def _slots(self, keys: np.ndarray) -> np.ndarray:
        return ((keys * _HASH_MULTIPLIER) >> np.uint64(64 - self.bits)).astype(np.int64)

    def find(self, keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Which of the keys are in the table (their indices), and the positions of those."""
        slots = self._slots(keys)
        stored = self.keys[slots]
        hit = stored == keys
        # Most keys are settled by their first slot; only the few that collided probe on.
        probing = np.flatnonzero(~hit & (stored != 0))
        while len(probing):
            slots[probing] = (slots[probing] + 1) & self.mask
            stored = self.keys[slots[probing]]
            found = stored == keys[probing]
            hit[probing[found]] = True
            probing = probing[~found & (stored != 0)]
        known = np.flatnonzero(hit)
        # Positions read for the keys found only: most n-grams of a text are not in the table.
        return known, self.positions[slots[known]].astype(np.int64)


@dataclass
class CharNgramTfidf:
    """A fitted character n-gram TF-IDF vectorizer, computed with numpy instead of Python loops.

    `keys` holds the vocabulary as sorted n-gram keys and `idf` their weights; it gives the
    same rows as scikit-learn's `TfidfVectorizer(analyzer="char")` it was made from."""

    keys: np.ndarray
    idf: np.ndarray
    ngram_range: tuple[int, int]
    sublinear_tf: bool

    def __post_init__(self):
        self._table = _KeyTable(self.keys)

    @classmethod
    def from_vectorizer(cls, vectorizer: TfidfVectorizer) -> tuple[CharNgramTfidf, np.ndarray]:
        """The vectorizer in key order, and for each key its column in the vectorizer."""
        terms = vectorizer.vocabulary_
        keys = np.fromiter((ngram_key(t) for t in terms), dtype=np.uint64, count=len(terms))
        columns = np.fromiter(terms.values(), dtype=np.int64, count=len(terms))
        order = np.argsort(keys)
        idf = vectorizer.idf_.astype(np.float32)[columns[order]]
        ngram_range = tuple(vectorizer.ngram_range)
        return cls(keys[order], idf, ngram_range, bool(vectorizer.sublinear_tf)), columns[order]

    def transform(self, texts: list[str]) -> csr_matrix:
        """L2-normalised TF-IDF rows of normalised texts, one column per vocabulary key."""
        from scipy.sparse import csr_matrix

        lengths = np.fromiter(map(len, texts), dtype=np.int64, count=len(texts))
        codes = np.frombuffer("".join(texts).encode("utf-32-le", "surrogatepass"), np.uint32)
        # Texts are kept apart by a code no character has, so that an n-gram running from one
        # text into the next is never in the vocabulary.
        codes = np.insert(codes.astype(np.uint64) + 1, np.cumsum(lengths)[:-1], _SEPARATOR)
        row_of = np.repeat(np.arange(len(texts)), lengths + 1)[: len(codes)]
        rows, columns = [np.zeros(0, np.int64)], [np.zeros(0, np.int64)]
        low, high = self.ngram_range
        for n in range(low, high + 1):
            count = len(codes) - n + 1
            if count <= 0:
                continue
            keys = codes[:count].copy()
            for k in range(1, n):
                keys = (keys << np.uint64(_CODE_BITS)) | codes[k : k + count]
            known, found = self._table.find(keys)
            rows.append(row_of[known])
            columns.append(found)
        # Counting the repeats of each (text, n-gram) cell gives the term frequencies; a cell
        # packs its row above its column's bits (shifts, not a division by the vocabulary).
        column_bits = max(len(self.keys).bit_length(), 1)
        cells = np.concatenate(rows) << column_bits | np.concatenate(columns)
        cells.sort()
        first = np.flatnonzero(np.diff(cells, prepend=-1))  # cells are never negative
        counts = np.diff(np.append(first, len(cells)))
        cells = cells[first]
        cell_rows, cell_columns = cells >> column_bits, cells & ((1 << column_bits) - 1)
        tf = counts.astype(np.float32)
        if self.sublinear_tf:
            tf = np.log(tf) + 1
        values = tf * self.idf[cell_columns]
        norms = np.sqrt(np.bincount(cell_rows, values * values, minlength=len(texts)))
        row_starts = np.concatenate([[0], np.cumsum(np.bincount(cell_rows, minlength=len(texts)))])
        return csr_matrix(
            ((values / norms[cell_rows]).astype(np.float32), cell_columns, row_starts),
            shape=(len(texts), len(self.keys)),
        )
