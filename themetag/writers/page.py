"""The run's HTML page: one self-contained file, theme profiles as bars, segments coloured."""

from __future__ import annotations

from collections.abc import Iterable
from html import escape
from pathlib import Path

from themetag.atomic import atomic
from themetag.outputs import PAGE_MARK
from themetag.paths import readable
from themetag.run import Profile, ReportResult, SegmentRow

# One colour per theme, in the order of labels.yaml; the last two (overview, boilerplate)
# are muted on purpose, as they are not policy themes.
PALETTE = [
    "#c0392b", "#d35400", "#e67e22", "#f1c40f", "#27ae60", "#16a085", "#1abc9c", "#2980b9",
    "#3498db", "#8e44ad", "#9b59b6", "#e84393", "#b71540", "#6d4c41", "#00838f", "#558b2f",
    "#95a5a6", "#cfd8dc",
]  # fmt: skip

STYLE = """
body{font-family:"Noto Sans CJK SC","Microsoft YaHei","PingFang SC",sans-serif;margin:2em auto;
max-width:1100px;color:#222;line-height:1.7;padding:0 1em}
h1{font-size:1.5em}h2{font-size:1.15em;margin-top:2.5em;border-bottom:1px solid #ddd}
.legend span{display:inline-block;margin:0 .8em .3em 0;font-size:.85em}
.swatch{display:inline-block;width:.9em;height:.9em;border-radius:2px;margin-right:.3em;
vertical-align:-.1em}
table{border-collapse:collapse;width:100%;font-size:.9em}
td{padding:.25em .4em;vertical-align:middle}
.bar{display:flex;height:1.1em;width:100%;border-radius:3px;overflow:hidden;background:#eee}
.bar div{height:100%}
.segment{padding:.15em .4em;margin:.2em 0;border-left:.35em solid;border-radius:2px}
.review{outline:1px dashed #888}
.meta{color:#666;font-size:.85em}.error{color:#b00}
"""


def _colours(themes: list[str]) -> dict[str, str]:
    return {theme: PALETTE[i % len(PALETTE)] for i, theme in enumerate(themes)}


def _bar(profile: Profile, colours: dict[str, str]) -> str:
    parts = []
    for share in sorted(profile.shares, key=lambda s: list(colours).index(s.theme)):
        if share.character_share > 0:
            title = escape(f"{share.name} ({share.theme}): {share.character_share:.0%}")
            parts.append(
                f'<div style="width:{share.character_share * 100:.2f}%;'
                f'background:{colours.get(share.theme, "#999")}" title="{title}"></div>'
            )
    return f'<div class="bar">{"".join(parts)}</div>'


def _segment(row: SegmentRow, colour: str) -> str:
    title = (
        f"{row.name} ({row.theme}) 置信度 {row.confidence:.2f}; "
        f"其次 {row.runner_up_name} {row.runner_up_confidence:.2f}"
    )
    review = " review" if row.needs_review else ""
    return (
        f'<div class="segment{review}" style="border-color:{colour};background:{colour}22" '
        f'title="{escape(title)}">{escape(row.text)}</div>'
    )


def write_page(results: Iterable[ReportResult], path: Path, names: dict[str, str]) -> None:
    """Write the page for a run's results (names: theme id -> Chinese name, in theme order)."""
    themes = list(names)
    colours = _colours(themes)
    results = list(results)
    tagged = [(r, r.profile) for r in results if r.profile is not None]
    failed = [r for r in results if r.error is not None]
    segments = sum(profile.segments for _, profile in tagged)
    legend = "".join(
        f'<span><i class="swatch" style="background:{colours[t]}"></i>{escape(names[t])}</span>'
        for t in themes
    )
    summary_rows = "".join(
        f'<tr><td><a href="#r{i}">{escape(readable(r.path))}</a></td><td>{profile.segments}</td>'
        f"<td>{escape(' '.join(s.name for s in profile.shares[:3]))}</td>"
        f"<td style='width:40%'>{_bar(profile, colours)}</td></tr>"
        for i, (r, profile) in enumerate(tagged)
    )
    sections = []
    for i, (result, profile) in enumerate(tagged):
        body = "".join(_segment(row, colours.get(row.theme, "#999")) for row in result.rows)
        sections.append(
            f'<h2 id="r{i}">{escape(readable(result.path))}</h2>'
            f"{_bar(profile, colours)}"
            f'<p class="meta">{profile.segments} segments, {profile.characters} characters; '
            f"hover a segment for its theme and confidence; dashed ones need review.</p>{body}"
        )
    errors = "".join(
        f'<li class="error">{escape(readable(r.path))}: {escape(r.error or "")}</li>'
        for r in failed
    )
    html = (
        f'<!DOCTYPE html><html lang="zh-CN"><head><meta charset="utf-8">{PAGE_MARK}'
        f"<title>themetag: {len(tagged)} reports</title><style>{STYLE}</style></head><body>"
        f"<h1>themetag: {len(tagged)} reports, {segments} segments</h1>"
        f'<div class="legend">{legend}</div>'
        f"<table><tr><th>report</th><th>segments</th><th>top themes</th>"
        f"<th>theme profile (by characters)</th></tr>{summary_rows}</table>"
        + (f"<h2>Not tagged ({len(failed)})</h2><ul>{errors}</ul>" if failed else "")
        + "".join(sections)
        + "</body></html>"
    )
    with atomic(path) as temporary:
        temporary.write_text(html, encoding="utf-8")
