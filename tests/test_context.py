"""Tagging in context: reports read as reports, and the segments of one kept as given."""

import json

import numpy as np
import pytest

from themetag import load_model, split_report, tag, tag_many, tag_report
from themetag.api import tag_reports
from themetag.errors import ModelFileError
from themetag.model import CARD_FILE, MODEL_FILE, load_model_file
from themetag.model.context import block_columns, feature_count

SAFETY_REPORT = [
    "XX县教育局2021年校园安全工作总结",
    "今年以来，我局坚持安全第一，全年未发生重大安全责任事故。",
    "一、健全机制，层层压实责任",
    "一是与各校签订安全目标责任书86份，明确校长为第一责任人。",
    "二是建立隐患排查台账，每月开展一次拉网式检查，整改隐患43处。",
    "二、抓实重点，守住底线",
    "1、组织防溺水专题教育，向家长发放告知书2.3万份。",
    "2、开展消防应急疏散演练120余场次，覆盖全体师生。",
    "三、下一步工作打算",
    "我们将继续强化责任落实，确保校园平安稳定。",
]


@pytest.fixture(scope="module")
def context_model(context_model_dir):
    return load_model(context_model_dir)


def test_a_report_given_as_segments_keeps_exactly_that_cut(context_model):
    report = tag_report(SAFETY_REPORT, model=context_model)
    joined = "\n".join(SAFETY_REPORT)
    assert [s.text for s in report.segments] == SAFETY_REPORT
    assert [s.number for s in report.segments] == list(range(1, len(SAFETY_REPORT) + 1))
    assert all(joined[s.start : s.end] == s.text for s in report.segments)
    # A segment holding what split_report would cut apart stays one segment.
    glued = ["一、安全工作。一是排查隐患。二是开展演练。", "二、资助工作。发放助学金。"]
    assert len(tag_report(glued, model=context_model).segments) == 2
    assert len(split_report("\n".join(glued))) > 2


@pytest.mark.parametrize(
    ("report", "error", "message"),
    [
        ([], ValueError, "no segment"),
        (["一、安全工作", "  "], ValueError, "segment 2 is empty"),
        (["一、安全工作", 3], TypeError, "segment 2 is a int"),
        ({"a": 1}, TypeError, "a list of its segments"),
    ],
)
def test_a_bad_list_of_segments_is_refused_with_its_reason(report, error, message):
    with pytest.raises(error, match=message):
        tag_report(report)


def test_the_shipped_model_reads_a_heading_by_its_items_and_says_why():
    report = tag_report(SAFETY_REPORT, explain=True)
    alone = tag_many(SAFETY_REPORT)
    in_context = [s.tag for s in report.segments]
    assert sum(t.theme == "safety" for t in in_context) > sum(t.theme == "safety" for t in alone)
    changed = [t for t, a in zip(in_context, alone, strict=True) if t.theme != a.theme]
    assert changed
    assert all(t.context_note and t.context_note.startswith("context: ") for t in changed)
    assert all("校园安全" in t.context_note for t in changed if t.theme == "safety")
    unchanged = [t for t, a in zip(in_context, alone, strict=True) if t.theme == a.theme]
    assert all(t.context_note is None for t in unchanged)


def test_tag_and_tag_many_stay_one_segment_at_a_time(context_model):
    probabilities = context_model.predict_proba(SAFETY_REPORT)
    tags = tag_many(SAFETY_REPORT, model=context_model)
    assert [t.theme for t in tags] == [context_model.classes_[i] for i in probabilities.argmax(1)]
    assert tag(SAFETY_REPORT[2], model=context_model) == tags[2]
    assert all(t.context_note is None for t in tags)


def test_reports_tagged_together_are_tagged_as_alone(context_model):
    text = "\n".join(SAFETY_REPORT)
    together = tag_reports([text, SAFETY_REPORT[:4], text], model=context_model)
    assert together[0] == together[2] == tag_report(text, model=context_model)
    assert together[1] == tag_report(SAFETY_REPORT[:4], model=context_model)


def test_a_long_report_read_a_slice_at_a_time_is_read_as_a_whole(monkeypatch):
    from themetag.model import scoring

    report = "\n".join(SAFETY_REPORT * 6)
    whole = tag_report(report, explain=True)
    monkeypatch.setattr(scoring, "CONTEXT_ROWS", 4)  # context inputs made four rows at a time
    sliced = tag_report(report, explain=True)
    assert len(whole.segments) > 12
    assert sliced == whole


def test_a_fragment_is_read_within_itself(context_model):
    """The first screen of a report is tagged from what it holds, never from the rest."""
    whole = tag_report(SAFETY_REPORT, model=context_model).segments
    first = tag_report(SAFETY_REPORT[:3], model=context_model).segments
    assert len(first) == 3
    assert [s.text for s in first] == [s.text for s in whole[:3]]


def test_the_context_stage_is_saved_and_checked_on_load(context_model_dir, tmp_path):
    model = load_model_file(context_model_dir)
    assert model.context is not None
    classes = len(model.classes_)
    assert model.context.weights.shape == (feature_count(classes), classes)
    assert set(block_columns(classes)) >= {"self", "items", "parent", "report", "structure"}
    card = json.loads((context_model_dir / CARD_FILE).read_text(encoding="utf-8"))
    assert 0 < card["context"]["review"]["threshold"] <= 1
    assert card["context"]["cross_validation"]["segments"] == card["corpus"]["segments"]
    with np.load(context_model_dir / MODEL_FILE) as stored:
        arrays = {name: stored[name] for name in stored.files}
    arrays["context_weights"] = arrays["context_weights"][:-1]
    damaged = tmp_path / "damaged"
    damaged.mkdir()
    (damaged / CARD_FILE).write_bytes((context_model_dir / CARD_FILE).read_bytes())
    np.savez(damaged / MODEL_FILE, **arrays)
    with pytest.raises(ModelFileError, match="context weights"):
        load_model_file(damaged)


def test_training_prints_one_at_a_time_and_in_context_side_by_side(
    small_corpus_dir, tmp_path, capsys
):
    from themetag.training.train import train

    train(small_corpus_dir, tmp_path / "m", seeds=tmp_path / "none")
    printed = capsys.readouterr().out
    for row in (
        "CV, one at a time ",
        "CV, one at a time, headings and short",
        "CV, in context ",
        "CV, in context, headings and short",
        "CV, in context, fragments of reports",
    ):
        assert row in printed


def test_every_batch_path_tags_in_context(folder):
    """tag_files (one process or several) gives exactly tag_report's tags, context included."""
    from themetag import tag_files
    from themetag.readers import read_report

    model = load_model()
    assert model.context is not None  # the shipped model has its context stage
    for jobs in (1, 2):
        for result in tag_files([folder], jobs=jobs, model=model):
            if result.error:
                continue
            report = tag_report(read_report(result.path), model=model)
            assert [r.theme for r in result.rows] == [s.tag.theme for s in report.segments]
            assert [r.confidence for r in result.rows] == [
                round(s.tag.confidence, 4) for s in report.segments
            ]
