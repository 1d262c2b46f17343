"""Comparing reports: theme shares per group of profiles (by year, level, region …) as a CSV
table, an Excel workbook with native charts, and PNG/SVG charts drawn with matplotlib."""

from __future__ import annotations

import csv
import io
import json
import logging
import re
import warnings
import zipfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from itertools import takewhile
from pathlib import Path
from typing import Any, Literal, get_args

import numpy as np

from themetag.atomic import atomic
from themetag.errors import UsageError
from themetag.labels import Theme, load_themes
from themetag.writers.page import PALETTE
from themetag.writers.tables import FORMULA_START, excel_text, write_csv

Measure = Literal["expected", "characters", "segments"]
MEASURES: tuple[Measure, ...] = get_args(Measure)
# The profiles table's columns for one theme under each measure (see tables.profile_columns).
MEASURE_SUFFIX: dict[Measure, str] = {
    "expected": "_expected_share",
    "characters": "_share",
    "segments": "_segment_share",
}
MEASURE_MEANING: dict[Measure, str] = {
    "expected": "characters shared out by the theme probabilities (the steadier figure)",
    "characters": "characters of the segments tagged with the theme",
    "segments": "segments tagged with the theme",
}
# The profiles table's first numeric column: the columns before it say what each report is.
FIRST_SIZE_COLUMN = "segments"
YEAR_COLUMN = "year"
ALL_REPORTS = "all reports"
# Beyond these, labels on a chart's axis overlap and lines cannot be told apart.
MAX_ROW_LABELS = 80
MAX_GROUP_LABELS = 40
MAX_YEAR_LINES = 10
# Fonts that draw Simplified Chinese, preferred first: Debian's (fonts-noto-cjk,
# fonts-wqy-zenhei), then those of Windows and macOS; then any whose name says it is one.
CJK_FONTS = (
    "Noto Sans CJK SC", "Source Han Sans SC", "WenQuanYi Zen Hei", "Microsoft YaHei", "SimHei",
    "PingFang SC", "Hiragino Sans GB", "Heiti SC", "Noto Sans SC", "Droid Sans Fallback",
)  # fmt: skip
CJK_NAME_HINTS = ("CJK", "Han Sans", "Han Serif", "WenQuanYi", "Hei", "Song", "Kai", "Ming")
CHARTS_HINT = "pip install 'themetag[charts]'"


@dataclass(frozen=True, eq=False)
class ProfileTable:
    """A profiles table as read: what each report is, its content size and its theme shares
    (reports × themes, one matrix per measure)."""

    source: Path
    themes: tuple[Theme, ...]
    reports: tuple[str, ...]
    # Each column before `segments` (year, level, kind, issuer, a manifest's region …) as text.
    descriptions: dict[str, tuple[str, ...]]
    content_characters: np.ndarray
    expected: np.ndarray
    characters: np.ndarray
    segments: np.ndarray

    def shares(self, measure: Measure) -> np.ndarray:
        """The reports × themes shares under `measure`."""
        if measure == "expected":
            return self.expected
        return self.characters if measure == "characters" else self.segments

    @property
    def group_columns(self) -> list[str]:
        """The columns reports can be grouped by."""
        return [column for column in self.descriptions if column != "report"]


@dataclass(frozen=True)
class GroupShares:
    """One group's theme shares: the mean of its reports' shares, and the share of its pooled
    content characters (`weighted`), each in the order of the table's themes."""

    value: str  # the group's value in the `by` column ("" if not given), or the report
    label: str  # as charts name it
    reports: int
    content_characters: int
    mean: tuple[float, ...]
    weighted: tuple[float, ...]


@dataclass(frozen=True)
class YearLine:
    """One line of the chart over years: a group's mean shares in each year it has reports."""

    label: str
    reports: int  # with a year
    years: tuple[int, ...]
    mean: tuple[tuple[float, ...], ...]  # per year, per theme


@dataclass(frozen=True, eq=False)
class Comparison:
    """Theme shares per group of reports under one measure; `years` holds the lines over
    time when the table has a year column."""

    profiles: ProfileTable
    by: str | None
    measure: Measure
    groups: tuple[GroupShares, ...]
    report_group: tuple[int, ...]  # for each report, its group's index in `groups`
    years: tuple[YearLine, ...]

    @property
    def themes(self) -> tuple[Theme, ...]:
        return self.profiles.themes

    @property
    def group_column(self) -> str:
        return self.by or "report"


