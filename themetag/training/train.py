"""Training: document-grouped cross-validation, the seed check, and the saved model."""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import sys
import time
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from functools import partial
from pathlib import Path

import numpy as np

from themetag.labels import load_themes
from themetag.model import ThemeModel, save_model
from themetag.model.context import softmax
from themetag.model.metrics import Evaluation, evaluate, expected_calibration_error
from themetag.resources import DEFAULT_LABELS
from themetag.text.structure import Kind, read_structure
from themetag.training.augment import augment
from themetag.training.context import View, fit_context, fit_temperature, report_views, view_folds
from themetag.training.corpus import PROJECT_ROOT, Segment, corpus_fingerprint, load_corpus
from themetag.training.corrections import (
    DEFAULT_USER_CORPUS,
    Added,
    UserCorpus,
    add_sheets,
    addition_card,
    load_user_corpus,
    sources,
)
from themetag.training.fit import SegmentClassifier, fit_model, report_splits
from themetag.training.settings import Settings

DEFAULT_CORPUS = PROJECT_ROOT / "corpus" / "docs"
DEFAULT_SEED_LABELS = PROJECT_ROOT / "corpus" / "seed_check.jsonl"
DEFAULT_SEEDS = PROJECT_ROOT.parent / "shared" / "seeds"
DEFAULT_OUTPUT = PROJECT_ROOT / "model"
SHORT = 20  # characters: headings and other short segments are read apart in the figures
BOOTSTRAP = 1000  # resamples of reports for an interval: enough for two decimals of a bound


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
    """Train/test index pairs in which each report sits wholly on one side; a segment without a
    label (context only) is in its report's test fold, and only labelled ones stratify."""
    labelled = [s for s in segments if s.label]
    groups = [s.doc for s in labelled]
    splits = report_splits([s.label for s in labelled], groups, settings.folds, settings.seed)
    if len(labelled) == len(segments):
        return splits
    docs = np.array([s.doc for s in segments])
    held = [np.isin(docs, np.array(groups)[test]) for _, test in splits]
    return [(np.flatnonzero(~test), np.flatnonzero(test)) for test in held]


def with_mess(segments: list[Segment], settings: Settings, seed: int) -> list[Segment]:
    """The segments, and with `settings.augment` their copies carrying mechanical page mess."""
    return segments + augment(segments, seed) if settings.augment else segments


def out_of_fold_probabilities(
    segments: list[Segment],
    settings: Settings,
    *,
    folds: Sequence[tuple[np.ndarray, np.ndarray]] | None = None,
) -> tuple[np.ndarray, list[str]]:
    """Probabilities for every segment from a model that never saw its report; segments
    labelled "" are predicted but not learned from. `folds` default to report_folds."""
    classes = sorted({s.label for s in segments if s.label})
    probabilities = np.zeros((len(segments), len(classes)))
    folds = report_folds(segments, settings) if folds is None else folds
    for fold, (train, test) in enumerate(folds):
        learned = [segments[i] for i in train if segments[i].label]
        seen = with_mess(learned, settings, settings.seed + fold)
        model = SegmentClassifier(settings).fit(
            [s.text for s in seen], [s.label for s in seen], [s.doc for s in seen]
        )
        fold_probabilities = model.predict_proba([segments[i].text for i in test])
        columns = np.array([classes.index(c) for c in model.classes_])
        probabilities[np.ix_(test, columns)] = fold_probabilities
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


@dataclass(frozen=True)
class Figures:
    """The figures of one way of tagging one set: macro-F1, accuracy, ECE and needs_review."""

    macro_f1: float
    accuracy: float
    ece: float
    segments: int
    unflagged: float
    unflagged_accuracy: float

    def as_dict(self) -> dict[str, float]:
        return {k: round(v, 4) for k, v in self.__dict__.items()}


def figures(
    gold: Sequence[str],
    probabilities: np.ndarray,
    classes: list[str],
    themes: list[str],
    threshold: float,
) -> Figures:
    """Figures of calibrated probabilities against gold labels, with the review threshold."""
    predicted = [classes[i] for i in probabilities.argmax(axis=1)]
    confidence = probabilities.max(axis=1)
    correct = np.array(gold) == np.array(predicted)
    unflagged = confidence >= threshold
    return Figures(
        evaluate(list(gold), predicted, themes).macro_f1,
        float(correct.mean()),
        expected_calibration_error(confidence, correct),
        len(gold),
        float(unflagged.mean()),
        float(correct[unflagged].mean()) if unflagged.any() else float("nan"),
    )


