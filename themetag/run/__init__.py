"""The run layer: batches of report files, on this machine or a cluster, with a journal."""

from themetag.run.batch import tag_files
from themetag.run.tasks import Profile, ReportResult, SegmentRow

__all__ = ["Profile", "ReportResult", "SegmentRow", "tag_files"]
