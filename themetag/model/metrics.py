"""How well predictions match gold labels: macro-F1, accuracy, per-theme scores, calibration.

With numpy alone, so that scoring one's own labelled data needs no scikit-learn; training and
`themetag evaluate` report the same figures."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

CALIBRATION_BINS = 15


@dataclass(frozen=True)
class Evaluation:
    """Scores of predictions against gold labels."""

    macro_f1: float
    accuracy: float
    segments: int
    per_theme: dict[str, dict[str, float]]

    def as_dict(self) -> dict:
        return {
            "macro_f1": round(self.macro_f1, 4),
            "accuracy": round(self.accuracy, 4),
            "segments": self.segments,
            "per_theme": self.per_theme,
        }


def evaluate(gold: Sequence[str], predicted: Sequence[str], themes: Sequence[str]) -> Evaluation:
    """Macro-F1 over the themes present in gold, accuracy, and per-theme P/R/F1 (a theme never
    predicted has precision 0, as scikit-learn's zero_division=0 gives)."""
    truth, guess = np.asarray(gold, dtype=object), np.asarray(predicted, dtype=object)
    if len(truth) != len(guess):
        raise ValueError(f"{len(truth)} gold labels but {len(guess)} predictions")
    present = [theme for theme in themes if theme in set(gold)]
    per_theme = {}
    for theme in present:
        hits = int(np.sum((truth == theme) & (guess == theme)))
        support, called = int(np.sum(truth == theme)), int(np.sum(guess == theme))
        precision = hits / called if called else 0.0
        recall = hits / support
        f1 = 2 * precision * recall / (precision + recall) if hits else 0.0
        per_theme[theme] = {
            "precision": round(precision, 4),
            "recall": round(recall, 4),
            "f1": round(f1, 4),
            "support": support,
            "f1_exact": f1,
        }
    macro = float(np.mean([row.pop("f1_exact") for row in per_theme.values()])) if present else 0.0
    accuracy = float(np.mean(truth == guess)) if len(truth) else 0.0
    return Evaluation(macro, accuracy, len(truth), per_theme)


def calibration_bins(confidence: np.ndarray, correct: np.ndarray) -> list[tuple[float, float, int]]:
    """Mean confidence, accuracy and count of each non-empty equal-width confidence bin."""
    bins = np.minimum((confidence * CALIBRATION_BINS).astype(int), CALIBRATION_BINS - 1)
    return [
        (float(confidence[bins == b].mean()), float(correct[bins == b].mean()), int(n))
        for b, n in enumerate(np.bincount(bins, minlength=CALIBRATION_BINS))
        if n
    ]


def expected_calibration_error(confidence: np.ndarray, correct: np.ndarray) -> float:
    """ECE with equal-width bins: the gap between confidence and accuracy, weighted by bin size."""
    return sum(n * abs(c - a) for c, a, n in calibration_bins(confidence, correct)) / len(
        confidence
    )
