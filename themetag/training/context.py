"""Fitting the context stage on the corpus's reports in reading order, from out-of-fold
probabilities of the segment model, on whole reports and on fragments of them."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy.optimize import minimize_scalar
from sklearn.linear_model import LogisticRegression

from themetag.model import ContextThemes
from themetag.model.context import context_features, softmax
from themetag.text.structure import read_structure
from themetag.training.fit import report_splits
from themetag.training.settings import Settings


@dataclass(frozen=True)
class View:
    """A stretch of one report as a user might give it: the whole report or a fragment."""

    doc: str
    indices: np.ndarray  # segment indices into the corpus, in reading order
    whole: bool
    # Which places are read for their own theme here; None: all. Context around a user's
    # corrections (a neighbour, the heading placed before them) is read, not scored.
    counted: np.ndarray | None = None

    @property
    def scored(self) -> np.ndarray:
        """The indices of the places read for their own theme."""
        return self.indices if self.counted is None else self.indices[self.counted]


def report_views(docs: Sequence[str], settings: Settings) -> list[View]:
    """Every report whole, plus fragments of it: its opening (a page's first screen) and a
    stretch from further in (an excerpt pasted from a site), of seeded random lengths."""
    rng = np.random.default_rng(settings.seed)
    order: dict[str, list[int]] = {}
    for index, doc in enumerate(docs):
        order.setdefault(doc, []).append(index)
    views = []
    low, high = settings.fragment_segments
    for doc, members in order.items():
        indices = np.array(members)
        views.append(View(doc, indices, True))
        if len(indices) <= low:
            continue
        for fragment in range(settings.fragments_per_report):
            length = int(rng.integers(low, min(high, len(indices) - 1) + 1))
            start = 0 if fragment == 0 else int(rng.integers(1, len(indices) - length + 1))
            views.append(View(doc, indices[start : start + length], False))
    return views


def view_inputs(
    views: Sequence[View], probabilities: np.ndarray, texts: Sequence[str], content: np.ndarray
) -> list[np.ndarray]:
    """The context stage's inputs for the segments of each view, read within the view only."""
    lengths = np.fromiter(map(len, texts), dtype=np.int64, count=len(texts))
    inputs = []
    for view in views:
        parts = read_structure([texts[i] for i in view.indices])
        inputs.append(
            context_features(probabilities[view.indices], lengths[view.indices], parts, content)
        )
    return inputs


@dataclass(frozen=True)
class _Linear:
    """A fitted multinomial logistic regression over raw inputs: scores = inputs @ W + b."""

    weights: np.ndarray
    intercept: np.ndarray
    classes: np.ndarray

    def scores(self, inputs: np.ndarray) -> np.ndarray:
        return np.asarray(inputs @ self.weights + self.intercept)


def _fit_linear(inputs: np.ndarray, labels: np.ndarray, settings: Settings) -> _Linear:
    """Fitted on standardised inputs (eight times fewer iterations than raw ones), with the
    standardisation folded into the weights so that the model reads raw inputs."""
    mean, scale = inputs.mean(axis=0), inputs.std(axis=0)
    scale[scale == 0] = 1.0
    classifier = LogisticRegression(
        C=settings.context_regularization, max_iter=3000, random_state=settings.seed
    ).fit((inputs - mean) / scale, labels)
    weights = classifier.coef_.T / scale[:, None]
    intercept = classifier.intercept_ - mean @ weights
    return _Linear(np.ascontiguousarray(weights), intercept, classifier.classes_)


def fit_temperature(scores: np.ndarray, labels: np.ndarray) -> float:
    """The inverse temperature that minimises the log loss of softmax(scores * it)."""

    def loss(log_inverse: float) -> float:
        scaled = scores * np.exp(log_inverse)
        scaled -= scaled.max(axis=1, keepdims=True)
        log_norm = np.log(np.exp(scaled).sum(axis=1))
        return float((log_norm - scaled[np.arange(len(labels)), labels]).mean())

    return float(np.exp(minimize_scalar(loss, bounds=(-3, 3), method="bounded").x))


@dataclass
class ContextFit:
    """The fitted context stage (temperature fitted on the corpus), and its out-of-fold scores
    before calibration on whole reports (aligned with the corpus's segments) and on the
    fragments (concatenated, with their gold labels)."""

    context: ContextThemes
    whole: np.ndarray
    fragments: np.ndarray
    fragment_labels: np.ndarray


def flatten(probabilities: np.ndarray, temperature: float) -> np.ndarray:
    """Probabilities made less sure: their logs divided by a temperature, renormalised."""
    return softmax(np.log(np.maximum(probabilities, 1e-12)) / temperature)


def view_folds(
    views: Sequence[View], labels: Sequence[str], settings: Settings
) -> list[tuple[np.ndarray, np.ndarray]]:
    """Folds over views, grouped by report (a fragment never sits beside its own report) and
    stratified by the label of each view's first segment read for its theme."""
    strata = [next((labels[i] for i in view.scored if labels[i]), "") for view in views]
    return report_splits(strata, [view.doc for view in views], settings.folds, settings.seed)


def fit_context(
    probabilities: np.ndarray,
    texts: Sequence[str],
    labels: Sequence[str],
    docs: Sequence[str],
    classes: list[str],
    content: np.ndarray,
    settings: Settings,
    *,
    views: Sequence[View] | None = None,
    folds: Sequence[tuple[np.ndarray, np.ndarray]] | None = None,
) -> ContextFit:
    """Fit the context stage on out-of-fold segment probabilities, and cross-validate it with
    folds grouped by report. Segments labelled "" are read as context but not learned from;
    `views` default to every report whole and fragments of it, `folds` to view_folds."""
    views = report_views(docs, settings) if views is None else views
    # The segment model is surer of the corpus, out of fold, than of real pages: the context
    # stage learns from flattened probabilities so as not to trust it as much as the corpus
    # would teach (measured on real pages: accuracy in context 0.80 -> 0.82).
    inputs = view_inputs(views, flatten(probabilities, settings.context_flatten), texts, content)
    # -1: a segment read as context only.
    label_index = np.array([classes.index(label) if label else -1 for label in labels])
    view_labels = [label_index[view.indices] for view in views]
    # The rows each view teaches: places read for their own theme that have a label.
    learned = [
        (label >= 0) & (True if view.counted is None else view.counted)
        for view, label in zip(views, view_labels, strict=True)
    ]
    folds = view_folds(views, labels, settings) if folds is None else folds
    scores = [np.zeros((len(view.indices), len(classes))) for view in views]
    for train, test in folds:
        fitted = _fit_linear(
            np.vstack([inputs[i][learned[i]] for i in train]),
            np.concatenate([view_labels[i][learned[i]] for i in train]),
            settings,
        )
        for i in test:
            scores[i][:, fitted.classes] = fitted.scores(inputs[i])
    every = range(len(views))
    inverse_temperature = fit_temperature(
        np.vstack([scores[i][learned[i]] for i in every]),
        np.concatenate([view_labels[i][learned[i]] for i in every]),
    )
    final = _fit_linear(
        np.vstack([inputs[i][learned[i]] for i in every]),
        np.concatenate([view_labels[i][learned[i]] for i in every]),
        settings,
    )
    if list(final.classes) != list(range(len(classes))):
        raise ValueError("every theme needs segments in the corpus to fit the context stage")
    context = ContextThemes(final.weights, final.intercept, inverse_temperature)
    whole = np.zeros_like(probabilities)
    fragments, fragment_labels = [], []
    for view, view_scores, truth in zip(views, scores, view_labels, strict=True):
        counted = slice(None) if view.counted is None else view.counted
        if view.whole:
            whole[view.scored] = view_scores[counted]
        else:
            fragments.append(view_scores[counted])
            fragment_labels.append(truth[counted])
    return ContextFit(
        context,
        whole,
        np.vstack(fragments) if fragments else np.zeros((0, len(classes))),
        np.concatenate(fragment_labels) if fragment_labels else np.zeros(0, int),
    )
