import json
from collections import Counter, defaultdict

import pytest
from conftest import CORPUS, SEEDS

from themetag.labels import load_themes
from themetag.text.normalize import to_simplified
from themetag.training.corpus import is_single_theme, load_corpus, near_copies
from themetag.training.train import DEFAULT_SEED_LABELS

THEMES = [t.id for t in load_themes()]


@pytest.fixture(scope="module")
def segments():
    return load_corpus(CORPUS)


@pytest.fixture(scope="module")
def reports(segments):
    grouped = defaultdict(list)
    for segment in segments:
        grouped[segment.doc].append(segment)
    return grouped


def test_labels_are_theme_ids_and_ids_are_unique(segments):
    assert {s.label for s in segments} == set(THEMES)
    assert len({s.id for s in segments}) == len(segments)


def test_the_corpus_is_large_and_every_theme_well_covered(segments, reports):
    assert len(reports) >= 250
    assert len(segments) >= 4000
    counts = Counter(s.label for s in segments)
    for theme in THEMES:
        assert counts[theme] >= 120, theme
        assert counts[theme] / len(segments) <= 0.20, theme


def test_at_least_a_third_of_reports_are_about_one_theme(reports):
    assert sum(map(is_single_theme, reports.values())) / len(reports) >= 1 / 3


def test_about_one_report_in_twelve_is_in_traditional_characters(reports):
    def traditional(report):
        text = "".join(s.text for s in report)
        return sum(a != b for a, b in zip(text, to_simplified(text), strict=False)) > len(text) / 20

    share = sum(map(traditional, reports.values())) / len(reports)
    assert 0.06 <= share <= 0.12


def test_no_two_segments_of_different_reports_share_over_half_their_5_grams(segments):
    assert near_copies(segments) == []


def test_near_copies_are_found_when_present():
    from themetag.training.corpus import Segment

    a = Segment("a-1", "a", "全县共投入资金三千万元新建校舍两万平方米", "funding_facilities")
    b = Segment("b-1", "b", "全县共投入资金三千万元新建校舍两万平方米。", "funding_facilities")
    c = Segment("a-2", "a", "全县共投入资金三千万元新建校舍两万平方米", "funding_facilities")
    assert [(x.id, y.id) for x, y, _ in near_copies([a, b, c])] == [("a-1", "b-1"), ("b-1", "a-2")]


def test_seed_labels_hold_offsets_and_labels_only():
    rows = [
        json.loads(line) for line in DEFAULT_SEED_LABELS.read_text(encoding="utf-8").splitlines()
    ]
    assert len(rows) >= 150
    for row in rows:
        assert set(row) == {"file", "start", "end", "label"}
        assert row["label"] in THEMES and 0 <= row["start"] < row["end"]
    if SEEDS.is_dir():
        for row in rows:
            text = (SEEDS / row["file"]).read_text(encoding="utf-8")
            assert row["end"] <= len(text) and text[row["start"] : row["end"]].strip()


def test_the_corpus_carries_the_settled_labels_of_every_disagreement(segments):
    from themetag.training.corpus import AGREEMENT, agreement

    result = agreement()
    assert result.segments >= 400
    settled = [json.loads(line) for line in (AGREEMENT / "settled.jsonl").open(encoding="utf-8")]
    assert len(settled) == result.segments - result.agreed
    labels = {s.id: s.label for s in segments}
    for row in settled:
        assert row["first"] != row["second"] and row["why"]
        assert labels[row["id"]] == row["final"]
