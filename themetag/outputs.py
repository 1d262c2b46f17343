"""The mark themetag leaves in the pages it writes, by which a later run passes them over
instead of tagging its own output as a report."""

from __future__ import annotations

PAGE_MARK = '<meta name="generator" content="themetag">'
# The mark comes right after the charset declaration: a page's first bytes are enough.
PAGE_HEAD_BYTES = 512
