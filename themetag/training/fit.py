"""Fitting the segment model with scikit-learn, and turning it into the plain arrays it ships as."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from sklearn.calibration import CalibratedClassifierCV
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.model_selection import StratifiedGroupKFold
from sklearn.pipeline import FeatureUnion, Pipeline

from themetag.model import LinearThemes, ThemeModel
from themetag.text.features import MAX_PACKED_NGRAM, CharNgramTfidf, jieba_words
from themetag.text.normalize import normalize, normalize_many
from themetag.training.settings import Settings


def report_splits(
    labels: Sequence[str], groups: Sequence[Any], folds: int, seed: int
) -> list[tuple[np.ndarray, np.ndarray]]:
    """Train/test index pairs, stratified by label, with each report (group) on one side."""
    splitter = StratifiedGroupKFold(n_splits=folds, shuffle=True, random_state=seed)
    return list(splitter.split(labels, labels, groups))


def normalized(texts: Sequence[str]) -> list[str]:
    """`normalize` of each text. normalize_many joins a batch into one string, and its markup
    pattern can run from one text into the next (augment.py cut a paragraph inside a tag:
    `<p style="…` then `">…`), losing a text: the batch is then done a text at a time."""
    batch = normalize_many(list(texts))
    return batch if len(batch) == len(texts) else [normalize(text) for text in texts]


def build_featurizer(settings: Settings) -> FeatureUnion:
    """The TF-IDF feature union the settings ask for: character n-grams, words, or both."""
    common: dict[str, Any] = {
        "min_df": settings.min_df,
        "sublinear_tf": settings.sublinear_tf,
        "dtype": np.float32,
    }
    parts = []
    if settings.char_ngrams:
        chars = TfidfVectorizer(analyzer="char", ngram_range=tuple(settings.char_ngrams), **common)
        parts.append(("chars", chars))
    if settings.use_words:
        parts.append(("words", TfidfVectorizer(analyzer=jieba_words, **common)))
    if not parts:
        raise ValueError("settings select no features: set char_ngrams or use_words")
    return FeatureUnion(parts)


def _base_classifier(settings: Settings) -> Any:
    """The uncalibrated classifier the settings name; `regularization` is C or alpha."""
    from sklearn.linear_model import LogisticRegression, SGDClassifier
    from sklearn.naive_bayes import ComplementNB
    from sklearn.svm import LinearSVC

    if settings.classifier == "linear_svc":
        return LinearSVC(
            C=settings.regularization,
            class_weight=settings.class_weight,
            random_state=settings.seed,
        )
    if settings.classifier == "logistic":
        return LogisticRegression(
            C=settings.regularization,
            class_weight=settings.class_weight,
            max_iter=3000,
            random_state=settings.seed,
        )
    if settings.classifier == "sgd":
        return SGDClassifier(
            loss="modified_huber",
            alpha=settings.regularization,
            class_weight=settings.class_weight,
            random_state=settings.seed,
        )
    if settings.classifier == "complement_nb":
        return ComplementNB(alpha=settings.regularization)
    raise ValueError(
        f"unknown classifier {settings.classifier!r}: linear_svc, logistic, sgd or complement_nb"
    )


def has_linear_form(settings: Settings) -> bool:
    """Whether a fit with these settings can ship as plain arrays (LinearThemes)."""
    return (
        settings.char_ngrams is not None
        and settings.char_ngrams[1] <= MAX_PACKED_NGRAM
        and not settings.use_words
        and settings.calibration == "temperature"
        and settings.classifier != "complement_nb"
    )


class SegmentClassifier:
    """The scikit-learn pipeline of a segment model: features, linear classifier, calibration."""

    def __init__(self, settings: Settings | None = None):
        self.settings = settings or Settings()
        self.pipeline: Pipeline | None = None

    @property
    def classes_(self) -> list[str]:
        return [str(c) for c in self._fitted().classes_]

    def _fitted(self) -> Pipeline:
        if self.pipeline is None:
            raise RuntimeError("the classifier is not fitted: call fit() first")
        return self.pipeline

    def fit(
        self, texts: Sequence[str], labels: Sequence[str], groups: Sequence[Any] | None = None
    ) -> SegmentClassifier:
        """Fit on segments; calibration folds keep each report (group) on one side."""
        groups = list(groups) if groups is not None else list(range(len(texts)))
        folds = min(self.settings.folds, len(set(groups)))
        splits = report_splits(labels, groups, folds, self.settings.seed)
        calibrated = CalibratedClassifierCV(
            _base_classifier(self.settings),
            method=self.settings.calibration,
            cv=splits,
            ensemble=False,
        )
        self.pipeline = Pipeline(
            [("features", build_featurizer(self.settings)), ("classifier", calibrated)]
        )
        self.pipeline.fit(normalized(texts), list(labels))
        return self

    def predict_proba(self, texts: Sequence[str]) -> np.ndarray:
        """Calibrated probabilities, one row per text, columns in `classes_` order."""
        return np.asarray(self._fitted().predict_proba(normalized(texts)))

    def linear_form(self) -> LinearThemes:
        """The fitted pipeline as plain arrays that score exactly as it does."""
        if not has_linear_form(self.settings):
            raise ValueError(
                "only models of character n-grams, a linear classifier and temperature"
                f" calibration have a linear form; these settings do not: {self.settings}"
            )
        pipeline = self._fitted()
        ((_, vectorizer),) = pipeline.named_steps["features"].transformer_list
        calibrated = pipeline.named_steps["classifier"].calibrated_classifiers_[0]
        features, columns = CharNgramTfidf.from_vectorizer(vectorizer)
        # The base estimator was fitted on encoded labels, in the order of classes_.
        weights = np.ascontiguousarray(calibrated.estimator.coef_[:, columns].T, np.float32)
        return LinearThemes(
            self.classes_,
            features,
            weights,
            np.asarray(calibrated.estimator.intercept_, np.float32),
            float(calibrated.calibrators[0].beta_),
        )


def fit_model(
    texts: Sequence[str],
    labels: Sequence[str],
    groups: Sequence[Any] | None = None,
    *,
    names: dict[str, str],
    settings: Settings | None = None,
) -> ThemeModel:
    """A ThemeModel fitted on labelled segments (without card figures; train() adds those)."""
    classifier = SegmentClassifier(settings).fit(texts, labels, groups)
    card = {"settings": classifier.settings.as_dict()}
    return ThemeModel(classifier.linear_form(), dict(names), card)
