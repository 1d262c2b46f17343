"""`themetag evaluate`: the model scored on labelled segments, with answers known in advance."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from files import themetag

from themetag import load_model, tag_many, tag_report
from themetag.errors import UsageError
from themetag.run.evaluate import LabelledReport, read_labelled, score

EXAMPLES = Path(__file__).parent.parent / "examples"


def _reports() -> list[tuple[str, list[str]]]:
    """The examples cut into segments, and a few of their paragraphs as further reports."""
    reports = []
    for path in sorted(EXAMPLES.glob("*.txt")):
        spans = tag_report(path.read_text(encoding="utf-8")).segments
        reports.append((path.name, [s.text for s in spans]))
        reports += [(f"{path.name}#{i}", [s.text for s in spans[i : i + 4]]) for i in (4, 9)]
    return reports


def _other(theme: str) -> str:
    return "safety" if theme != "safety" else "teachers"


def test_scores_in_context_count_exactly_the_wrong_labels(tmp_path):
    reports = _reports()
    rows, flipped = [], 0
    for name, texts in reports:
        tags = [s.tag.theme for s in tag_report(texts).segments]
        for number, (text, theme) in enumerate(zip(texts, tags, strict=True)):
            wrong = number == 1  # one label in each report is not the model's answer
            flipped += wrong
            label = _other(theme) if wrong else theme
            rows.append({"report": name, "text": text, "label": label})
    labelled = tmp_path / "labelled.jsonl"
    labelled.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), "utf-8")
    loaded = read_labelled(labelled, report_column="report")
    assert [r.name for r in loaded] == [name for name, _ in reports]
    scores = score(loaded, in_context=True)
    assert scores.evaluation.segments == len(rows) and scores.reports == len(reports)
    assert scores.evaluation.accuracy == pytest.approx(1 - flipped / len(rows))
    wrong = sum(n for g, row in scores.confusion.items() for p, n in row.items() if g != p)
    assert wrong == flipped
    low, high = scores.accuracy_interval
    assert low <= scores.evaluation.accuracy <= high < 1
    result = themetag("evaluate", labelled, "--report-column", "report")
    assert result.returncode == 0, result.stderr
    assert f"{len(rows)} segments in {len(reports)} reports, tagged in context" in result.stdout
    assert f"accuracy  {1 - flipped / len(rows):.3f}  (95% over reports:" in result.stdout


def test_without_a_report_column_segments_are_read_alone_and_names_are_labels(tmp_path):
    model = load_model()
    texts = [text for _, texts in _reports()[:1] for text in texts]
    tags = tag_many(texts)
    labelled = tmp_path / "labelled.csv"
    with open(labelled, "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["id", "正文", "主题"])
        for number, (text, tag) in enumerate(zip(texts, tags, strict=True)):
            writer.writerow([number, text, model.names[tag.theme]])  # Chinese names
    reports = read_labelled(labelled, text_column="正文", label_column="主题")
    scores = score(reports, in_context=False)
    assert scores.evaluation.accuracy == 1.0 and scores.accuracy_interval is None
    result = themetag("evaluate", labelled, "--text-column", "正文", "--label-column", "主题")
    assert result.returncode == 0 and "tagged one at a time" in result.stdout


def test_bad_labelled_files_are_usage_errors(tmp_path):
    unknown = tmp_path / "unknown.jsonl"
    unknown.write_text('{"text": "开展隐患排查", "label": "sports"}\n', encoding="utf-8")
    with pytest.raises(UsageError, match="labels the model does not know: sports"):
        score(read_labelled(unknown), in_context=False)
    no_label = tmp_path / "no_label.csv"
    no_label.write_text("text,theme\n开展隐患排查,safety\n", encoding="utf-8")
    broken = tmp_path / "broken.jsonl"
    broken.write_text('{"text": "开展隐患排查"}\n', encoding="utf-8")
    for path, message in [
        (no_label, "has no column 'label' (--label-column)"),
        (broken, "line 1: not a labelled segment"),
        (unknown, "labels the model does not know: sports"),
        (tmp_path / "missing.csv", "cannot read"),
    ]:
        result = themetag("evaluate", path)
        assert result.returncode == 2 and message in result.stderr, result.stderr
    assert score([LabelledReport("r", ["开展隐患排查"], ["safety"])], in_context=True).reports == 1
