"""Scoring segments with a fitted model held as plain arrays: no scikit-learn, no pickle."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from themetag.text.features import CharNgramTfidf, jieba_words, key_ngram
from themetag.text.normalize import normalize_many

# Texts featurised at once: bounds the memory of the n-gram arrays on huge batches.
CHUNK_TEXTS = 512


def softmax(scores: np.ndarray) -> np.ndarray:
    """Row-wise softmax of decision scores."""
    exponentials = np.exp(scores - scores.max(axis=1, keepdims=True))
    return np.asarray(exponentials / exponentials.sum(axis=1, keepdims=True))


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


@dataclass
class ThemeModel:
    """A loaded model: themes of segments from their text, with the card that describes it."""

    linear: LinearThemes
    names: dict[str, str]
    card: dict[str, Any] = field(default_factory=dict)
    path: Path | None = None

    @property
    def classes_(self) -> list[str]:
        return self.linear.classes

    def predict_proba(self, texts: Sequence[str]) -> np.ndarray:
        """Calibrated probabilities, one row per text, columns in `classes_` order."""
        texts = list(texts)
        chunks = [
            self.linear.predict_proba(normalize_many(texts[i : i + CHUNK_TEXTS]))
            for i in range(0, len(texts), CHUNK_TEXTS)
        ]
        return np.concatenate(chunks) if chunks else np.zeros((0, len(self.classes_)))

    @property
    def card_digest(self) -> str:
        """A digest of the model card: it names the corpus, settings and figures of a fit."""
        text = json.dumps(self.card, sort_keys=True, ensure_ascii=False)
        return hashlib.sha256(text.encode()).hexdigest()[:16]

    @property
    def review_threshold(self) -> float:
        """Confidence below which a tag should be checked by a person (from the model card)."""
        return float(self.card.get("review", {}).get("threshold", 0.0))

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