def _print_side_by_side(rows: list[tuple[str, Figures]]) -> None:
    print(
        f"\n  {'':44s} {'macro-F1':>8s} {'accuracy':>8s} {'ECE':>6s} {'n':>6s}"
        f" {'unflagged':>9s} {'right':>6s}"
    )
    for title, f in rows:
        print(
            f"  {title:44s} {f.macro_f1:8.3f} {f.accuracy:8.3f} {f.ece:6.3f} {f.segments:6d}"
            f" {f.unflagged:9.1%} {f.unflagged_accuracy:6.1%}"
        )


def headings_and_short(texts: Sequence[str], docs: Sequence[str]) -> np.ndarray:
    """Which segments are standalone headings or shorter than 20 characters."""
    mask = np.array([len(text) < SHORT for text in texts])
    for members in _reports(docs):
        parts = read_structure([texts[i] for i in members])
        for index, part in zip(members, parts, strict=True):
            mask[index] |= part.kind == Kind.HEADING
    return mask


def _reports(docs: Sequence[str]) -> list[list[int]]:
    """The indices of each report's segments, in reading order."""
    order: dict[str, list[int]] = {}
    for index, doc in enumerate(docs):
        order.setdefault(doc, []).append(index)
    return list(order.values())


@dataclass
class Check:
    """A labelled set to report figures on: gold labels, and which are headings or short."""

    title: str
    gold: list[str]
    short: np.ndarray

    def rows(
        self,
        how: str,
        probabilities: np.ndarray,
        classes: list[str],
        themes: list[str],
        limit: float,
    ) -> list[tuple[str, Figures]]:
        part = [g for g, k in zip(self.gold, self.short, strict=True) if k]
        return [
            (f"{self.title}, {how}", figures(self.gold, probabilities, classes, themes, limit)),
            (
                f"{self.title}, {how}, headings and short",
                figures(part, probabilities[self.short], classes, themes, limit),
            ),
        ]


def _review(threshold: float, share: float, accuracy: float, settings: Settings) -> dict:
    return {
        "threshold": round(threshold, 4),
        "share_above": round(share, 4),
        "accuracy_above": round(accuracy, 4),
        "target_accuracy": settings.review_precision,
    }


def _seed_temperature(scores: list[np.ndarray], gold: list[np.ndarray]) -> tuple[float, np.ndarray]:
    """The inverse temperature fitted on all seed reports, and each report's probabilities
    under the one fitted on the other reports (leave one report out), for honest figures."""
    held_out = []
    for index in range(len(scores)):
        others = [i for i in range(len(scores)) if i != index]
        inverse = fit_temperature(
            np.vstack([scores[i] for i in others]), np.concatenate([gold[i] for i in others])
        )
        held_out.append(softmax(scores[index] * inverse))
    return fit_temperature(np.vstack(scores), np.concatenate(gold)), np.vstack(held_out)


@dataclass(frozen=True)
class TrainingSet:
    """What one fit learns from, in one index space: the segments (label "" for those it reads
    but does not learn from: a report's context, or corrections withheld), the gold labels of
    the first `len(gold)` for the figures, the report-grouped folds, and the context stage's
    views with their folds (None: made from the segments' reports)."""

    segments: list[Segment]
    gold: list[str]
    folds: list[tuple[np.ndarray, np.ndarray]]
    views: list[View] | None = None
    view_folds: list[tuple[np.ndarray, np.ndarray]] | None = None


@dataclass
class Fitted:
    """One fit: the model with its card, the figures side by side, and the out-of-fold
    probabilities of the gold segments, alone and in context (alone again without a context
    stage), each with its review threshold."""

    model: ThemeModel
    rows: list[tuple[str, Figures]]
    cross_validated: Evaluation
    classes: list[str]
    alone: np.ndarray
    alone_threshold: float
    in_context: np.ndarray
    threshold: float


