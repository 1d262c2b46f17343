"""The unit of a batch run: a task of a few report files, read, segmented and tagged in one
pass, each report giving a typed result or its reason for failing."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from themetag.api import (
    NO_SEGMENTS,
    ModelSource,
    ReportTags,
    TaggedSegment,
    ThemeShare,
    tag_reports,
    worker_model,
)
from themetag.errors import UnreadableReport
from themetag.model import ThemeModel
from themetag.paths import readable
from themetag.readers import read_report
from themetag.readers.limits import DEFAULT_LIMITS, Limits
from themetag.text.metadata import ReportMeta, read_meta

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
    carried: tuple[tuple[str, str], ...] = ()
    # The best themes with their names and probabilities, when asked for (`--top K`).
    top: tuple[tuple[str, str, float], ...] = ()

    @classmethod
    def of(
        cls,
        report: str,
        segment: TaggedSegment,
        names: dict[str, str],
        carried: tuple[tuple[str, str], ...] = (),
        top: int = 0,
    ) -> SegmentRow:
        runner_up, runner_up_confidence = segment.tag.ranking[1]
        return cls(
            report,
            segment.number,
            segment.start,
            segment.end,
            segment.text,
            segment.tag.theme,
            segment.tag.name,
            round(segment.tag.confidence, 4),
            runner_up,
            names.get(runner_up, runner_up),
            round(runner_up_confidence, 4),
            segment.tag.needs_review,
            carried,
            tuple(
                (theme, names.get(theme, theme), round(probability, 4))
                for theme, probability in segment.tag.ranking[:top]
            ),
        )


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
        characters = sum(len(s.text) for s in tags.segments)
        return cls(report, len(tags.segments), characters, tuple(tags.profile), meta)


@dataclass
class ReportResult:
    """One report's output: a row per segment and its profile, or why it failed."""

    path: str
    rows: list[SegmentRow] = field(default_factory=list)
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
        result.rows = [SegmentRow.of(result.path, s, model.names, top=top) for s in tags.segments]
        # Standard input has no file name to read a title or year from; a GBK name is read.
        name = "" if result.path == "-" else readable(Path(result.path).name)
        result.profile = Profile.of(result.path, tags, read_meta(text, name=name))
