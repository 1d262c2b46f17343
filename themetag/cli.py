"""The command line: `themetag tag PATH...` and `themetag train`."""

from __future__ import annotations

import argparse
import json
import os
import shlex
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from importlib.metadata import version
from pathlib import Path
from typing import TYPE_CHECKING

from tqdm import tqdm

from themetag.api import load_model
from themetag.errors import Interrupted, ThemetagError, UnreadableReport, UsageError
from themetag.model import ThemeModel
from themetag.paths import readable
from themetag.readers import Found, Limits, PassedOver, find_reports, read_stream
from themetag.readers.limits import byte_count
from themetag.readers.manifest import Manifest, read_manifest
from themetag.readers.ocr import ocr_missing
from themetag.readers.paragraphs import TABLE_SUFFIXES
from themetag.run import ReportResult, tag_files
from themetag.run.cluster import connect
from themetag.run.evaluate import describe, read_labelled, score
from themetag.run.journal import Journal, run_key
from themetag.run.lock import OutputLock
from themetag.run.paragraphs import tag_paragraph_tables
from themetag.run.review import review_files
from themetag.run.tasks import SegmentRows, tag_texts
from themetag.writers.page import (
    ONE_PAGE_REPORTS,
    check_report_folder,
    report_folder,
    write_page,
)
from themetag.writers.review import write_review
from themetag.writers.tables import (
    ERROR_COLUMNS,
    FORMATS,
    OutputPaths,
    error_record,
    profile_columns,
    profile_record,
    run_tables,
    segment_columns,
    segment_records,
    segment_values,
    write_csv,
)

if TYPE_CHECKING:
    from distributed import Client


def _format(args: argparse.Namespace) -> str:
    suffix = args.output.suffix.lower().lstrip(".") if args.output else ""
    if args.format is None and suffix and suffix not in FORMATS:
        raise UsageError(
            f"cannot write {args.output}: .{suffix} is not an output format"
            f" ({', '.join(FORMATS)}); name the file so or add --format"
        )
    fmt: str = args.format or suffix or "jsonl"
    if args.output is None and fmt != "jsonl":
        raise UsageError(f"--format {fmt} needs an output file: add -o FILE")
    if args.resume and args.output is None:
        raise UsageError("--resume needs the -o FILE of the interrupted run")
    if args.jobs < 1:
        raise UsageError("--jobs must be 1 or more")
    args.parallel_from = byte_count(args.parallel_from, "--parallel-from")
    if args.top < 0:
        raise UsageError("--top must be 0 or more")
    if args.scheduler and args.jobs > 1:
        raise UsageError("--jobs is for this machine; with --scheduler the cluster's workers tag")
    if args.paths.count(STDIN) > 1:
        raise UsageError("standard input (-) can be read once")
    if args.report_column and not args.text_column:
        raise UsageError("--report-column needs --text-column, the column the paragraphs are in")
    if args.text_column:
        _check_tables(args)
    for target in [args.output, args.html]:
        if target is not None:
            folder = target.parent if str(target.parent) else Path(".")
            if not folder.is_dir():
                raise UsageError(f"cannot write {target}: folder {folder} does not exist")
            if not os.access(folder, os.W_OK):
                raise UsageError(f"cannot write {target}: folder {folder} is not writable")
            if target.is_dir():
                raise UsageError(f"cannot write {target}: it is a folder, not a file")
    return fmt


def _check_tables(args: argparse.Namespace) -> None:
    if args.jobs > 1 or args.scheduler:
        raise UsageError(
            "tables of paragraphs are tagged in this process: leave out --jobs/--scheduler"
        )
    for path in args.paths:
        if path == STDIN or path.suffix.lower() not in TABLE_SUFFIXES or path.is_dir():
            raise UsageError(
                f"--text-column reads tables of paragraphs ({', '.join(TABLE_SUFFIXES)}) named"
                f" one by one: {path} is not one"
            )


