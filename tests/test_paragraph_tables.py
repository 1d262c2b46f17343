"""Tables of paragraphs (.csv, .tsv, .xlsx) and reports piped to standard input."""

from __future__ import annotations

import csv
import json
import subprocess
import sys
from pathlib import Path

import pytest
from files import LINES, REPORT, themetag
from openpyxl import Workbook, load_workbook

from themetag import tag_many, tag_report
from themetag.run.journal import Journal, run_key
from themetag.run.paragraphs import tag_paragraph_tables

HEADER = ["id", "year", "region", "doc", "paragraph"]
# Two reports, their rows interleaved as an analyst's export may leave them; an empty cell.
ROWS = [
    ["1", "2021", "甲县", "A", LINES[0]],
    ["2", "2021", "甲县", "A", LINES[1]],
    ["3", "2019", "乙区", "B", "全面落实学生资助政策，发放助学金120万元。"],
    ["4", "2021", "甲县", "A", LINES[2]],
    ["5", "2019", "=cmd|' /C calc'!A0", "B", "组织教师参加国培计划，培训骨干教师300人次。"],
    ["6", "2019", "乙区", "B", "   "],
    ["7", "2021", "甲县", "A", LINES[3]],
]


def read_csv(path: Path) -> list[dict[str, str]]:
    with open(path, encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle))


def write_rows(path: Path, rows: list[list[str]] = ROWS, header: list[str] = HEADER) -> Path:
    if path.suffix == ".xlsx":
        workbook = Workbook()
        sheet = workbook.active
        for row in [header, *rows]:
            sheet.append(row)
        for cells in sheet.iter_rows():
            for cell in cells:
                cell.data_type = "s"  # text as typed, as Excel keeps a cell that starts with =
        workbook.create_sheet("notes").append(["not", "read"])
        workbook.save(path)
    else:
        delimiter = "\t" if path.suffix == ".tsv" else ","
        with open(path, "w", encoding="utf-8", newline="") as handle:
            csv.writer(handle, delimiter=delimiter).writerows([header, *rows])
    return path


@pytest.mark.parametrize("suffix", [".csv", ".tsv", ".xlsx"])
def test_rows_are_grouped_into_reports_read_in_context_with_their_columns_carried(tmp_path, suffix):
    table = write_rows(tmp_path / f"paragraphs{suffix}")
    output = tmp_path / "out.csv"
    result = themetag(
        "tag", table, "--text-column", "paragraph", "--report-column", "doc", "-o", output
    )
    assert result.returncode == 0, result.stderr
    rows = read_csv(output)
    assert list(rows[0])[:4] == ["id", "year", "region", "doc"]
    assert [row["id"] for row in rows] == ["1", "2", "4", "7", "3", "5"]  # report by report
    assert [row["report"] for row in rows] == ["A"] * 4 + ["B"] * 2
    # Carried unchanged, except that no cell can run as a formula in a spreadsheet.
    assert rows[5]["region"] == "'=cmd|' /C calc'!A0"
    expected = tag_report([LINES[0], LINES[1], LINES[2], LINES[3]])
    assert [row["theme"] for row in rows[:4]] == [s.tag.theme for s in expected.segments]
    assert [row["text"] for row in rows[:4]] == LINES[:4]
    profiles = read_csv(tmp_path / "out.profiles.csv")
    assert [(p["report"], p["segments"]) for p in profiles] == [("A", "4"), ("B", "2")]


def test_without_a_report_column_each_paragraph_is_tagged_alone(tmp_path):
    table = write_rows(tmp_path / "paragraphs.csv")
    results = list(tag_paragraph_tables([table], text_column="paragraph"))
    (result,) = results
    texts = [row[4] for row in ROWS if row[4].strip()]
    assert result.path == str(table) and [row.text for row in result.rows] == texts
    assert [row.theme for row in result.rows] == [t.theme for t in tag_many(texts)]
    assert result.rows[2].carried == (
        ("id", "3"),
        ("year", "2019"),
        ("region", "乙区"),
        ("doc", "B"),
    )


