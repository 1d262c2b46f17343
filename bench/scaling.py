"""Throughput of batch tagging here and on dask LocalClusters of 1 and 2 workers, on this machine.

Each way runs over the same folder of reports made from the corpus: through `tag_files` in
Python (a cluster started beforehand, so only tagging is timed) and through `themetag tag`
(wall time, cluster start included). Prints a Markdown table for docs/SCALING.md.

    pip install -e ".[study,dask]" && python bench/scaling.py [--reports 2000]
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

from bench import write_reports
from themetag import load_model, tag_files
from themetag.cli import write_outputs
from themetag.run.journal import Journal


def _timed_api(folder: Path, jobs: int = 1, workers: int = 0) -> float:
    model = load_model()
    if not workers:
        list(tag_files([folder], jobs=jobs, model=model))  # warm-up: workers, caches
        started = time.perf_counter()
        list(tag_files([folder], jobs=jobs, model=model))
        return time.perf_counter() - started
    from distributed import Client, LocalCluster

    with (
        LocalCluster(
            n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None
        ) as cluster,
        Client(cluster) as client,
    ):
        list(tag_files([folder], model=model, client=client))
        started = time.perf_counter()
        list(tag_files([folder], model=model, client=client))
        return time.perf_counter() - started


def _timed_client_writing(folder: Path, work: Path) -> tuple[float, int, int]:
    """What the client alone does per report: append it to the journal, then write the CSVs.
    Returns the time, and the bytes of the journal and of the CSV files."""
    results = list(tag_files([folder]))
    started = time.perf_counter()
    journal = Journal(work / "out.csv.journal", "scaling")
    journal.start(resume=False)
    for result in results:
        journal.append(result)
    written = write_outputs(journal, work / "out.csv", "csv", list(load_model().names))
    seconds = time.perf_counter() - started
    return seconds, journal.path.stat().st_size, sum(path.stat().st_size for path in written)


def _timed_cli(folder: Path, output: Path, options: list[str]) -> float:
    command = [shutil.which("themetag") or "themetag", "tag", str(folder), "-o", str(output)]
    started = time.perf_counter()
    subprocess.run([*command, "-q", *options], check=False)
    return time.perf_counter() - started


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--reports", type=int, default=2000, help="reports in the folder")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="themetag-scaling-"))
    try:
        folder = work / "reports"
        megabytes = write_reports(folder, args.reports)
        ways = [
            ("here, 1 process (`--jobs 1`)", {"jobs": 1}, ["--jobs", "1"]),
            ("here, 2 processes (`--jobs 2`)", {"jobs": 2}, ["--jobs", "2"]),
            (
                "dask LocalCluster, 1 worker (`--scheduler local:1`)",
                {"workers": 1},
                ["--scheduler", "local:1"],
            ),
            (
                "dask LocalCluster, 2 workers (`--scheduler local:2`)",
                {"workers": 2},
                ["--scheduler", "local:2"],
            ),
        ]
        print(f"{args.reports} reports, {megabytes:.1f} MB of UTF-8 text\n")
        print("| run | tag_files: reports/s | MB/s | `themetag tag` wall time | reports/s |")
        print("|---|---|---|---|---|")
        for name, api_options, cli_options in ways:
            api = _timed_api(folder, **api_options)
            wall = _timed_cli(folder, work / "out.csv", cli_options)
            print(
                f"| {name} | {args.reports / api:,.0f} | {megabytes / api:.2f} |"
                f" {wall:.1f} s | {args.reports / wall:,.0f} |",
                flush=True,
            )
        writing, journal_bytes, csv_bytes = _timed_client_writing(folder, work)
        print(
            f"\nthe client alone (journal, then CSV files): {args.reports / writing:,.0f}"
            f" reports/s, {megabytes / writing:.2f} MB/s; it writes a journal"
            f" {journal_bytes / 1e6 / megabytes:.1f} times the size of the reports and CSV"
            f" files {csv_bytes / 1e6 / megabytes:.1f} times"
        )
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
