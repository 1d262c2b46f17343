"""The unit of a batch run: a task of a few report files, read, segmented and tagged in one
pass, each report giving a typed result or its reason for failing."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from themetag.api import (
    NO_SEGMENTS,
    ModelSource,
    ReportTags,
    TaggedSegment,
    TaggedSegments,
    ThemeShare,
    tag_reports,
    worker_model,
)
from themetag.errors import UnreadableReport
from themetag.model import ThemeModel
from themetag.paths import readable
from themetag.readers import read_report
from themetag.readers.limits import DEFAULT_LIMITS, Limits
from themetag.readers.paragraphs import Carried
from themetag.sequences import MadeWhenRead
from themetag.text.metadata import ReportMeta, read_meta

# A row's best themes (`--top K`): id, Chinese name and probability of each.
Best = tuple[tuple[str, str, float], ...]
# Reports tagged per task by worker processes and cluster workers.
REPORTS_PER_TASK = 8


@dataclass(frozen=True, slots=True)
class SegmentRow:
    """One output row: where the segment is, its text and its tag with the runner-up."""

    report: str
    segment: int
    start: int
    end: int
    text: str
    theme: str
    name: str
    confidence: float
    runner_up: str
    runner_up_name: str
    runner_up_confidence: float
    needs_review: bool
    # The other columns of a paragraph table's row, as (column, value), carried through.
    carried: Carried = ()
    # The best themes with their names and probabilities, when asked for (`--top K`).
    top: Best = ()


# SegmentRow's own columns, each held as one list in SegmentRows.
ROW_COLUMNS = tuple(n for n in SegmentRow.__slots__ if n not in ("report", "carried", "top"))


class SegmentRows(MadeWhenRead[SegmentRow]):
    """A report's output rows held as columns, one list each in ROW_COLUMNS order; a
    SegmentRow is made only when one is read, so a run costs no Python object per row."""

    __slots__ = ("report", "columns", "carried", "top")

    def __init__(
        self,
        report: str,
        columns: Sequence[list[Any]],
        carried: Sequence[Carried] = (),
        top: Sequence[Best] = (),
    ):
        if len(columns) != len(ROW_COLUMNS) or len({len(c) for c in columns}) > 1:
            raise ValueError(f"expected {len(ROW_COLUMNS)} columns of one length")
        self.report, self.columns = report, tuple(columns)
        self.carried, self.top = carried, top

    @classmethod
    def of(
        cls,
        report: str,
        segments: Sequence[TaggedSegment],
        names: dict[str, str],
        carried: Sequence[Carried] = (),
        top: int = 0,
    ) -> SegmentRows:
        """The rows of a tagged report, with the `top` best themes of each when asked."""
        if not isinstance(segments, TaggedSegments):
            kind = type(segments).__name__
            raise TypeError(f"expected the TaggedSegments of a report, got {kind}")
        tags, spans = segments.tags, segments.spans
        order, ranked_probabilities = tags.ranked(max(top, 2))
        classes = np.array(tags.classes, dtype=object)
        # A list per column, not per row: a huge report's rows are made without a Python
        # object per row beyond their values.
        ranks = range(order.shape[1])
        themes = [classes[order[:, rank]].tolist() for rank in ranks]
        named = [[names.get(theme, theme) for theme in themes[rank]] for rank in ranks]
        probabilities = [
            [round(p, 4) for p in ranked_probabilities[:, rank].tolist()] for rank in ranks
        ]
        columns = [
            list(range(1, len(spans) + 1)),
            spans.starts.tolist(),
            spans.ends.tolist(),
            list(spans.texts),
            themes[0],
            named[0],
            probabilities[0],
            themes[1],
            named[1],
            probabilities[1],
            tags.needs_review.tolist(),
        ]
        # Each row's best themes: the rank columns zipped into (theme, name, probability).
        best = [zip(themes[r], named[r], probabilities[r], strict=True) for r in ranks[:top]]
        ranked = list(zip(*best, strict=True)) if top else []
        return cls(report, columns, carried, ranked)

    @classmethod
    def of_rows(cls, report: str, rows: Sequence[SegmentRow]) -> SegmentRows:
        """Rows given one by one, as columns (SegmentRows as they are)."""
        if isinstance(rows, SegmentRows):
            return rows
        columns = [[getattr(row, name) for row in rows] for name in ROW_COLUMNS]
        carried = [row.carried for row in rows] if any(row.carried for row in rows) else []
        top = [row.top for row in rows] if any(row.top for row in rows) else []
        return cls(report, columns, carried, top)

    @classmethod
    def joined(cls, report: str, pieces: Sequence[Sequence[SegmentRow]]) -> SegmentRows:
        """Pieces of a report's rows, one after another, as one SegmentRows."""
        parts = [cls.of_rows(report, piece) for piece in pieces]
        if len(parts) == 1:
            return parts[0]
        columns = [[v for part in parts for v in part.columns[i]] for i in range(len(ROW_COLUMNS))]
        carried = [c for part in parts for c in (part.carried or [()] * len(part))]
        top = [t for part in parts for t in (part.top or [()] * len(part))]
        return cls(report, columns, carried if any(carried) else [], top if any(top) else [])

    def part(self, start: int, stop: int) -> SegmentRows:
        """Rows start..stop-1."""
        return SegmentRows(
            self.report,
            [column[start:stop] for column in self.columns],
            self.carried[start:stop],
            self.top[start:stop],
        )

    def __len__(self) -> int:
        return len(self.columns[0])

    @property
    def texts(self) -> list[str]:
        """The segments' texts."""
        return self.columns[ROW_COLUMNS.index("text")]

    def _item(self, index: int) -> SegmentRow:
        values = [column[index] for column in self.columns]
        carried = self.carried[index] if self.carried else ()
        top = self.top[index] if self.top else ()
        return SegmentRow(self.report, *values, carried=carried, top=top)  # type: ignore[misc]

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, SegmentRows):
            return NotImplemented
        return (self.report, self.columns, tuple(self.carried), tuple(self.top)) == (
            other.report,
            other.columns,
            tuple(other.carried),
            tuple(other.top),
        )

    __hash__ = None  # type: ignore[assignment]


