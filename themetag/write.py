"""Writing results as JSON Lines, CSV or Excel; a file appears under its name only when complete."""

from __future__ import annotations

import csv
import json
import os
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

FORMATS = ("jsonl", "csv", "xlsx")
EXCEL_CELL_LIMIT = 32_767
ERROR_COLUMNS = ["report", "error"]


@contextmanager
def atomic(path: Path) -> Iterator[Path]:
    """A temporary path beside `path`, renamed to it only if the block completes."""
    temporary = path.with_name(path.name + ".partial")
    try:
        yield temporary
        os.replace(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)


def output_paths(output: Path, fmt: str) -> dict[str, Path]:
    """Where the segments, profiles and errors of a run go, given the main output path."""
    stem = output.with_suffix("") if output.suffix else output
    if fmt == "xlsx":
        return {"segments": output, "profiles": output, "errors": Path(f"{stem}.errors.csv")}
    return {
        "segments": output,
        "profiles": Path(f"{stem}.profiles.{fmt}"),
        "errors": Path(f"{stem}.errors.csv"),
    }


def write_jsonl(rows: Iterable[dict], path: Path) -> int:
    """Rows as JSON Lines; returns how many."""
    count = 0
    with atomic(path) as temporary, open(temporary, "w", encoding="utf-8") as handle:
        for row in rows:
            handle.write(json.dumps(row, ensure_ascii=False) + "\n")
            count += 1
    return count


def write_csv(rows: Iterable[dict], path: Path, columns: list[str]) -> int:
    """Rows as CSV in UTF-8 with a BOM, so that Excel opens Chinese text correctly."""
    count = 0
    with atomic(path) as temporary, open(temporary, "w", encoding="utf-8-sig", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=columns)
        writer.writeheader()
        for row in rows:
            writer.writerow(row)
            count += 1
    return count


def _cell(value: object) -> object:
    if isinstance(value, str) and len(value) > EXCEL_CELL_LIMIT:
        return value[: EXCEL_CELL_LIMIT - 1] + "…"
    return value


def write_xlsx(sheets: dict[str, tuple[list[str], Iterable[dict]]], path: Path) -> None:
    """One sheet per entry (name -> columns, rows), streamed in openpyxl's write-only mode."""
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    for name, (columns, rows) in sheets.items():
        sheet = workbook.create_sheet(name)
        sheet.append(columns)
        for row in rows:
            sheet.append([_cell(row.get(column)) for column in columns])
    with atomic(path) as temporary:
        workbook.save(temporary)


def write_table(rows: Iterable[dict], path: Path, fmt: str, columns: list[str]) -> int:
    """Rows in the chosen text format (jsonl or csv)."""
    if fmt == "jsonl":
        return write_jsonl(rows, path)
    return write_csv(rows, path, columns)