def fit_and_check(
    data: TrainingSet,
    *,
    corpus_card: dict,
    names: dict[str, str],
    settings: Settings,
    seed_segments: list[Segment],
) -> Fitted:
    """Cross-validate by report, alone and in context; check on the real seeds; fit on
    everything."""
    theme_ids = list(names)
    segments, gold = data.segments, data.gold
    texts = [s.text for s in segments]
    docs = [s.doc for s in segments]
    everything, classes = out_of_fold_probabilities(segments, settings, folds=data.folds)
    probabilities = everything[: len(gold)]
    predicted = [classes[i] for i in probabilities.argmax(axis=1)]
    cross_validated = evaluate(gold, predicted, theme_ids)
    confidence = probabilities.max(axis=1)
    correct = np.array(gold) == np.array(predicted)
    # A tag is flagged unless its calibrated confidence itself reaches the promise: the
    # corpus's own threshold (0.80) left real pages only 88-89% right above it.
    threshold = max(
        settings.review_precision,
        review_threshold(confidence, correct, settings.review_precision)[0],
    )
    alone = figures(gold, probabilities, classes, theme_ids, threshold)
    seen = with_mess([s for s in segments if s.label], settings, settings.seed)
    model = fit_model(
        [s.text for s in seen],
        [s.label for s in seen],
        [s.doc for s in seen],
        names=names,
        settings=settings,
    )
    card: dict = {
        "settings": settings.as_dict(),
        "corpus": corpus_card,
        "cross_validation": {**cross_validated.as_dict(), "ece": round(alone.ece, 4)},
        "review": _review(threshold, alone.unflagged, alone.unflagged_accuracy, settings),
        "libraries": _library_versions(),
    }
    corpus_check = Check("CV", gold, headings_and_short(texts[: len(gold)], docs[: len(gold)]))
    rows = corpus_check.rows("one at a time", probabilities, classes, theme_ids, threshold)
    seed_texts = [[s.text for s in report] for report in _seed_reports(seed_segments)]
    seed_check = Check(
        "seed check",
        [s.label for s in seed_segments],
        headings_and_short([s.text for s in seed_segments], [s.doc for s in seed_segments]),
    )
    if seed_segments:
        seed_alone = model.predict_proba([s.text for s in seed_segments])
        seed_rows = seed_check.rows("one at a time", seed_alone, classes, theme_ids, threshold)
        rows += seed_rows
        seed_predicted = [classes[i] for i in seed_alone.argmax(axis=1)]
        card["seed_check"] = {
            **evaluate(seed_check.gold, seed_predicted, theme_ids).as_dict(),
            "ece": round(seed_rows[0][1].ece, 4),
        }
    in_context, context_threshold = probabilities, threshold
    if settings.context:
        fit = fit_context(
            everything,
            texts,
            [s.label for s in segments],
            docs,
            classes,
            model.content_columns,
            settings,
            views=data.views,
            folds=data.view_folds,
        )
        model.context = context = fit.context
        calibrated_on = "the corpus's reports and fragments, out of fold"
        seed_context = None
        if seed_segments and settings.calibrate_on_seeds:
            scores = [s.inputs for s in model.predict_reports(seed_texts, keep_inputs=True)]
            seed_gold = [np.array([classes.index(s.label) for s in report])
                         for report in _seed_reports(seed_segments)]  # fmt: skip
            inverse, seed_context = _seed_temperature(
                [context.scores(x) for x in scores if x is not None], seed_gold
            )
            context.inverse_temperature = inverse
            calibrated_on = (
                f"the seed check in context ({len(seed_segments)} segments of"
                f" {len(seed_texts)} real reports; its figures leave one report out)"
            )
        elif seed_segments:
            seed_context = np.vstack([s.in_context for s in model.predict_reports(seed_texts)])
        in_context = softmax(fit.whole[: len(gold)] * context.inverse_temperature)
        fragments = softmax(fit.fragments * context.inverse_temperature)
        both = np.vstack([in_context, fragments])
        both_gold = np.concatenate([[classes.index(g) for g in gold], fit.fragment_labels])
        corpus_threshold = review_threshold(
            both.max(axis=1), both.argmax(axis=1) == both_gold, settings.review_precision
        )[0]
        context_threshold = max(settings.review_precision, corpus_threshold)
        whole = figures(gold, in_context, classes, theme_ids, context_threshold)
        fragment_gold = [classes[i] for i in fit.fragment_labels]
        in_fragments = figures(fragment_gold, fragments, classes, theme_ids, context_threshold)
        rows += corpus_check.rows("in context", in_context, classes, theme_ids, context_threshold)
        rows.append(("CV, in context, fragments of reports", in_fragments))
        card["context"] = {
            "calibrated_on": calibrated_on,
            "inverse_temperature": round(context.inverse_temperature, 4),
            "cross_validation": whole.as_dict(),
            "fragments": in_fragments.as_dict(),
            "review": _review(
                context_threshold, whole.unflagged, whole.unflagged_accuracy, settings
            ),
        }
        if seed_context is not None:
            context_rows = seed_check.rows(
                "in context", seed_context, classes, theme_ids, context_threshold
            )
            rows += context_rows
            card["context"]["seed_check"] = context_rows[0][1].as_dict()
    model.card = card
    return Fitted(
        model,
        rows,
        cross_validated,
        classes,
        probabilities,
        threshold,
        in_context,
        context_threshold,
    )