@dataclass(frozen=True)
class ComparisonFiles:
    """What write_comparison wrote, and what it left out and why (to show the user)."""

    written: tuple[Path, ...]
    notes: tuple[str, ...]


# Reading


def read_profiles(path: Path, *, labels: Path | None = None) -> ProfileTable:
    """A profiles table written by `themetag tag`: .csv, .jsonl or .xlsx (sheet `profiles`);
    theme names come from `labels` (default: the shipped labels.yaml)."""
    if not path.is_file():
        raise UsageError(f"cannot read {path}: there is no such file")
    suffix = path.suffix.lower()
    readers = {".csv": _csv_rows, ".jsonl": _jsonl_rows, ".xlsx": _xlsx_rows}
    if suffix not in readers:
        raise UsageError(f"cannot read {path}: a profiles table is a .csv, .jsonl or .xlsx file")
    try:
        header, rows = readers[suffix](path)
    except (OSError, UnicodeDecodeError, ValueError, KeyError, zipfile.BadZipFile) as error:
        raise UsageError(f"cannot read {path}: {error}") from error
    return _table(path, header, rows, load_themes(labels) if labels else load_themes())


Rows = list[dict[str, Any]]


def _undo_formula_guard(value: str) -> str:
    """The text before write_csv put an apostrophe before a formula's first character."""
    return value[1:] if value.startswith("'") and value[1:].startswith(FORMULA_START) else value


def _csv_rows(path: Path) -> tuple[list[str], Rows]:
    data = path.read_bytes()
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = data.decode("gb18030")  # as Excel on a Chinese Windows saves a CSV
    reader = csv.DictReader(io.StringIO(text, newline=""))
    rows = [{k: _undo_formula_guard(v or "") for k, v in row.items() if k} for row in reader]
    return list(reader.fieldnames or []), rows


def _jsonl_rows(path: Path) -> tuple[list[str], Rows]:
    with open(path, encoding="utf-8") as handle:
        rows = [json.loads(line) for line in handle if line.strip()]
    if not all(isinstance(row, dict) for row in rows):
        raise ValueError("each line must be a JSON object")
    return list(dict.fromkeys(key for row in rows for key in row)), rows


def _xlsx_rows(path: Path) -> tuple[list[str], Rows]:
    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        workbook = load_workbook(path, read_only=True, data_only=True)
    except InvalidFileException as error:
        raise ValueError(str(error)) from error
    try:
        # write_xlsx goes on in "profiles 2", "profiles 3" … when a sheet is full.
        parts = [name for name in workbook.sheetnames if re.fullmatch(r"profiles( \d+)?", name)]
        if not parts:
            raise ValueError(
                f"no sheet named 'profiles' (its sheets: {', '.join(workbook.sheetnames)})"
            )
        header: list[str] = []
        rows: Rows = []
        for name in sorted(parts, key=lambda n: int(n[len("profiles") :] or 1)):
            values = workbook[name].iter_rows(values_only=True)
            header = [str(cell) for cell in next(values, ()) if cell is not None]
            rows.extend(
                dict(zip(header, row, strict=False))
                for row in values
                if any(v is not None for v in row)
            )
        return header, rows
    finally:
        workbook.close()


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))  # a year read back from Excel as 2016.0
    return str(value)


def _number(row: dict[str, Any], column: str) -> float:
    value = row.get(column)
    try:
        return float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise ValueError(
            f"report {_text(row.get('report'))!r}: {column} holds {value!r}, not a number"
        ) from None


