"""How much reading context gains on the corpus, paired and with its noise: cross-validated
(report-grouped) probabilities one segment at a time and in context, compared segment by
segment, with 95% intervals over 1,000 bootstrap resamples of whole reports.

    python bench/context_gain.py
"""

from __future__ import annotations

import numpy as np

from themetag.model.context import softmax
from themetag.model.metrics import evaluate
from themetag.training.context import fit_context
from themetag.training.corpus import load_corpus
from themetag.training.settings import Settings
from themetag.training.train import DEFAULT_CORPUS, out_of_fold_probabilities

BOOTSTRAP = 1000


def main() -> None:
    settings = Settings()
    segments = load_corpus(DEFAULT_CORPUS)
    gold = [s.label for s in segments]
    docs = [s.doc for s in segments]
    alone, classes = out_of_fold_probabilities(segments, settings)
    content = np.array([c not in ("overview", "boilerplate") for c in classes])
    fit = fit_context(alone, [s.text for s in segments], gold, docs, classes, content, settings)
    in_context = softmax(fit.whole * fit.context.inverse_temperature)
    predictions = [[classes[i] for i in p.argmax(axis=1)] for p in (alone, in_context)]
    members: dict[str, list[int]] = {}
    for index, doc in enumerate(docs):
        members.setdefault(doc, []).append(index)
    reports = list(members)
    rng = np.random.default_rng(settings.seed)

    def scores(index: list[int]) -> np.ndarray:
        truth = [gold[i] for i in index]
        rows = []
        for predicted in predictions:
            chosen = [predicted[i] for i in index]
            accuracy = np.mean([g == c for g, c in zip(truth, chosen, strict=True)])
            rows.append((evaluate(truth, chosen, classes).macro_f1, accuracy))
        return np.subtract(rows[1], rows[0])

    observed = scores(list(range(len(gold))))
    samples = [
        scores([i for r in rng.choice(reports, len(reports)) for i in members[r]])
        for _ in range(BOOTSTRAP)
    ]
    low, high = np.percentile(samples, [2.5, 97.5], axis=0)
    print(f"{len(segments)} segments in {len(reports)} reports; in context minus one at a time:")
    for name, value, lo, hi in zip(("macro-F1", "accuracy"), observed, low, high, strict=True):
        print(f"  {name}: {value:+.3f} (95% interval over reports {lo:+.3f} to {hi:+.3f})")


if __name__ == "__main__":
    main()
