"""The run journal: each finished report is appended, so an interrupted run can resume."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from themetag.api import ThemeShare
from themetag.errors import JournalMismatch
from themetag.run.tasks import Profile, ReportResult, SegmentRow
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


def _encode(result: ReportResult) -> str:
    # Rows as lists of values, in SegmentRow's field order: half the size of keyed objects.
    rows = [[getattr(row, name) for name in SegmentRow.__slots__] for row in result.rows]
    profile = None
    if result.profile:
        shares = [
            [getattr(share, name) for name in ThemeShare.__slots__]
            for share in result.profile.shares
        ]
        meta = result.profile.meta
        about = [meta.title, meta.year, meta.issuer, meta.level, meta.kind]
        profile = [result.profile.segments, result.profile.characters, shares, about]
    line = {"path": result.path, "rows": rows, "profile": profile, "error": result.error}
    return json.dumps(line, ensure_ascii=False) + "\n"


def _decode(line: dict[str, Any]) -> ReportResult:
    path = line["path"]
    profile = None
    if line["profile"]:
        segments, characters, shares, about = line["profile"]
        profile = Profile(
            path, segments, characters, tuple(ThemeShare(*s) for s in shares), ReportMeta(*about)
        )
    rows = [_row(values) for values in line["rows"]]
    return ReportResult(path, rows, profile, line["error"])


def _row(values: list[Any]) -> SegmentRow:
    fields = dict(zip(SegmentRow.__slots__, values, strict=True))
    fields["carried"] = tuple((str(name), str(value)) for name, value in fields["carried"])
    fields["top"] = tuple((str(theme), str(name), float(p)) for theme, name, p in fields["top"])
    return SegmentRow(**fields)


class Journal:
    """JSON Lines beside the output: a header naming the run, then one line per report."""

    def __init__(self, path: Path, key: str):
        self.path, self.key = path, key
        self.damaged = 0  # lines that could not be read back (a power cut, a disk error)

    def start(self, resume: bool) -> set[str]:
        """Open the journal; on resume keep what an earlier run finished and return those paths."""
        done: list[ReportResult] = list(self.results()) if resume and self.path.exists() else []
        with open(self.path, "w", encoding="utf-8", errors=_ERRORS) as handle:
            # Rewriting drops a line an interrupted run left half written, and damaged ones:
            # their reports are tagged again.
            handle.write(json.dumps({"journal": self.key}) + "\n")
            handle.writelines(map(_encode, done))
        return {result.path for result in done}

    def append(self, result: ReportResult) -> None:
        with open(self.path, "a", encoding="utf-8", errors=_ERRORS) as handle:
            handle.write(_encode(result))

    def results(self) -> Iterator[ReportResult]:
        """The report lines that read back whole, in the order they were written."""
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
                    result = _decode(json.loads(line))
                except (ValueError, TypeError, KeyError, AttributeError):
                    self.damaged += 1  # NULs or garbage where a line was: tagged again
                    continue
                yield result

    def remove(self) -> None:
        self.path.unlink(missing_ok=True)
