import math

import pytest

from themetag import Tag, load_model, tag, tag_many, tag_report
from themetag.api import PARALLEL_CHUNK, TaggedSegment, theme_profile, worker_model
from themetag.errors import ModelFileError
from themetag.labels import load_themes
from themetag.model import save_model
from themetag.text.normalize import normalize, to_simplified
from themetag.training.fit import fit_model
from themetag.training.settings import Settings

THEME_IDS = {t.id for t in load_themes()}
AID = (
    "全年发放国家助学金和营养改善计划补助资金860万元，惠及家庭经济困难学生4120人次，做到应助尽助。"
)
SAFETY = "开展校园安全隐患大排查，整改消防、校舍隐患27处，组织防溺水专题教育和应急疏散演练。"
REPORT = (
    "XX县教育局2019年工作总结\n"
    "今年以来，我局在县委县政府领导下，各项工作取得新成效。\n"
    "一、安全工作。一是" + SAFETY + "二是落实校车安全管理，签订安全责任书。\n"
    "二、学生资助。" + AID + "\n"
)


def test_tag_returns_a_theme_its_name_and_a_ranked_distribution():
    result = tag(AID)
    assert isinstance(result, Tag)
    assert result.theme in THEME_IDS
    assert result.name == load_model().names[result.theme]
    assert result.ranking[0] == (result.theme, result.confidence)
    assert {theme for theme, _ in result.ranking} == set(load_model().classes_)
    probabilities = [p for _, p in result.ranking]
    assert probabilities == sorted(probabilities, reverse=True)
    assert math.isclose(sum(probabilities), 1.0, abs_tol=1e-6)
    assert 0.0 <= result.confidence <= 1.0


def test_the_shipped_model_tells_clear_themes_apart():
    assert tag(AID).theme == "student_aid"
    assert tag(SAFETY).theme == "safety"


def test_tag_many_equals_tag_one_by_one():
    texts = [AID, SAFETY, "首页 > 要闻动态 > 部门速递"]
    assert tag_many(texts) == [tag(t) for t in texts]
    assert tag_many([]) == []


def test_tag_many_holds_its_tags_as_arrays_until_one_is_read():
    texts = [AID, SAFETY, "首页 > 要闻动态 > 部门速递", "三、下一步打算"]
    tags = tag_many(texts)
    one_by_one = [tag(t) for t in texts]
    assert len(tags) == 4 and tags.probabilities.shape == (4, len(THEME_IDS))
    assert tags.themes == [t.theme for t in one_by_one]
    assert tags.confidences.tolist() == [t.confidence for t in one_by_one]
    assert tags.needs_review.tolist() == [t.needs_review for t in one_by_one]
    assert tags[1] == one_by_one[1] and tags[-1] == one_by_one[-1]
    assert list(tags[1:3]) == one_by_one[1:3] and tags[1:3] == one_by_one[1:3]
    order, probabilities = tags.ranked(3)
    assert [[tags.classes[i] for i in row] for row in order.tolist()] == [
        [theme for theme, _ in t.ranking[:3]] for t in one_by_one
    ]
    assert probabilities[:, 0].tolist() == tags.confidences.tolist()
    assert tags != one_by_one[:3] and tags != "text"


def test_traditional_text_gets_the_same_tag_as_its_simplified_form():
    traditional = "全年發放國家助學金和營養改善計劃補助資金860萬元，惠及家庭經濟困難學生4120人次。"
    assert tag(traditional) == tag(to_simplified(traditional))


def test_text_without_chinese_still_gets_a_tag():
    assert tag("Page 3 of 7 | Download PDF").theme in THEME_IDS


@pytest.mark.parametrize("bad", ["", "   \n\t", None, 42, b"\xe5\xad\xa6"])
def test_bad_input_gets_a_clear_error(bad):
    expected = ValueError if isinstance(bad, str) else TypeError
    with pytest.raises(expected, match="text"):
        tag(bad)


def test_tag_many_refuses_a_single_string_and_bad_members():
    with pytest.raises(TypeError, match="list"):
        tag_many(AID)
    with pytest.raises(TypeError):
        tag_many([AID, None])


def test_tag_report_gives_segments_with_offsets_and_a_profile():
    result = tag_report(REPORT)
    assert [s.number for s in result.segments] == list(range(1, len(result.segments) + 1))
    for segment in result.segments:
        assert REPORT[segment.start : segment.end] == segment.text
        assert segment.tag.theme in THEME_IDS
    assert [s.text[:5] for s in result.segments[2:5]] == ["一、安全工", "一是开展校", "二是落实校"]
    assert result.segments[-1].text.startswith("二、学生资助。全年发放")
    assert math.isclose(sum(s.segment_share for s in result.profile), 1.0)
    assert math.isclose(sum(s.character_share for s in result.profile), 1.0)
    assert sum(s.segments for s in result.profile) == len(result.segments)
    shares = [s.character_share for s in result.profile]
    assert shares == sorted(shares, reverse=True)


