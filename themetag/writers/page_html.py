"""The parts of the run's HTML pages: theme colours, labelled profile bars, report headings,
labelled segments, the controls and the script that filters and sorts them and takes a
person's corrections (review mode)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from html import escape
from pathlib import Path

from themetag.api import not_content_themes
from themetag.outputs import PAGE_MARK
from themetag.run import SegmentRow
from themetag.run.review import Context
from themetag.writers.review import REVIEW_COLUMNS
from themetag.writers.tables import Record

# Glasbey's colours (colorcet.glasbey, the first 16) for the content themes, in the order of
# labels.yaml, and two greys for the framing themes. Their closest pair is 18.0 apart in
# CAM02-UCS (6.0 for a deuteranope); the 18 colours they replace were 6.6 apart (1.9).
CONTENT_COLOURS = [
    "#d60000", "#8c3bff", "#018700", "#00acc6", "#97ff00", "#ff7ed1", "#6b004f", "#ffa52f",
    "#573b00", "#005659", "#0000dd", "#00fdcf", "#a17569", "#bcb6ff", "#95b577", "#bf03b8",
]  # fmt: skip
FRAMING_COLOURS = ["#666666", "#c8c8c8"]
# One colour per theme of labels.yaml, in its order (the content themes come first).
PALETTE = [*CONTENT_COLOURS, *FRAMING_COLOURS]
# A part of a bar narrower than this shows no label: its name and share are listed under it.
LABELLED_SHARE = 0.08

STYLE = """
:root{--c:#999;--f:#000;--t:#9992}
body{font-family:"Noto Sans CJK SC","Microsoft YaHei","PingFang SC","WenQuanYi Zen Hei",
sans-serif;margin:0 auto;max-width:1100px;color:#222;line-height:1.7;padding:0 1em 3em}
h1{font-size:1.5em;margin:.8em 0 .2em}h2{font-size:1.15em;margin:2em 0 0}
.meta,.parts{color:#555;font-size:.85em;margin:.2em 0}.error{color:#b00}[hidden]{display:none}
.controls{position:sticky;top:0;z-index:1;background:#fff;border-bottom:1px solid #ddd;
padding:.4em 0;margin:.6em 0;font-size:.85em}.controls label{margin-right:.8em}
.controls input[type=number]{width:4.2em}
.chip,.tag{display:inline-block;padding:0 .45em;border-radius:3px;background:var(--c);
color:var(--f);white-space:nowrap}.chip{margin:0 .3em .3em 0}.chip input{margin:0 .3em 0 0}
.bar{display:flex;height:1.6em;border-radius:3px;overflow:hidden;background:#eee;
font-size:.75em;line-height:1.6em;margin:.3em 0}
.bar div{background:var(--c);color:var(--f);white-space:nowrap;overflow:hidden;
text-overflow:ellipsis;text-indent:.3em}
.swatch{display:inline-block;width:.8em;height:.8em;background:var(--c);border-radius:2px;
margin:0 .25em 0 .6em}
.segment{margin:.25em 0;padding:.2em .5em;border-left:.4em solid var(--c);background:var(--t);
border-radius:2px;white-space:pre-wrap}
.tag{margin-right:.6em;font-size:.8em;line-height:1.7}
.review{outline:1px dashed #777}.review .tag{outline:1px dashed var(--f)}
table{border-collapse:collapse;width:100%;font-size:.9em}
th{text-align:left;border-bottom:1px solid #ccc}td{padding:.3em .4em;vertical-align:top;
border-bottom:1px solid #eee}td .meta{margin:0}.profile{width:55%}
nav a{margin-right:1.2em}
body:not(.reviewing) .tools{display:none}.reviewing .segment{cursor:pointer}
.fixed>.tag:first-child{text-decoration:line-through}
.picker{margin:.1em 0 .6em .4em;padding:.3em .3em 0;border:1px solid #ccc;border-radius:3px}
.picker button{border:0;font:inherit;font-size:.85em;cursor:pointer}
"""

# The state of the controls lives in the query (?theme=a,b&min=…&max=…&review=…&sort=…&mode=…):
# a reload, a bookmark and the links between a large run's pages keep it, and anchors (#r3)
# stay free for jumping to a report. Corrections live in localStorage under the address of the
# run's (index) page: Chromium gives every file: page one origin, so a large run's report pages
# add to one download. Report text only ever reaches the page's DOM as textContent.
SCRIPT = r"""
"use strict";
(() => {
  const all = (selector) => [...document.querySelectorAll(selector)];
  const control = (id) => document.getElementById(id);
  const boxes = all("input.theme");
  const fields = ["min", "max", "review", "sort"].filter(control);
  const state = new URLSearchParams(location.search);
  const collator = new Intl.Collator("zh");
  const mode = control("mode"), clear = control("clear");

  function show() {
    const chosen = state.get("theme")?.split(",");
    for (const box of boxes) box.checked = !chosen || chosen.includes(box.value);
    for (const id of fields) if (state.has(id)) control(id).value = state.get(id);
    mode.checked = state.get("mode") === "review";
  }
  function remember() {
    const on = boxes.filter((box) => box.checked).map((box) => box.value);
    if (on.length < boxes.length) state.set("theme", on.join(","));
    else if (boxes.length) state.delete("theme");
    for (const id of fields) state.set(id, control(id).value);
    if (mode.checked) state.set("mode", "review");
    else state.delete("mode");
  }
  function filter() {
    if (!boxes.length) return;
    const on = new Set(boxes.filter((box) => box.checked).map((box) => box.value));
    const low = Number(control("min").value || 0), high = Number(control("max").value || 1);
    const review = control("review").value, segments = all(".segment");
    let shown = 0;
    for (const segment of segments) {
      const confidence = Number(segment.dataset.confidence);
      const flagged = segment.dataset.review === "1";
      segment.hidden = !(on.has(segment.dataset.theme) && confidence >= low &&
        confidence <= high && (review === "all" || (review === "only") === flagged));
      shown += segment.hidden ? 0 : 1;
    }
    control("shown").textContent = `${shown} of ${segments.length} segments shown`;
  }
  function sort() {
    if (!control("sort")) return;
    const [key, theme] = control("sort").value.split(":");
    const value = {
      order: () => 0,
      name: (item) => item.dataset.name,
      year: (item) => Number(item.dataset.year) || Infinity,
      share: (item) => -(JSON.parse(item.dataset.shares)[theme] || 0),
    }[key];
    if (!value) return;
    const compare = (a, b) => typeof a === "string" ? collator.compare(a, b) : a - b;
    for (const list of all(".reports")) {
      const items = [...list.children].map((item) =>
        [value(item), Number(item.dataset.order), item]);
      items.sort((a, b) => compare(a[0], b[0]) || a[1] - b[1]);
      // Moved only when out of order: one page of 1,500 reports opened in 6.0 s, not 3.4 s,
      // when they were all moved back into the order they were in.
      if (items.some((item, i) => item[2] !== list.children[i])) {
        list.append(...items.map((item) => item[2]));
      }
    }
  }
  function keep() {
    const query = state.toString().replaceAll("%2C", ",");
    for (const link of all("a.keep")) link.search = query;
    const address = (query ? `?${query}` : location.pathname) + location.hash;
    // A browser may refuse to change a file: address; the links keep the state all the same.
    try { history.replaceState(null, "", address); } catch {}
  }
  function apply() {
    filter(); sort(); keep();
    document.body.classList.toggle("reviewing", mode.checked);
    if (!mode.checked) close();
  }
  document.addEventListener("change", (event) => {
    if (event.target.closest(".controls")) { remember(); apply(); }
  });
  document.addEventListener("click", (event) => {
    const every = event.target.dataset?.every;
    if (every === undefined) return;
    for (const box of boxes) box.checked = every === "1";
    remember(); apply();
  });

  const bar = control("corrections");
  const themes = JSON.parse(bar.dataset.themes), columns = JSON.parse(bar.dataset.columns);
  const names = Object.fromEntries(themes.map(([theme, name]) => [theme, name]));
  const classes = Object.fromEntries(themes.map(([theme, , cls]) => [theme, cls]));
  const key = `themetag corrections ${new URL(bar.dataset.index || "", location).pathname}`;
  const text = (segment) => segment.lastChild.textContent;
  const name = (theme) => names[theme] ?? theme;
  let entries = {}, kept = true, picker = null, picked = null;

  function stored() {
    if (!kept) return entries;  // what storage holds is older than what is in memory
    try { return JSON.parse(localStorage.getItem(key)) ?? {}; } catch { kept = false; }
    return entries;
  }
  function store() {
    try {
      if (Object.keys(entries).length) localStorage.setItem(key, JSON.stringify(entries));
      else localStorage.removeItem(key);
      kept = true;
    } catch { kept = false; }
  }
  // A segment's data-row: its number, offsets, the numbers of its heading and neighbours
  // (0 for none) and the model's second and third themes with their probabilities.
  function about(segment) {
    const [number, start, end, heading, previous, next, top2, top2_confidence, top3 = "",
      top3_confidence = ""] = segment.dataset.row.split(" ");
    const section = segment.closest("section");
    return {section, number, start, end, context: [heading, previous, next], top2,
      top2_confidence, top3, top3_confidence, id: JSON.stringify([section.dataset.report, number])};
  }
  function row(segment, correct) {
    const at = about(segment), segments = at.section.querySelectorAll(".segment");
    const [heading, previous, next] = at.context
      .map((number) => number === "0" ? "" : text(segments[number - 1]));
    const theme = segment.dataset.theme;
    return {
      report: at.section.dataset.report, segment: at.number, start: at.start, end: at.end,
      heading, previous, text: text(segment), next, theme, name: name(theme),
      confidence: segment.dataset.confidence, top2: at.top2, top2_name: name(at.top2),
      top2_confidence: at.top2_confidence, top3: at.top3, top3_name: at.top3 && name(at.top3),
      top3_confidence: at.top3_confidence, correct,
    };
  }
  function mark(segment, correct) {
    segment.querySelector(".mark")?.remove();
    segment.classList.remove("fixed", "confirmed");
    if (!correct) return;
    const confirmed = correct === segment.dataset.theme, chip = document.createElement("span");
    segment.classList.add(confirmed ? "confirmed" : "fixed");
    chip.className = `tag mark ${confirmed ? "" : classes[correct] ?? ""}`;
    chip.textContent = confirmed ? "\u2713" : name(correct);
    segment.querySelector(".tag").after(chip);
  }
  function count() {
    const rows = Object.values(entries).map((entry) => entry.row);
    const confirmed = rows.filter((row) => row.correct === row.theme).length;
    control("counted").textContent = `${rows.length - confirmed} corrected, ${confirmed}` +
      ` confirmed${kept ? "" : " (the browser does not keep them: download them now)"}`;
    control("download").disabled = !rows.length;
  }
  function refresh() {
    entries = stored();
    for (const segment of all(".fixed, .confirmed")) mark(segment, "");
    const sections = new Map(all("section").map((section) => [section.dataset.report, section]));
    for (const [id, entry] of Object.entries(entries)) {
      const [report, number] = JSON.parse(id);
      const segment = sections.get(report)?.querySelectorAll(".segment")[number - 1];
      // A page written again over a changed report: the old answer is not this text's.
      if (segment && text(segment) === entry.row.text) mark(segment, entry.row.correct);
    }
    count();
  }
  function correct(segment, theme) {
    const at = about(segment);
    entries = stored();
    if (theme) {
      const order = [Number(at.section.dataset.order), Number(at.number)];
      entries[at.id] = {order, row: row(segment, theme)};
    } else delete entries[at.id];
    store(); mark(segment, theme); count();
  }
  function close() { picker?.remove(); picker = null; }
  function open(segment) {
    close();
    const theme = segment.dataset.theme, at = about(segment);
    const order = new Set([theme, at.top2, at.top3, ...themes.map(([other]) => other)]);
    picker = document.createElement("div");
    picker.className = "picker";
    picked = segment;
    const choice = (label, pick, cls = "") => {
      const button = document.createElement("button");
      Object.assign(button, {type: "button", className: `chip ${cls}`, textContent: label});
      if (pick !== undefined) button.dataset.pick = pick;
      picker.append(button);
    };
    for (const other of order) {
      if (other in names) choice(other === theme ? `\u2713 ${name(other)}` : name(other), other,
        classes[other]);
    }
    if (at.id in entries) choice("undo", "");
    choice("cancel");
    segment.after(picker);
  }
  function cell(value) {
    // As the project's CSV writer: what a spreadsheet would run as a formula gets an apostrophe.
    const guarded = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
    return /[",\r\n]/.test(guarded) ? `"${guarded.replaceAll('"', '""')}"` : guarded;
  }
  function download() {
    const rows = Object.values(stored())
      .sort((a, b) => a.order[0] - b.order[0] || a.order[1] - b.order[1])
      .map((entry) => columns.map((column) => entry.row[column] ?? ""));
    const lines = [columns, ...rows].map((cells) => `${cells.map(cell).join(",")}\r\n`);
    // A BOM, so that Excel reads the Chinese text as UTF-8.
    const blob = new Blob(["\ufeff", ...lines], {type: "text/csv;charset=utf-8"});
    const link = document.createElement("a");
    Object.assign(link, {href: URL.createObjectURL(blob), download: "corrections.csv"});
    document.body.append(link);
    link.click();
    link.remove();
    setTimeout(() => URL.revokeObjectURL(link.href), 60000);  // once the download has begun
  }
  function disarm() { delete clear.dataset.armed; clear.textContent = "clear"; }
  document.addEventListener("click", (event) => {
    if (event.target !== clear) disarm();
    const button = event.target.closest(".picker button");
    if (button) {
      if (button.dataset.pick !== undefined) correct(picked, button.dataset.pick);
      close();
      return;
    }
    const segment = mode.checked && event.target.closest(".segment");
    // Selecting text to copy it is not a click on the segment.
    if (segment && !getSelection().toString()) open(segment);
  });
  document.addEventListener("keydown", (event) => { if (event.key === "Escape") close(); });
  control("download").addEventListener("click", download);
  clear.addEventListener("click", () => {
    if (!clear.dataset.armed) {
      clear.dataset.armed = "1";
      clear.textContent = "clear them all? click again";
      return;
    }
    entries = {};
    store(); refresh(); close(); disarm();
  });
  // Another of the run's pages, open in another tab, changed them.
  addEventListener("storage", (event) => { if (event.key === key) refresh(); });
  show(); apply(); refresh();
})();
"""


def _text_colour(colour: str) -> str:
    """Black or white, whichever contrasts more with `colour` (#rrggbb) by WCAG's formula."""
    channels = [int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    red, green, blue = (
        c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels
    )
    luminance = 0.2126 * red + 0.7152 * green + 0.0722 * blue
    # Above 0.179 black contrasts more than white; each of the 18 reaches 4.7:1 (AA asks 4.5).
    return "#000" if luminance > 0.179 else "#fff"


@dataclass(frozen=True)
class Themes:
    """The model's themes as the page shows them: names, a CSS class each, which are content."""

    names: dict[str, str]
    classes: dict[str, str]
    content: list[str]
    style: str

    @classmethod
    def of(cls, names: dict[str, str]) -> Themes:
        framing = not_content_themes()
        content = [theme for theme in names if theme not in framing]
        framed = [theme for theme in names if theme in framing]
        colours = {
            theme: CONTENT_COLOURS[i % len(CONTENT_COLOURS)] for i, theme in enumerate(content)
        }
        colours |= {
            theme: FRAMING_COLOURS[i % len(FRAMING_COLOURS)] for i, theme in enumerate(framed)
        }
        classes = {theme: f"t{i}" for i, theme in enumerate(names)}
        style = "".join(
            f".{classes[theme]}{{--c:{colour};--f:{_text_colour(colour)};--t:{colour}24}}"
            for theme, colour in colours.items()
        )
        return cls(names, classes, content, style)

    def name(self, theme: str) -> str:
        return self.names.get(theme, theme)


def document(title: str, body: str, themes: Themes) -> str:
    """A whole page: marked as themetag's, so that a later run over its folder passes it over."""
    return (
        f'<!DOCTYPE html><html lang="zh-CN"><head><meta charset="utf-8">{PAGE_MARK}'
        f'<meta name="viewport" content="width=device-width"><title>{escape(title)}</title>'
        f"<style>{STYLE}{themes.style}</style></head><body>{body}"
        f"<script>{SCRIPT}</script></body></html>"
    )


def percent(share: float) -> str:
    """A share as a whole percentage; "<1%" rather than "0%" for a theme that has some."""
    return "<1%" if 0 < share < 0.005 else f"{share:.0%}"


def content_shares(record: Record, themes: Themes) -> dict[str, float]:
    """A profile record's content share per content theme, the themes with none left out."""
    shares = {theme: record[f"{theme}_share"] for theme in themes.content}
    return {theme: share for theme, share in shares.items() if share > 0}


def bar(record: Record, themes: Themes, *, small_parts: bool) -> str:
    """The content's themes as a bar, each wide part labelled with its share and name; with
    `small_parts`, the narrow ones listed under it, and the framing's shares beside them."""
    shares = content_shares(record, themes)
    parts, small = [], []
    for theme, share in shares.items():
        # The share first: where a part is too narrow, the ellipsis cuts the name, not the figure.
        label = f"{percent(share)} {themes.name(theme)}"
        cls = themes.classes.get(theme, "")
        parts.append(
            f'<div class="{cls}" style="width:{share * 100:.2f}%" title="{escape(label)}">'
            f"{escape(label) if share >= LABELLED_SHARE else ''}</div>"
        )
        if share < LABELLED_SHARE:
            small.append(f'<i class="swatch {cls}"></i>{escape(label)}')
    html = f'<div class="bar">{"".join(parts)}</div>'
    if not small_parts:
        return html
    framing = (
        f"outside the bar: {escape(themes.name('boilerplate'))} "
        f"{percent(record['boilerplate_share'])} of all text, "
        f"{escape(themes.name('overview'))} {percent(record['overview_share'])} of the rest"
    )
    return f'{html}<p class="parts">{"".join(small)}{" · " if small else ""}{framing}</p>'


def heading(record: Record) -> str:
    """What a report is called: its title, or its file's name when it gives none."""
    return str(record["title"] or Path(record["report"]).name)


def description(record: Record) -> str:
    """The line under a report's heading: year, issuer and kind, file and size (escaped)."""
    said = [str(record[column]) for column in ("year", "issuer", "kind") if record[column]]
    size = f"{record['segments']:,} segments, {record['characters']:,} characters"
    return escape(" · ".join([*said, record["report"], size]))


def sort_keys(record: Record, number: int, themes: Themes) -> str:
    """The attributes the script sorts a report by (in its list and its section)."""
    shares = json.dumps(content_shares(record, themes), separators=(",", ":"))
    return (
        f'data-order="{number}" data-name="{escape(heading(record))}" '
        f'data-year="{escape(str(record["year"]))}" data-shares="{escape(shares)}"'
    )


def top_themes(record: Record, themes: Themes) -> str:
    """A report's leading content themes, as the profiles table has them, with their shares."""
    return " · ".join(
        f"{escape(themes.name(theme))} {percent(record[f'{theme}_share'])}"
        for theme in str(record["top_themes"]).split()
    )


def segment(row: SegmentRow, themes: Themes, context: Context) -> str:
    """A segment with its theme's name and confidence on it; hovering adds the runner-up.
    `data-row` holds what a correction's row needs (see the script's `about`)."""
    title = (
        f"{row.name} ({row.theme}) 置信度 {row.confidence:.2f}; "
        f"其次 {row.runner_up_name} {row.runner_up_confidence:.2f}"
        + ("; needs review" if row.needs_review else "")
    )
    review = " review" if row.needs_review else ""
    # Numbers, not texts, for the context: the texts are on the page already (each segment's
    # number is its place in the report). The third theme is known when the run kept it.
    numbers = [0 if index is None else index + 1 for index in context]
    third = (row.top[2][0], row.top[2][2]) if len(row.top) > 2 else ()
    fields = (row.segment, row.start, row.end, *numbers, row.runner_up, row.runner_up_confidence)
    return (
        f'<div class="segment {themes.classes.get(row.theme, "")}{review}" '
        f'data-theme="{escape(row.theme)}" data-confidence="{row.confidence}" '
        f'data-review="{int(row.needs_review)}" '
        f'data-row="{escape(" ".join(map(str, (*fields, *third))))}" title="{escape(title)}">'
        f'<span class="tag">{escape(row.name)} {row.confidence:.2f}</span>{escape(row.text)}</div>'
    )


def controls(themes: Themes, *, filters: bool, sorting: bool, index: str = "") -> str:
    """The legend, which with `filters` is also the theme filter, with the confidence and
    review filters; with `sorting`, the order of the reports; then review mode, its
    corrections kept under the address of the run's page (`index`, relative; "" for this)."""
    chips = "".join(
        f'<label class="chip {themes.classes[theme]}">'
        + (
            f'<input type="checkbox" class="theme" value="{escape(theme)}" checked>'
            if filters
            else ""
        )
        + f"{escape(name)}</label>"
        for theme, name in themes.names.items()
    )
    html = f'<div class="controls"><div>{chips}'
    if filters:
        html += (
            '<button type="button" data-every="1">all</button> '
            '<button type="button" data-every="0">none</button></div><div>'
            '<label>confidence <input type="number" id="min" min="0" max="1" step="0.05" '
            'value="0"> to <input type="number" id="max" min="0" max="1" step="0.05" value="1">'
            '</label><label>review <select id="review"><option value="all">all segments</option>'
            '<option value="only">needing review</option><option value="none">not needing '
            'review</option></select></label><span id="shown"></span>'
        )
    if sorting:
        options = "".join(
            f'<option value="share:{escape(theme)}">share of {escape(themes.name(theme))}</option>'
            for theme in themes.content
        )
        html += (
            '</div><div><label>sort reports by <select id="sort"><option value="order">the '
            'order tagged</option><option value="name">name</option><option value="year">year'
            f"</option>{options}</select></label>"
        )
    listed = [[theme, name, themes.classes[theme]] for theme, name in themes.names.items()]
    return (
        f'{html}</div><div id="corrections" data-themes="{escape(_json(listed))}" '
        f'data-columns="{escape(_json(REVIEW_COLUMNS))}" data-index="{escape(index)}">'
        '<label><input type="checkbox" id="mode"> review mode</label><span class="tools">click '
        'a segment to correct its theme · <span id="counted"></span> <button type="button" '
        'id="download">download corrections (CSV)</button> <button type="button" id="clear">'
        "clear</button></span></div></div>"
    )


def _json(value: object) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))
