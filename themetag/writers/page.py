"""The run's HTML page: a summary of the run, then each report headed, profiled and its
segments labelled by theme; for a large run, an index page and a folder of one page a report."""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Callable, Iterable, Mapping
from html import escape
from pathlib import Path
from urllib.parse import quote

from themetag.api import ThemeShare
from themetag.atomic import atomic
from themetag.errors import UsageError
from themetag.paths import readable
from themetag.run import Profile, ReportResult
from themetag.run.review import segment_context
from themetag.writers.page_html import PALETTE as PALETTE  # compare.py's charts use it too
from themetag.writers.page_html import (
    Themes,
    bar,
    controls,
    description,
    document,
    heading,
    segment,
    sort_keys,
    top_themes,
)
from themetag.writers.tables import Record, profile_record

# Past either limit a run gets an index and a page per report. Headless Chromium (Debian's,
# 2 cores) opened 1,500 reports made from examples/ (3.1 M characters) as one page in 2.8 s
# (19 MB as written before; 2.8 s now, 23 MB), and as an index (2.2 MB) in 0.37 s, a report's
# page in 0.06 s (medians of 5; tests/test_page.py measures it again). One page of 200 of them
# opens in 0.35 s, of 1 M characters (7.4 MB) in 0.9 s: a user's browser took 28 s for 28 MB.
ONE_PAGE_REPORTS = 200
ONE_PAGE_CHARACTERS = 1_000_000
# A report's page in the folder: digits and .html only, so that a folder of other files (a
# browser's "save page" folder has the same name) is never taken for ours and removed.
REPORT_PAGE = re.compile(r"[0-9]+\.html")


class _Run:
    """What the summary needs of every report, and each theme's characters and segments."""

    def __init__(self, themes: Themes, supplied: Callable[[str], Mapping[str, str]]) -> None:
        self.themes = themes
        self.supplied = supplied
        self.records: list[Record] = []
        self.failed: list[ReportResult] = []
        self.characters: dict[str, int] = {}
        self.segments: dict[str, int] = {}

    def add(self, result: ReportResult) -> Record | None:
        """Count a report in; its profile record, or None when it could not be tagged."""
        if result.profile is None:
            self.failed.append(ReportResult(result.path, error=result.error))
            return None
        for share in result.profile.shares:
            self.characters[share.theme] = self.characters.get(share.theme, 0) + share.characters
            self.segments[share.theme] = self.segments.get(share.theme, 0) + share.segments
        record = profile_record(result.profile, list(self.themes.names), self.supplied(result.path))
        self.records.append(record)
        return record

    def too_large_for_one_page(self) -> bool:
        return (
            len(self.records) > ONE_PAGE_REPORTS
            or sum(self.characters.values()) > ONE_PAGE_CHARACTERS
        )

    def record(self) -> Record:
        """All reports as one profile record: each theme's share of all their content."""
        characters = sum(self.characters.values())
        segments = sum(self.segments.values())
        content = sum(self.characters.get(theme, 0) for theme in self.themes.content)
        shares = tuple(
            ThemeShare(
                theme,
                self.themes.name(theme),
                self.segments[theme],
                self.segments[theme] / max(segments, 1),
                self.characters[theme],
                self.characters[theme] / max(characters, 1),
                self.characters[theme] / max(content, 1) if theme in self.themes.content else 0.0,
            )
            for theme in self.characters
        )
        return profile_record(Profile("", segments, characters, shares), list(self.themes.names))

    def summary(self, pages: str | None) -> str:
        """The run's heading and profile and its reports listed; each links to its section,
        or to its page in the folder `pages`."""
        records = self.records
        segments = sum(record["segments"] for record in records)
        failed = f", {len(self.failed)} not tagged" if self.failed else ""
        rows = "".join(
            f"<tr {sort_keys(record, number, self.themes)}"
            + (
                f' id="r{number}"><td><a class="keep" href="{pages}/{_page_name(number)}">'
                if pages
                else f'><td><a href="#r{number}">'
            )
            + f'{escape(heading(record))}</a><p class="meta">{description(record)}</p></td>'
            f'<td class="profile">{bar(record, self.themes, small_parts=False)}'
            f'<p class="meta">top: {top_themes(record, self.themes)}</p></td></tr>'
            for number, record in enumerate(records, 1)
        )
        errors = "".join(
            f'<li class="error">{escape(readable(r.path))}: {escape(r.error or "")}</li>'
            for r in self.failed
        )
        return (
            f"<h1>themetag: {len(records):,} reports, {segments:,} segments{failed}</h1>"
            '<p class="meta">Each theme\'s share of the content of all reports, by characters:'
            f"</p>{bar(self.record(), self.themes, small_parts=True)}"
            + controls(self.themes, filters=pages is None, sorting=True)
            + "<table><thead><tr><th>report</th><th>theme profile of the content</th></tr>"
            f'</thead><tbody class="reports">{rows}</tbody></table>'
            + (f"<h2>Not tagged ({len(self.failed)})</h2><ul>{errors}</ul>" if errors else "")
        )


def _page_name(number: int) -> str:
    return f"{number:04d}.html"


def _section(record: Record, result: ReportResult, number: int, themes: Themes) -> str:
    """A report: its heading, what it is, its profile and its segments, labelled; named as
    the segments table names it, for the corrections."""
    contexts = segment_context([row.text for row in result.rows])
    report = readable(result.rows[0].report)
    return (
        f'<section id="r{number}" {sort_keys(record, number, themes)} '
        f'data-report="{escape(report)}"><h2>{escape(heading(record))}</h2>'
        f'<p class="meta">{description(record)}</p>{bar(record, themes, small_parts=True)}'
        + "".join(
            segment(row, themes, context)
            for row, context in zip(result.rows, contexts, strict=True)
        )
        + "</section>"
    )


