"""Learning from an analyst's corrections: review sheets read and checked, kept in a user
folder apart from the corpus, and trained on (`themetag train --add SHEET`)."""

import json

import numpy as np
import pytest
from openpyxl import Workbook

from themetag.labels import load_themes
from themetag.model import CARD_FILE, load_model_file
from themetag.text.structure import read_structure
from themetag.training.corpus import PROJECT_ROOT
from themetag.training.corrections import (
    add_sheets,
    load_user_corpus,
    read_corrections,
    report_doc,
)
from themetag.training.train import main
from themetag.writers.tables import write_csv as write_table

# The review sheet's header, exactly.
COLUMNS = [
    "report", "segment", "start", "end", "heading", "previous", "text", "next", "theme", "name",
    "confidence", "top2", "top2_name", "top2_confidence", "top3", "top3_name", "top3_confidence",
    "correct",
]  # fmt: skip
THEMES = load_themes()
NAMES = {t.id: t.name for t in THEMES}
# Reports of the corpus outside the small corpus (which holds one in eight from the first).
OTHER_REPORTS = sorted((PROJECT_ROOT / "corpus" / "docs").glob("*.jsonl"))[1::8]


def _report(path):
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def sheet_row(report: str, rows: list[dict], index: int, correct: str, theme="overview") -> dict:
    """A row of a review sheet as `themetag review` writes it, `correct` filled in."""
    parts = read_structure([row["text"] for row in rows])
    parent = parts[index].parent
    return {
        "report": report,
        "segment": index + 1,
        "start": 0,
        "end": len(rows[index]["text"]),
        "heading": rows[parent]["text"] if parent is not None else "",
        "previous": rows[index - 1]["text"] if index else "",
        "text": rows[index]["text"],
        "next": rows[index + 1]["text"] if index + 1 < len(rows) else "",
        "theme": theme,
        "name": NAMES[theme],
        "confidence": 0.41,
        "top2": "governance",
        "top2_name": NAMES["governance"],
        "top2_confidence": 0.3,
        "top3": "safety",
        "top3_name": NAMES["safety"],
        "top3_confidence": 0.1,
        "correct": correct,
    }


def write_xlsx(path, records: list[dict]) -> None:
    book = Workbook()
    sheet = book.active
    sheet.title = "review"
    sheet.append(COLUMNS)
    for record in records:
        sheet.append([record.get(column, "") for column in COLUMNS])
    book.create_sheet("themes").append(["correct may be", "theme"])
    book.save(path)


def write_csv(path, records: list[dict], columns=COLUMNS) -> None:
    """As `themetag review -o x.csv` writes it: with a BOM, and text that a spreadsheet would
    run as a formula behind an apostrophe."""
    write_table([{k: r[k] for k in columns} for r in records], path, list(columns))


@pytest.fixture(scope="module")
def first_report():
    return _report(OTHER_REPORTS[0])


def test_corrections_are_read_from_a_workbook_and_from_a_csv(tmp_path, first_report):
    rows = first_report
    records = [
        sheet_row("报告/甲.docx", rows, 2, rows[2]["label"]),
        sheet_row("报告/甲.docx", rows, 3, NAMES[rows[3]["label"]]),  # a Chinese name
        sheet_row("报告/甲.docx", rows, 4, rows[4]["label"].upper()),
        sheet_row("报告/甲.docx", rows, 5, ""),  # not reviewed
        {**sheet_row("报告/甲.docx", rows, 6, "safety"), "text": "-1- 防溺水安全教育"},
    ]
    write_xlsx(tmp_path / "review.xlsx", records)
    write_csv(tmp_path / "review.csv", records)
    for name in ("review.xlsx", "review.csv"):
        reading = read_corrections([tmp_path / name], THEMES)
        assert reading.problems == []
        assert [c.segment for c in reading.corrections] == [3, 4, 5, 7]
        assert [c.label for c in reading.corrections] == [
            rows[2]["label"],
            rows[3]["label"],
            rows[4]["label"],
            "safety",
        ]
        assert reading.corrections[0].previous == rows[1]["text"]
        assert reading.corrections[-1].text == "-1- 防溺水安全教育"  # the apostrophe undone
        assert reading.corrections[0].row == 2
        ((sheet),) = reading.sheets
        assert (sheet.rows, sheet.answered, sheet.skipped) == (5, 4, 1)
    # The page's CSV may carry only the columns a correction needs.
    write_csv(tmp_path / "page.csv", records[:2], ["report", "segment", "text", "correct"])
    assert len(read_corrections([tmp_path / "page.csv"], THEMES).corrections) == 2