@dataclass(frozen=True, slots=True)
class Profile:
    """A report's theme profile: its size and each theme's share, largest first."""

    report: str
    segments: int
    characters: int
    shares: tuple[ThemeShare, ...]
    meta: ReportMeta = ReportMeta()

    @classmethod
    def of(cls, report: str, tags: ReportTags, meta: ReportMeta) -> Profile:
        # Every segment counts in its theme's characters: the shares sum to the report's.
        characters = sum(share.characters for share in tags.profile)
        return cls(report, len(tags.segments), characters, tuple(tags.profile), meta)


@dataclass
class ReportResult:
    """One report's output: a row per segment and its profile, or why it failed."""

    path: str
    rows: Sequence[SegmentRow] = ()
    profile: Profile | None = None
    error: str | None = None


def report_batches(paths: list[Path]) -> Iterator[list[str]]:
    """The paths in order, REPORTS_PER_TASK at a time: the tasks of a parallel run."""
    for i in range(0, len(paths), REPORTS_PER_TASK):
        yield [str(path) for path in paths[i : i + REPORTS_PER_TASK]]


def _tag_apart_if_needed(
    texts: list[tuple[ReportResult, str]], model: ThemeModel
) -> list[ReportTags | None]:
    """The reports tagged in one pass; if that runs out of memory, each alone, so that one
    huge report fails by itself (None) and the others of its task are still tagged."""
    try:
        return list(tag_reports([text for _, text in texts], model=model))
    except MemoryError:
        alone: list[ReportTags | None] = []
        for _, text in texts:
            try:
                alone.append(tag_reports([text], model=model)[0])
            except MemoryError:
                alone.append(None)
        return alone


def tag_file_batch(
    paths: list[str], model: ModelSource, limits: Limits = DEFAULT_LIMITS, top: int = 0
) -> list[ReportResult]:
    """Read, segment and tag report files, all their segments in one pass; a file that
    cannot be read gives its reason. `model` may be a `model_source`, loaded once per process;
    `top` best themes are kept on each row."""
    loaded = worker_model(model)
    results: list[ReportResult] = [ReportResult(str(path)) for path in paths]
    texts: list[tuple[ReportResult, str]] = []
    for result in results:
        try:
            texts.append((result, read_report(result.path, limits=limits)))
        except UnreadableReport as error:
            result.error = str(error)
    tag_texts(texts, loaded, top=top)
    return results


def tag_texts(texts: list[tuple[ReportResult, str]], model: ThemeModel, *, top: int = 0) -> None:
    """Give each result the rows and profile of its report's text, or its reason for failing."""
    for (result, text), tags in zip(texts, _tag_apart_if_needed(texts, model), strict=True):
        if tags is None:
            result.error = f"ran out of memory tagging it ({len(text):,} characters)"
            continue
        if not tags.segments:
            result.error = NO_SEGMENTS
            continue
        rows = result.rows = SegmentRows.of(result.path, tags.segments, model.names, top=top)
        # Standard input has no file name to read a title or year from; a GBK name is read.
        name = "" if result.path == "-" else readable(Path(result.path).name)
        # The report's cut is given: read_meta would cut it again (a sixth of a run's time).
        meta = read_meta(text, name=name, segments=rows.texts)
        result.profile = Profile.of(result.path, tags, meta)
