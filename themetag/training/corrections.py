"""A person's corrections (`themetag review` sheets, filled in) read, checked and kept as the
user's own labelled data, one JSON Lines file per report in a folder apart from the corpus."""

from __future__ import annotations

import hashlib
import io
import json
import os
import sys
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from themetag.atomic import atomic
from themetag.errors import UnreadableReport
from themetag.labels import Theme
from themetag.readers import clean_text, read_bytes
from themetag.readers.limits import DEFAULT_LIMITS
from themetag.readers.paragraphs import TABLE_SUFFIXES, table_rows
from themetag.readers.word import check_archive
from themetag.training.corpus import PROJECT_ROOT, Segment, corpus_fingerprint, read_jsonl

DEFAULT_USER_CORPUS = PROJECT_ROOT / "corpus" / "user"
SHEET = "review"
# What a review sheet must have; the rest of its columns (heading, previous, next: the
# segment's context; theme: the model's answer) are read when they are there.
REQUIRED = ("report", "segment", "text", "correct")
CONTEXT = ("heading", "previous", "next")
# The CSV writer puts an apostrophe before text that a spreadsheet would run as a formula.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True)
class Correction:
    """One reviewed row: a segment of a report, its context as the sheet showed it, the answer."""

    report: str
    segment: int
    text: str
    label: str
    heading: str
    previous: str
    next: str
    file: str
    row: int
    model_theme: str  # the model's answer in the sheet; "" when the sheet has no theme column

    @property
    def key(self) -> tuple[str, int, str]:
        return self.report, self.segment, self.text


@dataclass(frozen=True)
class Problem:
    """A row (or a whole file, row None) that cannot be added, and why; `theme` when the list
    of themes answers it."""

    file: str
    row: int | None
    message: str
    theme: bool = False

    def __str__(self) -> str:
        where = self.file if self.row is None else f"{self.file}, row {self.row}"
        return f"{where}: {self.message}"


@dataclass(frozen=True)
class Sheet:
    """How many rows a sheet has, how many a person answered, how many were left blank."""

    file: str
    rows: int
    answered: int
    skipped: int


@dataclass(frozen=True)
class Reading:
    """What the sheets hold: the valid corrections (each once, in file and row order), the
    problems, and per sheet its counts; `repeated` counts rows identical to one read before."""

    corrections: list[Correction]
    problems: list[Problem]
    sheets: list[Sheet]
    repeated: int


def theme_lookup(themes: Sequence[Theme]) -> dict[str, str]:
    """Theme id for what a person may write in `correct`: an id (any case) or a Chinese name."""
    lookup = {theme.id.lower(): theme.id for theme in themes}
    lookup.update({theme.name: theme.id for theme in themes})
    return lookup


def theme_list(themes: Sequence[Theme]) -> str:
    """The themes a `correct` cell may name, as one line per theme."""
    return "\n".join(f"  {theme.id:20s} {theme.name}" for theme in themes)


def _xlsx_rows(path: Path) -> list[list[str]]:
    """The rows of the workbook's sheet named `review`, else of its first sheet."""
    from openpyxl import load_workbook

    data = read_bytes(path, DEFAULT_LIMITS)
    try:
        check_archive(data, DEFAULT_LIMITS, kind=".xlsx")
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        sheet = book[SHEET] if SHEET in book.sheetnames else book.worksheets[0]
        return [
            [clean_text("" if value is None else str(value)) for value in values]
            for values in sheet.iter_rows(values_only=True)
        ]
    except UnreadableReport:
        raise
    except Exception as error:  # damaged workbooks fail in many ways
        raise UnreadableReport(f"not a workbook ({type(error).__name__}: {error})") from None


def sheet_rows(path: Path) -> list[list[str]]:
    """The header and rows of a review sheet (.xlsx, .csv or .tsv)."""
    if path.suffix.lower() == ".xlsx":
        return _xlsx_rows(path)
    rows = table_rows(path, DEFAULT_LIMITS)
    return [[_unescaped(cell) for cell in row] for row in rows]


def _unescaped(cell: str) -> str:
    return cell[1:] if cell[:1] == "'" and cell[1:2].startswith(FORMULA_START) else cell


def _segment_number(value: str) -> int | None:
    """A segment number from a cell ("7", or "7.0" from a spreadsheet); None if it is none."""
    try:
        number = float(value)
    except ValueError:
        return None
    return int(number) if number.is_integer() and number >= 1 else None