def _table(path: Path, header: list[str], rows: Rows, labels: list[Theme]) -> ProfileTable:
    suffix = MEASURE_SUFFIX["expected"]
    ids = [column[: -len(suffix)] for column in header if column.endswith(suffix)]
    needed = ["report", FIRST_SIZE_COLUMN, "content_characters"]
    needed += [f"{theme}{MEASURE_SUFFIX[m]}" for theme in ids for m in MEASURES]
    missing = [column for column in needed if column not in header]
    missing += [] if ids else ["the THEME_expected_share columns"]
    if missing:
        raise UsageError(
            f"{path} is not a profiles table: it lacks {', '.join(missing)}"
            " (`themetag tag -o OUT.csv` writes the profiles to OUT.profiles.csv, or to the"
            " profiles sheet of OUT.xlsx)"
        )
    if not rows:
        raise UsageError(f"{path} holds no reports to compare")
    known = {theme.id: theme for theme in labels}
    described = header[: header.index(FIRST_SIZE_COLUMN)]
    try:
        matrices = {
            measure: np.array(
                [
                    [_number(row, f"{theme}{MEASURE_SUFFIX[measure]}") for theme in ids]
                    for row in rows
                ]
            )
            for measure in MEASURES
        }
        content = np.array([_number(row, "content_characters") for row in rows])
    except ValueError as error:
        raise UsageError(f"cannot read {path}: {error}") from error
    descriptions = {
        column: tuple(_text(row.get(column)).strip() for row in rows) for column in described
    }
    return ProfileTable(
        source=path,
        themes=tuple(known.get(theme, Theme(theme, theme, "")) for theme in ids),
        reports=descriptions["report"],
        descriptions=descriptions,
        content_characters=content,
        expected=matrices["expected"],
        characters=matrices["characters"],
        segments=matrices["segments"],
    )


# Comparing


def _ordered(values: set[str]) -> list[str]:
    """Group values in their natural order (numbers as numbers), the blank one last."""
    given = [value for value in values if value]
    try:
        given.sort(key=float)
    except ValueError:
        given.sort()
    return given + ([""] if "" in values else [])


def _indices(keys: Sequence[str]) -> dict[str, list[int]]:
    found: dict[str, list[int]] = {}
    for index, key in enumerate(keys):
        found.setdefault(key, []).append(index)
    return found


def compare(
    table: ProfileTable, *, by: str | None = None, measure: Measure = "expected"
) -> Comparison:
    """Theme shares per group of reports with the same value in column `by` (per report when
    None): `mean` averages the reports' shares, each report counting once (what a typical
    report of the group writes about); `weighted` pools the group's content characters, so
    long reports count more (what the group wrote about as a whole)."""
    if measure not in MEASURES:
        raise UsageError(f"no measure {measure!r}: choose one of {', '.join(MEASURES)}")
    if by is not None and by not in table.group_columns:
        raise UsageError(
            f"cannot compare by {by!r}: {table.source} has no such column; it can be compared"
            f" by {', '.join(table.group_columns)} (or report by report, without a column)"
        )
    shares = table.shares(measure)
    keys = table.descriptions[by] if by else table.reports
    members = _indices(keys)
    values = _ordered(set(keys)) if by else list(members)
    labels = _report_labels(values) if by is None else [v or f"({by} not given)" for v in values]
    groups = []
    report_group = [0] * len(keys)
    for number, (value, label) in enumerate(zip(values, labels, strict=True)):
        rows = members[value]
        weights = table.content_characters[rows]
        for row in rows:
            report_group[row] = number
        groups.append(
            GroupShares(
                value=value,
                label=label,
                reports=len(rows),
                content_characters=int(weights.sum()),
                mean=tuple(shares[rows].mean(axis=0).tolist()),
                # A group without content characters has no shares: 0 for each theme.
                weighted=tuple((weights @ shares[rows] / max(weights.sum(), 1)).tolist()),
            )
        )
    return Comparison(
        table, by, measure, tuple(groups), tuple(report_group), _year_lines(table, by, shares)
    )


def _year_lines(table: ProfileTable, by: str | None, shares: np.ndarray) -> tuple[YearLine, ...]:
    """The mean shares per year: one line per group of `by`, or a single one for all reports
    when grouping by year or per report."""
    if YEAR_COLUMN not in table.descriptions:
        return ()
    years = table.descriptions[YEAR_COLUMN]
    lines_by = None if by in (None, YEAR_COLUMN) else by
    keys = table.descriptions[lines_by] if lines_by else (ALL_REPORTS,) * len(years)
    lines = []
    for key, rows in _indices(keys).items():
        dated: dict[int, list[int]] = {}
        for row in rows:
            if years[row].isdigit():
                dated.setdefault(int(years[row]), []).append(row)
        if dated:
            given = sorted(dated)
            mean = tuple(tuple(shares[dated[year]].mean(axis=0).tolist()) for year in given)
            label = key or f"({lines_by} not given)"
            lines.append(YearLine(label, sum(map(len, dated.values())), tuple(given), mean))
    # The groups with the most dated reports first: those drawn when there are too many.
    return tuple(sorted(lines, key=lambda line: (-line.reports, line.label)))


