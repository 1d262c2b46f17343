"""Page mess added to training segments by code: reproducible, labels and reports kept."""

from themetag.training.augment import TITLE_RESIDUE, augment
from themetag.training.corpus import Segment

REPORT = [
    Segment("d1-001", "d1", "XX县教育局2019年学生资助工作总结", "student_aid"),
    Segment(
        "d1-002",
        "d1",
        "全年发放各类资助资金860万元，惠及家庭经济困难学生4120人次。" * 3,
        "student_aid",
    ),
    Segment("d1-003", "d1", "一、完善机制", "student_aid"),
]


def test_augmentation_is_reproducible_and_keeps_report_and_label():
    corpus = REPORT * 20
    first, second = augment(corpus, seed=3), augment(corpus, seed=3)
    assert first == second and first != augment(corpus, seed=4)
    originals = {s.id: s for s in corpus}
    for extra in first:
        source = originals[extra.id.split("+")[0]]
        assert (extra.doc, extra.label) == (source.doc, source.label)
        assert extra.text != source.text


def test_a_title_gets_site_residue_and_long_text_gets_page_numbers_and_cuts():
    extra = augment(REPORT * 40, seed=0)
    titles = [s.text for s in extra if s.id.endswith("+title")]
    assert titles and all(REPORT[0].text in t for t in titles)
    assert {t.replace(REPORT[0].text, "") for t in titles} <= {p + s for p, s in TITLE_RESIDUE}
    pages = [s.text for s in extra if s.id.endswith("+page")]
    assert pages and all(len(p) > len(REPORT[1].text) and "、" in p for p in pages)
    heads = [s.text for s in extra if s.id.endswith("+head")]
    tails = [s.text for s in extra if s.id.endswith("+tail")]
    assert len(heads) == len(tails) > 0
    assert all(h + t == REPORT[1].text for h, t in zip(heads, tails, strict=True))
    assert not any(s.id.startswith("d1-003") for s in extra)  # a short heading is left alone