def test_every_problem_is_reported_with_its_file_and_row(tmp_path, first_report, capsys):
    rows = first_report
    good = sheet_row("甲.docx", rows, 2, rows[2]["label"])
    records = [
        good,
        sheet_row("甲.docx", rows, 3, "safty"),
        {**sheet_row("甲.docx", rows, 4, "safety"), "text": ""},
        {**sheet_row("甲.docx", rows, 5, "safety"), "segment": "五"},
        sheet_row("甲.docx", rows, 6, "safety"),
        sheet_row("甲.docx", rows, 6, "teachers"),
        {**sheet_row("甲.docx", rows, 7, "safety"), "report": ""},
    ]
    write_xlsx(tmp_path / "review.xlsx", records)
    write_csv(tmp_path / "not-a-review.csv", records, ["report", "text", "theme"])
    reading = read_corrections([tmp_path / "review.xlsx", tmp_path / "not-a-review.csv"], THEMES)
    found = [str(problem) for problem in reading.problems]
    sheet = str(tmp_path / "review.xlsx")
    assert f"{sheet}, row 3: correct 'safty' is not a theme id or name" in found
    assert f"{sheet}, row 4: no text" in found
    assert any(p.startswith(f"{sheet}, row 5: segment '五'") for p in found)
    assert any(p.startswith(f"{sheet}, row 6: contradictory answers") for p in found)
    assert any(p.startswith(f"{sheet}, row 7: contradictory answers") for p in found)
    assert f"{sheet}, row 8: no report" in found
    assert f"{tmp_path / 'not-a-review.csv'}: not a review sheet: no column segment, correct" in (
        found
    )
    assert [c.row for c in reading.corrections] == [2]

    user = tmp_path / "user"
    code = main(["--add", sheet, "--user-corpus", str(user), "--output", str(tmp_path / "m")])
    assert code == 2
    printed = capsys.readouterr()
    assert "row 3: correct 'safty'" in printed.err and "党建与党风廉政" in printed.err
    assert "nothing added and nothing trained" in printed.err
    assert not user.exists() and not (tmp_path / "m").exists()


def test_the_user_folder_gets_exactly_the_valid_rows_once(tmp_path, first_report):
    rows = first_report
    records = [sheet_row("报告/甲.docx", rows, i, rows[i]["label"]) for i in (2, 3, 4)]
    records.append(sheet_row("报告/甲.docx", rows, 6, "no-such-theme"))
    records.append(sheet_row("报告/乙.docx", rows, 1, rows[1]["label"]))
    write_xlsx(tmp_path / "review.xlsx", records)
    user = tmp_path / "user"
    sheets = [tmp_path / "review.xlsx"]
    assert add_sheets(sheets, user, THEMES, skip_bad=False, date="2025-01-02") is None
    assert not user.exists()
    added = add_sheets(sheets, user, THEMES, skip_bad=True, date="2025-01-02")
    assert added is not None and len(added.new) == 4
    files = sorted(user.glob("*.jsonl"))
    assert [f.stem for f in files] == sorted(
        [report_doc("报告/甲.docx"), report_doc("报告/乙.docx")]
    )
    stored = _report(user / f"{report_doc('报告/甲.docx')}.jsonl")
    assert [row["segment"] for row in stored] == [3, 4, 5]  # reading order
    assert [row["label"] for row in stored] == [rows[i]["label"] for i in (2, 3, 4)]
    assert stored[0]["doc"] == report_doc("报告/甲.docx") and stored[0]["report"] == "报告/甲.docx"
    assert stored[0]["correction"] == {"file": str(sheets[0]), "row": 2, "date": "2025-01-02"}
    assert not (PROJECT_ROOT / "corpus" / "docs" / files[0].name).exists()

    # The same sheet again, and as CSV: nothing new, nothing written twice.
    before = {f: f.read_bytes() for f in files}
    write_csv(tmp_path / "again.csv", records)
    again = add_sheets(
        [*sheets, tmp_path / "again.csv"], user, THEMES, skip_bad=True, date="2025-02-03"
    )
    assert again is not None and (len(again.new), again.unchanged) == (0, 4)
    assert {f: f.read_bytes() for f in sorted(user.glob("*.jsonl"))} == before

    # A changed answer replaces the stored one, and says what it was.
    changed = [{**records[0], "correct": "boilerplate"}]
    write_csv(tmp_path / "changed.csv", changed)
    later = add_sheets([tmp_path / "changed.csv"], user, THEMES, skip_bad=False, date="2025-03")
    assert later is not None and [(r.segment, old) for r, old in later.changed] == [
        (3, rows[2]["label"])
    ]
    assert _report(user / files[0].name)[0]["label"] == "boilerplate"
    assert later.labels_before == {f"{report_doc('报告/甲.docx')}-0003": rows[2]["label"]}


