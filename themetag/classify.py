"""Classification: a TF-IDF + calibrated linear classifier, saved in a format that runs no code."""

from __future__ import annotations

import hashlib
import json
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from themetag.features import (
    MAX_PACKED_NGRAM,
    CharNgramTfidf,
    build_featurizer,
    jieba_words,
    key_ngram,
)
from themetag.normalize import normalize_many
from themetag.settings import Settings
from themetag.write import atomic

MODEL_FILE = "themetag.npz"
CARD_FILE = "card.json"
# Bumped whenever the arrays in the model file change meaning; load refuses other formats.
MODEL_FORMAT = 1
# Texts featurised at once: bounds the memory of the n-gram arrays on huge batches.
CHUNK_TEXTS = 512


def report_splits(
    labels: Sequence[str], groups: Sequence, folds: int, seed: int
) -> list[tuple[np.ndarray, np.ndarray]]:
    """Train/test index pairs, stratified by label, with each report (group) on one side."""
    from sklearn.model_selection import StratifiedGroupKFold

    splitter = StratifiedGroupKFold(n_splits=folds, shuffle=True, random_state=seed)
    return list(splitter.split(labels, labels, groups))


class ModelFileError(ValueError):
    """A model file that is missing, damaged, untrusted or from an incompatible version."""


def _base_classifier(settings: Settings):
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


def _softmax(scores: np.ndarray) -> np.ndarray:
    exponentials = np.exp(scores - scores.max(axis=1, keepdims=True))
    return exponentials / exponentials.sum(axis=1, keepdims=True)


@dataclass
class LinearThemes:
    """A fitted model as plain arrays: TF-IDF vocabulary, class weights and temperature.

    It scores exactly as the scikit-learn pipeline it was made from, without importing
    scikit-learn, and is what the model file holds."""

    classes: list[str]
    features: CharNgramTfidf
    weights: np.ndarray  # one row per vocabulary key, one column per class
    intercept: np.ndarray
    inverse_temperature: float

    @classmethod
    def from_pipeline(cls, pipeline) -> LinearThemes:
        """The arrays of a fitted char n-gram, linear, temperature-scaled pipeline."""
        ((_, vectorizer),) = pipeline.named_steps["features"].transformer_list
        calibrated = pipeline.named_steps["classifier"].calibrated_classifiers_[0]
        features, columns = CharNgramTfidf.from_vectorizer(vectorizer)
        # The base estimator was fitted on encoded labels, in the order of classes_.
        weights = np.ascontiguousarray(calibrated.estimator.coef_[:, columns].T, np.float32)
        return cls(
            [str(c) for c in pipeline.classes_],
            features,
            weights,
            np.asarray(calibrated.estimator.intercept_, np.float32),
            float(calibrated.calibrators[0].beta_),
        )

    def scores(self, normalized: list[str]) -> np.ndarray:
        """Decision scores of normalised texts, one column per class."""
        return self.features.transform(normalized) @ self.weights + self.intercept

    def predict_proba(self, normalized: list[str]) -> np.ndarray:
        """Calibrated probabilities of normalised texts, columns in `classes` order."""
        return _softmax(self.inverse_temperature * self.scores(normalized))

    def arrays(self) -> dict[str, np.ndarray]:
        """Everything the model is, as named arrays of numbers and fixed-width strings."""
        return {
            "format": np.array(MODEL_FORMAT),
            "classes": np.array(self.classes),
            "keys": self.features.keys,
            "idf": self.features.idf,
            "ngram_range": np.array(self.features.ngram_range),
            "sublinear_tf": np.array(self.features.sublinear_tf),
            "weights": self.weights,
            "intercept": self.intercept,
            "inverse_temperature": np.array(self.inverse_temperature),
        }

    @classmethod
    def from_arrays(cls, arrays) -> LinearThemes:
        """The model the named arrays of `arrays()` describe."""
        low, high = (int(n) for n in arrays["ngram_range"])
        features = CharNgramTfidf(
            arrays["keys"], arrays["idf"], (low, high), bool(arrays["sublinear_tf"])
        )
        return cls(
            [str(c) for c in arrays["classes"]],
            features,
            arrays["weights"],
            arrays["intercept"],
            float(arrays["inverse_temperature"]),
        )


def _has_linear_form(settings: Settings) -> bool:
    return (
        bool(settings.char_ngrams)
        and settings.char_ngrams[1] <= MAX_PACKED_NGRAM
        and not settings.use_words
        and settings.calibration == "temperature"
        and settings.classifier != "complement_nb"
    )