def _tagged(text: str, ranking: dict[str, float], number: int) -> TaggedSegment:
    theme = max(ranking, key=ranking.__getitem__)
    ranked = tuple(sorted(ranking.items(), key=lambda item: -item[1]))
    return TaggedSegment(number, 0, len(text), text, Tag(theme, theme, ranking[theme], ranked))


def test_a_profile_shares_out_the_content_apart_from_its_framing():
    segments = [
        _tagged("首页 > 工作动态" * 5, {"boilerplate": 0.98, "overview": 0.02}, 1),  # 45
        _tagged("今年各项工作取得新进展" * 3, {"overview": 0.9, "safety": 0.1}, 2),  # 33
        _tagged("开展隐患排查" * 20, {"safety": 0.95, "student_aid": 0.05}, 3),  # 120
        # One long paragraph with an unsure, wrong tag: it must not make its own theme.
        _tagged("依法治校" * 60, {"party_building": 0.4, "governance": 0.35, "safety": 0.25}, 4),
    ]
    shares = {s.theme: s for s in theme_profile(segments, {})}
    assert shares["overview"].content_share == shares["boilerplate"].content_share == 0.0
    assert shares["safety"].content_share == pytest.approx(120 / 360)
    assert shares["party_building"].content_share == pytest.approx(240 / 360)
    # Expected: each segment's characters shared out by its probabilities, framing left out.
    mass = {
        "safety": 33 * 0.1 + 120 * 0.95 + 240 * 0.25,
        "student_aid": 120 * 0.05,
        "party_building": 240 * 0.4,
        "governance": 240 * 0.35,
    }
    for theme, expected in mass.items():
        assert shares[theme].expected_share == pytest.approx(expected / sum(mass.values()))
    assert shares["governance"].segments == 0 and shares["governance"].characters == 0
    assert shares["safety"].expected_share > shares["party_building"].expected_share


def test_tag_report_refuses_a_report_with_no_text():
    with pytest.raises(ValueError, match="segment"):
        tag_report("——\n。。\n")


def test_the_default_model_is_loaded_once():
    assert load_model() is load_model()


def test_needs_review_follows_the_threshold_in_the_model_card():
    model = load_model()
    threshold = model.card["review"]["threshold"]
    assert 0.0 < threshold < 1.0
    results = tag_many([AID, SAFETY, "三、下一步打算", "附件2", "其他工作"])
    assert [r.needs_review for r in results] == [r.confidence < threshold for r in results]
    assert any(r.needs_review for r in results) and not all(r.needs_review for r in results)


def test_explain_returns_the_terms_that_pushed_the_decision():
    result = tag(AID, explain=True)
    assert result.explanation and len(result.explanation) <= 8
    terms = [term for term, _ in result.explanation]
    weights = [weight for _, weight in result.explanation]
    assert weights == sorted(weights, reverse=True) and weights[-1] > 0
    assert all(term in normalize(AID) for term in terms)
    assert any(term in {"资助", "助学", "助学金", "营养", "困难", "补助"} for term in terms)
    assert tag(AID).explanation is None


def test_two_jobs_tag_as_one_and_follow_a_model_retrained_into_its_folder(
    small_model, small_corpus, tmp_path
):
    texts = [s.text for s in small_corpus]
    texts = texts * (PARALLEL_CHUNK // len(texts) + 2)  # more than one chunk: workers run
    first = load_model(save_model(small_model, tmp_path / "model"))
    assert tag_many(texts, model=first, jobs=2) == tag_many(texts, model=first)

    retrained = fit_model(
        [s.text for s in small_corpus],
        [s.label for s in small_corpus],
        names=small_model.names,
        settings=Settings(regularization=0.05),
    )
    second = load_model(save_model(retrained, tmp_path / "model"))
    expected = tag_many(texts, model=second)
    assert expected != tag_many(texts, model=first)
    # The worker processes of the first call are reused: they must not answer with `first`.
    assert tag_many(texts, model=second, jobs=2) == expected
    # A worker that never saw `first` cannot load it any more, and says so.
    stale = (str(tmp_path / "model"), "0" * 16)
    with pytest.raises(ModelFileError, match="changed after it was loaded"):
        worker_model(stale)
