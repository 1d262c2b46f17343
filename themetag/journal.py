"""The run journal: each finished report is appended, so an interrupted run can resume."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from dataclasses import fields
from pathlib import Path

from themetag.batch import ReportResult


class JournalMismatch(ValueError):
    """A journal left by a run over other reports or with another model."""


def run_key(reports: list[Path], model_fingerprint: str) -> str:
    """What identifies a run: its reports, in order, and the model."""
    digest = hashlib.sha256(model_fingerprint.encode())
    for report in reports:
        digest.update(f"\n{report}".encode())
    return digest.hexdigest()


def _line(result: ReportResult) -> str:
    # Its fields are already plain JSON values: asdict() would deep-copy every row for nothing.
    values = {field.name: getattr(result, field.name) for field in fields(result)}
    return json.dumps(values, ensure_ascii=False) + "\n"


class Journal:
    """JSON Lines beside the output: a header naming the run, then one line per report."""

    def __init__(self, path: Path, key: str):
        self.path, self.key = path, key

    def start(self, resume: bool) -> set[str]:
        """Open the journal; on resume keep what an earlier run finished and return those paths."""
        done: list[ReportResult] = list(self.results()) if resume and self.path.exists() else []
        with open(self.path, "w", encoding="utf-8") as handle:
            # Rewriting drops a line an interrupted run left half written.
            handle.write(json.dumps({"journal": self.key}) + "\n")
            handle.writelines(map(_line, done))
        return {result.path for result in done}

    def append(self, result: ReportResult) -> None:
        with open(self.path, "a", encoding="utf-8") as handle:
            handle.write(_line(result))

    def results(self) -> Iterator[ReportResult]:
        """The complete report lines, in the order they were written."""
        # An interruption can cut the last line inside a character: decode leniently, since
        # that line, having no newline, is dropped anyway.
        with open(self.path, encoding="utf-8", errors="replace") as handle:
            header = handle.readline()
            try:
                key = json.loads(header).get("journal")
            except json.JSONDecodeError:
                key = None
            if key != self.key:
                raise JournalMismatch(
                    f"{self.path} belongs to a run over other reports or with another model; "
                    "run without --resume to start again"
                )
            for line in handle:
                if not line.endswith("\n"):
                    return  # cut off mid-line by an interruption
                yield ReportResult(**json.loads(line))

    def remove(self) -> None:
        self.path.unlink(missing_ok=True)
