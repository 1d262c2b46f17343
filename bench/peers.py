"""The peers themetag is measured against: fastText supervised and a keyword baseline."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable, Sequence

import numpy as np

from themetag.labels import Theme
from themetag.text.normalize import normalize
from themetag.training.corpus import Segment

Methods = tuple[str, Callable, Callable]


def characters(text: str) -> str:
    """fastText splits on spaces, so Chinese text goes in as space-separated characters."""
    return " ".join(c for c in normalize(text) if not c.isspace())


class FastTextPeer:
    """fastText supervised on characters; word n-grams over them are character n-grams."""

    def __init__(self, **parameters):
        self.parameters = {"thread": 1, "seed": 0, "verbose": 0, "minCount": 1, **parameters}
        self.model = None

    def fit(self, texts: Sequence[str], labels: Sequence[str]) -> FastTextPeer:
        import fasttext

        with tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False, encoding="utf-8") as f:
            for text, label in zip(texts, labels, strict=True):
                f.write(f"__label__{label} {characters(text)}\n")
        try:
            self.model = fasttext.train_supervised(f.name, **self.parameters)
        finally:
            os.unlink(f.name)
        return self

    def predict(self, texts: Sequence[str]) -> tuple[list[str], np.ndarray]:
        # The low-level call: fastText 0.9.2's predict() breaks on NumPy 2.
        labels, probabilities = self.model.f.multilinePredict(
            [characters(t) for t in texts], 1, 0.0, "strict"
        )
        return [label[0].removeprefix("__label__") for label in labels], np.array(
            [min(float(p[0]), 1.0) for p in probabilities]
        )

    def save_size(self) -> int:
        with tempfile.TemporaryDirectory() as folder:
            path = os.path.join(folder, "model.bin")
            self.model.save_model(path)
            return os.path.getsize(path)

    @staticmethod
    def grid(quick: bool = False) -> list[Methods]:
        """The settings tried for fastText: character bi- and trigrams, epochs, learning rate."""
        settings = [
            {"wordNgrams": n, "epoch": e, "lr": lr, "dim": 100}
            for n in (2, 3)
            for e in (25, 50)
            for lr in (0.5, 1.0)
        ]
        if quick:
            settings = settings[:1]
        methods = []
        for parameters in settings:
            name = (
                f"fastText chars, wordNgrams {parameters['wordNgrams']}, "
                f"epoch {parameters['epoch']}, lr {parameters['lr']}"
            )
            methods.append((name, *FastTextPeer.methods(parameters)))
        return methods

    @staticmethod
    def methods(parameters: dict) -> tuple[Callable, Callable]:
        def fit(train: list[Segment]) -> FastTextPeer:
            return FastTextPeer(**parameters).fit([s.text for s in train], [s.label for s in train])

        def predict(model: FastTextPeer, texts: Sequence[str]):
            return model.predict(texts)

        return fit, predict


_loaded_models: dict = {}


def predict_with_file(path: str, texts: list[str], prepared: bool = False, k: int = 18) -> list:
    """The k best labels of each text (all 18 by default), ranked, from a saved fastText model
    loaded once per process.

    `prepared` texts are already split into characters; others are split here."""
    import fasttext

    if path not in _loaded_models:
        _loaded_models[path] = fasttext.load_model(path).f
    lines = texts if prepared else [characters(t) for t in texts]
    return _loaded_models[path].multilinePredict(lines, k, 0.0, "strict")[0]


class KeywordBaseline:
    """The theme whose labels.yaml keywords occur most often; overview when none occurs."""

    def __init__(self, themes: list[Theme]):
        self.keywords = [(t.id, [normalize(k) for k in t.keywords]) for t in themes]

    def predict(self, texts: Sequence[str]) -> tuple[list[str], None]:
        labels = []
        for text in texts:
            text = normalize(text)
            counts = [sum(text.count(k) for k in words) for _, words in self.keywords]
            best = int(np.argmax(counts))
            labels.append(self.keywords[best][0] if counts[best] else "overview")
        return labels, None

    @staticmethod
    def methods(themes: list[Theme]) -> Methods:
        baseline = KeywordBaseline(themes)
        return "keyword baseline (labels.yaml)", lambda train: baseline, lambda m, t: m.predict(t)
