"""Writing results as JSON Lines, CSV or Excel; a file appears under its name only when complete."""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from themetag.api import not_content_themes
from themetag.atomic import atomic
from themetag.errors import UsageError
from themetag.paths import readable
from themetag.run import Profile, SegmentRow
from themetag.run.tasks import ROW_COLUMNS, SegmentRows

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


def segment_columns(carried: Iterable[str] = (), top: int = 0) -> list[str]:
    """The segments table's columns: the `carried` ones of tables of paragraphs in order of
    first appearance, ours, then the `top` best themes when they were kept (`--top K`)."""
    ranked = [f"top{rank}{part}" for rank in range(1, top + 1) for part in _TOP_PARTS]
    return [*dict.fromkeys(map(carried_column, carried)), *SEGMENT_COLUMNS, *ranked]


# The columns of each of the best themes: its id, Chinese name and probability.
_TOP_PARTS = ("", "_name", "_confidence")


def segment_values(rows: SegmentRows, columns: list[str]) -> list[tuple[Any, ...]]:
    """A report's rows as tuples of the segments table's `columns`, built a column at a time."""
    count = len(rows)
    by_column: dict[str, Sequence[Any]] = dict(zip(ROW_COLUMNS, rows.columns, strict=True))
    by_column["report"] = [readable(rows.report)] * count
    if rows.carried:
        values = [dict(carried) for carried in rows.carried]
        for name in dict.fromkeys(name for carried in rows.carried for name, _ in carried):
            by_column[carried_column(name)] = [row.get(name) for row in values]
    for rank in range(max(map(len, rows.top), default=0)):
        for index, part in enumerate(_TOP_PARTS):
            by_column[f"top{rank + 1}{part}"] = [
                best[rank][index] if rank < len(best) else None for best in rows.top
            ]
    missing = [None] * count
    return list(zip(*(by_column.get(column, missing) for column in columns), strict=True))


def segment_records(rows: SegmentRows) -> Iterator[Record]:
    """A report's rows as records of the segments table, with the columns its rows have."""
    carried = (name for row_carried in rows.carried for name, _ in row_carried)
    columns = segment_columns(carried, max(map(len, rows.top), default=0))
    for values in segment_values(rows, columns):
        yield dict(zip(columns, values, strict=True))


def segment_record(row: SegmentRow) -> Record:
    """A segment row as the columns of the segments table, the carried columns first."""
    return next(segment_records(SegmentRows.of_rows(row.report, [row])))


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


FORMATS = ("jsonl", "csv", "xlsx", "parquet")
# A function that writes a batch of rows (values in the table's column order) to a table.
WriteRows = Callable[[Iterable[Sequence[Any]]], None]


@contextmanager
def jsonl_table(path: Path, columns: list[str]) -> Iterator[WriteRows]:
    """A JSON Lines table, written a batch of rows at a time; complete when the block ends."""
    with atomic(path) as temporary, open(temporary, "w", encoding="utf-8") as handle:

        def write(rows: Iterable[Sequence[Any]]) -> None:
            handle.writelines(
                json.dumps(dict(zip(columns, row, strict=True)), ensure_ascii=False) + "\n"
                for row in rows
            )

        yield write


def _csv_value(value: object) -> object:
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


# A field of CSV text that starts as a formula would, quoted or not (csv quotes any field
# holding a carriage return): where none is found, a batch is written as it is.
_FORMULA_FIELD = re.compile('(?:^|[,\n])(?:"[=+\\-@\t\r]|[=+\\-@\t])')


def _csv_text(rows: Iterable[Sequence[Any]], guard: bool) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerows(([_csv_value(v) for v in row] for row in rows) if guard else rows)
    return buffer.getvalue()


@contextmanager
def csv_table(path: Path, columns: list[str]) -> Iterator[WriteRows]:
    """A CSV table in UTF-8 with a BOM, so that Excel opens Chinese text correctly, written a
    batch of rows at a time; no text can run as a formula."""
    with atomic(path) as temporary, open(temporary, "w", encoding="utf-8-sig", newline="") as f:

        def write(rows: Iterable[Sequence[Any]]) -> None:
            rows = list(rows)
            text = _csv_text(rows, guard=False)
            # Checking the written batch once is a tenth of the cost of checking every value.
            if _FORMULA_FIELD.search(text):
                text = _csv_text(rows, guard=True)
            f.write(text)

        write([columns])
        yield write


@contextmanager
def parquet_table(path: Path, columns: list[str]) -> Iterator[WriteRows]:
    """A Parquet table with a type per column (see _arrow_type), written in row groups."""
    try:
        import pyarrow as pa
        import pyarrow.parquet as pq
    except ImportError:
        raise UsageError('Parquet output needs pyarrow: pip install "themetag[parquet]"') from None
    schema = pa.schema([(column, _arrow_type(pa, column)) for column in columns])
    held: list[Sequence[Any]] = []

    def flush(writer: Any) -> None:
        by_column = zip(*held, strict=True)
        arrays = [
            pa.array(
                values if kind == pa.string() else [v if v != "" else None for v in values],
                type=kind,
            )
            for values, kind in zip(by_column, schema.types, strict=True)
        ]
        writer.write_table(pa.Table.from_arrays(arrays, schema=schema))
        held.clear()

    with atomic(path) as temporary, pq.ParquetWriter(temporary, schema) as writer:

        def write(rows: Iterable[Sequence[Any]]) -> None:
            held.extend(rows)
            if len(held) >= PARQUET_ROW_GROUP:
                flush(writer)

        yield write
        if held:
            flush(writer)