def test_corrections_are_read_in_the_stretches_of_their_reports(tmp_path, first_report):
    rows = first_report
    records = [sheet_row("甲.docx", rows, i, rows[i]["label"]) for i in (3, 4, 9)]
    records[2]["heading"] = "二、一个不在这一段里的标题"
    write_xlsx(tmp_path / "review.xlsx", records)
    add_sheets([tmp_path / "review.xlsx"], tmp_path / "user", THEMES, skip_bad=False, date="d")
    user = load_user_corpus(tmp_path / "user")
    assert user is not None and user.labelled == 3
    texts = [s.text for s in user.segments]
    first, second = user.excerpts
    # Segments 3 to 6 (previous of the first, both corrections, next of the second) in order.
    assert [texts[i] for i in first.indices] == [rows[i]["text"] for i in (2, 3, 4, 5)]
    assert first.counted == (False, True, True, False)
    # The heading the sheet gave comes first, then 9, 10, 11.
    assert [texts[i] for i in second.indices] == [
        "二、一个不在这一段里的标题",
        *(rows[i]["text"] for i in (8, 9, 10)),
    ]
    assert second.counted == (False, False, True, False)
    assert all(s.label == "" for s in user.context)


@pytest.fixture(scope="module")
def corrected(small_corpus_dir, context_model_dir, tmp_path_factory):
    """A sheet correcting segments the small model gets wrong, across reports, and the model
    trained with it (`themetag train --add`), with what training printed."""
    folder = tmp_path_factory.mktemp("corrected")
    before = load_model_file(context_model_dir)
    records, wrong = [], []
    for path in OTHER_REPORTS[:12]:
        rows = _report(path)
        found = before.predict_reports([[row["text"] for row in rows]])[0].in_context
        for index, row in enumerate(rows):
            said = before.classes_[int(found[index].argmax())]
            if said != row["label"] and len(wrong) < 40:
                records.append(sheet_row(f"reports/{path.stem}.docx", rows, index, row["label"]))
                records[-1]["theme"] = said
                wrong.append((path.stem, index))
    write_xlsx(folder / "review.xlsx", records)
    output = folder / "model"
    arguments = ["--corpus", str(small_corpus_dir), "--output", str(output)]
    arguments += ["--user-corpus", str(folder / "user"), "--add", str(folder / "review.xlsx")]
    arguments += ["--seeds", str(folder / "no-seeds")]
    return folder, records, wrong, arguments


@pytest.mark.slow
def test_training_with_corrections_learns_them_and_records_them(
    corrected, context_model_dir, capsys
):
    folder, records, wrong, arguments = corrected
    assert len(wrong) >= 20 and len({report for report, _ in wrong}) >= 4
    assert main(arguments) == 0
    printed = capsys.readouterr().out
    assert "before and after this run's corrections" in printed
    assert "your reports, in the sheets' context" in printed
    card = json.loads((folder / "model" / CARD_FILE).read_text(encoding="utf-8"))
    kept = card["corrections"]
    assert kept["segments"] == len(records) and len(kept["fingerprint"]) == 64
    assert sum(kept["per_theme"].values()) == len(records)
    added = kept["added"]
    assert added["files"] == {
        str(folder / "review.xlsx"): {"rows": len(records), "answered": len(records), "skipped": 0}
    }
    assert added["new"] == len(records) and added["changed"] == 0
    assert "your reports, in the sheets' context" in added["before_and_after"]

    # The answers were learned: the corrected theme is likelier than before, alone and read in
    # its whole report, and given more often.
    before, after = load_model_file(context_model_dir), load_model_file(folder / "model")
    texts = [record["text"] for record in records]
    labels = [record["correct"] for record in records]

    def chances(model):
        alone = model.predict_proba(texts)
        columns = [model.classes_.index(label) for label in labels]
        in_context = []
        for stem, index in wrong:
            rows = _report(PROJECT_ROOT / "corpus" / "docs" / f"{stem}.jsonl")
            found = model.predict_reports([[row["text"] for row in rows]])[0].in_context
            in_context.append(found[index])
        in_context = np.array(in_context)
        rows = np.arange(len(labels))
        return alone[rows, columns], in_context[rows, columns], in_context.argmax(axis=1) == columns

    alone_before, context_before, right_before = chances(before)
    alone_after, context_after, right_after = chances(after)
    assert alone_after.mean() > alone_before.mean() + 0.1
    assert (alone_after > alone_before).mean() >= 0.8
    assert context_after.mean() > context_before.mean()
    assert right_before.sum() == 0 and right_after.sum() >= len(labels) // 2
    assert sum(1 for f in (folder / "user").glob("*.jsonl") for _ in f.open()) == len(records)