def train(
    corpus: Path = DEFAULT_CORPUS,
    output: Path = DEFAULT_OUTPUT,
    labels: Path = DEFAULT_LABELS,
    seed_labels: Path = DEFAULT_SEED_LABELS,
    seeds: Path = DEFAULT_SEEDS,
    settings: Settings | None = None,
    *,
    user: Path | None = None,
    added: Added | None = None,
) -> ThemeModel:
    """Cross-validate by report, alone and in context; check on the real seeds; fit on
    everything and save. With `user`, the corrections kept there are trained on with their
    reports' context; with `added` (what this run added there), the same is done without it
    too, and the figures are printed before and after side by side."""
    settings = settings or Settings()
    themes = load_themes(labels)
    names = {t.id: t.name for t in themes}
    team = load_corpus(corpus)
    extra = load_user_corpus(user) if user is not None else None
    segments = team + (extra.corrections if extra else [])
    unknown = sorted({s.label for s in segments} - set(names))
    if unknown:
        raise ValueError(f"labels not in {labels}: {', '.join(unknown)}")
    docs = [s.doc for s in team]
    print(f"corpus: {len(team)} segments in {len(set(docs))} reports ({corpus})")
    seed_segments = (
        load_seed_check(seed_labels, seeds) if seed_labels.is_file() and seeds.is_dir() else []
    )
    if not seed_segments:
        print(f"\nseed check skipped: {seeds} or {seed_labels} not found")
    corpus_card = {
        "segments": len(team),
        "reports": len(set(docs)),
        "fingerprint": corpus_fingerprint(team),
    }
    started = time.perf_counter()
    data = TrainingSet(team, [s.label for s in team], report_folds(team, settings))
    if extra is not None:
        data = _with_corrections(team, extra, settings)
        print(
            f"corrections: {extra.labelled} segments of {len(extra.excerpts)} stretches of"
            f" {len({s.doc for s in extra.corrections})} reports, read with"
            f" {len(extra.segments) - extra.labelled} segments of context ({user})"
        )
    fit = partial(
        fit_and_check,
        corpus_card=corpus_card,
        names=names,
        settings=settings,
        seed_segments=seed_segments,
    )
    fitted = fit(data)
    _print_evaluation(
        f"{settings.folds}-fold cross-validation grouped by report, one segment at a time",
        fitted.cross_validated,
        names,
    )
    model = fitted.model
    if "context" in model.card:
        print(f"\ncontext stage calibrated on {model.card['context']['calibrated_on']}")
    first = len(team)
    user_rows = _user_rows(fitted, data.gold, first) if extra else []
    print("\nside by side (ECE over 15 bins; unflagged: share at or above the review threshold)")
    _print_side_by_side(fitted.rows + user_rows)
    if extra is not None and user is not None:
        model.card["corrections"] = correction_card(extra, user, fitted, data.gold, first)
        before = added.labels_before if added else {}
        if added and before:
            earlier = fit(_withheld(data, before))
            comparison = compare(earlier, fitted, data, first, len(extra.excerpts))
            comparison.print()
            model.card["corrections"]["added"] = {
                **addition_card(added, names),
                "before_and_after": comparison.card(),
            }
    save_model(model, output)
    print(f"\nmodel written to {output} in {time.perf_counter() - started:.0f} s")
    return model