def read_corrections(paths: Sequence[str | Path], themes: Sequence[Theme]) -> Reading:
    """Read and check filled-in review sheets: every problem with its file and row number."""
    lookup = theme_lookup(themes)
    rows: list[Correction] = []
    problems: list[Problem] = []
    sheets: list[Sheet] = []
    for path in map(Path, paths):
        name = os.fspath(path)
        if path.suffix.lower() not in TABLE_SUFFIXES:
            problems.append(Problem(name, None, "not a review sheet: give a .xlsx, .csv or .tsv"))
            continue
        try:
            table = sheet_rows(path)
        except UnreadableReport as error:
            problems.append(Problem(name, None, f"cannot read it: {error}"))
            continue
        header = [cell.strip().lower() for cell in table[0]] if table else []
        missing = [column for column in REQUIRED if column not in header]
        if missing:
            problems.append(
                Problem(name, None, f"not a review sheet: no column {', '.join(missing)}")
            )
            continue
        found, answered, skipped = _read_rows(name, header, table[1:], lookup, problems)
        rows += found
        sheets.append(Sheet(name, len(table) - 1, answered, skipped))
    corrections, repeated = _consistent(rows, problems)
    return Reading(corrections, problems, sheets, repeated)


def _read_rows(
    name: str,
    header: list[str],
    table: list[list[str]],
    lookup: dict[str, str],
    problems: list[Problem],
) -> tuple[list[Correction], int, int]:
    """A sheet's answered rows that are valid, how many were answered, how many left blank."""
    found, answered, skipped = [], 0, 0
    for number, cells in enumerate(table, 2):  # row 1 is the header, as a spreadsheet counts
        value = dict(zip(header, (cell.strip() for cell in cells), strict=False))
        correct = value.get("correct", "")
        if not correct:
            skipped += 1
            continue
        answered += 1
        wrong = []
        label = lookup.get(correct) or lookup.get(correct.lower())
        if label is None:
            problems.append(
                Problem(name, number, f"correct {correct!r} is not a theme id or name", True)
            )
        segment = _segment_number(value.get("segment", ""))
        if segment is None:
            wrong.append(f"segment {value.get('segment', '')!r} is not a number from 1")
        if not value.get("report"):
            wrong.append("no report")
        if not value.get("text"):
            wrong.append("no text")
        problems += [Problem(name, number, message) for message in wrong]
        if label is None or segment is None or wrong:
            continue
        found.append(
            Correction(
                report=value["report"],
                segment=segment,
                text=value["text"],
                label=label,
                heading=value.get("heading", ""),
                previous=value.get("previous", ""),
                next=value.get("next", ""),
                file=name,
                row=number,
                model_theme=value.get("theme", ""),
            )
        )
    return found, answered, skipped


def _consistent(rows: list[Correction], problems: list[Problem]) -> tuple[list[Correction], int]:
    """Each correction once; two answers for one segment, or two texts at one place of a
    report, are problems at every row concerned."""
    by_place: dict[tuple[str, int], list[Correction]] = defaultdict(list)
    for row in rows:
        by_place[row.report, row.segment].append(row)
    kept, repeated = [], 0
    for (report, segment), group in by_place.items():
        if len({row.text for row in group}) > 1:
            where = ", ".join(f"{row.file} row {row.row}" for row in group)
            message = f"segment {segment} of {report} has different texts ({where}): was the"
            problems += [
                Problem(row.file, row.row, f"{message} report changed between reviews?")
                for row in group
            ]
        elif len({row.label for row in group}) > 1:
            where = ", ".join(f"{row.file} row {row.row}: {row.label}" for row in group)
            problems += [
                Problem(row.file, row.row, f"contradictory answers for one segment ({where})")
                for row in group
            ]
        else:
            kept.append(group[0])
            repeated += len(group) - 1
    kept.sort(key=lambda row: (row.file, row.row))
    return kept, repeated


def report_doc(report: str) -> str:
    """The corpus `doc` of a report named by its path: stable, and safe as a file name."""
    return "u" + hashlib.sha256(report.encode("utf-8", "surrogatepass")).hexdigest()[:12]


@dataclass
class Added:
    """What the sheets add to the user folder: rows new, rows whose answer changed (with the
    answer they had), rows already there unchanged, the sheets, and the problems met."""

    sheets: list[Sheet]
    new: list[Correction] = field(default_factory=list)
    changed: list[tuple[Correction, str]] = field(default_factory=list)
    unchanged: int = 0
    problems: list[Problem] = field(default_factory=list)

    @property
    def labels_before(self) -> dict[str, str]:
        """For each segment this addition touched (by corpus id), its answer before: "" for
        one that was not there."""
        before = {segment_id(row): "" for row in self.new}
        before.update({segment_id(row): label for row, label in self.changed})
        return before


def segment_id(row: Correction) -> str:
    return f"{report_doc(row.report)}-{row.segment:04d}"


def _stored(folder: Path) -> dict[str, list[dict]]:
    """The user folder's rows, by report doc."""
    if not folder.is_dir():
        return {}
    return {path.stem: read_jsonl(path) for path in sorted(folder.glob("*.jsonl"))}


