"""themetag: tag segments of Chinese education work reports with policy themes.

from themetag import tag
tag("全面落实学生资助政策，发放助学金120万元")
"""

from themetag.batch import ReportResult, tag_files
from themetag.segment import Span, split_report
from themetag.tagger import (
    ReportTags,
    Tag,
    TaggedSegment,
    ThemeShare,
    load_model,
    tag,
    tag_many,
    tag_report,
)

__all__ = [
    "ReportResult",
    "ReportTags",
    "Span",
    "Tag",
    "TaggedSegment",
    "ThemeShare",
    "load_model",
    "split_report",
    "tag",
    "tag_files",
    "tag_many",
    "tag_report",
]
