"""Where the files that ship inside the package are: the trained model and labels.yaml."""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path

# themetag/bundled holds links to the checkout's model/ and labels.yaml; a wheel carries
# copies of them, so the same names work in a checkout and in an installed package.
BUNDLED = Path(str(files("themetag").joinpath("bundled")))
DEFAULT_MODEL_DIR = BUNDLED / "model"
DEFAULT_LABELS = BUNDLED / "labels.yaml"
