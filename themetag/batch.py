"""Tagging many report files in order, in parallel if asked; a bad file never stops the rest."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from themetag.classify import ThemeModel
from themetag.readers import UnreadableReport, find_reports, read_report
from themetag.tagger import (
    NO_SEGMENTS,
    ModelSource,
    ReportTags,
    TaggedSegment,
    load_model,
    model_source,
    tag_reports,
    worker_model,
)

if TYPE_CHECKING:
    from distributed import Client

# Reports tagged per task by worker processes and cluster workers.
REPORTS_PER_TASK = 8


@dataclass
class ReportResult:
    """One report's output rows: a row per segment and its profile, or why it failed."""

    path: str
    rows: list[dict] = field(default_factory=list)
    profile: dict | None = None
    error: str | None = None


SEGMENT_COLUMNS = [
    "report",
    "segment",
    "start",
    "end",
    "text",
    "theme",
    "name",
    "confidence",
    "runner_up",
    "runner_up_name",
    "runner_up_confidence",
    "needs_review",
]


def segment_row(report: str, segment: TaggedSegment, names: dict[str, str]) -> dict:
    """One output row: where the segment is, its text and its tag with the runner-up."""
    runner_up, runner_up_confidence = segment.tag.ranking[1]
    values = [
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
    ]
    return dict(zip(SEGMENT_COLUMNS, values, strict=True))


def profile_row(report: str, tags: ReportTags, themes: list[str], top: int = 3) -> dict:
    """A report's theme profile as one wide row: shares per theme and its top themes."""
    shares = {share.theme: share for share in tags.profile}
    row: dict = {
        "report": report,
        "segments": len(tags.segments),
        "characters": sum(len(s.text) for s in tags.segments),
        "top_themes": " ".join(share.theme for share in tags.profile[:top]),
        "top_names": " ".join(share.name for share in tags.profile[:top]),
    }
    for theme in themes:
        share = shares.get(theme)
        row[f"{theme}_segment_share"] = round(share.segment_share, 4) if share else 0.0
    for theme in themes:
        share = shares.get(theme)
        row[f"{theme}_character_share"] = round(share.character_share, 4) if share else 0.0
    return row


def report_batches(paths: list[Path]) -> Iterator[list[str]]:
    """The paths in order, REPORTS_PER_TASK at a time: the tasks of a parallel run."""
    for i in range(0, len(paths), REPORTS_PER_TASK):
        yield [str(path) for path in paths[i : i + REPORTS_PER_TASK]]


def tag_file_batch(paths: list[str], model: ModelSource) -> list[ReportResult]:
    """Read, segment and tag report files, all their segments in one pass; a file that
    cannot be read gives its reason. `model` may be a `model_source`, loaded once per process."""
    model = worker_model(model)
    results: list[ReportResult] = [ReportResult(str(path)) for path in paths]
    texts: list[tuple[ReportResult, str]] = []
    for result in results:
        try:
            texts.append((result, read_report(result.path)))
        except UnreadableReport as error:
            result.error = str(error)
    reports = tag_reports([text for _, text in texts], model)
    for (result, _), tags in zip(texts, reports, strict=True):
        if not tags.segments:
            result.error = NO_SEGMENTS
            continue
        result.rows = [segment_row(result.path, s, model.names) for s in tags.segments]
        result.profile = profile_row(result.path, tags, list(model.names))
    return results


def tag_files(
    paths: Iterable[str | Path],
    jobs: int = 1,
    model: ThemeModel | None = None,
    client: Client | None = None,
) -> Iterator[ReportResult]:
    """Tag report files and the supported files inside folders, one ReportResult per file,
    in order. With jobs > 1 the reports are tagged in that many processes, and with a
    dask.distributed `client` on its cluster's workers, with the same results."""
    model = model or load_model()
    paths = find_reports(paths)
    if client is not None:
        from themetag.cluster import tag_files_on_cluster

        yield from tag_files_on_cluster(paths, model, client)
        return
    if jobs == 1:
        for batch in report_batches(paths):
            yield from tag_file_batch(batch, model)
        return
    from joblib import Parallel, delayed

    source = model_source(model)
    results = Parallel(n_jobs=jobs, return_as="generator")(
        delayed(tag_file_batch)(batch, source) for batch in report_batches(paths)
    )
    for batch_results in results:
        yield from batch_results