def write_outputs(
    journal: Journal,
    output: Path,
    fmt: str,
    themes: list[str],
    passed_over: list[PassedOver],
    manifest: Manifest,
) -> list[Path]:
    """The segments, profiles and (if any) errors tables, streamed from the journal in one
    pass; the errors table also names each file passed over in the folders, with its reason."""
    paths = OutputPaths.of(output, fmt)
    profile_names = profile_columns(themes, manifest.columns)
    row_columns = segment_columns(journal.carried, journal.top)
    failed = []
    with run_tables(paths, fmt, row_columns, profile_names) as (segments, profiles):
        # A line at a time: a huge report's rows come in pieces, its profile with the last.
        for result, _ in journal.pieces():
            if result.error:
                failed.append(error_record(result.path, result.error))
            if result.rows:
                segments(segment_values(SegmentRows.of_rows(result.path, result.rows), row_columns))
            if result.profile:
                record = profile_record(result.profile, themes, manifest.values_for(result.path))
                profiles([[record.get(column) for column in profile_names]])
    written = list(dict.fromkeys([paths.segments, paths.profiles]))
    failed += [error_record(str(p.path), f"not read: {p.reason}") for p in passed_over]
    if failed:
        write_csv(failed, paths.errors, ERROR_COLUMNS)
        written.append(paths.errors)
    else:
        paths.errors.unlink(missing_ok=True)  # a stale list from an earlier run would mislead
    return written


def _resume_hint(journal: Journal, argv: list[str]) -> str:
    again = argv if "--resume" in argv else [*argv, "--resume"]
    return (
        f"interrupted; the finished reports are kept in {journal.path}:"
        f" run `themetag {shlex.join(again)}` to go on"
    )


def _check_outputs(args: argparse.Namespace, fmt: str, reports: list[Path]) -> None:
    """Refuse outputs that would destroy an input, a device or another output."""
    tables = []
    if args.output:
        paths = OutputPaths.of(args.output, fmt)
        tables = [paths.segments, paths.profiles, paths.errors]
        tables += [Path(f"{args.output}.journal"), Path(f"{args.output}.lock")]
    inputs = {path.resolve() for path in reports}
    for target in [*tables, *([args.html] if args.html else [])]:
        if target.is_symlink() or (target.exists() and not target.is_file()):
            raise UsageError(
                f"cannot write {target}: it is not a regular file (a link, a device or a"
                " folder), and themetag does not write through one"
            )
        if target.resolve() in inputs:
            raise UsageError(f"cannot write {target}: it is one of the reports being tagged")
    if args.html and args.html.resolve() in {t.resolve() for t in tables}:
        raise UsageError(f"--html {args.html} is where the tables go: give the page its own name")
    if args.html and len(reports) > ONE_PAGE_REPORTS:
        # Known to need its folder of report pages: refused now, not after the tagging.
        check_report_folder(args.html)


@dataclass(frozen=True)
class _Job:
    """One `themetag tag` run, its options checked: what to read and how to write it."""

    args: argparse.Namespace
    fmt: str
    limits: Limits
    model: ThemeModel
    client: Client | None
    argv: list[str]
    # The report piped to standard input (`-`), read before anything else: bytes as given.
    stdin: bytes | None
    manifest: Manifest


STDIN = Path("-")


def _run(job: _Job) -> int:
    args = job.args
    paths = [path for path in args.paths if path != STDIN]
    # Table files are checked by name in _format; report files and folders are looked into.
    found = Found(reports=paths) if args.text_column else find_reports(paths)
    if job.stdin is not None:
        found.reports.insert(0, STDIN)
    if found.passed_over and not args.quiet:
        print(_passed_over_note(found.passed_over), file=sys.stderr)
    if not found.reports:
        print(
            f"themetag tag: no report files found in {' '.join(map(str, args.paths))}",
            file=sys.stderr,
        )
        return 1
    _check_outputs(args, job.fmt, [path for path in found.reports if path != STDIN])
    if not args.output:
        return _tag_and_write(job, found)
    with OutputLock(args.output, "themetag " + shlex.join(job.argv)):
        return _tag_and_write(job, found)


def _results(job: _Job, remaining: list[Path], done: set[str]) -> Iterator[ReportResult]:
    """The results of the reports not done yet, in order: standard input's first."""
    if STDIN in remaining and job.stdin is not None:
        result = ReportResult(str(STDIN))
        try:
            text = read_stream(job.stdin, limits=job.limits)
            tag_texts([(result, text)], job.model, top=job.args.top)
        except UnreadableReport as error:
            result.error = str(error)
        yield result
    files = [path for path in remaining if path != STDIN]
    if job.args.text_column:
        yield from tag_paragraph_tables(
            files,
            text_column=job.args.text_column,
            report_column=job.args.report_column,
            model=job.model,
            limits=job.limits,
            done=done,
            top=job.args.top,
        )
    else:
        yield from tag_files(
            files,
            jobs=job.args.jobs,
            model=job.model,
            client=job.client,
            limits=job.limits,
            top=job.args.top,
            parallel_from=job.args.parallel_from,
        )


