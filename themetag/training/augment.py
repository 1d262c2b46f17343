"""Mess that real pages add mechanically, added to training segments by code, reproducibly:
文库 page numbers cutting a sentence, site residue glued to a title, and paragraphs cut
into pieces where a PDF's lines were taken for paragraphs."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from themetag.text.structure import Kind, read_structure
from themetag.training.corpus import Segment

# What document sites glue to a report's title: the contract keeps the title's theme.
TITLE_RESIDUE = (
    ("", ".doc"),
    ("", ".docx"),
    ("", "(精选3篇)"),
    ("", "范文"),
    ("", "VIP免费"),
    ("", " - 文库"),
    ("", "最新版"),
    ("1、", ""),
    ("篇一:", ""),
    ("第一篇:", ""),
)
PAGE_NUMBER_SHARE = 0.15  # of segments of 40 characters or more
SPLIT_SHARE = 0.15  # of segments of 80 characters or more


def augment(segments: Sequence[Segment], seed: int) -> list[Segment]:
    """Extra segments made from `segments` (each keeps its report and label), in a fixed order."""
    rng = np.random.default_rng(seed)
    extra: list[Segment] = []
    by_report: dict[str, list[Segment]] = {}
    for segment in segments:
        by_report.setdefault(segment.doc, []).append(segment)
    for report in by_report.values():
        parts = read_structure([s.text for s in report])
        for segment, part in zip(report, parts, strict=True):
            text = segment.text
            if part.kind == Kind.TITLE:
                prefix, suffix = TITLE_RESIDUE[int(rng.integers(len(TITLE_RESIDUE)))]
                extra.append(_copy(segment, f"{prefix}{text}{suffix}", "title"))
            if len(text) >= 40 and rng.random() < PAGE_NUMBER_SHARE:
                cut = int(rng.integers(10, len(text) - 5))
                number = int(rng.integers(2, 30))
                extra.append(_copy(segment, f"{text[:cut]}{number}、{text[cut:]}", "page"))
            if len(text) >= 80 and rng.random() < SPLIT_SHARE:
                cut = int(rng.integers(25, len(text) - 25))
                extra.append(_copy(segment, text[:cut], "head"))
                extra.append(_copy(segment, text[cut:], "tail"))
    return extra


def _copy(segment: Segment, text: str, how: str) -> Segment:
    return Segment(f"{segment.id}+{how}", segment.doc, text, segment.label)
