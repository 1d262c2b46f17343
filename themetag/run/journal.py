"""The run journal: each finished report is appended, so an interrupted run can resume."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from themetag.api import ThemeShare
from themetag.errors import JournalMismatch
from themetag.run.tasks import Profile, ReportResult, SegmentRows
from themetag.text.metadata import ReportMeta

# File names that are not UTF-8 (GBK names from a Chinese Windows zip) reach Python as lone
# surrogates; the journal keeps their bytes exactly, so that a resumed run knows them again.
_ERRORS = "surrogateescape"


def run_key(reports: list[Path], model_digest: str) -> str:
    """What identifies a run: its reports, in order, and the model (its card's digest)."""
    digest = hashlib.sha256(model_digest.encode())
    for report in reports:
        digest.update(f"\n{report}".encode("utf-8", _ERRORS))
    return digest.hexdigest()


# Rows written per journal line: a huge report is written (and read back by the outputs) a
# few thousand rows at a time, not as one line of a hundred megabytes.
ROWS_PER_LINE = 5_000


def _encode(result: ReportResult) -> Iterator[str]:
    """A report's lines: its rows a piece at a time, the last line with its profile or error."""
    # Rows as columns of values (SegmentRows' own form): json writes and reads lists of plain
    # values in C, with no object made per row.
    rows = SegmentRows.of_rows(result.path, result.rows)
    for start in range(0, len(rows) - ROWS_PER_LINE, ROWS_PER_LINE):
        yield _line(rows.part(start, start + ROWS_PER_LINE), more=True)
    last = (max(len(rows) - 1, 0) // ROWS_PER_LINE) * ROWS_PER_LINE
    profile = None
    if result.profile:
        shares = [
            [getattr(share, name) for name in ThemeShare.__slots__]
            for share in result.profile.shares
        ]
        meta = result.profile.meta
        about = [meta.title, meta.year, meta.issuer, meta.level, meta.kind]
        profile = [result.profile.segments, result.profile.characters, shares, about]
    yield _line(rows.part(last, len(rows)), profile=profile, error=result.error)


def _line(
    rows: SegmentRows,
    *,
    more: bool = False,
    profile: list[Any] | None = None,
    error: str | None = None,
) -> str:
    line = {
        "path": rows.report,
        "columns": rows.columns,
        "carried": rows.carried,
        "top": rows.top,
        "more": more,
        "profile": profile,
        "error": error,
    }
    return json.dumps(line, ensure_ascii=False) + "\n"


def _decode(line: dict[str, Any]) -> ReportResult:
    path = line["path"]
    profile = None
    if line["profile"]:
        segments, characters, shares, about = line["profile"]
        profile = Profile(
            path, segments, characters, tuple(ThemeShare(*s) for s in shares), ReportMeta(*about)
        )
    carried = [tuple((str(name), str(value)) for name, value in row) for row in line["carried"]]
    top = [tuple((str(t), str(name), float(p)) for t, name, p in row) for row in line["top"]]
    rows = SegmentRows(path, line["columns"], carried, top) if line["columns"][0] else ()
    return ReportResult(path, rows, profile, line["error"])


class Journal:
    """JSON Lines beside the output: a header naming the run, then one line per report."""

    def __init__(self, path: Path, key: str):
        self.path, self.key = path, key
        self.damaged = 0  # lines that could not be read back (a power cut, a disk error)
        # What the segments table needs before its first row: the columns carried through from
        # tables of paragraphs (in order of first appearance) and how many best themes a row has.
        self.carried: dict[str, None] = {}
        self.top = 0

    def _note(self, result: ReportResult) -> None:
        rows = SegmentRows.of_rows(result.path, result.rows)
        for carried in rows.carried:
            self.carried.update(dict.fromkeys(name for name, _ in carried))
        self.top = max([self.top, *map(len, rows.top)])

    def start(self, resume: bool) -> set[str]:
        """Open the journal; on resume keep what an earlier run finished and return those paths."""
        done: list[ReportResult] = list(self.results()) if resume and self.path.exists() else []
        with open(self.path, "w", encoding="utf-8", errors=_ERRORS) as handle:
            # Rewriting drops a line an interrupted run left half written, and damaged ones:
            # their reports are tagged again.
            handle.write(json.dumps({"journal": self.key}) + "\n")
            for result in done:
                handle.writelines(_encode(result))
        for result in done:
            self._note(result)
        return {result.path for result in done}

    def append(self, result: ReportResult) -> None:
        with open(self.path, "a", encoding="utf-8", errors=_ERRORS) as handle:
            handle.writelines(_encode(result))
        self._note(result)

    def pieces(self) -> Iterator[tuple[ReportResult, bool]]:
        """The lines that read back whole, in the order they were written, each a report's
        rows or a piece of them, and whether more of that report follows."""
        self.damaged = 0
        # Only "\n" ends a line: a stray carriage return in a damaged line must not split it.
        with open(self.path, encoding="utf-8", errors=_ERRORS, newline="\n") as handle:
            header = handle.readline()
            try:
                key = json.loads(header).get("journal")
            except (json.JSONDecodeError, AttributeError):
                key = None
            if key != self.key:
                raise JournalMismatch(
                    f"{self.path} was left by a run over other reports or with another model;"
                    " run without --resume to start again"
                )
            for line in handle:
                if not line.endswith("\n"):
                    return  # cut off mid-line by an interruption
                try:
                    fields = json.loads(line)
                    piece = _decode(fields), bool(fields["more"])
                except (ValueError, TypeError, KeyError, AttributeError):
                    self.damaged += 1  # NULs or garbage where a line was: tagged again
                    continue
                yield piece

    def results(self) -> Iterator[ReportResult]:
        """The reports whose lines all read back whole, in the order they were written."""
        held: list[ReportResult] = []
        damaged = self.damaged = 0
        skipping = False
        for piece, more in self.pieces():
            if self.damaged > damaged:
                # A line was lost: the report it was part of (or, if it was one's last line,
                # the next) is dropped whole and tagged again.
                damaged, held, skipping = self.damaged, [], True
            if skipping:
                skipping = more
                continue
            held.append(piece)
            if more:
                continue
            if all(part.path == piece.path for part in held):
                rows = SegmentRows.joined(piece.path, [part.rows for part in held])
                yield ReportResult(
                    piece.path, rows if len(rows) else (), piece.profile, piece.error
                )
            held = []

    def remove(self) -> None:
        self.path.unlink(missing_ok=True)
