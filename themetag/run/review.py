"""Choosing what a person should review (`themetag review`): the segments whose labels would
teach the model most, spread over reports and themes, each shown with its context."""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

from themetag.api import ReportTags, Tag, load_model, tag_reports
from themetag.errors import UnreadableReport
from themetag.model import ThemeModel
from themetag.readers import find_reports, read_report
from themetag.readers.limits import DEFAULT_LIMITS, Limits
from themetag.text.normalize import normalize
from themetag.text.structure import read_structure

# How many times its even share one report, or one predicted theme, may take of the budget in
# a pass; doubled each pass until the budget is spent. Without a cap the most uncertain
# segments cluster: one long, badly scanned report or one hard theme took the whole budget.
SPREAD = 2


@dataclass(frozen=True)
class ReviewItem:
    """A segment chosen for review: where it is, its context and the model's answer."""

    report: str
    segment: int
    start: int
    end: int
    heading: str
    previous: str
    text: str
    next: str
    tag: Tag

    @property
    def margin(self) -> float:
        """How far the model's best theme leads the second: small is uncertain."""
        return self.tag.ranking[0][1] - self.tag.ranking[1][1]


@dataclass(frozen=True)
class ReviewRun:
    """What `themetag review` chose, and the files it could not read, with the reason."""

    items: list[ReviewItem]
    reports: int
    segments: int
    failures: list[tuple[str, str]]


def review_files(
    paths: Sequence[str | Path],
    *,
    budget: int,
    model: ThemeModel | None = None,
    limits: Limits = DEFAULT_LIMITS,
) -> ReviewRun:
    """Read and tag the reports (in context) and choose `budget` segments to review."""
    model = model or load_model()
    texts, failures = [], []
    for path in find_reports(paths).reports:
        try:
            texts.append((str(path), read_report(path, limits=limits)))
        except UnreadableReport as error:
            failures.append((str(path), str(error)))
    tagged = tag_reports([text for _, text in texts], model=model)
    reports = [(name, tags) for (name, _), tags in zip(texts, tagged, strict=True) if tags.segments]
    segments = sum(len(tags.segments) for _, tags in reports)
    return ReviewRun(select_for_review(reports, budget), len(reports), segments, failures)


def select_for_review(reports: Sequence[tuple[str, ReportTags]], budget: int) -> list[ReviewItem]:
    """The `budget` segments to review, in report and reading order.

    Uncertain first (the smallest margin between the two best themes: a label there moves the
    model's boundary, one on a confident segment mostly confirms it), at most SPREAD times its
    even share of the budget per report and per predicted theme in a pass, and a text that was
    chosen once is not chosen again (identical boilerplate recurs across a collection)."""
    if budget < 0:
        raise ValueError(f"budget must be 0 or more, got {budget}")
    candidates = sorted(
        (item for name, tags in reports for item in _items(name, tags)),
        key=lambda item: (item.margin, item.report, item.segment),
    )
    order = {name: number for number, (name, _) in enumerate(reports)}
    chosen: list[ReviewItem] = []
    seen: set[str] = set()
    per_report: Counter[str] = Counter()
    per_theme: Counter[str] = Counter()
    themes = len({item.tag.theme for item in candidates}) or 1
    report_cap = math.ceil(SPREAD * budget / max(len(reports), 1))
    theme_cap = math.ceil(SPREAD * budget / themes)
    while len(chosen) < budget and candidates:
        left = []
        for item in candidates:
            key = normalize(item.text)
            if len(chosen) == budget or key in seen:
                if key not in seen:
                    left.append(item)
                continue
            if per_report[item.report] >= report_cap or per_theme[item.tag.theme] >= theme_cap:
                left.append(item)
                continue
            chosen.append(item)
            seen.add(key)
            per_report[item.report] += 1
            per_theme[item.tag.theme] += 1
        if len(left) == len(candidates):
            report_cap, theme_cap = report_cap * 2, theme_cap * 2
        candidates = left
    return sorted(chosen, key=lambda item: (order[item.report], item.segment))


def _items(name: str, tags: ReportTags) -> list[ReviewItem]:
    texts = [segment.text for segment in tags.segments]

    def text(index: int | None) -> str:
        return "" if index is None else texts[index]

    return [
        ReviewItem(
            name,
            segment.number,
            segment.start,
            segment.end,
            text(context.heading),
            text(context.previous),
            segment.text,
            text(context.next),
            segment.tag,
        )
        for segment, context in zip(tags.segments, segment_context(texts), strict=True)
    ]


class Context(NamedTuple):
    """Where a segment's context is among its report's segments, None where there is none:
    the heading it stands under, the segment before it and the one after it."""

    heading: int | None
    previous: int | None
    next: int | None


def segment_context(texts: Sequence[str]) -> list[Context]:
    """Each segment's context as a review shows it (the sheet, the page's corrections), by
    index into the report's segment texts."""
    last = len(texts) - 1
    return [
        Context(part.parent, index - 1 if index > 0 else None, index + 1 if index < last else None)
        for index, part in enumerate(read_structure(texts))
    ]
