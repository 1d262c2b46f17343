"""Scoring the model on a user's own labelled segments (`themetag evaluate`), like fastText's
`test`: in context when the rows name their report, with intervals over reports."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from themetag.api import Tag, load_model, tag_many, tag_reports
from themetag.errors import UnreadableReport, UsageError
from themetag.model import ThemeModel
from themetag.model.metrics import (
    Evaluation,
    calibration_bins,
    evaluate,
    expected_calibration_error,
)
from themetag.readers import read_bytes
from themetag.readers.limits import DEFAULT_LIMITS, Limits
from themetag.readers.paragraphs import TABLE_SUFFIXES, read_paragraph_table

# Resamples of the reports for the 95% intervals: enough for two decimals of a bound.
BOOTSTRAP = 1000


@dataclass(frozen=True)
class LabelledReport:
    """One report's labelled segments, in reading order."""

    name: str
    texts: list[str]
    labels: list[str]


@dataclass(frozen=True)
class Scores:
    """What `themetag evaluate` prints: the scores, their intervals over reports, calibration."""

    evaluation: Evaluation
    reports: int
    in_context: bool
    # 95% intervals from resampling whole reports; None with fewer than 5 reports.
    accuracy_interval: tuple[float, float] | None
    macro_f1_interval: tuple[float, float] | None
    ece: float
    # Mean confidence, accuracy and count per confidence bin (model.metrics).
    calibration: list[tuple[float, float, int]]
    # Gold theme -> predicted theme -> count, over the themes present in either.
    confusion: dict[str, dict[str, int]]
    themes: list[str]
    unflagged_share: float
    unflagged_accuracy: float


def read_labelled(
    path: str | Path,
    *,
    text_column: str = "text",
    label_column: str = "label",
    report_column: str | None = None,
    limits: Limits = DEFAULT_LIMITS,
) -> list[LabelledReport]:
    """Labelled segments from a .csv/.tsv/.xlsx table or JSON Lines (one object a line), grouped
    by `report_column` when given, else one report of segments each read alone."""
    path = Path(path)
    try:
        if path.suffix.lower() in (".jsonl", ".json"):
            return _read_json_lines(path, text_column, label_column, report_column, limits)
        if path.suffix.lower() not in TABLE_SUFFIXES:
            raise UsageError(
                f"{path}: give a .jsonl, .csv, .tsv or .xlsx file of labelled segments"
            )
        tables = read_paragraph_table(
            path, text_column=text_column, report_column=report_column, limits=limits
        )
    except UnreadableReport as error:
        raise UsageError(f"cannot read {path}: {error}") from None
    reports = []
    for table in tables:
        labels = [dict(carried).get(label_column) for carried in table.carried]
        if None in labels:
            raise UsageError(f"{path} has no column {label_column!r} (--label-column)")
        reports.append(LabelledReport(table.name, table.paragraphs, [str(x) for x in labels]))
    return reports


def _read_json_lines(
    path: Path, text_column: str, label_column: str, report_column: str | None, limits: Limits
) -> list[LabelledReport]:
    grouped: dict[str, LabelledReport] = {}
    text = read_bytes(path, limits).decode("utf-8-sig", "replace")
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
            segment, label = str(row[text_column]), str(row[label_column])
            name = str(row[report_column]) if report_column else str(path)
        except (json.JSONDecodeError, KeyError, TypeError) as error:
            raise UsageError(f"{path}, line {number}: not a labelled segment ({error})") from None
        if segment.strip():
            report = grouped.setdefault(name, LabelledReport(name, [], []))
            report.texts.append(segment)
            report.labels.append(label)
    return list(grouped.values())


