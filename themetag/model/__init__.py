"""The model layer: scoring with plain arrays, and the model file that holds them."""

from themetag.model.context import ContextThemes
from themetag.model.scoring import LinearThemes, ReportScores, ThemeModel
from themetag.model.store import CARD_FILE, MODEL_FILE, MODEL_FORMAT, load_model_file, save_model

__all__ = [
    "CARD_FILE",
    "MODEL_FILE",
    "MODEL_FORMAT",
    "ContextThemes",
    "LinearThemes",
    "ReportScores",
    "ThemeModel",
    "load_model_file",
    "save_model",
]
