"""Writing results as JSON Lines, CSV or Excel; a file appears under its name only when complete."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from themetag.api import not_content_themes
from themetag.atomic import atomic
from themetag.paths import readable
from themetag.run import Profile, SegmentRow

FORMATS = ("jsonl", "csv", "xlsx")
EXCEL_CELL_LIMIT = 32_767
EXCEL_ROW_LIMIT = 1_048_576
# What a spreadsheet reads as the start of a formula (OWASP, CSV injection): such text gets a
# leading apostrophe in CSV, and is stored as a typed string cell in Excel files.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
ERROR_COLUMNS = ["report", "error"]
SEGMENT_COLUMNS = [name for name in SegmentRow.__slots__ if name not in ("carried", "top")]
Record = dict[str, Any]


def carried_column(name: str) -> str:
    """A paragraph table's column in the output: as named, unless themetag writes one so."""
    return f"{name} (input)" if name in SEGMENT_COLUMNS else name


def segment_columns(rows: Iterable[SegmentRow]) -> list[str]:
    """The segments table's columns: the carried ones in order of first appearance, ours,
    then the best themes when they were kept (`--top K`)."""
    carried: dict[str, None] = {}
    top = 0
    for row in rows:
        carried.update(dict.fromkeys(carried_column(name) for name, _ in row.carried))
        top = max(top, len(row.top))
    ranked = [f"top{rank}{part}" for rank in range(1, top + 1) for part in _TOP_PARTS]
    return [*carried, *SEGMENT_COLUMNS, *ranked]


# The columns of each of the best themes: its id, Chinese name and probability.
_TOP_PARTS = ("", "_name", "_confidence")


def segment_record(row: SegmentRow) -> Record:
    """A segment row as the columns of the segments table, the carried columns first."""
    record: Record = {carried_column(name): value for name, value in row.carried}
    record.update((name, getattr(row, name)) for name in SEGMENT_COLUMNS)
    record["report"] = readable(row.report)
    for rank, best in enumerate(row.top, 1):
        record.update(zip((f"top{rank}{part}" for part in _TOP_PARTS), best, strict=True))
    return record


def error_record(report: str, error: str) -> Record:
    """A report that could not be tagged, as a row of the errors table."""
    return {"report": readable(report), "error": error}


# What each report says about itself (themetag.text.metadata), blank where it does not say.
META_COLUMNS = ["title", "year", "issuer", "level", "kind"]


def profile_columns(themes: list[str], supplied: Iterable[str] = ()) -> list[str]:
    """The columns of the profiles table: the report and what it is (with the columns a
    manifest adds), its size, how much of it is framing, its top content themes, then each
    content theme's share of the content by characters, by segments and as expected."""
    added = [name for name in supplied if name not in META_COLUMNS and name != "report"]
    content = [theme for theme in themes if theme not in not_content_themes()]
    return [
        "report",
        *META_COLUMNS,
        *added,
        "segments",
        "characters",
        "content_characters",
        "boilerplate_share",
        "overview_share",
        "top_themes",
        "top_names",
        *(f"{theme}_share" for theme in content),
        *(f"{theme}_segment_share" for theme in content),
        *(f"{theme}_expected_share" for theme in content),
    ]


def profile_record(
    profile: Profile, themes: list[str], supplied: Mapping[str, str] | None = None, top: int = 3
) -> Record:
    """A report's theme profile as one wide row: what the report is, with the values a
    manifest `supplied` for it put first, then its shares (see profile_columns)."""
    framing = not_content_themes()
    shares = {share.theme: share for share in profile.shares}
    meta = profile.meta
    record: Record = {
        "report": readable(profile.report),
        "title": meta.title,
        "year": meta.year if meta.year is not None else "",
        "issuer": meta.issuer,
        "level": meta.level,
        "kind": meta.kind,
    }
    # A manifest's blank cell leaves what was read; a filled one replaces it.
    record.update(
        (name, value) for name, value in (supplied or {}).items() if value and name != "report"
    )
    content = [share for share in profile.shares if share.theme not in framing]
    boilerplate = sum(s.characters for s in profile.shares if s.theme in framing - {"overview"})
    overview = shares["overview"].characters if "overview" in shares else 0
    content_segments = max(sum(share.segments for share in content), 1)
    tagged = [share for share in content if share.segments]
    leading = sorted(tagged, key=lambda share: (-share.content_share, share.theme))[:top]
    record.update(
        {
            "segments": profile.segments,
            "characters": profile.characters,
            "content_characters": sum(share.characters for share in content),
            "boilerplate_share": round(boilerplate / max(profile.characters, 1), 4),
            "overview_share": round(overview / max(profile.characters - boilerplate, 1), 4),
            "top_themes": " ".join(share.theme for share in leading),
            "top_names": " ".join(share.name for share in leading),
        }
    )
    content_themes = [theme for theme in themes if theme not in framing]
    for theme in content_themes:
        share = shares.get(theme)
        record[f"{theme}_share"] = round(share.content_share, 4) if share else 0.0
    for theme in content_themes:
        share = shares.get(theme)
        record[f"{theme}_segment_share"] = (
            round(share.segments / content_segments, 4) if share else 0.0
        )
    for theme in content_themes:
        share = shares.get(theme)
        record[f"{theme}_expected_share"] = round(share.expected_share, 4) if share else 0.0
    return record