def report_folder(page: Path) -> Path:
    """Where a large run's report pages go: page.html's are in page_files/."""
    return page.with_name(f"{page.stem if page.suffix else page.name}_files")


def _is_ours(folder: Path) -> bool:
    """Whether a folder holds report pages only, as this writer leaves it."""
    return (
        folder.is_dir()
        and not folder.is_symlink()
        and all(
            entry.is_file() and not entry.is_symlink() and REPORT_PAGE.fullmatch(entry.name)
            for entry in folder.iterdir()
        )
    )


def check_report_folder(page: Path) -> None:
    """Refuse, before a run, a page whose report folder holds files themetag did not write."""
    _refuse_unless_ours(report_folder(page))


def _refuse_unless_ours(folder: Path) -> None:
    if (folder.exists() or folder.is_symlink()) and not _is_ours(folder):
        raise UsageError(
            f"cannot write the report pages in {folder}: it holds files themetag did not write"
            " (move them, or give --html another name)"
        )


def _clear(folder: Path) -> None:
    """Remove an earlier run's report pages; refuse a folder of anything else."""
    _refuse_unless_ours(folder)
    if folder.exists():
        shutil.rmtree(folder)


class _ReportPages:
    """A large run's pages, one per report, written into a temporary folder that takes its
    name (beside the index: page.html, page_files/0001.html …) only once all are written."""

    def __init__(self, index: Path, themes: Themes) -> None:
        self.folder = report_folder(index)
        self.partial = self.folder.with_name(f"{self.folder.name}.partial")
        self.index = index
        self.themes = themes
        _refuse_unless_ours(self.folder)  # before a page is written, not after all of them
        _clear(self.partial)  # left by an interrupted run
        self.partial.mkdir()
        # Each page is written when the next arrives, so that only the last has no next link.
        self.waiting: tuple[Record, ReportResult, int] | None = None

    def href(self) -> str:
        return quote(self.folder.name)

    def add(self, record: Record, result: ReportResult, number: int) -> None:
        if self.waiting:
            self._write(*self.waiting, last=False)
        self.waiting = (record, result, number)

    def finish(self) -> None:
        if self.waiting:
            self._write(*self.waiting, last=True)
            self.waiting = None

    def move_in(self) -> None:
        """Put the finished folder under its name, in place of an earlier run's, whose index
        goes first: until the new index takes its name, none links into this folder."""
        _refuse_unless_ours(self.folder)
        self.index.unlink(missing_ok=True)
        _clear(self.folder)
        os.replace(self.partial, self.folder)

    def discard(self) -> None:
        shutil.rmtree(self.partial, ignore_errors=True)

    def _write(self, record: Record, result: ReportResult, number: int, *, last: bool) -> None:
        index = quote(self.index.name)
        links = [f'<a class="keep" href="../{index}#r{number}">all reports</a>']
        if number > 1:
            links.append(f'<a class="keep" href="{_page_name(number - 1)}">previous</a>')
        if not last:
            links.append(f'<a class="keep" href="{_page_name(number + 1)}">next</a>')
        body = (
            f"<nav>{''.join(links)}</nav>"
            + controls(self.themes, filters=True, sorting=False, index=f"../{index}")
            + _section(record, result, number, self.themes)
        )
        page = document(f"{heading(record)} · themetag", body, self.themes)
        (self.partial / _page_name(number)).write_text(page, encoding="utf-8")


def write_page(
    results: Iterable[ReportResult],
    path: Path,
    names: dict[str, str],
    *,
    supplied: Callable[[str], Mapping[str, str]] = lambda report: {},
) -> None:
    """Write the page of a run's results (names: theme id -> Chinese name, in theme order); for
    a large run, an index at `path` and one page per report in a folder beside it. `supplied`
    gives a report's values from a manifest (title, year …), as in the profiles table."""
    themes = Themes.of(names)
    run = _Run(themes, supplied)
    held: list[ReportResult] = []  # the reports of a run small enough for one page, so far
    pages: _ReportPages | None = None
    try:
        for result in results:
            record = run.add(result)
            if record is None:
                continue
            if pages is not None:
                pages.add(record, result, len(run.records))
                continue
            held.append(result)
            if run.too_large_for_one_page():
                pages = _ReportPages(path, themes)
                for number, earlier in enumerate(zip(run.records, held, strict=True), 1):
                    pages.add(*earlier, number)
                held = []
        if pages is None:
            _write_one_page(run, held, path)
            return
        pages.finish()
        summary = run.summary(pages.href())
        index = document(f"themetag: {len(run.records):,} reports", summary, themes)
        with atomic(path) as temporary:
            temporary.write_text(index, encoding="utf-8")
            pages.move_in()
    except BaseException:
        if pages is not None:
            pages.discard()
        raise


def _write_one_page(run: _Run, results: list[ReportResult], path: Path) -> None:
    sections = "".join(
        _section(record, result, number, run.themes)
        for number, (record, result) in enumerate(zip(run.records, results, strict=True), 1)
    )
    body = f'{run.summary(None)}<div class="reports">{sections}</div>'
    page = document(f"themetag: {len(run.records):,} reports", body, run.themes)
    with atomic(path) as temporary:
        temporary.write_text(page, encoding="utf-8")
    earlier = report_folder(path)
    if _is_ours(earlier):  # an earlier large run's pages, which this page replaces
        shutil.rmtree(earlier)
