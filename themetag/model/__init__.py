"""The model layer: scoring with plain arrays, and the model file that holds them."""

from themetag.model.scoring import LinearThemes, ThemeModel
from themetag.model.store import CARD_FILE, MODEL_FILE, MODEL_FORMAT, load_model_file, save_model

__all__ = [
    "CARD_FILE",
    "MODEL_FILE",
    "MODEL_FORMAT",
    "LinearThemes",
    "ThemeModel",
    "load_model_file",
    "save_model",
]
