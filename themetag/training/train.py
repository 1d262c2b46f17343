"""Training: document-grouped cross-validation, the seed check, and the saved model."""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import platform
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from sklearn.metrics import accuracy_score, f1_score, precision_recall_fscore_support

from themetag.labels import load_themes
from themetag.model import ThemeModel, save_model
from themetag.resources import DEFAULT_LABELS
from themetag.training.corpus import PROJECT_ROOT, Segment, load_corpus
from themetag.training.fit import SegmentClassifier, fit_model, report_splits
from themetag.training.settings import Settings

DEFAULT_CORPUS = PROJECT_ROOT / "corpus" / "docs"
DEFAULT_SEED_LABELS = PROJECT_ROOT / "corpus" / "seed_check.jsonl"
DEFAULT_SEEDS = PROJECT_ROOT.parent / "shared" / "seeds"
DEFAULT_OUTPUT = PROJECT_ROOT / "model"
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


def evaluate(gold: list[str], predicted: list[str], themes: list[str]) -> Evaluation:
    """Macro-F1 over the themes present in gold, accuracy, and per-theme P/R/F1."""
    present = [t for t in themes if t in set(gold)]
    precision, recall, f1, support = precision_recall_fscore_support(
        gold, predicted, labels=present, zero_division=0
    )
    per_theme = {
        theme: {
            "precision": round(float(p), 4),
            "recall": round(float(r), 4),
            "f1": round(float(f), 4),
            "support": int(s),
        }
        for theme, p, r, f, s in zip(present, precision, recall, f1, support, strict=True)
    }
    macro = f1_score(gold, predicted, labels=present, average="macro", zero_division=0)
    return Evaluation(float(macro), float(accuracy_score(gold, predicted)), len(gold), per_theme)


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


def review_threshold(
    confidence: np.ndarray, correct: np.ndarray, precision: float
) -> tuple[float, float, float]:
    """The lowest confidence above which predictions are at least `precision` correct.

    Returns the threshold, the share of segments at or above it and their accuracy."""
    order = np.argsort(-confidence, kind="stable")
    running = np.cumsum(correct[order]) / np.arange(1, len(order) + 1)
    good = np.flatnonzero(running >= precision)
    if not len(good):
        return 1.0, 0.0, 0.0
    threshold = float(confidence[order[good[-1]]])
    above = confidence >= threshold
    return threshold, float(above.mean()), float(correct[above].mean())


def report_folds(
    segments: list[Segment], settings: Settings
) -> list[tuple[np.ndarray, np.ndarray]]:
    """Train/test index pairs in which each report sits wholly on one side."""
    labels, groups = [s.label for s in segments], [s.doc for s in segments]
    return report_splits(labels, groups, settings.folds, settings.seed)


def out_of_fold_probabilities(
    segments: list[Segment], settings: Settings, names: dict[str, str]
) -> tuple[np.ndarray, list[str]]:
    """Probabilities for every segment from a model that never saw its report."""
    texts = [s.text for s in segments]
    labels = np.array([s.label for s in segments])
    groups = [s.doc for s in segments]
    classes = sorted(set(labels))
    probabilities = np.zeros((len(segments), len(classes)))
    for train, test in report_folds(segments, settings):
        model = SegmentClassifier(settings).fit(
            [texts[i] for i in train], labels[train], [groups[i] for i in train]
        )
        fold = model.predict_proba([texts[i] for i in test])
        columns = np.array([classes.index(c) for c in model.classes_])
        probabilities[np.ix_(test, columns)] = fold
    return probabilities, classes


def load_seed_check(labels_path: Path, seeds_dir: Path) -> list[Segment]:
    """The hand-labelled segments of the real seed reports, cut from the files by offset."""
    segments = []
    texts: dict[str, str] = {}
    for line in labels_path.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        row = json.loads(line)
        if row["file"] not in texts:
            texts[row["file"]] = (seeds_dir / row["file"]).read_text(encoding="utf-8")
        text = texts[row["file"]][row["start"] : row["end"]]
        segments.append(Segment(f"{row['file']}:{row['start']}", row["file"], text, row["label"]))
    return segments


def corpus_fingerprint(segments: list[Segment]) -> str:
    """A hash of the corpus content, so a model card names exactly what it was trained on."""
    digest = hashlib.sha256()
    for s in segments:
        digest.update(f"{s.id}\t{s.doc}\t{s.label}\t{s.text}\n".encode())
    return digest.hexdigest()


def _library_versions() -> dict[str, str]:
    import jieba
    import opencc
    import scipy
    import sklearn

    return {
        "python": platform.python_version(),
        "scikit-learn": sklearn.__version__,
        "numpy": np.__version__,
        "scipy": scipy.__version__,
        "jieba": jieba.__version__,
        "opencc": getattr(opencc, "__version__", "unknown"),
    }