def score(
    reports: list[LabelledReport], *, in_context: bool, model: ThemeModel | None = None
) -> Scores:
    """Tag the reports' segments (in their report's context, or each alone) and score them."""
    model = model or load_model()
    themes = list(model.classes_)
    # Labels may be the themes' ids or their Chinese names (校园安全 for safety).
    ids = {name: theme for theme, name in model.names.items()}
    gold = [ids.get(label, label) for report in reports for label in report.labels]
    unknown = sorted(set(gold) - set(themes))
    if unknown:
        raise UsageError(
            f"labels the model does not know: {', '.join(unknown)};"
            f" its themes are {', '.join(themes)}"
        )
    if not gold:
        raise UsageError("no labelled segment found")
    tags: Sequence[Tag]
    if in_context:
        tagged = tag_reports([report.texts for report in reports], model=model)
        tags = [segment.tag for report in tagged for segment in report.segments]
    else:
        tags = tag_many([text for report in reports for text in report.texts], model=model)
    predicted = [tag.theme for tag in tags]
    confidence = np.array([tag.confidence for tag in tags])
    correct = np.array([g == p for g, p in zip(gold, predicted, strict=True)], dtype=float)
    unflagged = np.array([not tag.needs_review for tag in tags])
    seen = [theme for theme in themes if theme in set(gold) | set(predicted)]
    confusion = {g: {p: 0 for p in seen} for g in seen}
    for g, p in zip(gold, predicted, strict=True):
        confusion[g][p] += 1
    sizes = [len(report.labels) for report in reports]
    intervals = _intervals(gold, predicted, themes, sizes)
    return Scores(
        evaluate(gold, predicted, themes),
        len(reports),
        in_context,
        intervals[0] if intervals else None,
        intervals[1] if intervals else None,
        expected_calibration_error(confidence, correct),
        calibration_bins(confidence, correct),
        confusion,
        seen,
        float(unflagged.mean()),
        float(correct[unflagged].mean()) if unflagged.any() else 0.0,
    )


def _intervals(
    gold: list[str], predicted: list[str], themes: list[str], sizes: list[int]
) -> tuple[tuple[float, float], tuple[float, float]] | None:
    """95% bootstrap intervals of accuracy and macro-F1, resampling whole reports: segments of
    one report are not independent, so resampling segments would claim too much."""
    if len(sizes) < 5:
        return None
    starts = np.concatenate([[0], np.cumsum(sizes)[:-1]])
    random = np.random.default_rng(0)
    accuracy, macro = [], []
    for _ in range(BOOTSTRAP):
        chosen = random.integers(0, len(sizes), len(sizes))
        rows = np.concatenate([np.arange(starts[i], starts[i] + sizes[i]) for i in chosen])
        result = evaluate([gold[i] for i in rows], [predicted[i] for i in rows], themes)
        accuracy.append(result.accuracy)
        macro.append(result.macro_f1)
    return (
        (float(np.percentile(accuracy, 2.5)), float(np.percentile(accuracy, 97.5))),
        (float(np.percentile(macro, 2.5)), float(np.percentile(macro, 97.5))),
    )


def describe(scores: Scores, names: dict[str, str]) -> str:
    """The scores as text to read: the summary, each theme, the confusions and calibration."""
    result = scores.evaluation
    how = "in context (segments read with their report)" if scores.in_context else "one at a time"
    lines = [
        f"{result.segments} segments in {scores.reports} reports, tagged {how}",
        f"accuracy  {result.accuracy:.3f}{_interval(scores.accuracy_interval)}",
        f"macro-F1  {result.macro_f1:.3f}{_interval(scores.macro_f1_interval)}",
        f"ECE       {scores.ece:.3f} ({len(scores.calibration)} confidence bins)",
        f"needs_review not set on {scores.unflagged_share:.1%} of the segments, of which"
        f" {scores.unflagged_accuracy:.1%} are right",
        "",
        f"{'theme':<20} {'precision':>9} {'recall':>7} {'F1':>6} {'support':>8}  name",
    ]
    for theme, row in result.per_theme.items():
        lines.append(
            f"{theme:<20} {row['precision']:>9.3f} {row['recall']:>7.3f} {row['f1']:>6.3f}"
            f" {row['support']:>8}  {names.get(theme, theme)}"
        )
    mistakes = sorted(
        ((count, gold, predicted) for gold, row in scores.confusion.items()
         for predicted, count in row.items() if gold != predicted and count),
        reverse=True,
    )  # fmt: skip
    lines += ["", "most frequent confusions (gold -> predicted: segments)"]
    lines += [f"  {gold} -> {predicted}: {count}" for count, gold, predicted in mistakes[:10]]
    lines += ["", "calibration (mean confidence, accuracy, segments)"]
    lines += [f"  {c:.2f}  {a:.2f}  {n}" for c, a, n in scores.calibration]
    return "\n".join(lines)


def _interval(bounds: tuple[float, float] | None) -> str:
    if bounds is None:
        return "  (fewer than 5 reports: no interval)"
    return f"  (95% over reports: {bounds[0]:.3f}-{bounds[1]:.3f})"
