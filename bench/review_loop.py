"""The analyst in the loop, simulated: does training on a person's answers to the segments
`themetag review` picks help on that person's collection, and more than answers to segments
picked at random?

A group of the corpus's reports plays a user's collection (by default the 述职报告: the
kind the model handles worst when it has seen none of it, `--screen` compares the
candidates): split by report into a review part and a test part, and left out of training. A
model trained without them picks BUDGET segments of the review part (select_for_review, the
rule of `themetag review`) or BUDGET at random (several seeds). Each pick is written as a
review sheet as `themetag review` writes it, its `correct` column filled in with the corpus's
labels (written by people, never by a model), and trained on as `themetag train --add` does;
every model is scored on the test part in context, with 95% intervals from resampling its
reports. Prints Markdown tables for docs/REVIEW.md. Trainings use three folds, not five.

    python bench/review_loop.py [--group 述职报告] [--budgets 25 50 100 200] [--seeds 3]
    python bench/review_loop.py --screen
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import io
import json
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from themetag.api import ReportTags, tag_reports
from themetag.labels import load_themes
from themetag.model import ThemeModel, load_model_file
from themetag.model.metrics import evaluate
from themetag.run.review import ReviewItem, select_for_review
from themetag.text.structure import read_structure
from themetag.training.corpus import Segment, load_corpus
from themetag.training.corrections import add_sheets
from themetag.training.settings import Settings
from themetag.training.train import (
    DEFAULT_CORPUS,
    DEFAULT_SEEDS,
    TrainingSet,
    fit_and_check,
    report_folds,
    report_interval,
    train,
)
from themetag.writers.review import write_review

PLANS = {"实施方案", "工作方案", "工作计划", "行动计划", "实施意见"}
# Candidate collections: reports of one kind, or of one writing round (by their doc's letters).
GROUPS: dict[str, Callable[[str, dict], bool]] = {
    "述职报告": lambda doc, meta: meta.get("kind") == "述职报告",
    "汇报材料": lambda doc, meta: meta.get("kind") == "汇报材料",
    "自查报告": lambda doc, meta: meta.get("kind") == "自查报告",
    "plans": lambda doc, meta: meta.get("kind") in PLANS,
    "讲话, 工作信息": lambda doc, meta: meta.get("kind") in {"讲话", "工作信息"},
    "round 4": lambda doc, meta: doc.rstrip("0123456789") in {"p", "q", "x", "y"},
    "round 6": lambda doc, meta: doc.rstrip("0123456789") in {"zf", "zg", "zh", "zi"},
}
# Three folds instead of five (cross-validation and calibration): each training is faster,
# and every point of the curve is trained the same way.
SETTINGS = Settings(folds=3)


@dataclass(frozen=True)
class Score:
    """A model on the test part: which segments it gets right, in context and alone."""

    predicted: np.ndarray
    right: np.ndarray
    alone_right: np.ndarray


@dataclass(frozen=True)
class Collection:
    """The user's reports, each a list of corpus segments in reading order, split in two."""

    review: list[list[Segment]]
    test: list[list[Segment]]

    @property
    def test_gold(self) -> np.ndarray:
        return np.array([s.label for report in self.test for s in report])

    @property
    def test_docs(self) -> list[str]:
        return [s.doc for report in self.test for s in report]


def split_collection(segments: list[Segment], docs: set[str], seed: int) -> Collection:
    """The collection's reports, shuffled with a seed and cut in half by report."""
    reports: dict[str, list[Segment]] = {}
    for segment in segments:
        if segment.doc in docs:
            reports.setdefault(segment.doc, []).append(segment)
    names = sorted(reports)
    np.random.default_rng(seed).shuffle(names)
    half = len(names) // 2
    return Collection([reports[n] for n in names[:half]], [reports[n] for n in names[half:]])


def score(model: ThemeModel, collection: Collection) -> Score:
    found = model.predict_reports([[s.text for s in report] for report in collection.test])
    classes = np.array(model.classes_)
    predicted = classes[np.concatenate([f.in_context.argmax(axis=1) for f in found])]
    alone = classes[np.concatenate([f.alone.argmax(axis=1) for f in found])]
    gold = collection.test_gold
    return Score(predicted, predicted == gold, alone == gold)


