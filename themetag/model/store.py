"""The model file: named arrays of numbers and fixed-width strings (npz, never pickle), and a
JSON card; checked whole before use."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path
from typing import Any

import numpy as np

from themetag.atomic import atomic
from themetag.errors import ModelFileError
from themetag.model.context import ContextThemes, feature_count
from themetag.model.scoring import LinearThemes, ThemeModel
from themetag.text.features import CharNgramTfidf

MODEL_FILE = "themetag.npz"
CARD_FILE = "card.json"
# Bumped whenever the arrays in the model file change meaning; load refuses other formats.
MODEL_FORMAT = 2
# A fixed time stamp in the zip entries: retraining on an unchanged corpus writes the same bytes.
_ZIP_TIME = (1980, 1, 1, 0, 0, 0)


def _arrays(model: ThemeModel) -> dict[str, np.ndarray]:
    linear, context = model.linear, model.context
    arrays = {
        "format": np.array(MODEL_FORMAT),
        "classes": np.array(linear.classes),
        "keys": linear.features.keys,
        "idf": linear.features.idf,
        "ngram_range": np.array(linear.features.ngram_range),
        "sublinear_tf": np.array(linear.features.sublinear_tf),
        "weights": linear.weights,
        "intercept": linear.intercept,
        "inverse_temperature": np.array(linear.inverse_temperature),
    }
    if context is not None:
        arrays["context_weights"] = context.weights
        arrays["context_intercept"] = context.intercept
        arrays["context_inverse_temperature"] = np.array(context.inverse_temperature)
    return arrays


def _linear(arrays: dict[str, np.ndarray]) -> LinearThemes:
    low, high = (int(n) for n in arrays["ngram_range"])
    features = CharNgramTfidf(
        arrays["keys"], arrays["idf"], (low, high), bool(arrays["sublinear_tf"])
    )
    linear = LinearThemes(
        [str(c) for c in arrays["classes"]],
        features,
        arrays["weights"],
        arrays["intercept"],
        float(arrays["inverse_temperature"]),
    )
    # Arrays that do not fit together would fail on every report, not here.
    shape = (len(features.keys), len(linear.classes))
    if linear.weights.shape != shape or linear.intercept.shape != shape[1:]:
        raise ValueError(f"weights {linear.weights.shape} do not fit {shape}")
    if features.idf.shape != shape[:1]:
        raise ValueError(f"idf {features.idf.shape} does not fit {shape[:1]} keys")
    if not all(np.isfinite(a).all() for a in (linear.weights, linear.intercept, features.idf)):
        raise ValueError("weights hold values that are not finite numbers")
    return linear


def _context(arrays: dict[str, np.ndarray], classes: int) -> ContextThemes | None:
    if "context_weights" not in arrays:
        return None
    context = ContextThemes(
        arrays["context_weights"],
        arrays["context_intercept"],
        float(arrays["context_inverse_temperature"]),
    )
    shape = (feature_count(classes), classes)
    if context.weights.shape != shape or context.intercept.shape != shape[1:]:
        raise ValueError(f"context weights {context.weights.shape} do not fit {shape}")
    if not (np.isfinite(context.weights).all() and np.isfinite(context.intercept).all()):
        raise ValueError("context weights hold values that are not finite numbers")
    return context


def save_model(model: ThemeModel, directory: str | Path) -> Path:
    """Write the model file (numbers only) and its card (JSON) into a directory."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    card = {**model.card, "format": MODEL_FORMAT, "themes": model.names}
    with (
        atomic(directory / MODEL_FILE) as temporary,
        zipfile.ZipFile(temporary, "w", zipfile.ZIP_DEFLATED) as archive,
    ):
        for name, array in _arrays(model).items():
            entry = zipfile.ZipInfo(f"{name}.npy", _ZIP_TIME)
            entry.compress_type = zipfile.ZIP_DEFLATED
            with archive.open(entry, "w") as stream:
                np.lib.format.write_array(stream, np.asanyarray(array), allow_pickle=False)
    with atomic(directory / CARD_FILE) as temporary:
        card_text = json.dumps(card, ensure_ascii=False, indent=2)
        temporary.write_text(card_text + "\n", encoding="utf-8")
    return directory


def _card(card_file: Path) -> dict[str, Any]:
    try:
        card = json.loads(card_file.read_text(encoding="utf-8"))
        if not isinstance(card, dict):
            raise ValueError(f"it holds a JSON {type(card).__name__}, not an object")
    except (OSError, ValueError) as error:
        raise ModelFileError(f"model card {card_file} is missing or damaged: {error}") from None
    if card.get("format") != MODEL_FORMAT:
        raise ModelFileError(
            f"model {card_file.parent} is in format {card.get('format')!r}, this themetag reads"
            f" format {MODEL_FORMAT}: retrain it with `python train.py`"
        )
    try:
        for part in ("settings", "themes", "review", "corpus"):
            if not isinstance(card.get(part, {}), dict):
                raise ValueError(f"its {part!r} is not a JSON object")
        float(card.get("review", {}).get("threshold", 0.0))  # read at every tag: check now
        if not all(isinstance(v, str) for v in card.get("themes", {}).values()):
            raise ValueError("its theme names are not all text")
    except (TypeError, ValueError, AttributeError) as error:
        raise ModelFileError(
            f"model card {card_file} is from an incompatible version: {error}"
        ) from None
    return card


def load_model_file(path: str | Path) -> ThemeModel:
    """Load a model directory (or its model file) saved by `save_model`; runs no code from it."""
    path = Path(path)
    directory = path if path.is_dir() else path.parent
    model_file = path / MODEL_FILE if path.is_dir() else path
    if not model_file.is_file():
        older = (
            " (it holds a model of an older themetag: retrain it)"
            if any(directory.glob("*.skops"))
            else ""
        )
        raise ModelFileError(f"no model file at {model_file}{older}: run `python train.py` first")
    card = _card(directory / CARD_FILE)
    try:
        # allow_pickle=False: an array that would need unpickling is refused, not run.
        with np.load(model_file, allow_pickle=False) as stored:
            arrays = {name: stored[name] for name in stored.files}
        if int(arrays["format"]) != MODEL_FORMAT:
            raise ValueError(f"format {int(arrays['format'])}, expected {MODEL_FORMAT}")
        linear = _linear(arrays)
        context = _context(arrays, len(linear.classes))
    except (OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile) as error:
        raise ModelFileError(
            f"cannot load model file {model_file}: {type(error).__name__}: {error}"
        ) from None
    names = dict(card.get("themes", {}))
    missing = [c for c in linear.classes if c not in names]
    if missing:
        raise ModelFileError(f"model card {directory / CARD_FILE} names no theme {missing}")
    return ThemeModel(linear, names, card, directory, context)
