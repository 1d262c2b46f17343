"""The compiled limit: the shipped model's arrays scored by one numba kernel, no numpy passes.

It reads exactly what `LinearThemes` holds (the vocabulary's hash table, idf, class weights,
intercept, n-gram range, sublinear tf and the temperature) and does what
`themetag.text.features.CharNgramTfidf.transform` and `LinearThemes.predict_proba` do, one
text at a time in a single loop: each n-gram packed into its key (21 bits a character, code
point + 1), looked up by linear probing from its multiplicative hash, counted, weighted by tf
and idf, L2-normalised, multiplied into the class weights, then the softmax with the model's
inverse temperature. What is left to a faster themetag after this is its Python: numba is
the floor of this algorithm on one core, not a dependency of themetag.

bench/bench.py times it; numba is imported here only, so that the bench runs without it.
"""

from __future__ import annotations

import numpy as np
from numba import njit

# As in themetag/text/features.py: bits of one character in a key, and the hash multiplier.
CODE_BITS = 21
HASH_MULTIPLIER = 0x9E3779B97F4A7C15


@njit(nogil=True, cache=False)
def _score(
    codes,
    offsets,
    table_keys,
    table_positions,
    bits,
    idf,
    weights,
    intercept,
    low,
    high,
    sublinear,
    inverse_temperature,
    out,
):
    """Probabilities of each text (codes[offsets[t]:offsets[t + 1]]) into out, one row a text."""
    n_texts = len(offsets) - 1
    classes = weights.shape[1]
    mask = np.uint64((1 << bits) - 1)
    shift = np.uint64(64 - bits)
    multiplier = np.uint64(HASH_MULTIPLIER)
    code_bits = np.uint64(CODE_BITS)
    longest = 0
    for t in range(n_texts):
        longest = max(longest, offsets[t + 1] - offsets[t])
    capacity = longest * (high - low + 1) + 1
    columns = np.empty(capacity, np.int64)
    counts = np.empty(capacity, np.float64)
    # Where a column sits in this text's list of columns, -1 when not in it; reset per text.
    mark = np.full(len(idf), -1, np.int64)
    for t in range(n_texts):
        start, stop = offsets[t], offsets[t + 1]
        found = 0
        for n in range(low, high + 1):
            for i in range(start, stop - n + 1):
                key = np.uint64(0)
                for j in range(n):
                    key = (key << code_bits) | np.uint64(codes[i + j] + 1)
                slot = (key * multiplier) >> shift
                position = -1
                while True:
                    stored = table_keys[slot]
                    if stored == key:
                        position = table_positions[slot]
                        break
                    if stored == 0:
                        break
                    slot = (slot + np.uint64(1)) & mask
                if position >= 0:
                    at = mark[position]
                    if at < 0:
                        mark[position] = found
                        columns[found] = position
                        counts[found] = 1.0
                        found += 1
                    else:
                        counts[at] += 1.0
        norm = 0.0
        for q in range(found):
            value = (np.log(counts[q]) + 1.0 if sublinear else counts[q]) * idf[columns[q]]
            counts[q] = value
            norm += value * value
        for c in range(classes):
            out[t, c] = intercept[c]
        if found:
            norm = np.sqrt(norm)
            for q in range(found):
                column = columns[q]
                mark[column] = -1
                value = counts[q] / norm
                for c in range(classes):
                    out[t, c] += value * weights[column, c]
        highest = -np.inf
        for c in range(classes):
            out[t, c] *= inverse_temperature
            highest = max(highest, out[t, c])
        total = 0.0
        for c in range(classes):
            out[t, c] = np.exp(out[t, c] - highest)
            total += out[t, c]
        for c in range(classes):
            out[t, c] /= total
    return out


class CompiledScorer:
    """A loaded model's segment scorer (`model.linear`), compiled: `predict_proba` of texts
    already normalised gives what `model.linear.predict_proba` gives, to float32 rounding."""

    def __init__(self, linear):
        features = linear.features
        table = features._table
        self.table_keys = np.ascontiguousarray(table.keys, np.uint64)
        self.table_positions = np.ascontiguousarray(table.positions, np.int64)
        self.bits = int(table.bits)
        self.idf = np.ascontiguousarray(features.idf)  # as shipped: float32
        self.weights = np.ascontiguousarray(linear.weights)
        self.intercept = np.ascontiguousarray(linear.intercept)
        self.low, self.high = (int(n) for n in features.ngram_range)
        self.sublinear = bool(features.sublinear_tf)
        self.inverse_temperature = float(linear.inverse_temperature)

    def compile(self) -> None:
        """Have numba compile the kernel now, so that no timing counts it."""
        self.predict_proba(["编译"])

    def predict_proba(self, normalized: list[str]) -> np.ndarray:
        """Probabilities of normalised texts, one row a text, columns in the model's order."""
        lengths = np.fromiter(map(len, normalized), dtype=np.int64, count=len(normalized))
        offsets = np.zeros(len(normalized) + 1, np.int64)
        np.cumsum(lengths, out=offsets[1:])
        joined = "".join(normalized).encode("utf-32-le", "surrogatepass")
        codes = np.frombuffer(joined, np.uint32)
        out = np.empty((len(normalized), self.weights.shape[1]), np.float64)
        return _score(
            codes,
            offsets,
            self.table_keys,
            self.table_positions,
            self.bits,
            self.idf,
            self.weights,
            self.intercept,
            self.low,
            self.high,
            self.sublinear,
            self.inverse_temperature,
            out,
        )