def test_a_column_named_like_an_output_column_is_kept_beside_it(tmp_path):
    table = write_rows(tmp_path / "t.xlsx", [["x1", LINES[1]]], ["theme", "text"])
    output = tmp_path / "out.xlsx"
    assert themetag("tag", table, "--text-column", "text", "-o", output).returncode == 0
    sheet = load_workbook(output)["segments"]
    header, row = list(sheet.iter_rows(values_only=True))
    assert header[:2] == ("theme (input)", "report") and row[0] == "x1"
    assert row[header.index("text")] == LINES[1]


def test_a_bad_table_fails_alone_and_bad_options_are_usage_errors(tmp_path):
    good = write_rows(tmp_path / "good.csv")
    other = write_rows(tmp_path / "other.csv", [["1", LINES[1]]], ["id", "body"])
    broken = tmp_path / "broken.xlsx"
    broken.write_bytes(b"PK\x03\x04 not really a workbook")
    output = tmp_path / "out.csv"
    result = themetag("tag", good, other, broken, "--text-column", "paragraph", "-o", output)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    errors = {row["report"]: row["error"] for row in read_csv(tmp_path / "out.errors.csv")}
    assert (
        errors[str(other)] == "no column 'paragraph' (--text-column); its columns are 'id', 'body'"
    )
    assert errors[str(broken)].startswith("cannot read the table")
    assert {row["report"] for row in read_csv(output)} == {str(good)}
    for options, message in [
        ([good, "--report-column", "doc"], "--report-column needs --text-column"),
        ([good, "--text-column", "paragraph", "--jobs", "2"], "tagged in this process"),
        ([good, tmp_path, "--text-column", "paragraph"], "is not one"),
    ]:
        result = themetag("tag", *options)
        assert result.returncode == 2 and message in result.stderr, result.stderr


def test_an_interrupted_table_run_resumes_without_repeating_a_report(tmp_path, small_model):
    table = write_rows(tmp_path / "paragraphs.csv")
    options = ["--text-column", "paragraph", "--report-column", "doc"]
    complete = tmp_path / "complete.jsonl"
    assert themetag("tag", table, *options, "-o", complete).returncode == 0
    output = tmp_path / "resumed.jsonl"
    from themetag import load_model

    first = next(tag_paragraph_tables([table], text_column="paragraph", report_column="doc"))
    journal = Journal(Path(f"{output}.journal"), run_key([table], load_model().card_digest))
    journal.start(resume=False)
    journal.append(first)  # as a run stopped after its first report leaves it
    resumed = themetag("tag", table, *options, "-o", output, "--resume")
    assert resumed.returncode == 0, resumed.stderr
    assert output.read_text(encoding="utf-8") == complete.read_text(encoding="utf-8")


def _piped(data: bytes, *args: object) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "themetag.cli", "tag", *map(str, args)],
        input=data,
        capture_output=True,
    )


def test_a_report_piped_to_standard_input_is_tagged_first_as_dash(tmp_path):
    report = tmp_path / "report.txt"
    report.write_text(REPORT, encoding="utf-8")
    result = _piped(REPORT.encode("gb18030"), report, "-")
    assert result.returncode == 0, result.stderr.decode()
    rows = [json.loads(line) for line in result.stdout.decode().splitlines()]
    alone = tag_report(REPORT)
    assert [r["report"] for r in rows] == ["-"] * len(alone.segments) + [str(report)] * len(
        alone.segments
    )
    assert [r["theme"] for r in rows[: len(alone.segments)]] == [
        s.tag.theme for s in alone.segments
    ]
    assert _piped(b"", "-").returncode == 1
    twice = _piped(REPORT.encode(), "-", "-")
    assert twice.returncode == 2 and b"can be read once" in twice.stderr