class ThemeModel:
    """Themes of segments from their text: fit, predict_proba, save, load."""

    def __init__(self, settings: Settings | None = None, names: dict[str, str] | None = None):
        self.settings = settings or Settings()
        self.names = dict(names or {})
        self.card: dict = {}
        self.linear: LinearThemes | None = None
        # Only settings without a linear form (words, naive Bayes, sigmoid or isotonic
        # calibration; compared in bench/study.py) keep the scikit-learn pipeline.
        self.pipeline = None
        self.path: Path | None = None

    @property
    def classes_(self) -> list[str]:
        if self.linear is not None:
            return self.linear.classes
        return [str(c) for c in self.pipeline.classes_]

    def fit(
        self, texts: Sequence[str], labels: Sequence[str], groups: Sequence[str] | None = None
    ) -> ThemeModel:
        """Fit on segments; calibration folds keep each report (group) on one side."""
        from sklearn.calibration import CalibratedClassifierCV
        from sklearn.pipeline import Pipeline

        groups = list(groups) if groups is not None else list(range(len(texts)))
        folds = min(self.settings.folds, len(set(groups)))
        splits = report_splits(labels, groups, folds, self.settings.seed)
        calibrated = CalibratedClassifierCV(
            _base_classifier(self.settings),
            method=self.settings.calibration,
            cv=splits,
            ensemble=False,
        )
        pipeline = Pipeline(
            [("features", build_featurizer(self.settings)), ("classifier", calibrated)]
        )
        pipeline.fit(normalize_many(list(texts)), list(labels))
        if _has_linear_form(self.settings):
            self.linear, self.pipeline = LinearThemes.from_pipeline(pipeline), None
        else:
            self.linear, self.pipeline = None, pipeline
        return self

    def predict_proba(self, texts: Sequence[str]) -> np.ndarray:
        """Calibrated probabilities, one row per text, columns in `classes_` order."""
        if self.linear is None and self.pipeline is None:
            raise RuntimeError("the model is not fitted: call fit() or ThemeModel.load()")
        texts = list(texts)
        predict = self.linear.predict_proba if self.linear else self.pipeline.predict_proba
        chunks = [
            predict(normalize_many(texts[i : i + CHUNK_TEXTS]))
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

    def _linear_form(self) -> LinearThemes:
        if self.linear is None:
            raise ValueError(
                "only models of character n-grams, a linear classifier and temperature"
                f" calibration have a linear form; these settings do not: {self.settings}"
            )
        return self.linear

    def explain(self, text: str, theme: str, top: int = 8) -> list[tuple[str, float]]:
        """The words of a text that push it most towards a theme, with their weights.

        Character n-gram weights are summed within each jieba word, so that the terms read as
        words (资助, 助学金) rather than as overlapping fragments."""
        linear = self._linear_form()
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

    def save(self, directory: str | Path) -> Path:
        """Write the model file (numbers only) and its card (JSON) into a directory."""
        directory = Path(directory)
        directory.mkdir(parents=True, exist_ok=True)
        card = {
            **self.card,
            "format": MODEL_FORMAT,
            "themes": self.names,
            "settings": self.settings.as_dict(),
        }
        with atomic(directory / MODEL_FILE) as temporary, open(temporary, "wb") as stream:
            np.savez_compressed(stream, **self._linear_form().arrays())
        with atomic(directory / CARD_FILE) as temporary:
            card_text = json.dumps(card, ensure_ascii=False, indent=2)
            temporary.write_text(card_text + "\n", encoding="utf-8")
        return directory

    @classmethod
    def load(cls, path: str | Path) -> ThemeModel:
        """Load a model directory (or its model file) saved by `save`; runs no code from it."""
        path = Path(path)
        directory = path if path.is_dir() else path.parent
        model_file = path / MODEL_FILE if path.is_dir() else path
        card_file = directory / CARD_FILE
        if not model_file.is_file():
            older = (
                " (it holds a model of an older themetag: retrain it)"
                if any(directory.glob("*.skops"))
                else ""
            )
            raise ModelFileError(
                f"no model file at {model_file}{older}: run `python train.py` first"
            )
        try:
            card = json.loads(card_file.read_text(encoding="utf-8"))
            if not isinstance(card, dict):
                raise ValueError(f"it holds a JSON {type(card).__name__}, not an object")
        except (OSError, ValueError) as error:
            raise ModelFileError(f"model card {card_file} is missing or damaged: {error}") from None
        if card.get("format") != MODEL_FORMAT:
            raise ModelFileError(
                f"model {directory} is in format {card.get('format')!r}, this themetag reads"
                f" format {MODEL_FORMAT}: retrain it with `python train.py`"
            )
        try:
            # allow_pickle=False: an array that would need unpickling is refused, not run.
            with np.load(model_file, allow_pickle=False) as stored:
                arrays = {name: stored[name] for name in stored.files}
            if int(arrays["format"]) != MODEL_FORMAT:
                raise ValueError(f"format {int(arrays['format'])}, expected {MODEL_FORMAT}")
            linear = LinearThemes.from_arrays(arrays)
            # Arrays that do not fit together would fail on every report, not here.
            shape = (len(linear.features.keys), len(linear.classes))
            if linear.weights.shape != shape or linear.intercept.shape != shape[1:]:
                raise ValueError(f"weights {linear.weights.shape} do not fit {shape}")
        except (OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile) as error:
            raise ModelFileError(
                f"cannot load model file {model_file}: {type(error).__name__}: {error}"
            ) from None
        try:
            for part in ("settings", "themes", "review", "corpus"):
                if not isinstance(card.get(part, {}), dict):
                    raise ValueError(f"its {part!r} is not a JSON object")
            float(card.get("review", {}).get("threshold", 0.0))  # read at every tag: check now
            settings_fields = {
                k: tuple(v) if isinstance(v, list) else v
                for k, v in card.get("settings", {}).items()
            }
            settings = Settings(**settings_fields)
            names = dict(card.get("themes", {}))
        except (TypeError, ValueError, AttributeError) as error:
            raise ModelFileError(
                f"model card {card_file} is from an incompatible version: {error}"
            ) from None
        model = cls(settings, names)
        model.card, model.linear, model.path = card, linear, directory
        return model
