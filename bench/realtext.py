"""Figures on real report text: a labelled set of real pages, tagged one segment at a time and
in context, every figure with its spread over reports.

With --seeds, the set is the seed check (the real reports in ../shared/seeds, labelled by
offsets in corpus/seed_check.jsonl), which anyone with ../shared can reproduce. Otherwise
the set is a folder of JSON files, one per report: {"id", "text", "segments": [{"start",
"end", "label"}, …]} with the segments in reading order and labels by people reading against
THEMES.md. Real text is not kept in this repository, so these figures can be reproduced only
by whoever holds such a set:

    python bench/realtext.py /path/to/set [--model DIR] [--against DIR | --modes]
    python bench/realtext.py --seeds [--modes]
"""

from __future__ import annotations

import argparse
import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from themetag import load_model, tag_many, tag_report
from themetag.model import ThemeModel
from themetag.model.metrics import evaluate, expected_calibration_error
from themetag.training.train import DEFAULT_SEED_LABELS, DEFAULT_SEEDS, load_seed_check

SHORT = 20  # characters: headings and other short segments
BOOTSTRAP = 1000


@dataclass
class RealReport:
    id: str
    texts: list[str]
    labels: list[str]


def half(report_id: str) -> str:
    """A fixed split of a set into halves by report: one to tune on, one to check on."""
    return "tune" if hashlib.sha256(report_id.encode()).digest()[0] < 128 else "check"


def load_seeds() -> list[RealReport]:
    """The seed check as reports: its labelled segments grouped by seed file, in order."""
    reports: dict[str, RealReport] = {}
    for segment in load_seed_check(DEFAULT_SEED_LABELS, DEFAULT_SEEDS):
        report = reports.setdefault(segment.doc, RealReport(segment.doc, [], []))
        report.texts.append(segment.text)
        report.labels.append(segment.label)
    return list(reports.values())


def load_set(folder: Path, part: str = "all") -> list[RealReport]:
    reports = []
    for path in sorted(folder.glob("*.json")):
        doc = json.loads(path.read_text(encoding="utf-8"))
        if part != "all" and half(doc["id"]) != part:
            continue
        segments = doc["segments"]
        texts = [doc["text"][s["start"] : s["end"]] for s in segments]
        reports.append(RealReport(doc["id"], texts, [s["label"] for s in segments]))
    return reports


@dataclass
class Predictions:
    report: np.ndarray  # index of the report of each segment
    gold: list[str]
    predicted: list[str]
    confidence: np.ndarray
    needs_review: np.ndarray
    short: np.ndarray


def predict(reports: list[RealReport], model: ThemeModel, in_context: bool) -> Predictions:
    report, gold, predicted, confidence, review, short = [], [], [], [], [], []
    for number, item in enumerate(reports):
        if in_context:
            tags = [s.tag for s in tag_report(item.texts, model=model).segments]
        else:
            tags = tag_many(item.texts, model=model)
        for text, label, found in zip(item.texts, item.labels, tags, strict=True):
            report.append(number)
            gold.append(label)
            predicted.append(found.theme)
            confidence.append(found.confidence)
            review.append(found.needs_review)
            short.append(len(text) < SHORT)
    return Predictions(
        np.array(report), gold, predicted, np.array(confidence), np.array(review), np.array(short)
    )


def figures(p: Predictions, themes: list[str], keep: np.ndarray | None = None) -> dict[str, float]:
    keep = np.ones(len(p.gold), bool) if keep is None else keep
    gold = [g for g, k in zip(p.gold, keep, strict=True) if k]
    predicted = [x for x, k in zip(p.predicted, keep, strict=True) if k]
    correct = np.array(gold) == np.array(predicted)
    unflagged = ~p.needs_review[keep]
    return {
        "macro_f1": evaluate(gold, predicted, themes).macro_f1,
        "accuracy": float(correct.mean()),
        "ece": expected_calibration_error(p.confidence[keep], correct),
        "unflagged": float(unflagged.mean()),
        "unflagged_accuracy": float(correct[unflagged].mean()) if unflagged.any() else float("nan"),
        "segments": int(keep.sum()),
    }