# Names shown per reason in the note; the errors file lists them all.
NAMES_SHOWN = 3


def _passed_over_note(passed_over: list[PassedOver]) -> str:
    """One line per reason, with a few of the names: what in the folders is not read."""
    by_reason: dict[str, list[str]] = {}
    for item in passed_over:
        by_reason.setdefault(item.reason, []).append(readable(item.path))
    lines = [f"themetag tag: passed over {len(passed_over)} of what the folders hold:"]
    for reason, names in by_reason.items():
        more = f" and {len(names) - NAMES_SHOWN} more" if len(names) > NAMES_SHOWN else ""
        lines.append(f"  {len(names)} {reason}: {', '.join(names[:NAMES_SHOWN])}{more}")
    return "\n".join(lines)


def _tag_and_write(job: _Job, found: Found) -> int:
    args, model = job.args, job.model
    started = time.perf_counter()
    reports = found.reports
    journal = None
    done: set[str] = set()
    if args.output:
        journal = Journal(Path(f"{args.output}.journal"), run_key(reports, model.card_digest))
        done = journal.start(args.resume)
    remaining = [path for path in reports if str(path) not in done]
    progress = tqdm(
        # A table holds as many reports as its report column has values: known when read.
        total=None if args.text_column else len(reports),
        initial=len(done) if args.text_column else len(reports) - len(remaining),
        unit="report",
        file=sys.stderr,
        disable=args.quiet or not sys.stderr.isatty(),
    )
    kept: list[ReportResult] = []
    try:
        for result in _results(job, remaining, done):
            if journal:
                journal.append(result)
            else:
                rows = SegmentRows.of_rows(result.path, result.rows)
                sys.stdout.writelines(
                    json.dumps(record, ensure_ascii=False) + "\n"
                    for record in segment_records(rows)
                )
                # Without a journal, only what the page or the summary needs is kept.
                if not args.html:
                    result = ReportResult(result.path, [], result.profile, result.error)
                kept.append(result)
            progress.update()
    except KeyboardInterrupt:
        progress.close()
        raise Interrupted(_resume_hint(journal, job.argv) if journal else "interrupted") from None
    progress.close()

    themes = list(model.names)
    written = (
        write_outputs(journal, args.output, job.fmt, themes, found.passed_over, job.manifest)
        if journal
        else []
    )
    if args.html:
        done_results = journal.results() if journal else iter(kept)
        write_page(done_results, args.html, model.names, supplied=job.manifest.values_for)
        written.append(args.html)
        if report_folder(args.html).is_dir():
            written.append(report_folder(args.html))
    tagged = segments = 0
    failures = []
    # Each report's last line holds its profile or error, all the summary needs.
    finished = (piece for piece, more in journal.pieces() if not more) if journal else kept
    for result in finished:
        if result.profile is None:
            failures.append(result)
        else:
            tagged += 1
            segments += result.profile.segments
    if journal:
        journal.remove()
    for failure in failures:
        print(
            f"themetag tag: could not tag {readable(failure.path)}: {failure.error}",
            file=sys.stderr,
        )
    if not args.quiet:
        print(
            f"themetag tag: {tagged} reports tagged, {segments} segments, {len(failures)} failed,"
            f" in {time.perf_counter() - started:.1f} s",
            file=sys.stderr,
        )
        for path in written:
            print(f"  wrote {path}", file=sys.stderr)
    return 1 if failures else 0