# Writing


def comparison_base(profiles: Path, by: str | None) -> Path:
    """Where the comparison of a profiles table goes by default: beside it, named after the
    run and the grouping, as t.profiles.csv -> t.compare-year (then .csv, .xlsx …)."""
    stem = profiles.with_suffix("").name.removesuffix(".profiles")
    grouping = re.sub(r"[^\w-]+", "_", by) if by else "reports"
    return profiles.with_name(f"{stem}.compare-{grouping}")


@dataclass(frozen=True)
class ComparisonPaths:
    """The files of one comparison: the table, the workbook and the charts."""

    table: Path
    workbook: Path
    heatmap: tuple[Path, Path]  # PNG, SVG
    years: tuple[Path, Path]

    @classmethod
    def of(cls, base: Path) -> ComparisonPaths:
        stem = base.with_suffix("") if base.suffix.lower() in (".csv", ".xlsx") else base
        return cls(
            Path(f"{stem}.csv"),
            Path(f"{stem}.xlsx"),
            (Path(f"{stem}.heatmap.png"), Path(f"{stem}.heatmap.svg")),
            (Path(f"{stem}.years.png"), Path(f"{stem}.years.svg")),
        )

    def all(self) -> list[Path]:
        return [self.table, self.workbook, *self.heatmap, *self.years]


def write_comparison(comparison: Comparison, base: Path) -> ComparisonFiles:
    """The comparison as BASE.csv, BASE.xlsx (tables, native charts, heatmap sheet) and, with
    matplotlib, BASE.heatmap.png/.svg and BASE.years.png/.svg; BASE may be a folder."""
    if base.is_dir():
        base = comparison_base(base / comparison.profiles.source.name, comparison.by)
    paths = ComparisonPaths.of(base)
    if not paths.table.parent.is_dir():
        raise UsageError(f"cannot write {base}: there is no folder {paths.table.parent}")
    source = comparison.profiles.source.resolve()
    for path in paths.all():
        if path.resolve() == source:
            raise UsageError(f"cannot write {path}: it is the profiles table being compared")
        if path.is_symlink() or (path.exists() and not path.is_file()):
            raise UsageError(f"cannot write {path}: it is not a regular file")
    write_csv(_csv_records(comparison), paths.table, _csv_columns(comparison))
    _write_workbook(comparison, paths.workbook)
    written, notes = [paths.table, paths.workbook], []
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        notes.append(f"PNG and SVG charts not drawn: matplotlib is not installed ({CHARTS_HINT})")
    else:
        charts = _draw_charts(comparison, paths)
        written += charts.written
        notes += charts.notes
    # A chart left from an earlier comparison would be taken for this one's.
    for path in set(paths.all()) - set(written):
        path.unlink(missing_ok=True)
    return ComparisonFiles(tuple(written), tuple(notes))


def _csv_columns(comparison: Comparison) -> list[str]:
    ids = [theme.id for theme in comparison.themes]
    return [
        comparison.group_column,
        "reports",
        "content_characters",
        *(f"{theme}_mean" for theme in ids),
        *(f"{theme}_weighted" for theme in ids),
    ]


def _csv_records(comparison: Comparison) -> Iterator[dict[str, object]]:
    ids = [theme.id for theme in comparison.themes]
    for group in comparison.groups:
        record: dict[str, object] = {
            comparison.group_column: group.value,
            "reports": group.reports,
            "content_characters": group.content_characters,
        }
        record.update((f"{t}_mean", round(v, 4)) for t, v in zip(ids, group.mean, strict=True))
        record.update(
            (f"{t}_weighted", round(v, 4)) for t, v in zip(ids, group.weighted, strict=True)
        )
        yield record


def _report_labels(reports: Sequence[str]) -> list[str]:
    """Reports by file name, or by path where two share a name."""
    names = [Path(report).name or report for report in reports]
    return names if len(set(names)) == len(names) else list(reports)


def _heatmap_order(comparison: Comparison) -> list[int]:
    """The reports grouped as in the comparison, by report within a group."""
    reports = comparison.profiles.reports
    return sorted(range(len(reports)), key=lambda i: (comparison.report_group[i], reports[i]))


# Excel

PERCENT = "0.0%"
HEAT_COLOUR = "2F6EBA"