def spread(p: Predictions, themes: list[str], seed: int = 0) -> dict[str, tuple[float, float]]:
    """95% intervals of each figure over bootstrap resamples of whole reports."""
    rng = np.random.default_rng(seed)
    reports = np.unique(p.report)
    members = {r: np.flatnonzero(p.report == r) for r in reports}
    samples: dict[str, list[float]] = {}
    for _ in range(BOOTSTRAP):
        chosen = rng.choice(reports, len(reports))
        index = np.concatenate([members[r] for r in chosen])
        resampled = Predictions(
            p.report[index],
            [p.gold[i] for i in index],
            [p.predicted[i] for i in index],
            p.confidence[index],
            p.needs_review[index],
            p.short[index],
        )
        for name, value in figures(resampled, themes).items():
            samples.setdefault(name, []).append(value)
    return {name: tuple(np.nanpercentile(v, [2.5, 97.5])) for name, v in samples.items()}


def paired(a: Predictions, b: Predictions, themes: list[str], seed: int = 0) -> None:
    """The difference b - a in macro-F1 and accuracy, with its 95% interval over reports."""
    rng = np.random.default_rng(seed)
    reports = np.unique(a.report)
    members = {r: np.flatnonzero(a.report == r) for r in reports}
    differences = []
    for _ in range(BOOTSTRAP):
        index = np.concatenate([members[r] for r in rng.choice(reports, len(reports))])
        gold = [a.gold[i] for i in index]
        row = []
        for p in (a, b):
            predicted = [p.predicted[i] for i in index]
            correct = np.mean([g == x for g, x in zip(gold, predicted, strict=True)])
            row.append((evaluate(gold, predicted, themes).macro_f1, correct))
        differences.append(np.subtract(row[1], row[0]))
    low, high = np.percentile(differences, [2.5, 97.5], axis=0)
    observed = np.subtract(
        [figures(b, themes)[k] for k in ("macro_f1", "accuracy")],
        [figures(a, themes)[k] for k in ("macro_f1", "accuracy")],
    )
    for name, value, lo, hi in zip(("macro-F1", "accuracy"), observed, low, high, strict=True):
        print(f"  {name}: {value:+.3f} (95% interval over reports {lo:+.3f} to {hi:+.3f})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("folder", type=Path, nargs="?")
    parser.add_argument("--seeds", action="store_true", help="the seed check as the set")
    parser.add_argument(
        "--modes", action="store_true", help="in context against one at a time, paired"
    )
    parser.add_argument("--model", type=Path)
    parser.add_argument(
        "--against", type=Path, metavar="DIR", help="compare with this model, in context, paired"
    )
    parser.add_argument("--no-spread", action="store_true", help="skip the bootstrap intervals")
    parser.add_argument(
        "--half", choices=("tune", "check", "all"), default="all", help="a fixed half, by report"
    )
    args = parser.parse_args()
    model = load_model(args.model) if args.model else load_model()
    themes = list(model.names)
    if args.seeds == (args.folder is not None):
        parser.error("name a folder or --seeds")
    reports = load_seeds() if args.seeds else load_set(args.folder, args.half)
    if args.modes:
        print("in context minus one at a time:")
        paired(predict(reports, model, False), predict(reports, model, True), themes)
        return
    if args.against:
        print(f"in context, {args.model or 'the shipped model'} minus {args.against}:")
        other = load_model(args.against)
        paired(predict(reports, other, True), predict(reports, model, True), themes)
        return
    print(f"{len(reports)} reports, {sum(len(r.texts) for r in reports)} segments")
    print("| tagged | segments | macro-F1 | accuracy | ECE | unflagged | accuracy unflagged |")
    print("|---|---|---|---|---|---|---|")
    for in_context in (False, True):
        p = predict(reports, model, in_context)
        bounds = None if args.no_spread else spread(p, themes)
        for part, keep in (("all", None), (f"under {SHORT} characters", p.short)):
            f = figures(p, themes, keep)
            row = [f"{f[k]:.3f}" for k in ("macro_f1", "accuracy", "ece", "unflagged")]
            row.append(f"{f['unflagged_accuracy']:.3f}")
            if bounds and part == "all":
                names = ("macro_f1", "accuracy", "ece", "unflagged", "unflagged_accuracy")
                row = [
                    f"{v} ({bounds[n][0]:.3f}–{bounds[n][1]:.3f})"
                    for v, n in zip(row, names, strict=True)
                ]
            mode = "in context" if in_context else "one at a time"
            print(f"| {mode}, {part} | {f['segments']} | " + " | ".join(row) + " |")


if __name__ == "__main__":
    main()
