"""The review sheet: segments to check with their context and the model's three best themes,
and a `correct` column to fill (a theme's id or Chinese name, picked from a list in Excel)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from themetag.atomic import atomic
from themetag.paths import readable
from themetag.run.review import ReviewItem
from themetag.writers.tables import FORMULA_START, Record, write_csv

REVIEW_COLUMNS = [
    "report", "segment", "start", "end", "heading", "previous", "text", "next",
    "theme", "name", "confidence",
    "top2", "top2_name", "top2_confidence", "top3", "top3_name", "top3_confidence",
    "correct",
]  # fmt: skip
# Widths in characters: the segment and its context read whole, the rest at a glance.
_WIDTHS = {"report": 28, "heading": 24, "previous": 36, "text": 60, "next": 36, "correct": 18}


def review_record(item: ReviewItem, names: dict[str, str]) -> Record:
    """A chosen segment as a row of the review sheet, `correct` left blank."""
    record: Record = {
        "report": readable(item.report),
        "segment": item.segment,
        "start": item.start,
        "end": item.end,
        "heading": item.heading,
        "previous": item.previous,
        "text": item.text,
        "next": item.next,
        "theme": item.tag.theme,
        "name": item.tag.name,
        "confidence": round(item.tag.confidence, 4),
    }
    for rank, (theme, probability) in enumerate(item.tag.ranking[1:3], 2):
        record[f"top{rank}"] = theme
        record[f"top{rank}_name"] = names.get(theme, theme)
        record[f"top{rank}_confidence"] = round(probability, 4)
    record["correct"] = ""
    return record


def write_review(items: Sequence[ReviewItem], path: Path, names: dict[str, str]) -> None:
    """The review sheet as .xlsx (a `review` sheet and the `themes` its drop-down lists) or,
    for any other suffix, as CSV of the same columns."""
    records = [review_record(item, names) for item in items]
    if path.suffix.lower() != ".xlsx":
        write_csv(records, path, REVIEW_COLUMNS)
        return
    from openpyxl import Workbook
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "review"
    sheet.append(REVIEW_COLUMNS)
    for record in records:
        sheet.append([record.get(column) for column in REVIEW_COLUMNS])
    for row in sheet.iter_rows(min_row=2):
        for cell in row:
            if isinstance(cell.value, str) and cell.value.startswith(FORMULA_START):
                cell.data_type = "s"  # text as written, never a formula
    for number, column in enumerate(REVIEW_COLUMNS, 1):
        letter = get_column_letter(number)
        sheet.column_dimensions[letter].width = _WIDTHS.get(column, max(len(column) + 2, 9))
    sheet.freeze_panes = "A2"
    sheet.auto_filter.ref = sheet.dimensions
    choices = workbook.create_sheet("themes")
    choices.append(["correct may be", "theme"])
    for theme, name in names.items():
        choices.append([theme, theme])
        choices.append([name, theme])
    last = len(names) * 2 + 1
    column = get_column_letter(REVIEW_COLUMNS.index("correct") + 1)
    # A list, not a hard rule: a person may type a theme's id or name, or paste one.
    validation = DataValidation(
        type="list", formula1=f"=themes!$A$2:$A${last}", allow_blank=True, showErrorMessage=True
    )
    validation.error = "Pick a theme's id or Chinese name from the list (sheet themes)."
    sheet.add_data_validation(validation)
    if records:
        validation.add(f"{column}2:{column}{len(records) + 1}")
    with atomic(path) as temporary:
        workbook.save(temporary)