def _write_workbook(comparison: Comparison, path: Path) -> None:
    """Sheets `mean` and `weighted` (a table and its charts), `heatmap` (reports × themes,
    coloured by a colour scale) and `about` (what the figures are)."""
    from openpyxl import Workbook

    workbook = Workbook()
    workbook.remove(workbook.active)
    for kind in ("mean", "weighted"):
        _group_sheet(workbook.create_sheet(kind), comparison, kind)
    _heatmap_sheet(workbook.create_sheet("heatmap"), comparison)
    _about_sheet(workbook.create_sheet("about"), comparison)
    with atomic(path) as temporary:
        workbook.save(temporary)


def _cell(sheet: Any, value: object, number_format: str | None = None) -> Any:
    """A cell for Worksheet.append: text never read as a formula, numbers in `number_format`."""
    from openpyxl.cell import WriteOnlyCell

    if isinstance(value, str):
        return excel_text(sheet, value)
    cell = WriteOnlyCell(sheet, value)
    if number_format:
        cell.number_format = number_format
    return cell


def _group_sheet(sheet: Any, comparison: Comparison, kind: Literal["mean", "weighted"]) -> None:
    from openpyxl.chart import BarChart, LineChart, Reference

    names = [theme.name for theme in comparison.themes]
    sheet.append([_cell(sheet, text) for text in [comparison.group_column, "reports", *names]])
    # The years come first (numbers sort before the blank), and are what the line chart draws.
    dated = comparison.by == YEAR_COLUMN
    year_rows = len(list(takewhile(lambda g: g.value.isdigit(), comparison.groups))) if dated else 0
    for number, group in enumerate(comparison.groups):
        label = int(group.value) if number < year_rows else group.label
        shares = group.mean if kind == "mean" else group.weighted
        sheet.append(
            [_cell(sheet, label), group.reports, *(_cell(sheet, v, PERCENT) for v in shares)]
        )
    sheet.freeze_panes = "C2"
    sheet.column_dimensions["A"].width = 28
    rows, first, last = len(comparison.groups), 3, 2 + len(names)
    title = f"{kind} share of content by theme ({comparison.measure})"

    bar = BarChart()
    bar.type, bar.grouping, bar.overlap = "bar", "stacked", 100
    bar.add_data(
        Reference(sheet, min_col=first, max_col=last, min_row=1, max_row=1 + rows),
        titles_from_data=True,
    )
    _text_categories(bar, Reference(sheet, min_col=1, min_row=2, max_row=1 + rows))
    bar.y_axis.scaling.max = 1  # shares of content add up to at most 1
    bar.x_axis.scaling.orientation = "maxMin"  # groups top to bottom, in the table's order
    _style_chart(bar, title, comparison.group_column, height=min(8 + 0.5 * rows, 40))
    for series, colour in zip(bar.series, PALETTE, strict=False):
        series.graphicalProperties.solidFill = colour[1:]
        series.graphicalProperties.line.solidFill = colour[1:]
    sheet.add_chart(bar, f"{_column_letter(last + 2)}2")

    if year_rows:
        line = LineChart()
        line.add_data(
            Reference(sheet, min_col=first, max_col=last, min_row=1, max_row=1 + year_rows),
            titles_from_data=True,
        )
        line.set_categories(Reference(sheet, min_col=1, min_row=2, max_row=1 + year_rows))
        _style_chart(line, f"{title} over years", YEAR_COLUMN, height=12)
        for series, colour in zip(line.series, PALETTE, strict=False):
            series.graphicalProperties.line.solidFill = colour[1:]
            series.smooth = False
        # Below the bar chart: a row is about half a centimetre high.
        sheet.add_chart(line, f"{_column_letter(last + 2)}{4 + round(bar.height * 2)}")


def _text_categories(chart: Any, labels: Any) -> None:
    """The groups' names as the chart's categories: as text, where set_categories would refer
    to them as numbers."""
    from openpyxl.chart.data_source import AxDataSource, StrRef

    for series in chart.series:
        series.cat = AxDataSource(strRef=StrRef(f=str(labels)))


def _style_chart(chart: Any, title: str, categories: str, height: float) -> None:
    chart.title = title
    chart.x_axis.title = categories
    chart.y_axis.title = "share"
    chart.y_axis.number_format = "0%"
    chart.y_axis.scaling.min = 0
    # openpyxl 3.1 leaves the axes out unless told to keep them.
    chart.x_axis.delete = chart.y_axis.delete = False
    chart.width, chart.height = 26, height