def plan_additions(reading: Reading, folder: Path) -> Added:
    """Compare the sheets' corrections with the folder's: new, answer changed, already there,
    or a different text at a place of a report that the folder holds (a problem)."""
    stored = _stored(folder)
    added = Added(reading.sheets, problems=list(reading.problems))
    added.problems += [
        Problem(sheet.file, None, "no row has an answer in column correct")
        for sheet in reading.sheets
        if not sheet.answered
    ]
    for row in reading.corrections:
        match = next(
            (
                old
                for old in stored.get(report_doc(row.report), [])
                if old["segment"] == row.segment
            ),
            None,
        )
        if match is None:
            added.new.append(row)
        elif match["text"] != row.text:
            source = match.get("correction", {})
            added.problems.append(
                Problem(row.file, row.row, f"segment {row.segment} of {row.report} has another"
                        f" text in {folder} (from {source.get('file')} row {source.get('row')}):"
                        " was the report changed? remove that row to start it afresh")
            )  # fmt: skip
        elif match["label"] != row.label:
            added.changed.append((row, match["label"]))
        else:
            added.unchanged += 1
    return added


def corpus_row(row: Correction, date: str) -> dict:
    """A correction as a row of the user folder, in the corpus's JSON Lines format."""
    doc = report_doc(row.report)
    return {
        "id": segment_id(row),
        "doc": doc,
        "text": row.text,
        "label": row.label,
        "segment": row.segment,
        "report": row.report,
        "heading": row.heading,
        "previous": row.previous,
        "next": row.next,
        "correction": {"file": row.file, "row": row.row, "date": date},
    }


def write_additions(added: Added, folder: Path, date: str) -> list[Path]:
    """Write the new and changed corrections into the folder, each report's rows in reading
    order; files that nothing changed are left as they are. Returns the files written."""
    stored = _stored(folder)
    touched: dict[str, dict[int, dict]] = defaultdict(dict)
    for row in [*added.new, *(row for row, _ in added.changed)]:
        doc = report_doc(row.report)
        if doc not in touched:
            touched[doc] = {old["segment"]: old for old in stored.get(doc, [])}
        touched[doc][row.segment] = corpus_row(row, date)
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for doc, rows in touched.items():
        path = folder / f"{doc}.jsonl"
        lines = [json.dumps(rows[n], ensure_ascii=False) + "\n" for n in sorted(rows)]
        with atomic(path) as temporary:
            temporary.write_text("".join(lines), encoding="utf-8")
        written.append(path)
    return written


@dataclass(frozen=True)
class Excerpt:
    """A stretch of a user's report as far as its sheets show it, in reading order: indices
    into UserCorpus.segments, and whether each place is a correction read here (a heading
    placed before a stretch for context, or a neighbour, is not)."""

    doc: str
    indices: tuple[int, ...]
    counted: tuple[bool, ...]


@dataclass(frozen=True)
class UserCorpus:
    """The user folder, ready to train on: the corrections (labelled), then the unlabelled
    context the sheets showed (label ""), and the excerpts that read them in order."""

    segments: list[Segment]
    labelled: int
    excerpts: list[Excerpt]
    rows: list[dict]

    @property
    def corrections(self) -> list[Segment]:
        return self.segments[: self.labelled]

    @property
    def context(self) -> list[Segment]:
        return self.segments[self.labelled :]


def load_user_corpus(folder: Path) -> UserCorpus | None:
    """The corrections kept in a folder, with their reports' context rebuilt; None if none."""
    stored = _stored(folder)
    rows = [row for doc_rows in stored.values() for row in doc_rows]
    if not rows:
        return None
    for path, doc_rows in stored.items():
        for number, row in enumerate(doc_rows, 1):
            if not all(isinstance(row.get(k), t) for k, t in _FIELDS.items()):
                raise ValueError(f"{folder / path}.jsonl: row {number} is not a correction")
    labelled = [
        Segment(row["id"], row["doc"], row["text"], row["label"])
        for doc_rows in stored.values()
        for row in sorted(doc_rows, key=lambda row: row["segment"])
    ]
    context: list[Segment] = []
    excerpts: list[Excerpt] = []
    start = 0
    for doc_rows in stored.values():
        ordered = sorted(doc_rows, key=lambda row: row["segment"])
        excerpts += _excerpts(ordered, start, len(labelled), context)
        start += len(ordered)
    return UserCorpus(labelled + context, len(labelled), excerpts, rows)


_FIELDS = {"id": str, "doc": str, "text": str, "label": str, "segment": int}