@dataclass(frozen=True)
class OutputPaths:
    """Where a run's tables go: segments, profiles (the same xlsx file) and errors."""

    segments: Path
    profiles: Path
    errors: Path

    @classmethod
    def of(cls, output: Path, fmt: str) -> OutputPaths:
        stem = output.with_suffix("") if output.suffix else output
        errors = Path(f"{stem}.errors.csv")
        if fmt == "xlsx":
            return cls(output, output, errors)
        return cls(output, Path(f"{stem}.profiles.{fmt}"), errors)


def write_jsonl(rows: Iterable[Record], path: Path) -> int:
    """Rows as JSON Lines; returns how many."""
    count = 0
    with atomic(path) as temporary, open(temporary, "w", encoding="utf-8") as handle:
        for row in rows:
            handle.write(json.dumps(row, ensure_ascii=False) + "\n")
            count += 1
    return count


def _csv_value(value: object) -> object:
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def write_csv(rows: Iterable[Record], path: Path, columns: list[str]) -> int:
    """Rows as CSV in UTF-8 with a BOM, so that Excel opens Chinese text correctly; no text
    can run as a formula."""
    count = 0
    with atomic(path) as temporary, open(temporary, "w", encoding="utf-8-sig", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=columns)
        writer.writeheader()
        for row in rows:
            writer.writerow({key: _csv_value(value) for key, value in row.items()})
            count += 1
    return count


def excel_text(sheet: object, text: str) -> object:
    """Text as a typed string cell: shown as written, even when it starts with =."""
    from openpyxl.cell import WriteOnlyCell

    if len(text) > EXCEL_CELL_LIMIT:
        text = text[: EXCEL_CELL_LIMIT - 1] + "…"
    cell = WriteOnlyCell(sheet, text)
    cell.data_type = "s"
    return cell


def write_xlsx(
    sheets: dict[str, tuple[list[str], Iterable[Record]]],
    path: Path,
    *,
    rows_per_sheet: int = EXCEL_ROW_LIMIT,
) -> None:
    """One sheet per entry (name -> columns, rows), streamed in openpyxl's write-only mode;
    text is never stored as a formula, and a table longer than a sheet can hold goes on in
    sheets named "<name> 2", "<name> 3" … Each sheet works like one made in Excel: its header
    frozen and filtered, widths that fit, shares and confidences as percentages, and the rows
    that need review highlighted."""
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    for name, (columns, rows) in sheets.items():
        percent = {i for i, column in enumerate(columns) if column.endswith(_PERCENT_COLUMNS)}
        part, sheet = 1, _new_sheet(workbook, name, columns)
        used = 1  # the header row
        for row in rows:
            if used == rows_per_sheet:
                _finish_sheet(sheet, columns, used)
                part += 1
                sheet = _new_sheet(workbook, f"{name} {part}", columns)
                used = 1
            values = [row.get(column) for column in columns]
            sheet.append([_excel_cell(sheet, v, i in percent) for i, v in enumerate(values)])
            used += 1
        _finish_sheet(sheet, columns, used)
    with atomic(path) as temporary:
        workbook.save(temporary)


# Columns shown as percentages: probabilities and shares (0.8235 reads as 82.4%).
_PERCENT_COLUMNS = ("confidence", "_share", "_mean", "_weighted")
# Widths in characters: text and names read whole at a glance, other columns their header.
_WIDTHS = {"text": 60, "report": 36, "title": 36, "top_names": 24, "issuer": 18}
_REVIEW_FILL = "FFF2CC"  # a pale yellow: marks without hiding the text


def _new_sheet(workbook: Any, name: str, columns: list[str]) -> Any:
    from openpyxl.utils import get_column_letter

    sheet = workbook.create_sheet(name)
    sheet.freeze_panes = "A2"
    for number, column in enumerate(columns, 1):
        width = _WIDTHS.get(column, 16 if column.endswith("name") else max(len(column) + 2, 9))
        sheet.column_dimensions[get_column_letter(number)].width = width
    sheet.append(columns)
    return sheet


def _finish_sheet(sheet: Any, columns: list[str], rows: int) -> None:
    """The filter over the whole table and the highlight of rows that need review."""
    from openpyxl.formatting.rule import FormulaRule
    from openpyxl.styles import PatternFill
    from openpyxl.utils import get_column_letter

    last = get_column_letter(len(columns))
    sheet.auto_filter.ref = f"A1:{last}{rows}"
    if "needs_review" in columns and rows > 1:
        flag = get_column_letter(columns.index("needs_review") + 1)
        fill = PatternFill("solid", bgColor=_REVIEW_FILL)
        rule = FormulaRule(formula=[f"${flag}2=TRUE"], fill=fill)
        sheet.conditional_formatting.add(f"A2:{last}{rows}", rule)


def _excel_cell(sheet: Any, value: object, percent: bool) -> object:
    if isinstance(value, str):
        return excel_text(sheet, value)
    if percent and isinstance(value, float):
        from openpyxl.cell import WriteOnlyCell

        cell = WriteOnlyCell(sheet, value)
        cell.number_format = "0.0%"
        return cell
    return value


def write_table(rows: Iterable[Record], path: Path, fmt: str, columns: list[str]) -> int:
    """Rows in the chosen text format (jsonl or csv)."""
    if fmt == "jsonl":
        return write_jsonl(rows, path)
    return write_csv(rows, path, columns)