def random_items(tagged: list[tuple[str, ReportTags]], budget: int, seed: int) -> list[ReviewItem]:
    """`budget` segments of the review part drawn at random, shown as the rule's are."""
    places = [(n, i) for n, (_, tags) in enumerate(tagged) for i in range(len(tags.segments))]
    picked = np.random.default_rng(seed).choice(len(places), size=budget, replace=False)
    items = []
    for report, index in sorted(places[i] for i in picked):
        name, tags = tagged[report]
        texts = [segment.text for segment in tags.segments]
        parent = read_structure(texts)[index].parent
        segment = tags.segments[index]
        items.append(
            ReviewItem(
                name,
                segment.number,
                segment.start,
                segment.end,
                texts[parent] if parent is not None else "",
                texts[index - 1] if index else "",
                segment.text,
                texts[index + 1] if index + 1 < len(texts) else "",
                segment.tag,
            )
        )
    return items


def trained_with_answers(
    items: list[ReviewItem],
    collection: Collection,
    corpus: Path,
    work: Path,
    names: dict[str, str],
) -> ThemeModel:
    """`themetag train --add SHEET`: the review sheet written as `themetag review` writes it,
    `correct` filled in with the corpus's labels, added to a user folder, and trained on."""
    work.mkdir()
    sheet = work / "review.csv"
    write_review(items, sheet, names)
    gold = {(r[0].doc, n): s.label for r in collection.review for n, s in enumerate(r, 1)}
    with open(sheet, encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle))
    for row in rows:
        row["correct"] = gold[row["report"], int(row["segment"])]
    with open(sheet, "w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    user = work / "user"
    themes = load_themes()
    if add_sheets([sheet], user, themes, skip_bad=False, date="bench") is None:
        raise RuntimeError(f"{sheet} has problems")
    return train(corpus, work / "model", settings=SETTINGS, seeds=DEFAULT_SEEDS, user=user)


def interval(values: tuple[float, float] | None) -> str:
    return "" if values is None else f" ({values[0]:.3f}–{values[1]:.3f})"


def base_model(left_out: set[str], work: Path) -> tuple[Path, ThemeModel]:
    """A corpus folder without the reports left out, and the model trained on it."""
    corpus = work / "corpus"
    corpus.mkdir(parents=True)
    for path in sorted(DEFAULT_CORPUS.glob("*.jsonl")):
        if path.stem not in left_out:
            (corpus / path.name).write_bytes(path.read_bytes())
    with contextlib.redirect_stdout(io.StringIO()):
        train(corpus, work / "base", settings=SETTINGS, seeds=DEFAULT_SEEDS)
    return corpus, load_model_file(work / "base")


def screen(segments: list[Segment], meta: dict[str, dict]) -> None:
    """Each candidate collection's accuracy in context when the model saw none of it, beside
    the corpus's cross-validation (other reports of it in training)."""
    gold = [s.label for s in segments]
    everything = TrainingSet(segments, gold, report_folds(segments, SETTINGS))
    names = {t.id: t.name for t in load_themes()}
    with contextlib.redirect_stdout(io.StringIO()):
        fitted = fit_and_check(
            everything, corpus_card={}, names=names, settings=SETTINGS, seed_segments=[]
        )
    cross = np.array(fitted.classes)[fitted.in_context.argmax(axis=1)] == np.array(gold)
    print(
        "\n| collection | reports | segments | CV in context | held out, in context"
        " | held out, alone |\n|---|---|---|---|---|---|"
    )
    for name, member in GROUPS.items():
        docs = {doc for doc, row in meta.items() if member(doc, row)}
        with tempfile.TemporaryDirectory() as folder:
            _, model = base_model(docs, Path(folder))
        collection = Collection([], [[s for s in segments if s.doc == d] for d in sorted(docs)])
        found = score(model, collection)
        inside = np.array([s.doc in docs for s in segments])
        print(
            f"| {name} | {len(docs)} | {len(found.right)} | {cross[inside].mean():.3f}"
            f" | {found.right.mean():.3f} | {found.alone_right.mean():.3f} |"
        )
    print(f"| all | {len(meta)} | {len(segments)} | {cross.mean():.3f} | | |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--group", choices=list(GROUPS), default="述职报告")
    parser.add_argument("--budgets", type=int, nargs="+", default=[25, 50, 100, 200])
    parser.add_argument("--seeds", type=int, default=3, help="random selections per budget")
    parser.add_argument(
        "--screen", action="store_true", help="only compare the candidate collections"
    )
    args = parser.parse_args()
    budgets = sorted({0, *args.budgets})
    started = time.perf_counter()
    names = {t.id: t.name for t in load_themes()}
    themes = list(names)
    segments = load_corpus(DEFAULT_CORPUS)
    meta = {
        path.stem: json.loads(path.open(encoding="utf-8").readline())
        for path in sorted(DEFAULT_CORPUS.glob("*.jsonl"))
    }
    if args.screen:
        screen(segments, meta)
        print(f"\n{time.perf_counter() - started:.0f} s in all")
        return
    members = {doc for doc, row in meta.items() if GROUPS[args.group](doc, row)}
    collection = split_collection(segments, members, seed=0)
    print(
        f"collection: {args.group}, {len(members)} reports; review part {len(collection.review)}"
        f" reports ({sum(map(len, collection.review))} segments), test part"
        f" {len(collection.test)} reports ({len(collection.test_gold)} segments); trained on"
        f" {sum(s.doc not in members for s in segments)} segments of"
        f" {len(meta) - len(members)} other reports"
    )
    gold, docs = collection.test_gold, collection.test_docs

    def describe(s: Score) -> dict:
        macro = report_interval(
            lambda i: evaluate(list(gold[i]), list(s.predicted[i]), themes).macro_f1, docs
        )
        return {
            "accuracy": float(s.right.mean()),
            "accuracy_interval": report_interval(lambda i: float(s.right[i].mean()), docs),
            "macro_f1": evaluate(list(gold), list(s.predicted), themes).macro_f1,
            "macro_f1_interval": macro,
            "alone": float(s.alone_right.mean()),
        }

    with tempfile.TemporaryDirectory() as folder:
        work = Path(folder)
        corpus, base = base_model(members, work)
        print(f"model without the collection trained in {time.perf_counter() - started:.0f} s")
        texts = [[s.text for s in report] for report in collection.review]
        tagged = [
            (report[0].doc, tags)
            for report, tags in zip(collection.review, tag_reports(texts, model=base), strict=True)
        ]
        results: dict[tuple[int, str], list[dict]] = {}
        scores: dict[tuple[int, str], list[Score]] = {}
        none = score(base, collection)
        scores[0, "none"], results[0, "none"] = [none], [describe(none)]
        for budget in budgets[1:]:
            chosen = {"rule": [select_for_review(tagged, budget)]}
            chosen["random"] = [random_items(tagged, budget, seed) for seed in range(args.seeds)]
            for how, selections in chosen.items():
                for number, items in enumerate(selections):
                    with contextlib.redirect_stdout(io.StringIO()):
                        model = trained_with_answers(
                            items, collection, corpus, work / f"{budget}-{how}-{number}", names
                        )
                    found = score(model, collection)
                    scores.setdefault((budget, how), []).append(found)
                    results.setdefault((budget, how), []).append(describe(found))
            print(f"budget {budget} done at {time.perf_counter() - started:.0f} s")
    _print_tables(budgets, results, scores, docs)
    print(f"\n{time.perf_counter() - started:.0f} s in all")


def _print_tables(
    budgets: list[int],
    results: dict[tuple[int, str], list[dict]],
    scores: dict[tuple[int, str], list[Score]],
    docs: list[str],
) -> None:
    print(
        "\n| budget | selection | accuracy in context (95% over reports) | macro-F1 in context"
        " | accuracy alone |\n|---|---|---|---|---|"
    )
    for (budget, how), rows in results.items():
        if len(rows) == 1:
            (row,) = rows
            print(
                f"| {budget} | {how} | {row['accuracy']:.3f}{interval(row['accuracy_interval'])}"
                f" | {row['macro_f1']:.3f}{interval(row['macro_f1_interval'])}"
                f" | {row['alone']:.3f} |"
            )
            continue
        accuracy, macro = [r["accuracy"] for r in rows], [r["macro_f1"] for r in rows]
        print(
            f"| {budget} | {how}, {len(rows)} seeds: mean (min–max) | {np.mean(accuracy):.3f}"
            f" ({min(accuracy):.3f}–{max(accuracy):.3f}) | {np.mean(macro):.3f}"
            f" ({min(macro):.3f}–{max(macro):.3f}) | {np.mean([r['alone'] for r in rows]):.3f} |"
        )
    print(
        "\nPaired over the test part's segments, 95% intervals over its reports (random: the"
        " seeds' mean)\n\n| budget | rule minus none | random minus none | rule minus random |"
        "\n|---|---|---|---|"
    )
    (none,) = scores[0, "none"]
    for budget in budgets[1:]:
        rule = scores[budget, "rule"][0].right.astype(float)
        chance = np.mean([s.right for s in scores[budget, "random"]], axis=0)
        cells = []
        for gain in (rule - none.right, chance - none.right, rule - chance):
            low, high = report_interval(lambda i, g=gain: float(g[i].mean()), docs) or (0, 0)
            cells.append(f"{gain.mean():+.3f} ({low:+.3f} to {high:+.3f})")
        print(f"| {budget} | {' | '.join(cells)} |")


if __name__ == "__main__":
    main()
