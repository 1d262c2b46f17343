"""The command line: `themetag tag FILE...` and `themetag train`."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterator
from pathlib import Path

from themetag.classify import ModelFileError
from themetag.read import UnreadableReport, read_report
from themetag.tagger import TaggedSegment, load_model, tag_report
from themetag.write import write_jsonl


def segment_row(report: str, segment: TaggedSegment) -> dict:
    """One output row: where the segment is, its text and its tag with the runner-up."""
    runner_up, runner_up_confidence = segment.tag.ranking[1]
    return {
        "report": report,
        "segment": segment.number,
        "start": segment.start,
        "end": segment.end,
        "text": segment.text,
        "theme": segment.tag.theme,
        "name": segment.tag.name,
        "confidence": round(segment.tag.confidence, 4),
        "runner_up": runner_up,
        "runner_up_confidence": round(runner_up_confidence, 4),
    }


def _tag_files(paths: list[Path], failures: list[str]) -> Iterator[dict]:
    model = load_model()
    for path in paths:
        try:
            report = tag_report(read_report(path), model)
        except (UnreadableReport, ValueError) as error:
            failures.append(f"{path}: {error}")
            continue
        for segment in report.segments:
            yield segment_row(str(path), segment)


def _tag_command(args: argparse.Namespace) -> int:
    failures: list[str] = []
    rows = _tag_files(args.files, failures)
    if args.output:
        write_jsonl(rows, args.output)
    else:
        for row in rows:
            sys.stdout.write(json.dumps(row, ensure_ascii=False) + "\n")
    for failure in failures:
        print(f"themetag tag: could not tag {failure}", file=sys.stderr)
    return 1 if failures else 0


def main(argv: list[str] | None = None) -> int:
    """Entry point of the `themetag` console script."""
    parser = argparse.ArgumentParser(prog="themetag", description="Tag education work reports.")
    commands = parser.add_subparsers(dest="command", required=True)
    tag_parser = commands.add_parser("tag", help="tag plain-text reports, one JSON row per segment")
    tag_parser.add_argument("files", nargs="+", type=Path, metavar="FILE")
    tag_parser.add_argument("-o", "--output", type=Path, help="JSON Lines file (default: stdout)")
    commands.add_parser("train", help="train the model (same as python train.py)", add_help=False)
    args, rest = parser.parse_known_args(argv)
    if args.command == "train":
        from themetag.training import main as train_main

        return train_main(rest)
    if rest:
        parser.error(f"unrecognized arguments: {' '.join(rest)}")
    try:
        return _tag_command(args)
    except ModelFileError as error:
        print(f"themetag: {error}", file=sys.stderr)
        return 2
    except OSError as error:
        print(f"themetag: cannot write output: {error}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
