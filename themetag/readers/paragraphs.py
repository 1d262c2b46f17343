"""Tables of paragraphs (.csv, .tsv, .xlsx): one paragraph a row, grouped into reports by a
column if asked, every other column carried through to the output unchanged."""

from __future__ import annotations

import csv
import io
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from themetag.errors import UnreadableReport
from themetag.readers import clean_text, read_bytes
from themetag.readers import text as plain_text
from themetag.readers.limits import DEFAULT_LIMITS, Limits
from themetag.readers.word import check_archive

TABLE_SUFFIXES = (".csv", ".tsv", ".xlsx")
Carried = tuple[tuple[str, str], ...]


@dataclass
class TableReport:
    """The paragraphs of one report of a table, in row order, each with its other columns."""

    name: str
    paragraphs: list[str] = field(default_factory=list)
    carried: list[Carried] = field(default_factory=list)


def read_paragraph_table(
    path: str | Path,
    *,
    text_column: str,
    report_column: str | None = None,
    limits: Limits = DEFAULT_LIMITS,
) -> list[TableReport]:
    """The reports of a table in order of first appearance: one per value of `report_column`,
    or the whole file as one when none is given; rows with an empty text cell are left out."""
    rows = table_rows(Path(path), limits)
    header = rows[0] if rows else None
    if not header:
        raise UnreadableReport("the table is empty: no header row")
    header = [name.strip() for name in header]
    for wanted, option in ((text_column, "--text-column"), (report_column, "--report-column")):
        if wanted is not None and wanted not in header:
            raise UnreadableReport(
                f"no column {wanted!r} ({option}); its columns are "
                + ", ".join(repr(name) for name in header)
            )
    text_at = header.index(text_column)
    report_at = header.index(report_column) if report_column is not None else None
    reports: dict[str, TableReport] = {}
    for row in rows[1:]:
        cells = row + [""] * (len(header) - len(row))
        paragraph = cells[text_at].strip()
        if not paragraph:
            continue
        name = os.fspath(path) if report_at is None else cells[report_at].strip()
        report = reports.setdefault(name, TableReport(name))
        report.paragraphs.append(paragraph)
        report.carried.append(
            tuple((column, cells[i]) for i, column in enumerate(header) if i != text_at)
        )
    return list(reports.values())


def table_rows(path: Path, limits: Limits) -> list[list[str]]:
    """The rows of a .csv, .tsv or .xlsx file (its first sheet), the header first, their text
    cleaned as a report's is."""
    suffix = path.suffix.lower()
    if suffix not in TABLE_SUFFIXES:
        raise UnreadableReport(f"a {suffix or 'file'} is not a table ({', '.join(TABLE_SUFFIXES)})")
    data = read_bytes(path, limits)
    try:
        rows = _xlsx_rows(data, limits) if suffix == ".xlsx" else _text_rows(data, suffix, limits)
        return [[clean_text(cell) for cell in row] for row in rows]
    except UnreadableReport:
        raise
    except Exception as error:  # damaged workbooks and CSV fail in many ways
        raise UnreadableReport(f"cannot read the table ({type(error).__name__}: {error})") from None


def _text_rows(data: bytes, suffix: str, limits: Limits) -> Iterator[list[str]]:
    text = plain_text.read(data, limits).lstrip("\ufeff")
    dialect = "excel-tab" if suffix == ".tsv" else "excel"
    return csv.reader(io.StringIO(text, newline=""), dialect)


def _xlsx_rows(data: bytes, limits: Limits) -> Iterator[list[str]]:
    from openpyxl import load_workbook

    check_archive(data, limits, kind=".xlsx")
    # The first sheet only: a workbook's other sheets are notes, lists or earlier versions.
    sheet = load_workbook(io.BytesIO(data), read_only=True, data_only=True).worksheets[0]
    for values in sheet.iter_rows(values_only=True):
        yield ["" if value is None else str(value) for value in values]
