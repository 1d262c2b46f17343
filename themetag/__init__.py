"""themetag: tag segments of Chinese education work reports with policy themes.

from themetag import tag
tag("全面落实学生资助政策，发放助学金120万元")
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from themetag.api import (
    ReportTags,
    Tag,
    TaggedSegment,
    ThemeShare,
    load_model,
    tag,
    tag_many,
    tag_report,
)
from themetag.errors import ThemetagError
from themetag.text.segment import Span, split_report

if TYPE_CHECKING:
    from themetag.run import ReportResult, tag_files

__all__ = [
    "ReportResult",
    "ReportTags",
    "Span",
    "Tag",
    "TaggedSegment",
    "ThemeShare",
    "ThemetagError",
    "load_model",
    "split_report",
    "tag",
    "tag_files",
    "tag_many",
    "tag_report",
]


def __getattr__(name: str) -> Any:
    # The batch layer (readers, joblib, dask) is loaded only by those who tag files.
    if name in ("tag_files", "ReportResult"):
        import themetag.run

        return getattr(themetag.run, name)
    raise AttributeError(f"module 'themetag' has no attribute {name!r}")
