"""Classification: a TF-IDF + calibrated linear classifier, saved in a format that runs no code."""

from __future__ import annotations

import json
import zipfile
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import skops.io as sio
from sklearn.calibration import CalibratedClassifierCV
from sklearn.linear_model import LogisticRegression, SGDClassifier
from sklearn.model_selection import StratifiedGroupKFold
from sklearn.naive_bayes import ComplementNB
from sklearn.pipeline import Pipeline
from sklearn.svm import LinearSVC

from themetag.features import build_featurizer, jieba_words
from themetag.normalize import normalize
from themetag.settings import Settings
from themetag.write import atomic

MODEL_FILE = "themetag.skops"
CARD_FILE = "card.json"
# Every type a themetag model file may hold beyond what skops trusts by default. Loading
# refuses any other type, so a crafted file cannot make the loader call arbitrary code.
TRUSTED_TYPES = [
    "sklearn.calibration._CalibratedClassifier",
    "sklearn.calibration._SigmoidCalibration",
    "sklearn.calibration._TemperatureScaling",
    "themetag.features.jieba_words",
]


def report_splits(
    labels: Sequence[str], groups: Sequence, folds: int, seed: int
) -> list[tuple[np.ndarray, np.ndarray]]:
    """Train/test index pairs, stratified by label, with each report (group) on one side."""
    splitter = StratifiedGroupKFold(n_splits=folds, shuffle=True, random_state=seed)
    return list(splitter.split(labels, labels, groups))


class ModelFileError(ValueError):
    """A model file that is missing, damaged, untrusted or from an incompatible version."""


def _base_classifier(settings: Settings):
    """The uncalibrated classifier the settings name; `regularization` is C or alpha."""
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


class ThemeModel:
    """Themes of segments from their text: fit, predict_proba, save, load."""

    def __init__(self, settings: Settings | None = None, names: dict[str, str] | None = None):
        self.settings = settings or Settings()
        self.names = dict(names or {})
        self.card: dict = {}
        self.pipeline: Pipeline | None = None
        self._feature_names: list[str] | None = None
        self.path: Path | None = None

    @property
    def classes_(self) -> list[str]:
        return [str(c) for c in self.pipeline.classes_]

    def fit(
        self, texts: Sequence[str], labels: Sequence[str], groups: Sequence[str] | None = None
    ) -> ThemeModel:
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
        self.pipeline.fit([normalize(t) for t in texts], list(labels))
        # Fold indices and the terms cut by min_df are only needed while fitting; dropping
        # them keeps the saved file small.
        calibrated.set_params(cv=folds)
        for _, vectorizer in self.pipeline.named_steps["features"].transformer_list:
            vectorizer.stop_words_ = None
        return self

    def predict_proba(self, texts: Sequence[str]) -> np.ndarray:
        """Calibrated probabilities, one row per text, columns in `classes_` order."""
        if self.pipeline is None:
            raise RuntimeError("the model is not fitted: call fit() or ThemeModel.load()")
        return self.pipeline.predict_proba([normalize(t) for t in texts])

    @property
    def review_threshold(self) -> float:
        """Confidence below which a tag should be checked by a person (from the model card)."""
        return float(self.card.get("review", {}).get("threshold", 0.0))

    def explain(self, text: str, theme: str, top: int = 8) -> list[tuple[str, float]]:
        """The words of a text that push it most towards a theme, with their weights.

        Character n-gram weights are summed within each jieba word, so that the terms read as
        words (资助, 助学金) rather than as overlapping fragments."""
        features = self.pipeline.named_steps["features"]
        base = self.pipeline.named_steps["classifier"].calibrated_classifiers_[0].estimator
        if not hasattr(base, "coef_"):
            raise ValueError(f"{self.settings.classifier} models cannot explain their decisions")
        if self._feature_names is None:
            self._feature_names = list(features.get_feature_names_out())
        normalized = normalize(text)
        row = features.transform([normalized]).tocsr()
        # The base estimator was fitted on encoded labels, in the order of classes_.
        weights = np.asarray(base.coef_[self.classes_.index(theme)])
        contribution = {
            self._feature_names[i]: float(v * weights[i])
            for i, v in zip(row.indices, row.data, strict=True)
        }
        low, high = self.settings.char_ngrams or (0, 0)
        scores: dict[str, float] = {}
        for word in dict.fromkeys(jieba_words(normalized)):
            grams = (
                {word[i : i + n] for n in range(low, high + 1) for i in range(len(word) - n + 1)}
                if low
                else set()
            )
            score = sum(contribution.get(f"chars__{g}", 0.0) for g in grams)
            score += contribution.get(f"words__{word}", 0.0)
            if score > 0 and any(c.isalpha() for c in word):
                scores[word] = score
        ranked = sorted(scores.items(), key=lambda item: (-item[1], item[0]))[:top]
        return [(word, round(score, 4)) for word, score in ranked]

    def save(self, directory: str | Path) -> Path:
        """Write the model file and its card (JSON) into a directory."""
        directory = Path(directory)
        directory.mkdir(parents=True, exist_ok=True)
        card = {**self.card, "themes": self.names, "settings": self.settings.as_dict()}
        with atomic(directory / MODEL_FILE) as temporary:
            sio.dump(self.pipeline, temporary, compression=zipfile.ZIP_DEFLATED)
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
            raise ModelFileError(f"no model file at {model_file}: run `python train.py` first")
        try:
            card = json.loads(card_file.read_text(encoding="utf-8"))
        except (OSError, ValueError) as error:
            raise ModelFileError(f"model card {card_file} is missing or damaged: {error}") from None
        try:
            pipeline = sio.load(model_file, trusted=TRUSTED_TYPES)
        except Exception as error:  # skops raises many kinds for a bad or hostile file
            raise ModelFileError(
                f"cannot load model file {model_file}: {type(error).__name__}: {error}"
            ) from None
        settings_fields = {
            k: tuple(v) if isinstance(v, list) else v for k, v in card.get("settings", {}).items()
        }
        try:
            settings = Settings(**settings_fields)
        except TypeError as error:
            raise ModelFileError(
                f"model card {card_file} is from an incompatible version: {error}"
            ) from None
        model = cls(settings, card.get("themes", {}))
        model.card, model.pipeline, model.path = card, pipeline, directory
        return model
