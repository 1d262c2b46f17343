"""Tagging tables of paragraphs: a report per value of the report column, read in context, or
each paragraph alone when there is none; the other columns go through to every row."""

from __future__ import annotations

from collections.abc import Collection, Iterable, Iterator
from pathlib import Path

from themetag.api import (
    ReportTags,
    TaggedSegments,
    load_model,
    tag_many,
    tag_reports,
    theme_profile,
)
from themetag.errors import UnreadableReport
from themetag.model import ThemeModel
from themetag.readers.limits import DEFAULT_LIMITS, Limits
from themetag.readers.paragraphs import TableReport, read_paragraph_table
from themetag.run.tasks import Profile, ReportResult, SegmentRows
from themetag.text.metadata import read_meta
from themetag.text.segment import Spans


def tag_paragraph_tables(
    paths: Iterable[str | Path],
    *,
    text_column: str,
    report_column: str | None = None,
    model: ThemeModel | None = None,
    limits: Limits = DEFAULT_LIMITS,
    done: Collection[str] = (),
    top: int = 0,
) -> Iterator[ReportResult]:
    """One ReportResult per report of each table (per file without `report_column`), in
    order, skipping the reports named in `done`; a table that cannot be read gives its reason."""
    model = model or load_model()
    for path in paths:
        try:
            reports = read_paragraph_table(
                path, text_column=text_column, report_column=report_column, limits=limits
            )
        except UnreadableReport as error:
            yield ReportResult(str(path), error=str(error))
            continue
        for report in reports:
            if report.name not in done:
                in_context = report_column is not None
                yield _tag_table_report(report, model, in_context=in_context, top=top)


def _tag_table_report(
    report: TableReport, model: ThemeModel, *, in_context: bool, top: int
) -> ReportResult:
    if in_context:
        tags = tag_reports([report.paragraphs], model=model)[0]
    else:
        # Paragraphs that do not say which report they belong to are read one at a time.
        spans = Spans.joined(list(report.paragraphs))
        segments = TaggedSegments(spans, tag_many(report.paragraphs, model=model))
        tags = ReportTags(segments, theme_profile(segments, model.names))
    rows = SegmentRows.of(report.name, tags.segments, model.names, report.carried, top)
    meta = read_meta("\n".join(report.paragraphs), name=report.name)
    return ReportResult(report.name, rows, Profile.of(report.name, tags, meta))