def _column_letter(number: int) -> str:
    from openpyxl.utils import get_column_letter

    return str(get_column_letter(number))


def _heatmap_sheet(sheet: Any, comparison: Comparison) -> None:
    from openpyxl.formatting.rule import ColorScaleRule

    profiles = comparison.profiles
    shares = profiles.shares(comparison.measure)
    grouped = comparison.by is not None
    header = ["report", *([comparison.group_column] if grouped else [])]
    sheet.append([_cell(sheet, text) for text in [*header, *(t.name for t in profiles.themes)]])
    for row in _heatmap_order(comparison):
        group = comparison.groups[comparison.report_group[row]]
        described = [_cell(sheet, group.label)] if grouped else []
        sheet.append(
            [
                _cell(sheet, profiles.reports[row]),
                *described,
                *(_cell(sheet, v, PERCENT) for v in shares[row].tolist()),
            ]
        )
    first = 2 + grouped
    block = (
        f"{_column_letter(first)}2:"
        f"{_column_letter(first + len(profiles.themes) - 1)}{1 + len(profiles.reports)}"
    )
    sheet.conditional_formatting.add(
        block,
        ColorScaleRule(
            start_type="num", start_value=0, start_color="FFFFFF",
            end_type="max", end_color=HEAT_COLOUR,
        ),
    )  # fmt: skip
    sheet.freeze_panes = f"{_column_letter(first)}2"
    sheet.column_dimensions["A"].width = 40


def _about_sheet(sheet: Any, comparison: Comparison) -> None:
    lines = [
        ("profiles", str(comparison.profiles.source)),
        ("grouped by", comparison.by or "report (each report alone)"),
        (
            "measure",
            f"{comparison.measure}: share of content {MEASURE_MEANING[comparison.measure]}",
        ),
        ("mean", "the mean of the reports' shares: each report counts once"),
        ("weighted", "the share of the group's content characters: long reports count more"),
        ("heatmap", "each report's shares; the darker, the larger"),
    ]
    for key, text in lines:
        sheet.append([_cell(sheet, key), _cell(sheet, text)])
    sheet.column_dimensions["A"].width = 14


# PNG and SVG


@dataclass(frozen=True)
class _Drawn:
    written: list[Path]
    notes: list[str]


def _draws(font_file: str, text: str) -> bool:
    from matplotlib.ft2font import FT2Font

    try:
        held = FT2Font(font_file).get_charmap()
    except (OSError, RuntimeError):
        return False
    return all(ord(char) in held for char in text if not char.isspace())


def cjk_font(text: str) -> str | None:
    """The family name of an installed font that draws every character of `text`, or None."""
    from matplotlib import font_manager

    installed = {entry.name: entry.fname for entry in font_manager.fontManager.ttflist}
    hinted = sorted(name for name in installed if any(h in name for h in CJK_NAME_HINTS))
    for name in dict.fromkeys([*CJK_FONTS, *hinted]):
        if name in installed and _draws(installed[name], text):
            return name
    return None


@contextmanager
def _chart_style(font: str | None) -> Iterator[None]:
    import matplotlib

    families = [font, "DejaVu Sans"] if font else ["DejaVu Sans"]
    font_log = logging.getLogger("matplotlib.font_manager")
    level = font_log.level
    font_log.setLevel(logging.ERROR)  # a CJK font with one weight is reported at each use
    # SVG text stays text, so that the charts' names can be searched and copied.
    style = matplotlib.rc_context(
        {"font.family": families, "svg.fonttype": "none", "axes.unicode_minus": False}
    )
    try:
        with style, warnings.catch_warnings():
            warnings.filterwarnings("ignore", message="Glyph .* missing from")
            yield
    finally:
        font_log.setLevel(level)


def _save(figure: Any, paths: tuple[Path, Path]) -> list[Path]:
    for path, fmt in zip(paths, ("png", "svg"), strict=True):
        # No date in the SVG, so that the same comparison gives the same file.
        metadata = {"Date": None} if fmt == "svg" else None
        with atomic(path) as temporary:
            figure.savefig(temporary, format=fmt, dpi=120, metadata=metadata)
    return list(paths)


