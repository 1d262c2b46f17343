"""Scoring segments with a fitted model held as plain arrays: no scikit-learn, no pickle."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from itertools import pairwise
from pathlib import Path
from typing import Any

import numpy as np

from themetag.model.context import NOT_CONTENT, ContextThemes, ReportContext, softmax
from themetag.text.features import CharNgramTfidf, jieba_words, key_ngram
from themetag.text.normalize import normalize_many
from themetag.text.structure import read_structure

# Texts featurised at once: bounds the memory of the n-gram arrays on huge batches.
CHUNK_TEXTS = 512
# Segments whose context inputs are made at once: 218 numbers a segment, 1.7 KB, which held
# for all segments of a 50 MB report took a gigabyte.
CONTEXT_ROWS = 4096


@dataclass
class LinearThemes:
    """A fitted segment model as plain arrays: TF-IDF vocabulary, class weights, temperature.

    It scores exactly as the scikit-learn pipeline it was made from."""

    classes: list[str]
    features: CharNgramTfidf
    weights: np.ndarray  # one row per vocabulary key, one column per class
    intercept: np.ndarray
    inverse_temperature: float

    def scores(self, normalized: list[str]) -> np.ndarray:
        """Decision scores of normalised texts, one column per class."""
        return np.asarray(self.features.transform(normalized) @ self.weights + self.intercept)

    def predict_proba(self, normalized: list[str]) -> np.ndarray:
        """Calibrated probabilities of normalised texts, columns in `classes` order."""
        return softmax(self.inverse_temperature * self.scores(normalized))


@dataclass(frozen=True)
class ReportScores:
    """One report's probabilities: each segment alone, and in context with the inputs the
    context stage read (None for a model without one)."""

    alone: np.ndarray
    in_context: np.ndarray
    inputs: np.ndarray | None


def _in_context(
    context: ContextThemes,
    reports: Sequence[Sequence[str]],
    probabilities: np.ndarray,
    content: np.ndarray,
    keep_inputs: bool,
) -> list[ReportScores]:
    """Reports' probabilities in context (their rows one after another in `probabilities`),
    their inputs made a slice of CONTEXT_ROWS at a time."""
    count = len(probabilities)
    lengths = np.fromiter((len(t) for texts in reports for t in texts), dtype=np.int64, count=count)
    rows = ReportContext(probabilities, lengths, [read_structure(r) for r in reports], content)
    # A report's rows go through the linear stage by themselves, in slices of CONTEXT_ROWS:
    # a matrix product's last bits depend on its shape, and a report is tagged as alone.
    bounds = np.cumsum([0, *map(len, reports)]).tolist()
    slices = [
        (first, min(first + CONTEXT_ROWS, end))
        for start, end in pairwise(bounds)
        for first in range(start, max(end, start + 1), CONTEXT_ROWS)
    ]
    inputs = rows.features(0, count) if len(reports) > 1 else None
    pieces = []
    # Written in place, a slice at a time: a list of pieces joined at the end held two copies.
    found = np.empty(probabilities.shape)
    for first, last in slices:
        piece = inputs[first:last] if inputs is not None else rows.features(first, last)
        found[first:last] = context.predict_proba(piece)
        if keep_inputs:
            pieces.append(piece)
    kept = np.concatenate(pieces) if keep_inputs else None
    return [
        ReportScores(
            probabilities[start:end], found[start:end], None if kept is None else kept[start:end]
        )
        for start, end in pairwise(bounds)
    ]


def _batches(reports: Sequence[Sequence[str]]) -> Iterator[tuple[int, int]]:
    """Runs of consecutive reports (first, last + 1) of at most CONTEXT_ROWS segments, or one
    report alone when it has more."""
    first, rows = 0, 0
    for index, report in enumerate(reports):
        if rows and rows + len(report) > CONTEXT_ROWS:
            yield first, index
            first, rows = index, 0
        rows += len(report)
    if first < len(reports):
        yield first, len(reports)


@dataclass
class ThemeModel:
    """A loaded model: themes of segments from their text, alone or in their report's context,
    with the card that describes it."""

    linear: LinearThemes
    names: dict[str, str]
    card: dict[str, Any] = field(default_factory=dict)
    path: Path | None = None
    context: ContextThemes | None = None

    @property
    def classes_(self) -> list[str]:
        return self.linear.classes

    @property
    def content_columns(self) -> np.ndarray:
        """Which columns are policy themes (not overview or boilerplate)."""
        return np.array([c not in NOT_CONTENT for c in self.classes_])

    def predict_proba(self, texts: Sequence[str]) -> np.ndarray:
        """Calibrated probabilities, one row per text, columns in `classes_` order."""
        texts = list(texts)
        if not texts:
            return np.zeros((0, len(self.classes_)))
        # Filled a chunk at a time: chunks joined at the end held the rows twice.
        first = self.linear.predict_proba(normalize_many(texts[:CHUNK_TEXTS]))
        found = np.empty((len(texts), first.shape[1]), first.dtype)
        found[: len(first)] = first
        for i in range(CHUNK_TEXTS, len(texts), CHUNK_TEXTS):
            chunk = normalize_many(texts[i : i + CHUNK_TEXTS])
            found[i : i + CHUNK_TEXTS] = self.linear.predict_proba(chunk)
        return found

    def predict_reports(
        self, reports: Sequence[Sequence[str]], *, keep_inputs: bool = False
    ) -> list[ReportScores]:
        """Probabilities of the segments of whole reports (each a list of segment texts in
        reading order), alone and read in context; all segments featurised in one pass. The
        context stage's inputs are kept only if asked (`keep_inputs`, to explain)."""
        alone = self.predict_proba([text for texts in reports for text in texts])
        if self.context is None:
            bounds = np.cumsum([0, *map(len, reports)])
            return [ReportScores(alone[a:b], alone[a:b], None) for a, b in pairwise(bounds)]
        scores: list[ReportScores] = []
        start = 0
        for first, last in _batches(reports):
            batch = reports[first:last]
            rows = sum(map(len, batch))
            scores += _in_context(
                self.context, batch, alone[start : start + rows], self.content_columns, keep_inputs
            )
            start += rows
        return scores

    @property
    def card_digest(self) -> str:
        """A digest of the model card: it names the corpus, settings and figures of a fit."""
        text = json.dumps(self.card, sort_keys=True, ensure_ascii=False)
        return hashlib.sha256(text.encode()).hexdigest()[:16]

    @property
    def review_threshold(self) -> float:
        """Confidence below which a tag of a segment alone should be checked by a person."""
        return float(self.card.get("review", {}).get("threshold", 0.0))

    @property
    def context_review_threshold(self) -> float:
        """Confidence below which a tag in context should be checked by a person."""
        if self.context is None:
            return self.review_threshold
        return float(self.card.get("context", {}).get("review", {}).get("threshold", 0.0))

    def explain(self, text: str, theme: str, top: int = 8) -> list[tuple[str, float]]:
        """The words of a text that push it most towards a theme, with their weights.

        Character n-gram weights are summed within each jieba word, so that the terms read as
        words (资助, 助学金) rather than as overlapping fragments."""
        linear = self.linear
        (normalized,) = normalize_many([text])
        row = linear.features.transform([normalized])
        weights = linear.weights[row.indices, linear.classes.index(theme)]
        contribution = {
            key_ngram(int(linear.features.keys[column])): float(value * weight)
            for column, value, weight in zip(row.indices, row.data, weights, strict=True)
        }
        low, high = linear.features.ngram_range
        scores: dict[str, float] = {}
        for word in dict.fromkeys(jieba_words(normalized)):
            spans = ((i, n) for n in range(low, high + 1) for i in range(len(word) - n + 1))
            grams = {word[i : i + n] for i, n in spans}
            score = sum(contribution.get(gram, 0.0) for gram in grams)
            if score > 0 and any(c.isalpha() for c in word):
                scores[word] = score
        ranked = sorted(scores.items(), key=lambda item: (-item[1], item[0]))[:top]
        return [(word, round(score, 4)) for word, score in ranked]
