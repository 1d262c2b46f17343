"""`themetag review`: which segments a person is asked to check, and the sheet they fill."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from files import REPORT, themetag
from openpyxl import load_workbook

from themetag import load_model, tag_report
from themetag.api import ReportTags, Tag, TaggedSegment
from themetag.run.review import select_for_review
from themetag.writers.review import REVIEW_COLUMNS

EXAMPLES = Path(__file__).parent.parent / "examples"


def _report(margins: list[float], theme: str = "safety", prefix: str = "工作") -> ReportTags:
    segments = []
    for number, margin in enumerate(margins, 1):
        best = (1 + margin) / 2
        ranking = ((theme, best), ("overview", 1 - best))
        # Told apart by characters, not figures: texts that differ only in figures are one.
        text = f"{prefix}{'甲乙丙丁戊己庚辛壬癸'[number % 10]}{'子丑寅卯辰巳'[number // 10]}段"
        segments.append(TaggedSegment(number, 0, len(text), text, Tag(theme, theme, best, ranking)))
    return ReportTags(segments, [])


def test_the_most_uncertain_segments_are_chosen_in_reading_order():
    reports = [("a", _report([0.9, 0.1, 0.5, 0.05])), ("b", _report([0.2, 0.8], prefix="b"))]
    chosen = select_for_review(reports, 3)
    assert [(item.report, item.segment) for item in chosen] == [("a", 2), ("a", 4), ("b", 1)]
    assert select_for_review(reports, 0) == []
    assert len(select_for_review(reports, 50)) == 6  # a budget past the segments takes them all
    with pytest.raises(ValueError, match="budget"):
        select_for_review(reports, -1)


def test_one_long_uncertain_report_or_theme_does_not_take_the_whole_budget():
    long = ("long", _report([0.01] * 40, prefix="l"))
    others = [(f"r{i}", _report([0.3, 0.9], theme="teachers", prefix="abcde"[i])) for i in range(5)]
    chosen = select_for_review([long, *others], 12)
    by_report = {name: sum(item.report == name for item in chosen) for name, _ in [long, *others]}
    # Twice its even share (12 / 6 reports): the long report's 40 most uncertain segments
    # would otherwise have taken all 12.
    assert by_report["long"] == 4 and all(by_report[f"r{i}"] >= 1 for i in range(5))
    themes = {item.tag.theme for item in chosen}
    assert themes == {"safety", "teachers"}


def test_the_same_text_is_not_asked_twice():
    same = [("a", _report([0.1, 0.2])), ("b", _report([0.1, 0.2]))]  # identical texts
    chosen = select_for_review(same, 4)
    assert len(chosen) == 2 and len({item.text for item in chosen}) == 2


def test_the_review_sheet_shows_context_and_takes_a_theme_from_a_list(tmp_path):
    output = tmp_path / "review.xlsx"
    broken = tmp_path / "broken.docx"
    broken.write_bytes(b"PK\x03\x04 not a document")
    result = themetag("review", EXAMPLES, broken, "--budget", "10", "-o", output)
    assert result.returncode == 1 and "could not read" in result.stderr
    assert "10 of 88 segments in 3 reports to review" in result.stderr
    workbook = load_workbook(output)
    sheet = workbook["review"]
    rows = list(sheet.iter_rows(values_only=True))
    assert list(rows[0]) == REVIEW_COLUMNS and len(rows) == 11
    record = dict(zip(REVIEW_COLUMNS, rows[1], strict=True))
    text = Path(record["report"]).read_text(encoding="utf-8")
    segments = tag_report(text).segments
    index = record["segment"] - 1
    assert record["text"] == segments[index].text == text[record["start"] : record["end"]]
    assert record["previous"] == (segments[index - 1].text if index else "")
    assert record["theme"] == segments[index].tag.theme and record["correct"] is None
    (validation,) = sheet.data_validations.dataValidation
    column = REVIEW_COLUMNS.index("correct") + 1
    assert (
        str(validation.sqref) == f"{sheet.cell(2, column).column_letter}2:"
        f"{sheet.cell(2, column).column_letter}11"
    )
    choices = [row[0] for row in workbook["themes"].iter_rows(min_row=2, values_only=True)]
    names = load_model().names
    assert set(choices) == set(names) | set(names.values())
    assert validation.formula1 == f"=themes!$A$2:$A${len(choices) + 1}"


def test_the_review_sheet_as_csv_and_bad_options(tmp_path):
    report = tmp_path / "r.txt"
    report.write_text(REPORT, encoding="utf-8")
    output = tmp_path / "review.csv"
    assert themetag("review", report, "--budget", "2", "-o", output).returncode == 0
    with open(output, encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert list(rows[0]) == REVIEW_COLUMNS and len(rows) == 2
    for options, message in [
        (["--budget", "0", "-o", output], "--budget must be 1 or more"),
        (["--budget", "3", "-o", tmp_path / "no" / "r.xlsx"], "does not exist"),
    ]:
        result = themetag("review", report, *options)
        assert result.returncode == 2 and message in result.stderr


def test_a_sheet_review_wrote_and_a_person_filled_is_what_train_add_reads(tmp_path):
    from themetag.labels import load_themes
    from themetag.training.corrections import read_corrections

    sheet = tmp_path / "review.xlsx"
    assert themetag("review", EXAMPLES, "--budget", "6", "-o", sheet).returncode == 0
    workbook = load_workbook(sheet)
    rows = workbook["review"]
    column = REVIEW_COLUMNS.index("correct") + 1
    answers = []
    for number in range(2, rows.max_row + 1):
        # As a person would: the runner-up's Chinese name, one row left blank.
        answer = None if number == 4 else rows.cell(number, REVIEW_COLUMNS.index("top2_name") + 1)
        rows.cell(number, column).value = answer.value if answer is not None else None
        answers.append(answer.value if answer is not None else None)
    workbook.save(sheet)
    reading = read_corrections([sheet], load_themes())
    assert reading.problems == []
    assert [(s.rows, s.answered, s.skipped) for s in reading.sheets] == [(6, 5, 1)]
    names = {theme.name: theme.id for theme in load_themes()}
    assert [c.label for c in reading.corrections] == [names[a] for a in answers if a]
    texts = [rows.cell(n, REVIEW_COLUMNS.index("text") + 1).value for n in range(2, 8)]
    assert [c.text for c in reading.corrections] == [
        t for t, a in zip(texts, answers, strict=True) if a
    ]