def _draw_charts(comparison: Comparison, paths: ComparisonPaths) -> _Drawn:
    names = "".join(theme.name for theme in comparison.themes)
    font = cjk_font(names)
    notes = []
    if font is None:
        notes.append(
            "no Chinese font found (apt install fonts-noto-cjk or fonts-wqy-zenhei):"
            " the PNG and SVG charts name the themes by id"
        )
    themes = [theme.name if font else theme.id for theme in comparison.themes]
    with _chart_style(font):
        written = _save(_heatmap_figure(comparison, themes), paths.heatmap)
        if len({year for line in comparison.years for year in line.years}) >= 2:
            lines = comparison.years[:MAX_YEAR_LINES]
            if len(comparison.years) > len(lines):
                notes.append(
                    f"the chart over years draws the {len(lines)} {comparison.by} groups with"
                    f" the most reports of a known year, of {len(comparison.years)}"
                )
            written += _save(_years_figure(comparison, lines, themes), paths.years)
        elif comparison.years:
            notes.append("no chart over years: the reports are all of one year")
    return _Drawn(written, notes)


def _heatmap_figure(comparison: Comparison, themes: list[str]) -> Any:
    from matplotlib.figure import Figure
    from matplotlib.ticker import PercentFormatter

    profiles = comparison.profiles
    order = _heatmap_order(comparison)
    shares = profiles.shares(comparison.measure)[order]
    count = len(order)
    height = min(3 + 0.22 * count, 30)
    figure = Figure(figsize=(3 + 0.55 * len(themes), height), layout="constrained")
    axes = figure.subplots()
    image = axes.imshow(shares, aspect="auto", cmap="Blues", vmin=0, interpolation="nearest")
    axes.set_xticks(range(len(themes)), themes, rotation=50, ha="right")
    if count <= MAX_ROW_LABELS:
        labels = _report_labels(profiles.reports)
        axes.set_yticks(range(count), [labels[row] for row in order], fontsize=8)
    else:
        axes.set_yticks([])
        axes.set_ylabel(f"{count} reports")
    if comparison.by is not None:
        sizes = [group.reports for group in comparison.groups]
        ends = np.cumsum(sizes)
        for end in ends[:-1]:
            axes.axhline(end - 0.5, color="black", linewidth=0.8)
        if len(sizes) <= MAX_GROUP_LABELS:
            side = axes.secondary_yaxis("right")
            side.set_yticks(
                (ends - np.array(sizes) / 2 - 0.5).tolist(),
                [group.label for group in comparison.groups],
            )
            side.set_ylabel(comparison.by)
    measure = comparison.measure
    axes.set_title(f"Share of each report's content by theme ({measure})")
    percent = PercentFormatter(1.0, decimals=0)
    # A scale of at most six inches, however many reports make the map tall.
    shrink = min(1.0, 6 / height)
    figure.colorbar(image, ax=axes, label=f"share ({measure})", format=percent, shrink=shrink)
    return figure


def _years_figure(comparison: Comparison, lines: Sequence[YearLine], themes: list[str]) -> Any:
    from matplotlib.figure import Figure
    from matplotlib.ticker import MaxNLocator, PercentFormatter

    columns = 4
    rows = -(-len(themes) // columns)
    figure = Figure(figsize=(4 * columns, 2.8 * rows + 1), layout="constrained")
    grid = figure.subplots(rows, columns, sharex=True, sharey=True, squeeze=False).ravel()
    # Lines told apart by a qualitative palette; the panels are the themes.
    colours = [f"C{number}" for number in range(MAX_YEAR_LINES)]
    for number, (axes, theme) in enumerate(zip(grid, themes, strict=False)):
        for line, colour in zip(lines, colours, strict=False):
            values = [shares[number] for shares in line.mean]
            axes.plot(line.years, values, marker="o", markersize=3, color=colour, label=line.label)
        axes.set_title(theme, fontsize=10)
        axes.yaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
        axes.xaxis.set_major_locator(MaxNLocator(integer=True))
        axes.grid(alpha=0.3)
    for axes in grid[len(themes) :]:
        axes.set_visible(False)
    # Set once all lines are drawn: a limit set earlier would hold the panels sharing it.
    grid[0].set_ylim(bottom=0)
    title = f"Mean share of content by theme over years ({comparison.measure})"
    figure.suptitle(
        title if comparison.by in (None, YEAR_COLUMN) else f"{title}, by {comparison.by}"
    )
    if len(lines) > 1:
        figure.legend(*grid[0].get_legend_handles_labels(), loc="outside lower center", ncols=6)
    return figure
