"""Hostile inputs and unlucky runs: nothing injected into spreadsheets, no run killed by one
file, outputs that cannot destroy inputs or each other, damaged state read without a
traceback, and no worker left behind."""

from __future__ import annotations

import csv
import json
import os
import signal
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest
from files import REPORT, themetag
from hypothesis import given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook

from themetag import load_model
from themetag.readers import find_reports
from themetag.run.journal import Journal, run_key
from themetag.run.tasks import ReportResult, tag_file_batch
from themetag.writers.tables import write_xlsx

FORMULAS = [
    '=HYPERLINK("http://example.invalid/?"&A1,"点击")',
    "+SUM(1,2)",
    "-2+3",
    "@cmd",
]


def read_csv(path: Path) -> list[dict]:
    with open(path, encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle))


@pytest.fixture()
def formula_folder(tmp_path) -> Path:
    folder = tmp_path / "in"
    folder.mkdir()
    text = REPORT + "\n".join(FORMULAS) + "\n"
    (folder / "=HYPERLINK(1).txt").write_text(text, encoding="utf-8")
    (folder / "@report.txt").write_text(text, encoding="utf-8")
    return folder


def test_no_text_reaches_a_csv_as_a_formula(formula_folder, tmp_path):
    output = tmp_path / "tags.csv"
    assert themetag("tag", formula_folder, "-o", output, "-q").returncode == 0
    rows = read_csv(output) + read_csv(tmp_path / "tags.profiles.csv")
    cells = [value for row in rows for value in row.values() if isinstance(value, str)]
    live = [c for c in cells if c.startswith(("=", "+", "-", "@"))]
    assert live == []
    texts = {row["text"] for row in read_csv(output)}
    assert {"'" + formula for formula in FORMULAS} <= texts  # escaped, still readable


def test_no_text_reaches_an_excel_file_as_a_formula(formula_folder, tmp_path):
    output = tmp_path / "tags.xlsx"
    assert themetag("tag", formula_folder, "-o", output, "-q").returncode == 0
    with zipfile.ZipFile(output) as archive:
        sheets = [n for n in archive.namelist() if n.startswith("xl/worksheets/")]
        assert all(b"<f>" not in archive.read(name) for name in sheets)
    workbook = load_workbook(output)
    texts = [cell.value for row in workbook["segments"].iter_rows(min_row=2) for cell in row]
    assert set(FORMULAS) <= set(texts)  # shown exactly as written, as text


def test_an_excel_table_longer_than_a_sheet_goes_on_in_further_sheets(tmp_path):
    rows = [{"n": i, "text": f"第{i}段"} for i in range(7)]
    write_xlsx({"segments": (["n", "text"], rows)}, tmp_path / "x.xlsx", rows_per_sheet=3)
    workbook = load_workbook(tmp_path / "x.xlsx")
    assert workbook.sheetnames == ["segments", "segments 2", "segments 3", "segments 4"]
    values = [row[0] for sheet in workbook for row in sheet.iter_rows(min_row=2, values_only=True)]
    assert values == list(range(7))
    assert all(next(sheet.iter_rows(values_only=True)) == ("n", "text") for sheet in workbook)


def test_a_second_run_on_the_same_output_is_refused_while_the_first_holds_it(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "a.txt").write_text(REPORT, encoding="utf-8")
    output = tmp_path / "tags.csv"
    holder = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        lock = {"pid": holder.pid, "host": os.uname().nodename, "started": "09:00:00"}
        Path(f"{output}.lock").write_text(json.dumps(lock), encoding="utf-8")
        refused = themetag("tag", folder, "-o", output)
        assert refused.returncode == 2
        assert f"pid {holder.pid}" in refused.stderr and "another themetag run" in refused.stderr
        assert not output.exists()
    finally:
        holder.kill()
        holder.wait()
    # The holder is gone: its lock is stale and taken over, then removed at the end.
    done = themetag("tag", folder, "-o", output, "-q")
    assert done.returncode == 0 and output.exists()
    assert not Path(f"{output}.lock").exists()