def _print_evaluation(title: str, evaluation: Evaluation, names: dict[str, str]) -> None:
    print(
        f"\n{title}: macro-F1 {evaluation.macro_f1:.3f}, accuracy {evaluation.accuracy:.3f}"
        f" over {evaluation.segments} segments"
    )
    print(f"  {'theme':20s} {'precision':>9s} {'recall':>7s} {'F1':>6s} {'n':>5s}")
    for theme, row in evaluation.per_theme.items():
        print(
            f"  {theme:20s} {row['precision']:9.3f} {row['recall']:7.3f} {row['f1']:6.3f}"
            f" {row['support']:5d}  {names.get(theme, '')}"
        )


def train(
    corpus: Path = DEFAULT_CORPUS,
    output: Path = DEFAULT_OUTPUT,
    labels: Path = DEFAULT_LABELS,
    seed_labels: Path = DEFAULT_SEED_LABELS,
    seeds: Path = DEFAULT_SEEDS,
    settings: Settings | None = None,
) -> ThemeModel:
    """Cross-validate by document, check on the real seeds, fit on everything and save."""
    settings = settings or Settings()
    themes = load_themes(labels)
    names = {t.id: t.name for t in themes}
    theme_ids = [t.id for t in themes]
    segments = load_corpus(corpus)
    unknown = sorted({s.label for s in segments} - set(names))
    if unknown:
        raise ValueError(f"labels not in {labels}: {', '.join(unknown)}")
    docs = len({s.doc for s in segments})
    print(f"corpus: {len(segments)} segments in {docs} reports ({corpus})")

    started = time.perf_counter()
    probabilities, classes = out_of_fold_probabilities(segments, settings, names)
    gold = [s.label for s in segments]
    predicted = [classes[i] for i in probabilities.argmax(axis=1)]
    cross_validated = evaluate(gold, predicted, theme_ids)
    confidence = probabilities.max(axis=1)
    correct = np.array(gold) == np.array(predicted)
    ece = expected_calibration_error(confidence, correct)
    threshold, share, accuracy = review_threshold(confidence, correct, settings.review_precision)
    _print_evaluation(
        f"{settings.folds}-fold cross-validation grouped by report", cross_validated, names
    )
    print(f"  expected calibration error ({CALIBRATION_BINS} bins, out of fold): {ece:.4f}")
    print(
        f"  needs_review below confidence {threshold:.3f}: {share:.1%} of segments are above it,"
        f" {accuracy:.1%} of them correct"
    )

    model = fit_model(
        [s.text for s in segments], gold, [s.doc for s in segments], names=names, settings=settings
    )
    card: dict = {
        "settings": settings.as_dict(),
        "corpus": {
            "segments": len(segments),
            "reports": docs,
            "fingerprint": corpus_fingerprint(segments),
        },
        "cross_validation": {**cross_validated.as_dict(), "ece": round(ece, 4)},
        "review": {
            "threshold": round(threshold, 4),
            "share_above": round(share, 4),
            "accuracy_above": round(accuracy, 4),
            "target_accuracy": settings.review_precision,
        },
        "libraries": _library_versions(),
    }
    if seed_labels.is_file() and seeds.is_dir():
        seed_segments = load_seed_check(seed_labels, seeds)
        seed_probabilities = model.predict_proba([s.text for s in seed_segments])
        seed_predicted = [model.classes_[i] for i in seed_probabilities.argmax(axis=1)]
        seed_gold = [s.label for s in seed_segments]
        seed_check = evaluate(seed_gold, seed_predicted, theme_ids)
        seed_ece = expected_calibration_error(
            seed_probabilities.max(axis=1), np.array(seed_gold) == np.array(seed_predicted)
        )
        _print_evaluation("seed check (real reports, never trained on)", seed_check, names)
        print(f"  expected calibration error ({CALIBRATION_BINS} bins): {seed_ece:.4f}")
        card["seed_check"] = {**seed_check.as_dict(), "ece": round(seed_ece, 4)}
    else:
        print(f"\nseed check skipped: {seeds} or {seed_labels} not found")
    model.card = card
    save_model(model, output)
    print(f"\nmodel written to {output} in {time.perf_counter() - started:.0f} s")
    return model


def main(argv: list[str] | None = None) -> int:
    """`python train.py` / `themetag train`."""
    parser = argparse.ArgumentParser(prog="themetag train", description=__doc__)
    parser.add_argument(
        "--corpus",
        type=Path,
        default=DEFAULT_CORPUS,
        help="labelled JSONL or CSV (text and label columns), or a folder of them",
    )
    parser.add_argument(
        "--output", type=Path, default=DEFAULT_OUTPUT, help="model directory to write"
    )
    parser.add_argument("--labels", type=Path, default=DEFAULT_LABELS, help="labels.yaml")
    parser.add_argument(
        "--seeds",
        type=Path,
        default=Path(os.environ.get("THEMETAG_SEEDS", DEFAULT_SEEDS)),
        help="folder of the real seed reports for the seed check",
    )
    args = parser.parse_args(argv)
    try:
        train(args.corpus, args.output, args.labels, seeds=args.seeds)
    except (OSError, ValueError) as error:
        print(f"themetag train: {error}", file=sys.stderr)
        return 2
    return 0
