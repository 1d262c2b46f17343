"""Properties that hold for any text: the segmenter loses nothing, tag always answers, and
traditional text tags as its simplified form."""

import math

import opencc
import pytest
from conftest import CORPUS
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from themetag import split_report, tag, tag_many, tag_report
from themetag.text.normalize import to_simplified
from themetag.training.corpus import load_corpus

SEGMENTS = [segment.text for segment in load_corpus(CORPUS)]
S2T = opencc.OpenCC("s2t")
# Enumeration markers, sentence ends and the odd spaces of extracted text, so that every
# branch of the segmenter is reached, not only plain paragraphs.
MARKERS = [
    "一、", "二、", "十一、", "（一）", "(2)", "（３）", "一是", "二是", "三是", "统一是",
    "1、", "2、", "3.", "12)", "①", "⑵", "——", "——基层党建，", "第2、", "。", "；", "：",
    "，", "…", "”", ".", "\n", "\n\n", "\r\n", "\r", " ", "\u3000", "\xa0", "\t", "\x0b",
    "\x0c", "\x1c", "\x85", "\u2028", "\u2003", "\u200b", "\ufeff", "\ue000",
]  # fmt: skip
ODD_CHARACTERS = st.one_of(
    st.characters(),
    st.characters(categories=["Cs"]),  # lone surrogates, as a bad decoder leaves them
    st.characters(categories=["Cc"]),
    st.characters(min_codepoint=0x1F300, max_codepoint=0x1FAFF),  # emoji
    st.characters(min_codepoint=0x4E00, max_codepoint=0x9FFF),
)
SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@st.composite
def corpus_piece(draw) -> str:
    """A corpus segment, or a stretch of one cut anywhere (as a page break cuts it)."""
    text = draw(st.sampled_from(SEGMENTS))
    start = draw(st.integers(0, len(text)))
    end = draw(st.integers(start, len(text)))
    return draw(st.sampled_from([text, text[start:end]]))


@st.composite
def wenku_pages(draw) -> str:
    """Pages numbered 1、2、3… at line starts, most cutting a sentence: 文库 page breaks."""
    pages = draw(st.lists(corpus_piece(), min_size=2, max_size=6))
    breaks = draw(st.lists(st.sampled_from(["\n", "\n\n", "\r\n", "\n \n"]), min_size=7))
    return "".join(f"{number}、{page}{breaks[number]}" for number, page in enumerate(pages, 1))


REPORT_TEXT = st.lists(
    st.one_of(
        corpus_piece(),
        st.sampled_from(MARKERS),
        st.text(ODD_CHARACTERS, max_size=6),
        wenku_pages(),
    ),
    max_size=25,
).map("".join)
ANY_TEXT = st.one_of(REPORT_TEXT, st.text(ODD_CHARACTERS, min_size=1, max_size=40))
CHINESE_TEXT = st.lists(
    st.one_of(corpus_piece(), st.text(st.characters(min_codepoint=0x4E00, max_codepoint=0x9FFF))),
    min_size=1,
    max_size=4,
).map("".join)


@SETTINGS
@given(REPORT_TEXT)
def test_split_report_keeps_every_letter_digit_and_character_in_exactly_one_span(text):
    """Report content is every letter, digit and CJK character (str.isalnum): 文库 page numbers
    stay inside the joined segment, so only whitespace and punctuation-only pieces fall out."""
    spans = split_report(text)
    previous_end = 0
    for span in spans:
        assert previous_end <= span.start < span.end <= len(text)
        assert text[span.start : span.end] == span.text
        assert span.text == span.text.strip(), "a segment starts or ends with whitespace"
        assert any(c.isalnum() for c in span.text)
        gap = text[previous_end : span.start]
        assert not any(c.isalnum() for c in gap), f"content lost before {span}: {gap!r}"
        previous_end = span.end
    assert not any(c.isalnum() for c in text[previous_end:])


def check_tag(result, classes):
    themes = [theme for theme, _ in result.ranking]
    probabilities = [p for _, p in result.ranking]
    assert sorted(themes) == sorted(classes)
    assert math.isclose(sum(probabilities), 1.0, abs_tol=1e-6)
    assert probabilities == sorted(probabilities, reverse=True)
    assert all(0.0 <= p <= 1.0 for p in probabilities)
    assert (result.theme, result.confidence) == result.ranking[0]


@SETTINGS
@given(text=ANY_TEXT)
def test_tag_answers_every_non_blank_text_with_a_full_ranking(small_model, text):
    """Surrogates, control characters, emoji and text without Chinese all get a tag."""
    assume(text.strip())
    result = tag(text, model=small_model)
    check_tag(result, small_model.classes_)
    assert result.name == small_model.names[result.theme]


@SETTINGS
@given(texts=st.lists(ANY_TEXT.filter(str.strip), min_size=2, max_size=6))
def test_a_batch_tags_each_text_as_it_would_alone(small_model, texts):
    """Batches are normalised as one joined string; no text may leak into its neighbour."""
    for together, alone in zip(
        tag_many(texts, model=small_model), [tag(t, model=small_model) for t in texts], strict=True
    ):
        assert dict(together.ranking) == pytest.approx(dict(alone.ranking), abs=1e-6)


@SETTINGS
@given(text=REPORT_TEXT)
def test_tag_report_tags_every_segment_or_says_there_is_none(small_model, text):
    """tag_report's segments are split_report's spans; a text without any is refused."""
    assume(text.strip())
    spans = split_report(text)
    if not spans:
        with pytest.raises(ValueError, match="no segment with letters"):
            tag_report(text, model=small_model)
        return
    report = tag_report(text, model=small_model)
    assert [(s.start, s.end, s.text) for s in report.segments] == [
        (s.start, s.end, s.text) for s in spans
    ]
    for segment in report.segments:
        check_tag(segment.tag, small_model.classes_)
    assert sum(share.segments for share in report.profile) == len(spans)


@SETTINGS
@given(text=CHINESE_TEXT)
def test_traditional_text_tags_as_its_simplified_form(small_model, text):
    """The same words in traditional characters (OpenCC s2t) get the same theme and ranking."""
    assume(text.strip())
    traditional = S2T.convert(text)
    # Where OpenCC itself does not map back (迳 becomes 逕, which becomes 径), the texts differ.
    assume(to_simplified(traditional) == to_simplified(text))
    simplified_tag = tag(text, model=small_model)
    traditional_tag = tag(traditional, model=small_model)
    assert dict(traditional_tag.ranking) == pytest.approx(dict(simplified_tag.ranking), abs=1e-6)
    assert traditional_tag.theme == simplified_tag.theme or math.isclose(
        traditional_tag.confidence,
        dict(traditional_tag.ranking)[simplified_tag.theme],
        abs_tol=1e-6,
    )