# Rows held before a Parquet row group is written: large enough for compression and fast
# scans, small enough to keep a run's memory flat.
PARQUET_ROW_GROUP = 65_536
_INTEGER_COLUMNS = (
    "segment",
    "start",
    "end",
    "year",
    "segments",
    "characters",
    "content_characters",
)


def _arrow_type(pa: Any, column: str) -> Any:
    """Whole numbers, fractions and flags typed as such (a blank, as a year not found, is
    null); everything else text."""
    if column in _INTEGER_COLUMNS:
        return pa.int64()
    if column == "needs_review":
        return pa.bool_()
    if column.endswith(("confidence", "_share")):
        return pa.float64()
    return pa.string()


def write_csv(rows: Iterable[Record], path: Path, columns: list[str]) -> int:
    """Rows as CSV in UTF-8 with a BOM (see csv_table); returns how many."""
    values = [[row.get(column) for column in columns] for row in rows]
    with csv_table(path, columns) as write:
        write(values)
    return len(values)


def excel_text(sheet: object, text: str) -> object:
    """Text as a typed string cell: shown as written, even when it starts with =."""
    from openpyxl.cell import WriteOnlyCell

    if len(text) > EXCEL_CELL_LIMIT:
        text = text[: EXCEL_CELL_LIMIT - 1] + "…"
    cell = WriteOnlyCell(sheet, text)
    cell.data_type = "s"
    return cell


@contextmanager
def excel_book(path: Path) -> Iterator[Any]:
    """An Excel workbook in openpyxl's write-only mode, saved when the block ends."""
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    yield workbook
    with atomic(path) as temporary:
        workbook.save(temporary)


class ExcelSheet:
    """A table streamed into a workbook's sheet; a table longer than a sheet can hold goes on
    in sheets named "<name> 2", "<name> 3" … Each works like a sheet made in Excel: its header
    frozen and filtered, widths that fit, shares and confidences as percentages, and the rows
    that need review highlighted; text is never stored as a formula."""

    def __init__(
        self, workbook: Any, name: str, columns: list[str], rows_per_sheet: int = EXCEL_ROW_LIMIT
    ):
        self.workbook, self.name, self.columns = workbook, name, columns
        self.rows_per_sheet = rows_per_sheet
        self.percent = {i for i, c in enumerate(columns) if c.endswith(_PERCENT_COLUMNS)}
        self.part, self.sheet, self.used = 1, _new_sheet(workbook, name, columns), 1

    def write(self, rows: Iterable[Sequence[Any]]) -> None:
        for row in rows:
            if self.used == self.rows_per_sheet:
                _finish_sheet(self.sheet, self.columns, self.used)
                self.part += 1
                self.sheet = _new_sheet(self.workbook, f"{self.name} {self.part}", self.columns)
                self.used = 1
            sheet, percent = self.sheet, self.percent
            sheet.append([_excel_cell(sheet, v, i in percent) for i, v in enumerate(row)])
            self.used += 1

    def finish(self) -> None:
        _finish_sheet(self.sheet, self.columns, self.used)


def write_xlsx(
    sheets: dict[str, tuple[list[str], Iterable[Record]]],
    path: Path,
    *,
    rows_per_sheet: int = EXCEL_ROW_LIMIT,
) -> None:
    """One sheet per entry (name -> columns, rows), streamed (see ExcelSheet)."""
    with excel_book(path) as workbook:
        for name, (columns, rows) in sheets.items():
            sheet = ExcelSheet(workbook, name, columns, rows_per_sheet)
            sheet.write([row.get(column) for column in columns] for row in rows)
            sheet.finish()


@contextmanager
def run_tables(
    paths: OutputPaths, fmt: str, segments: list[str], profiles: list[str]
) -> Iterator[tuple[WriteRows, WriteRows]]:
    """The segments and profiles tables of a run, with these columns, written side by side in
    one pass; each appears under its name only when the whole block completes."""
    if fmt == "xlsx":
        with excel_book(paths.segments) as workbook:
            rows = ExcelSheet(workbook, "segments", segments)
            shares = ExcelSheet(workbook, "profiles", profiles)
            yield rows.write, shares.write
            rows.finish()
            shares.finish()
        return
    table = {"jsonl": jsonl_table, "csv": csv_table, "parquet": parquet_table}[fmt]
    with ExitStack() as stack:
        yield (
            stack.enter_context(table(paths.segments, segments)),
            stack.enter_context(table(paths.profiles, profiles)),
        )


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
