"""A manifest: a table naming report files (its `path` column) with columns that supply or
override what is read from each report (title, year, issuer, level, kind) or add to it."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from themetag.errors import UnreadableReport, UsageError
from themetag.readers.limits import DEFAULT_LIMITS, Limits
from themetag.readers.paragraphs import table_rows

PATH_COLUMN = "path"


@dataclass(frozen=True)
class Manifest:
    """The manifest's columns (without `path`) and each report's values, by file."""

    columns: list[str] = field(default_factory=list)
    by_path: dict[str, dict[str, str]] = field(default_factory=dict)
    by_name: dict[str, dict[str, str]] = field(default_factory=dict)

    def values_for(self, report: str) -> dict[str, str]:
        """The manifest's row for a report file: by its path (relative paths are taken from
        the manifest's folder), else by its file name when only one row has that name."""
        found = self.by_path.get(os.path.realpath(report))
        return found if found is not None else self.by_name.get(Path(report).name, {})


def read_manifest(path: str | Path, *, limits: Limits = DEFAULT_LIMITS) -> Manifest:
    """Read a manifest (.csv, .tsv or .xlsx); a problem with it is a usage error."""
    path = Path(path)
    try:
        rows = table_rows(path, limits)
    except UnreadableReport as error:
        raise UsageError(f"cannot read the manifest {path}: {error}") from None
    header, body = (rows[0], rows[1:]) if rows else ([], [])
    if PATH_COLUMN not in header:
        raise UsageError(
            f"the manifest {path} needs a {PATH_COLUMN!r} column naming each report file;"
            f" its columns are {', '.join(map(repr, header)) or 'none'}"
        )
    at = header.index(PATH_COLUMN)
    columns = [name for i, name in enumerate(header) if i != at and name]
    by_path: dict[str, dict[str, str]] = {}
    names: dict[str, list[dict[str, str]]] = {}
    for cells in body:
        cells = cells + [""] * (len(header) - len(cells))
        if not cells[at].strip():
            continue
        values = {name: cells[i].strip() for i, name in enumerate(header) if i != at and name}
        report = path.parent / cells[at].strip()
        by_path[os.path.realpath(report)] = values
        names.setdefault(report.name, []).append(values)
    by_name = {name: rows[0] for name, rows in names.items() if len(rows) == 1}
    return Manifest(columns, by_path, by_name)