def _with_corrections(team: list[Segment], extra: UserCorpus, settings: Settings) -> TrainingSet:
    """The corpus and the user's corrections in one index space. The context stage reads the
    corrections in the stretches of their reports that the sheets show, never cut further."""
    segments = team + extra.segments
    offset = len(team)
    views = report_views([s.doc for s in team], settings) + [
        View(e.doc, offset + np.array(e.indices), True, np.array(e.counted)) for e in extra.excerpts
    ]
    labels = [s.label for s in segments]
    return TrainingSet(
        segments,
        labels[: offset + extra.labelled],
        report_folds(segments, settings),
        views,
        view_folds(views, labels, settings),
    )


def _withheld(data: TrainingSet, before: Mapping[str, str]) -> TrainingSet:
    """The same set with the answers corrections had before ("" for a new one: read, not
    learned from)."""
    segments = [
        Segment(s.id, s.doc, s.text, before[s.id]) if s.label and s.id in before else s
        for s in data.segments
    ]
    return replace(data, segments=segments)


def report_interval(
    statistic: Callable[[np.ndarray], float], docs: Sequence[str], seed: int = 0
) -> tuple[float, float] | None:
    """95% interval of a statistic of segments (given their indices) over BOOTSTRAP resamples
    of whole reports; None with fewer than five reports."""
    members: dict[str, list[int]] = {}
    for index, doc in enumerate(docs):
        members.setdefault(doc, []).append(index)
    if len(members) < 5:
        return None
    groups = list(members.values())
    rng = np.random.default_rng(seed)
    samples = [
        statistic(np.concatenate([groups[g] for g in rng.integers(len(groups), size=len(groups))]))
        for _ in range(BOOTSTRAP)
    ]
    low, high = np.percentile(samples, [2.5, 97.5])
    return float(low), float(high)


@dataclass(frozen=True)
class Comparison:
    """Figures before and after this run's corrections, on the same sets and folds: the
    change of accuracy in context on the user's reports with its interval over them, and
    how many corrections the model fitted on everything gives their answer."""

    rows: list[tuple[str, Figures, Figures]]
    reports: int
    change: float
    interval: tuple[float, float] | None
    answered: tuple[int, int]
    corrections: int

    def print(self) -> None:
        print(
            "\nbefore and after this run's corrections (the same report-grouped folds; before:"
            " their earlier answers, or none)"
        )
        print(f"  {'':44s} {'before':>17s}   {'after':>17s}")
        print(f"  {'':44s} {'macro-F1':>8s} {'accuracy':>8s}   {'macro-F1':>8s} {'accuracy':>8s}"
              f" {'n':>6s}")  # fmt: skip
        for title, b, a in self.rows:
            print(
                f"  {title:44s} {b.macro_f1:8.3f} {b.accuracy:8.3f}   {a.macro_f1:8.3f}"
                f" {a.accuracy:8.3f} {a.segments:6d}"
            )
        interval = (
            f" (95% interval over your reports {self.interval[0]:+.3f} to {self.interval[1]:+.3f})"
            if self.interval
            else " (fewer than five reports: no interval)"
        )
        print(
            f"\nyour {self.reports} reports, in the sheets' context: accuracy {self.change:+.3f}"
            f"{interval}; each report scored by models that did not see its corrections, its"
            " corrections read with the neighbours and heading their rows show"
        )
        print(
            f"the model fitted on everything gives {self.answered[1]} of {self.corrections}"
            f" corrections their answer (before: {self.answered[0]})"
        )

    def card(self) -> dict:
        return {
            title: {
                "before": {"macro_f1": round(b.macro_f1, 4), "accuracy": round(b.accuracy, 4)},
                "after": {"macro_f1": round(a.macro_f1, 4), "accuracy": round(a.accuracy, 4)},
                "segments": a.segments,
            }
            for title, b, a in self.rows
        }


def _user_rows(fitted: Fitted, gold: list[str], first: int) -> list[tuple[str, Figures]]:
    """Figures on the user's corrections, out of fold, one at a time and in the stretches of
    their reports that the sheets show."""
    themes, classes = list(fitted.model.names), fitted.classes
    return [
        (
            "your reports, one at a time",
            figures(gold[first:], fitted.alone[first:], classes, themes, fitted.alone_threshold),
        ),
        (
            "your reports, in the sheets' context",
            figures(gold[first:], fitted.in_context[first:], classes, themes, fitted.threshold),
        ),
    ]