def _tag_command(args: argparse.Namespace, argv: list[str]) -> int:
    try:
        fmt = _format(args)
        limits = Limits(ocr=args.ocr).with_options(args.limit)
        if args.ocr and (missing := ocr_missing()):
            raise UsageError(f"--ocr cannot run: {missing}")
        # Read first, whole: the text piped in is there once, and a later error must not lose it.
        stdin = sys.stdin.buffer.read(limits.max_file_bytes + 1) if STDIN in args.paths else None
        manifest = read_manifest(args.meta, limits=limits) if args.meta else Manifest()
        model = load_model(args.model)
        if not args.scheduler:
            return _run(_Job(args, fmt, limits, model, None, argv, stdin, manifest))
        with connect(args.scheduler) as client:
            return _run(_Job(args, fmt, limits, model, client, argv, stdin, manifest))
    except ThemetagError as error:
        print(f"themetag tag: {error}", file=sys.stderr)
        return error.exit_code
    except KeyboardInterrupt:
        print("themetag tag: interrupted", file=sys.stderr)
        return Interrupted.exit_code
    except OSError as error:
        print(f"themetag tag: cannot write output: {error}", file=sys.stderr)
        return 2


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="themetag", description="Tag education work reports.")
    parser.add_argument("--version", action="version", version=f"themetag {version('themetag')}")
    commands = parser.add_subparsers(dest="command", required=True)
    tag = commands.add_parser(
        "tag",
        help="tag reports (txt, docx, pdf, html; files or folders)",
        description="Tag reports: one row per segment, plus a theme profile per report.",
    )
    tag.add_argument(
        "paths", nargs="+", type=Path, metavar="PATH", help="files or folders; - reads stdin"
    )
    tag.add_argument(
        "-o", "--output", type=Path, help="output file: .jsonl, .csv or .xlsx (default: stdout)"
    )
    tag.add_argument("--format", choices=FORMATS, help="output format (default: from -o suffix)")
    tag.add_argument("--jobs", type=int, default=1, help="reports tagged in parallel (processes)")
    tag.add_argument(
        "--parallel-from",
        default="8MiB",
        metavar="SIZE",
        help="with --jobs, start worker processes only for this much report data or more,"
        " as 8MiB (default): a smaller run is done sooner in one process; 0 always starts them",
    )
    tag.add_argument(
        "--scheduler",
        metavar="ADDRESS",
        help="run on a dask.distributed cluster (tcp://host:8786), or local:N for N local workers",
    )
    tag.add_argument("--resume", action="store_true", help="continue an interrupted run of -o")
    tag.add_argument("--html", type=Path, metavar="PAGE", help="also write an HTML page to look at")
    tag.add_argument("--model", type=Path, help="model directory (default: the shipped model)")
    tag.add_argument(
        "--limit",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="raise or lower a reader limit, as max_file_bytes=300MiB (see README, Limits)",
    )
    tag.add_argument(
        "--top",
        type=int,
        default=0,
        metavar="K",
        help="also write each segment's K best themes with their probabilities",
    )
    tag.add_argument(
        "--meta",
        type=Path,
        metavar="MANIFEST",
        help="a .csv/.xlsx with a path column: its title, year, issuer, level, kind columns"
        " replace what is read from each report, and its other columns are added",
    )
    tag.add_argument(
        "--ocr",
        action="store_true",
        help="read PDF pages without a text layer (scans) with Tesseract OCR",
    )
    tag.add_argument(
        "--text-column",
        metavar="NAME",
        help="read .csv/.tsv/.xlsx tables of paragraphs, one a row, from this column;"
        " every other column goes through to the output",
    )
    tag.add_argument(
        "--report-column",
        metavar="NAME",
        help="with --text-column: rows with the same value here are one report, read in context",
    )
    tag.add_argument("-q", "--quiet", action="store_true", help="no progress bar or summary")
    evaluate = commands.add_parser(
        "evaluate",
        help="score the model on your own labelled segments",
        description="Accuracy, macro-F1, per-theme scores, confusions and calibration of the"
        " model on labelled segments (.jsonl, .csv, .tsv or .xlsx; labels as theme ids or"
        " Chinese names); in context when a report column groups them.",
    )
    evaluate.add_argument("labelled", type=Path, metavar="LABELLED")
    evaluate.add_argument("--text-column", default="text", metavar="NAME")
    evaluate.add_argument("--label-column", default="label", metavar="NAME")
    evaluate.add_argument(
        "--report-column",
        metavar="NAME",
        help="rows with the same value are one report, in reading order: tagged in context",
    )
    evaluate.add_argument("--model", type=Path, help="model directory (default: the shipped one)")
    comparing = commands.add_parser(
        "compare",
        help="theme shares per group of reports, as tables and charts",
        description="Compare the reports of a profiles table (OUT.profiles.csv, .jsonl, or the"
        " profiles sheet of OUT.xlsx): theme shares per group, a CSV, an Excel workbook with"
        " native charts and a heatmap, and PNG/SVG charts (with matplotlib).",
    )
    comparing.add_argument("profiles", type=Path, metavar="PROFILES")
    comparing.add_argument(
        "--by", metavar="COLUMN", help="group by year, level, kind, issuer or a manifest column"
    )
    comparing.add_argument(
        "--measure",
        choices=("expected", "characters", "segments"),
        default="expected",
        help="which share of content: expected (default, the steadier), characters, segments",
    )
    comparing.add_argument(
        "-o", "--output", type=Path, metavar="BASE", help="BASE.csv, BASE.xlsx … or a folder"
    )
    review = commands.add_parser(
        "review",
        help="choose the segments whose correction would teach the model most",
        description="Tag reports in context and write the BUDGET segments most worth a"
        " person's check (uncertain first, spread over reports and themes) to a sheet with"
        " their context and a `correct` column to fill; then `themetag train --add SHEET`.",
    )
    review.add_argument("paths", nargs="+", type=Path, metavar="PATH", help="files or folders")
    review.add_argument("--budget", type=int, required=True, metavar="N", help="segments to pick")
    review.add_argument(
        "-o", "--output", type=Path, required=True, help="the sheet: .xlsx, or .csv"
    )
    review.add_argument("--model", type=Path, help="model directory (default: the shipped one)")
    commands.add_parser("train", help="train the model (same as python train.py)", add_help=False)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Entry point of the `themetag` console script."""
    argv = sys.argv[1:] if argv is None else list(argv)
    parser = build_parser()
    args, rest = parser.parse_known_args(argv)
    if args.command == "train":
        try:
            from themetag.training.train import main as train_main
        except ImportError as error:
            print(f"themetag train: {error}: pip install 'themetag[train]'", file=sys.stderr)
            return 2
        return train_main(rest)
    if rest:
        parser.error(f"unrecognized arguments: {' '.join(rest)}")
    if args.command == "evaluate":
        return _evaluate_command(args)
    if args.command == "review":
        return _review_command(args)
    if args.command == "compare":
        return _compare_command(args)
    return _tag_command(args, argv)


def _compare_command(args: argparse.Namespace) -> int:
    from themetag.writers.compare import (  # matplotlib and charts, for this command alone
        compare,
        comparison_base,
        read_profiles,
        write_comparison,
    )

    try:
        table = read_profiles(args.profiles)
        comparison = compare(table, by=args.by, measure=args.measure)
        files = write_comparison(comparison, args.output or comparison_base(args.profiles, args.by))
    except ThemetagError as error:
        print(f"themetag compare: {error}", file=sys.stderr)
        return error.exit_code
    except OSError as error:
        print(f"themetag compare: cannot write output: {error}", file=sys.stderr)
        return 2
    for note in files.notes:
        print(f"themetag compare: {note}", file=sys.stderr)
    for path in files.written:
        print(f"  wrote {path}", file=sys.stderr)
    return 0


def _review_command(args: argparse.Namespace) -> int:
    try:
        if args.budget < 1:
            raise UsageError("--budget must be 1 or more")
        if args.output.parent and not args.output.parent.is_dir():
            raise UsageError(
                f"cannot write {args.output}: folder {args.output.parent} does not exist"
            )
        model = load_model(args.model)
        run = review_files(args.paths, budget=args.budget, model=model)
        write_review(run.items, args.output, model.names)
    except ThemetagError as error:
        print(f"themetag review: {error}", file=sys.stderr)
        return error.exit_code
    for path, reason in run.failures:
        print(f"themetag review: could not read {readable(path)}: {reason}", file=sys.stderr)
    print(
        f"themetag review: {len(run.items)} of {run.segments} segments in {run.reports} reports"
        f" to review, in {args.output}: fill in the correct column, then"
        f" `themetag train --add {args.output}`",
        file=sys.stderr,
    )
    return 1 if run.failures else 0


def _evaluate_command(args: argparse.Namespace) -> int:
    try:
        model = load_model(args.model)
        reports = read_labelled(
            args.labelled,
            text_column=args.text_column,
            label_column=args.label_column,
            report_column=args.report_column,
        )
        scores = score(reports, in_context=args.report_column is not None, model=model)
    except ThemetagError as error:
        print(f"themetag evaluate: {error}", file=sys.stderr)
        return error.exit_code
    print(describe(scores, model.names))
    return 0


if __name__ == "__main__":
    sys.exit(main())
