"""The model study: features and classifiers against fastText and a keyword baseline.

Every candidate is scored with the same report-grouped folds as `python train.py`, and on
the seed check (the real reports in ../shared/seeds). Prints Markdown tables for
docs/MODEL.md and draws the reliability diagram of the chosen settings.

    pip install -e ".[study]" && python bench/study.py [--quick] [--figure docs/reliability.png]
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

import numpy as np
from peers import FastTextPeer, KeywordBaseline

from themetag.labels import load_themes
from themetag.model.metrics import (
    CALIBRATION_BINS,
    calibration_bins,
    evaluate,
    expected_calibration_error,
)
from themetag.training.corpus import Segment, load_corpus
from themetag.training.fit import SegmentClassifier
from themetag.training.settings import Settings
from themetag.training.train import (
    DEFAULT_CORPUS,
    DEFAULT_SEED_LABELS,
    DEFAULT_SEEDS,
    load_seed_check,
    report_folds,
)

BASE = Settings()
SHIPPED = "chars 1-3 (shipped)"
CANDIDATES: dict[str, Settings] = {
    "chars 1-2": replace(BASE, char_ngrams=(1, 2)),
    SHIPPED: BASE,
    "chars 1-4": replace(BASE, char_ngrams=(1, 4)),
    "chars 2-4": replace(BASE, char_ngrams=(2, 4)),
    "words": replace(BASE, char_ngrams=None, use_words=True),
    "chars 1-3 + words": replace(BASE, use_words=True),
    "chars 2-4 + words": replace(BASE, char_ngrams=(2, 4), use_words=True),
    "chars 1-3, raw tf": replace(BASE, sublinear_tf=False),
    "chars 1-3, min_df 1": replace(BASE, min_df=1),
    "chars 1-3, min_df 3": replace(BASE, min_df=3),
    "chars 1-3, C 0.2": replace(BASE, regularization=0.2),
    "chars 1-3, C 1": replace(BASE, regularization=1.0),
    "chars 1-3, no class weights": replace(BASE, class_weight=None),
    "chars 1-3, sigmoid calibration": replace(BASE, calibration="sigmoid"),
    "chars 1-3, isotonic calibration": replace(BASE, calibration="isotonic"),
    "chars 1-3, logistic regression C 10": replace(
        BASE, classifier="logistic", regularization=10.0
    ),
    "chars 1-3, SGD (modified Huber)": replace(BASE, classifier="sgd", regularization=1e-5),
    "chars 1-3, ComplementNB": replace(
        BASE, classifier="complement_nb", regularization=0.3, class_weight=None
    ),
}
QUICK = [SHIPPED, "chars 1-3 + words"]


@dataclass
class Result:
    name: str
    cv_macro_f1: float
    cv_accuracy: float
    ece: float | None
    seed_macro_f1: float | None
    seed_accuracy: float | None
    train_seconds: float
    segments_per_second: float
    bins: list[tuple[float, float, int]] | None  # out-of-fold calibration bins


def cross_validate(
    segments: list[Segment],
    folds: list,
    fit: Callable[[list[Segment]], object],
    predict: Callable[[object, Sequence[str]], tuple[list[str], np.ndarray | None]],
) -> tuple[list[str], np.ndarray | None]:
    """Out-of-fold predictions (and confidences, where the method gives them)."""
    predicted = [""] * len(segments)
    confidence = np.zeros(len(segments))
    has_confidence = True
    for train, test in folds:
        model = fit([segments[i] for i in train])
        labels, scores = predict(model, [segments[i].text for i in test])
        for position, index in enumerate(test):
            predicted[index] = labels[position]
        if scores is None:
            has_confidence = False
        else:
            confidence[test] = scores
    return predicted, confidence if has_confidence else None


def score(
    name: str,
    segments: list[Segment],
    seeds: list[Segment],
    folds: list,
    theme_ids: list[str],
    fit: Callable,
    predict: Callable,
) -> Result:
    gold = [s.label for s in segments]
    predicted, confidence = cross_validate(segments, folds, fit, predict)
    cv = evaluate(gold, predicted, theme_ids)
    ece = bins = None
    if confidence is not None:
        correct = np.array(gold) == np.array(predicted)
        ece = expected_calibration_error(confidence, correct)
        bins = calibration_bins(confidence, correct)
    started = time.perf_counter()
    model = fit(segments)
    train_seconds = time.perf_counter() - started
    seed_f1 = seed_accuracy = None
    speed_texts = [s.text for s in (seeds or segments[:500])]
    started = time.perf_counter()
    labels, _ = predict(model, speed_texts)
    speed = len(speed_texts) / (time.perf_counter() - started)
    if seeds:
        check = evaluate([s.label for s in seeds], labels, theme_ids)
        seed_f1, seed_accuracy = check.macro_f1, check.accuracy
    return Result(
        name, cv.macro_f1, cv.accuracy, ece, seed_f1, seed_accuracy, train_seconds, speed, bins
    )


def theme_model_methods(settings: Settings) -> tuple[Callable, Callable]:
    def fit(train: list[Segment]) -> SegmentClassifier:
        return SegmentClassifier(settings).fit(
            [s.text for s in train], [s.label for s in train], [s.doc for s in train]
        )

    def predict(model: SegmentClassifier, texts: Sequence[str]) -> tuple[list[str], np.ndarray]:
        probabilities = model.predict_proba(texts)
        return [model.classes_[i] for i in probabilities.argmax(axis=1)], probabilities.max(1)

    return fit, predict


def table(results: list[Result]) -> str:
    def figure(value: float | None) -> str:
        return "–" if value is None else f"{value:.3f}"

    lines = [
        "| method | CV macro-F1 | CV accuracy | ECE | seed macro-F1 | seed accuracy "
        "| training (s) | segments/s |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for r in results:
        lines.append(
            f"| {r.name} | {r.cv_macro_f1:.3f} | {r.cv_accuracy:.3f} | {figure(r.ece)} "
            f"| {figure(r.seed_macro_f1)} | {figure(r.seed_accuracy)} "
            f"| {r.train_seconds:.1f} | {r.segments_per_second:,.0f} |"
        )
    return "\n".join(lines)


def reliability_diagram(result: Result, path: str) -> None:
    """A result's out-of-fold confidence against accuracy in equal-width bins, as a PNG."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    centres, accuracy, counts = zip(*result.bins, strict=True)
    ece = result.ece
    figure, axis = plt.subplots(figsize=(5, 5), dpi=120)
    axis.plot([0, 1], [0, 1], color="grey", linestyle="--", label="perfect calibration")
    axis.plot(centres, accuracy, marker="o", label="themetag (out of fold)")
    for x, y, n in zip(centres, accuracy, counts, strict=True):
        axis.annotate(str(n), (x, y), textcoords="offset points", xytext=(4, -10), fontsize=7)
    axis.set_xlabel("confidence")
    axis.set_ylabel("accuracy")
    axis.set_title(f"Reliability, {CALIBRATION_BINS} bins, ECE {ece:.3f}")
    axis.set_xlim(0, 1)
    axis.set_ylim(0, 1)
    axis.legend(loc="upper left")
    figure.tight_layout()
    figure.savefig(path)
    print(f"\nreliability diagram written to {path} (ECE {ece:.4f})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="two candidates and one peer only")
    parser.add_argument("--figure", help="write the reliability diagram of the shipped settings")
    args = parser.parse_args()

    themes = load_themes()
    theme_ids = [t.id for t in themes]
    segments = load_corpus(DEFAULT_CORPUS)
    seeds = load_seed_check(DEFAULT_SEED_LABELS, DEFAULT_SEEDS) if DEFAULT_SEEDS.is_dir() else []
    folds = report_folds(segments, BASE)
    reports = len({s.doc for s in segments})
    print(f"{len(segments)} segments in {reports} reports; {len(seeds)} seed-check segments\n")

    results = []
    names = QUICK if args.quick else list(CANDIDATES)
    for name in names:
        results.append(
            score(name, segments, seeds, folds, theme_ids, *theme_model_methods(CANDIDATES[name]))
        )
        print(table(results[-1:]).splitlines()[-1], flush=True)

    peers: list[tuple[str, Callable, Callable]] = [KeywordBaseline.methods(themes)]
    peers += FastTextPeer.grid(quick=args.quick)
    for name, fit, predict in peers:
        results.append(score(name, segments, seeds, folds, theme_ids, fit, predict))
        print(table(results[-1:]).splitlines()[-1], flush=True)

    print("\n" + table(results))
    if args.figure:
        reliability_diagram(next(r for r in results if r.name == SHIPPED), args.figure)


if __name__ == "__main__":
    main()