def _answered(model: ThemeModel, data: TrainingSet, excerpts: int) -> int:
    """How many corrections the model gives their answer, each read in its stretch."""
    views = (data.views or [])[len(data.views or []) - excerpts :]
    found = model.predict_reports([[data.segments[i].text for i in v.indices] for v in views])
    right = 0
    for view, scores in zip(views, found, strict=True):
        counted = np.ones(len(view.indices), bool) if view.counted is None else view.counted
        for index, row in zip(view.indices[counted], scores.in_context[counted], strict=True):
            right += model.classes_[int(row.argmax())] == data.gold[index]
    return right


def compare(
    before: Fitted, after: Fitted, data: TrainingSet, first: int, excerpts: int
) -> Comparison:
    """Before and after side by side; the user's corrections are the gold from `first` on."""
    earlier = dict(before.rows + _user_rows(before, data.gold, first))
    rows = [
        (title, earlier[title], figures)
        for title, figures in after.rows + _user_rows(after, data.gold, first)
        if "headings and short" not in title
    ]
    gold = np.array(data.gold[first:])
    docs = [s.doc for s in data.segments[first : len(data.gold)]]

    def right(fitted: Fitted) -> np.ndarray:
        found = fitted.in_context[first:].argmax(axis=1)
        return np.array(fitted.classes)[found] == gold

    gain = right(after).astype(float) - right(before)
    return Comparison(
        rows,
        len(set(docs)),
        float(gain.mean()),
        report_interval(lambda index: float(gain[index].mean()), docs),
        (_answered(before.model, data, excerpts), _answered(after.model, data, excerpts)),
        len(gold),
    )


def correction_card(
    extra: UserCorpus, folder: Path, fitted: Fitted, gold: list[str], first: int
) -> dict:
    """What the card says of the user's corrections: where, how many, of which themes, a
    fingerprint, the sheets they came from, and the figures on their reports."""
    counts = Counter(s.label for s in extra.corrections)
    return {
        "folder": str(folder),
        "segments": extra.labelled,
        "reports": len({s.doc for s in extra.corrections}),
        "context_segments": len(extra.segments) - extra.labelled,
        "per_theme": {theme: counts[theme] for theme in fitted.model.names if counts[theme]},
        "fingerprint": corpus_fingerprint(extra.corrections),
        "files": sources(extra.rows),
        "cross_validation": {
            title: figures.as_dict() for title, figures in _user_rows(fitted, gold, first)
        },
    }


def _seed_reports(seed_segments: list[Segment]) -> list[list[Segment]]:
    """The seed check's segments grouped by report, in reading order."""
    reports: dict[str, list[Segment]] = {}
    for segment in seed_segments:
        reports.setdefault(segment.doc, []).append(segment)
    return list(reports.values())


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
    parser.add_argument(
        "--add",
        type=Path,
        action="extend",
        nargs="+",
        default=[],
        metavar="SHEET",
        help="filled-in `themetag review` sheets (.xlsx, .csv, .tsv): their answers are added"
        " to the user corpus, then the model is trained with them",
    )
    parser.add_argument(
        "--user-corpus",
        type=Path,
        default=DEFAULT_USER_CORPUS,
        metavar="DIR",
        help="folder of your corrections, trained on with the corpus (default corpus/user)",
    )
    parser.add_argument(
        "--skip-bad",
        action="store_true",
        help="add the rows without problems and leave the others out, instead of stopping",
    )
    args = parser.parse_args(argv)
    try:
        added = None
        if args.add:
            themes = load_themes(args.labels)
            today = datetime.date.today().isoformat()
            added = add_sheets(
                args.add, args.user_corpus, themes, skip_bad=args.skip_bad, date=today
            )
            if added is None:
                return 2
        train(
            args.corpus,
            args.output,
            args.labels,
            seeds=args.seeds,
            user=args.user_corpus,
            added=added,
        )
    except (OSError, ValueError) as error:
        print(f"themetag train: {error}", file=sys.stderr)
        return 2
    return 0