def test_two_runs_at_once_never_mix_their_output(tmp_path):
    folder = tmp_path / "many"
    folder.mkdir()
    for number in range(300):
        (folder / f"r{number:03d}.txt").write_text(REPORT * 6 + f"第{number}号\n", "utf-8")
    output = tmp_path / "tags.csv"
    command = [sys.executable, "-m", "themetag.cli", "tag", str(folder), "-o", str(output), "-q"]
    first = subprocess.Popen(command, stderr=subprocess.PIPE, text=True)
    deadline = time.time() + 60
    while not Path(f"{output}.lock").exists() and time.time() < deadline:
        time.sleep(0.01)
    second = subprocess.run(command, capture_output=True, text=True)
    first_error = first.communicate(timeout=300)[1]
    assert first.returncode == 0, first_error
    assert second.returncode == 2 and "another themetag run" in second.stderr
    rows = read_csv(output)
    assert len({row["report"] for row in rows}) == 300
    assert len({(row["report"], row["segment"]) for row in rows}) == len(rows)  # no duplicate


@pytest.mark.skipif(sys.platform != "linux", reason="file names as raw bytes: Linux")
def test_a_file_name_that_is_not_utf8_is_tagged_and_written_readably(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    name = "中文报告.txt".encode("gb18030")  # as unzipped from a Chinese Windows archive
    with open(os.path.join(os.fsencode(folder), name), "wb") as handle:
        handle.write(REPORT.encode("utf-8"))
    for args in (["-o", tmp_path / "t.csv", "--html", tmp_path / "p.html"], []):
        result = themetag("tag", folder, *args)
        assert result.returncode == 0, result.stderr
    assert {Path(r["report"]).name for r in read_csv(tmp_path / "t.csv")} == {"中文报告.txt"}
    assert "中文报告.txt" in (tmp_path / "p.html").read_text(encoding="utf-8")


def test_the_journal_keeps_a_name_that_is_not_utf8_exactly(tmp_path):
    path = os.fsdecode(b"/tmp/\xd6\xd0\xce\xc4.txt")  # lone surrogates in a str
    journal = Journal(tmp_path / "j", "key")
    journal.start(resume=False)
    journal.append(ReportResult(path, error="the file is empty"))
    (back,) = list(journal.results())
    assert back.path == path


def test_damaged_journal_lines_are_tagged_again_and_nothing_is_lost(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    for number in range(5):
        (folder / f"r{number}.txt").write_text(REPORT + f"第{number}号\n", "utf-8")
    complete = tmp_path / "complete.csv"
    assert themetag("tag", folder, "-o", complete, "-q").returncode == 0
    output = tmp_path / "tags.csv"
    journal = Path(f"{output}.journal")
    # A run journaled two reports, then a power cut: a NUL-filled line and one of garbage.
    reports = find_reports([folder]).reports
    interrupted = Journal(journal, run_key(reports, load_model().card_digest))
    interrupted.start(resume=False)
    for result in tag_file_batch([str(p) for p in reports[:2]], load_model()):
        interrupted.append(result)
    with open(journal, "ab") as handle:
        handle.write(b"\x00" * 300 + b"\n" + b'{"path": 3, "rows": "x"}\n')
    resumed = themetag("tag", folder, "-o", output, "--resume", "-q")
    assert resumed.returncode == 0, resumed.stderr
    assert "Traceback" not in resumed.stderr
    assert output.read_bytes() == complete.read_bytes()


def test_one_report_that_runs_out_of_memory_fails_alone(tmp_path, monkeypatch, small_model):
    import themetag.run.tasks as tasks

    paths = []
    for name, text in (("a.txt", REPORT), ("huge.txt", REPORT * 40), ("b.txt", REPORT)):
        (tmp_path / name).write_text(text, encoding="utf-8")
        paths.append(str(tmp_path / name))
    real = tasks.tag_reports

    def tag_reports(texts, *, model):
        if sum(map(len, texts)) > len(REPORT) * 30:
            raise MemoryError
        return real(texts, model=model)

    monkeypatch.setattr(tasks, "tag_reports", tag_reports)
    a, huge, b = tag_file_batch(paths, small_model)
    assert a.rows and b.rows and a.error is None and b.error is None
    assert huge.error and "ran out of memory" in huge.error and not huge.rows


@pytest.mark.parametrize(
    ("case", "message"),
    [
        ("an input as -o", "one of the reports being tagged"),
        ("an input as the page", "one of the reports being tagged"),
        ("a device as -o", "not a regular file"),
        ("a device as the page", "not a regular file"),
        ("a link", "not a regular file"),
        ("the page on a table", "where the tables go"),
    ],
)
def test_outputs_never_destroy_an_input_a_device_or_each_other(case, message, tmp_path):
    report = tmp_path / "report.txt"
    report.write_text(REPORT, encoding="utf-8")
    target = tmp_path / "elsewhere.csv"
    target.write_text("keep", encoding="utf-8")
    (tmp_path / "link.csv").symlink_to(target)
    args = {
        "an input as -o": ["-o", report, "--format", "csv"],
        "an input as the page": ["--html", report],
        "a device as -o": ["-o", "/dev/null"],
        "a device as the page": ["--html", "/dev/null"],
        "a link": ["-o", tmp_path / "link.csv"],
        "the page on a table": ["-o", tmp_path / "x.csv", "--html", tmp_path / "x.csv"],
    }[case]
    result = themetag("tag", report, *args)
    assert result.returncode == 2, result.stderr
    assert message in result.stderr
    assert report.read_text(encoding="utf-8") == REPORT
    assert Path("/dev/null").is_char_device()
    assert target.read_text(encoding="utf-8") == "keep" and (tmp_path / "link.csv").is_symlink()


def test_a_page_written_among_the_reports_is_passed_over_by_the_next_run(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "report.txt").write_text(REPORT, encoding="utf-8")
    (folder / "notice.html").write_text(f"<html><body><p>{REPORT}</p></body></html>", "utf-8")
    page = folder / "page.html"
    first = themetag("tag", folder, "-o", tmp_path / "first.csv", "--html", page)
    assert first.returncode == 0, first.stderr
    second = themetag("tag", folder, "-o", tmp_path / "second.csv")
    assert second.returncode == 0, second.stderr
    assert f"1 a page themetag wrote (an earlier run's output): {page}" in second.stderr
    assert "2 reports tagged" in second.stderr
    reports = {row["report"] for row in read_csv(tmp_path / "second.csv")}
    assert reports == {str(folder / "report.txt"), str(folder / "notice.html")}
    assert read_csv(tmp_path / "second.errors.csv") == [
        {"report": str(page), "error": "not read: a page themetag wrote (an earlier run's output)"}
    ]
    # A page named on the command line is what the user asked for: it is read.
    named = themetag("tag", page, "-q")
    assert named.returncode == 0 and named.stdout


def test_every_file_in_a_folder_that_is_not_read_is_named_with_its_reason(tmp_path):
    folder = tmp_path / "in"
    (folder / ".git" / "objects").mkdir(parents=True)
    (folder / ".git" / "objects" / "ab.txt").write_text(REPORT, encoding="utf-8")
    (folder / "report.txt").write_text(REPORT, encoding="utf-8")
    for name in ("scan.jpg", "README", ".DS_Store", "a.xyz", "b.xyz", "c.xyz", "d.xyz"):
        (folder / name).write_bytes(b"\x00\x01")
    result = themetag("tag", folder, "-o", tmp_path / "out.csv")
    assert result.returncode == 0, result.stderr  # nothing failed: passed over is no failure
    assert "passed over 8 of what the folders hold:" in result.stderr
    assert "4 a .xyz file, a type themetag does not read" in result.stderr
    assert f"{folder / 'c.xyz'} and 1 more" in result.stderr
    assert f"1 a hidden folder, not looked into: {folder / '.git'}" in result.stderr
    errors = {row["report"]: row["error"] for row in read_csv(tmp_path / "out.errors.csv")}
    assert set(errors) == {
        str(folder / name)
        for name in (".git", "scan.jpg", "README", ".DS_Store", "a.xyz", "b.xyz", "c.xyz", "d.xyz")
    }
    assert errors[str(folder / "README")].startswith("not read: a file without a suffix")
    assert errors[str(folder / ".DS_Store")] == "not read: hidden (its name starts with a dot)"
    assert {row["report"] for row in read_csv(tmp_path / "out.csv")} == {str(folder / "report.txt")}


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="named pipes: POSIX")
def test_a_named_pipe_called_html_in_a_folder_is_named_not_waited_on(tmp_path):
    os.mkfifo(tmp_path / "pipe.html")
    found = find_reports(tmp_path)
    assert found.reports == [tmp_path / "pipe.html"] and found.passed_over == []
    result = themetag("tag", tmp_path, "-q")
    assert result.returncode == 1 and "named pipe" in result.stderr


def test_reader_limits_are_set_from_the_command_line_and_named_when_a_file_passes_one(tmp_path):
    small = tmp_path / "small.txt"
    small.write_text(REPORT, encoding="utf-8")
    large = tmp_path / "large.txt"
    large.write_text(REPORT * 40, encoding="utf-8")
    limit = "max_file_bytes=4KiB"
    for jobs in ("1", "2"):
        result = themetag("tag", small, large, "--limit", limit, "--jobs", jobs, "-q")
        assert result.returncode == 1, result.stderr
        assert str(small) in result.stdout and str(large) not in result.stdout
        assert (
            "over the 4 KiB limit" in result.stderr and "--limit max_file_bytes=" in result.stderr
        )
    raised = themetag("tag", large, "--limit", "max_file_bytes=1MiB", "-q")
    assert raised.returncode == 0 and str(large) in raised.stdout
    for bad, message in [("max_bytes=1", "the limits are max_file_bytes"), (
        "max_file_bytes=lots", "give a whole number")]:  # fmt: skip
        result = themetag("tag", small, "--limit", bad)
        assert result.returncode == 2 and message in result.stderr


@pytest.mark.skipif(sys.platform != "linux", reason="the kernel's parent-death signal: Linux")
def test_a_killed_parallel_run_leaves_no_worker_behind(tmp_path):
    folder = tmp_path / "many"
    folder.mkdir()
    for number in range(40):
        (folder / f"r{number:02d}.txt").write_text(REPORT * 400 + f"第{number}号\n", "utf-8")
    command = [sys.executable, "-m", "themetag.cli", "tag", str(folder), "-o",
               str(tmp_path / "t.csv"), "-q", "--jobs", "2", "--parallel-from", "0"]  # fmt: skip
    run = subprocess.Popen(command)
    workers: set[int] = set()
    deadline = time.time() + 60
    while time.time() < deadline and not any("Loky" in _command(pid) for pid in workers):
        workers |= _children(run.pid)
        time.sleep(0.1)
    # Until a report is journaled: both workers were sent a task at the start, and a worker
    # takes its parent-death signal with its first task (on a busy machine, starting took
    # longer than the second this test used to wait).
    journal = tmp_path / "t.csv.journal"
    while time.time() < deadline and run.poll() is None:
        if journal.exists() and journal.read_text(encoding="utf-8").count("\n") > 1:
            break
        time.sleep(0.1)
    workers |= _children(run.pid)
    assert any("Loky" in _command(pid) for pid in workers), "no worker started"
    run.send_signal(signal.SIGKILL)
    run.wait()
    deadline = time.time() + 20
    while time.time() < deadline and any(_running(pid) for pid in workers):
        time.sleep(0.2)
    assert [_command(pid) for pid in workers if _running(pid)] == []


def _command(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return ""


def _children(pid: int) -> set[int]:
    found = set()
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == pid:
                found.add(int(entry.name))
    return found


def _running(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


@pytest.mark.parametrize("moment", [0.3, 0.9, 1.6])
def test_a_run_killed_at_any_moment_resumes_to_the_same_bytes(moment, tmp_path):
    folder = tmp_path / "many"
    folder.mkdir()
    for number in range(200):
        (folder / f"r{number:03d}.txt").write_text(REPORT * 8 + f"第{number}号\n", "utf-8")
    complete = tmp_path / "complete.xlsx"
    assert themetag("tag", folder, "-o", complete, "-q").returncode == 0
    output = tmp_path / "killed.xlsx"
    command = [sys.executable, "-m", "themetag.cli", "tag", str(folder), "-o", str(output), "-q"]
    run = subprocess.Popen(command)
    time.sleep(moment)  # start-up, tagging or writing, depending on the machine's speed
    run.send_signal(signal.SIGKILL)
    run.wait()
    resumed = themetag("tag", folder, "-o", output, "--resume", "-q")
    if resumed.returncode == 2 and "--resume needs" not in resumed.stderr:
        # Killed before the journal existed: a plain run is what the user does then.
        resumed = themetag("tag", folder, "-o", output, "-q")
    assert resumed.returncode == 0, resumed.stderr
    assert _sheets(output) == _sheets(complete)
    assert not Path(f"{output}.lock").exists() and not Path(f"{output}.journal").exists()


def _sheets(path: Path) -> dict[str, list[tuple]]:
    workbook = load_workbook(path)
    return {sheet.title: list(sheet.iter_rows(values_only=True)) for sheet in workbook}


_TEXT = st.text(st.characters(blacklist_categories=("Cs",)), max_size=40)
_PATH = st.builds(
    lambda raw: os.fsdecode(b"/r/" + raw + b".txt"), st.binary(min_size=1, max_size=12)
).filter(lambda p: "\x00" not in p)


@settings(max_examples=60, deadline=None)
@given(
    paths=st.lists(_PATH, min_size=1, max_size=4),
    text=_TEXT,
    garbage=st.lists(st.binary(max_size=60).filter(lambda b: b"\n" not in b), max_size=3),
)
def test_the_journal_reads_back_what_it_wrote_and_never_raises_on_damage(
    tmp_path_factory, paths, text, garbage
):
    journal = Journal(tmp_path_factory.mktemp("j") / "j", "key")
    journal.start(resume=False)
    written = [ReportResult(path, error=text or "x") for path in paths]
    for result in written:
        journal.append(result)
    assert list(journal.results()) == written
    with open(journal.path, "ab") as handle:
        for line in garbage:
            handle.write(line + b"\n")
    back = list(journal.results())  # never raises: damaged lines are counted, not read
    assert back[: len(written)] == written
    assert journal.damaged + len(back) == len(written) + len(garbage)


def test_a_huge_report_is_journaled_in_pieces_and_read_back_whole(tmp_path, monkeypatch):
    from themetag.run import journal as journal_module

    monkeypatch.setattr(journal_module, "ROWS_PER_LINE", 4)
    results = tag_file_batch(
        [str(_report(tmp_path, n, copies)) for n, copies in enumerate([1, 6, 1])], load_model()
    )
    assert len(results[1].rows) > 8  # three lines or more
    journal = Journal(tmp_path / "j", "key")
    journal.start(resume=False)
    for result in results:
        journal.append(result)
    lines = journal.path.read_text(encoding="utf-8").splitlines()
    assert len(lines) > 1 + len(results)
    assert list(journal.results()) == results
    # A lost line in the middle of the big report drops that report only: it is tagged again.
    big = [i for i, line in enumerate(lines) if json.loads(line).get("path") == results[1].path]
    lines[big[1]] = "\x00" * 40
    journal.path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    assert [r.path for r in journal.results()] == [results[0].path, results[2].path]


def _report(folder: Path, number: int, copies: int) -> Path:
    path = folder / f"r{number}.txt"
    path.write_text(REPORT * copies + f"第{number}号\n", "utf-8")
    return path
