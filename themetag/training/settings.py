"""Training settings: the one place where features and classifier are configured."""

from __future__ import annotations

from dataclasses import asdict, dataclass


@dataclass(frozen=True)
class Settings:
    """Features, classifier and evaluation settings used by `python train.py`."""

    char_ngrams: tuple[int, int] | None = (1, 3)
    use_words: bool = False
    min_df: int = 2
    sublinear_tf: bool = True
    # linear_svc, logistic, sgd or complement_nb; regularization is C for the first two
    # and alpha for the others.
    classifier: str = "linear_svc"
    regularization: float = 0.5
    class_weight: str | None = "balanced"
    calibration: str = "temperature"
    # Train on extra copies carrying the mess pages add mechanically (training/augment.py).
    augment: bool = True
    review_precision: float = 0.95
    folds: int = 5
    seed: int = 0
    # The context stage: a logistic regression over the segment model's probabilities in the
    # report around each segment, fitted on whole reports and on fragments of them.
    context: bool = True
    context_regularization: float = 0.01
    context_flatten: float = 1.5
    fragments_per_report: int = 2
    fragment_segments: tuple[int, int] = (3, 12)
    # Fit the context stage's temperature on the seed check (real reports, in context) when
    # ../shared/seeds is there; its figures are then reported leave-one-report-out.
    calibrate_on_seeds: bool = True

    def as_dict(self) -> dict:
        return asdict(self)