def _excerpts(rows: list[dict], start: int, offset: int, context: list[Segment]) -> list[Excerpt]:
    """One report's corrections (in reading order, the first at index `start`) with the
    neighbours their rows show, cut into runs of consecutive segments; a run's heading, when
    the sheet gave one outside the run, is placed before it. Context segments are appended to
    `context`, their indices counted from `offset`."""
    doc = rows[0]["doc"]
    places: dict[int, int] = {row["segment"]: start + i for i, row in enumerate(rows)}
    texts: dict[str, int] = {row["text"]: places[row["segment"]] for row in rows}

    def context_index(text: str, name: str) -> int:
        if text not in texts:
            texts[text] = offset + len(context)
            context.append(Segment(f"{doc}-{name}", doc, text, ""))
        return texts[text]

    for row in rows:
        for side, step in (("previous", -1), ("next", 1)):
            place = row["segment"] + step
            if row.get(side) and place >= 1 and place not in places:
                places[place] = context_index(row[side], f"{place:04d}")
    headings = {row["segment"]: row.get("heading") or "" for row in rows}
    corrected = set(headings)
    runs: list[list[int]] = []
    for place in sorted(places):
        if runs and runs[-1][-1] == place - 1:
            runs[-1].append(place)
        else:
            runs.append([place])
    excerpts = []
    for run in runs:
        indices = [places[place] for place in run]
        counted = [place in corrected for place in run]
        heading = next((headings[p] for p in run if p in corrected and headings[p]), "")
        inside = {context[i - offset].text if i >= offset else rows[i - start]["text"]
                  for i in indices}  # fmt: skip
        if heading and heading not in inside:
            indices.insert(0, context_index(heading, f"h{run[0]:04d}"))
            counted.insert(0, False)
        excerpts.append(Excerpt(doc, tuple(indices), tuple(counted)))
    return excerpts


def sources(rows: Sequence[dict]) -> dict[str, int]:
    """Each sheet the folder's corrections came from, with how many rows it gave."""
    return dict(sorted(Counter(row.get("correction", {}).get("file", "?") for row in rows).items()))


def add_sheets(
    paths: Sequence[Path], folder: Path, themes: Sequence[Theme], *, skip_bad: bool, date: str
) -> Added | None:
    """Read the sheets and print what they hold and every problem; unless a problem stops it
    (without `skip_bad`: None, nothing written), write their new and changed answers into
    the folder."""
    reading = read_corrections(paths, themes)
    added = plan_additions(reading, folder)
    for problem in added.problems:
        print(f"themetag train: {problem}", file=sys.stderr)
    if any(problem.theme for problem in added.problems):
        print(f"themetag train: correct takes one of\n{theme_list(themes)}", file=sys.stderr)
    for sheet in reading.sheets:
        print(
            f"{sheet.file}: {sheet.rows} rows, {sheet.answered} answered,"
            f" {sheet.skipped} not reviewed (correct left blank: skipped)"
        )
    if reading.repeated:
        print(f"{reading.repeated} rows repeat another row of the sheets: counted once")
    bad = len({(p.file, p.row) for p in added.problems})
    if added.problems and not skip_bad:
        print(
            f"themetag train: {len(added.problems)} problems in {bad} rows or files: nothing"
            " added and nothing trained; correct them, or give --skip-bad to add the other rows",
            file=sys.stderr,
        )
        return None
    write_additions(added, folder, date)
    rows = [*added.new, *(row for row, _ in added.changed)]
    confirmed = sum(row.label == row.model_theme for row in rows)
    print(
        f"added to {folder}: {len(added.new)} new, {len(added.changed)} changed answers,"
        f" {added.unchanged} already there"
        + (f"; {bad} rows or files with problems left out" if added.problems else "")
    )
    if any(row.model_theme for row in rows):
        print(f"  of them {confirmed} confirm the model's theme, {len(rows) - confirmed} change it")
    for row, old in added.changed:
        where = f"{row.file} row {row.row}"
        print(f"  {row.report}, segment {row.segment}: {old} -> {row.label} ({where})")
    return added


def addition_card(added: Added, names: dict[str, str]) -> dict:
    """What a model card says of the corrections one run added: sheets, rows, themes, and a
    fingerprint of the rows."""
    rows = [*added.new, *(row for row, _ in added.changed)]
    counts = Counter(row.label for row in rows)
    return {
        "files": {
            sheet.file: {"rows": sheet.rows, "answered": sheet.answered, "skipped": sheet.skipped}
            for sheet in added.sheets
        },
        "new": len(added.new),
        "changed": len(added.changed),
        "unchanged": added.unchanged,
        "per_theme": {theme: counts[theme] for theme in names if counts[theme]},
        "fingerprint": corpus_fingerprint(
            [Segment(segment_id(row), report_doc(row.report), row.text, row.label) for row in rows]
        ),
    }
