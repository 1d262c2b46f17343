import csv
import json
import os
import shlex
import signal
import subprocess
import sys
import time
from html.parser import HTMLParser
from pathlib import Path

import pytest
from files import BAD, GOOD, REPORT, themetag
from openpyxl import load_workbook
from openpyxl.utils import get_column_letter

from themetag import split_report, tag_files
from themetag.model import load_model_file, save_model
from themetag.readers import find_reports
from themetag.run.journal import Journal, run_key


def read_csv(path):
    with open(path, encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle))


def test_tag_files_tags_every_good_report_and_names_every_bad_one(folder):
    results = list(tag_files([folder]))
    assert [r.path for r in results] == [str(p) for p in find_reports([folder]).reports]
    failed = {os.path.basename(r.path): r.error for r in results if r.error}
    assert set(failed) == BAD
    good = [r for r in results if not r.error]
    assert len(good) == 6
    for result in good:
        assert result.rows and result.profile.segments == len(result.rows)
        assert [row.segment for row in result.rows] == list(range(1, len(result.rows) + 1))


def test_two_jobs_give_exactly_what_one_job_gives(folder):
    paths = find_reports([folder]).reports
    assert list(tag_files(paths, jobs=2, parallel_from=0)) == list(tag_files(paths, jobs=1))


def test_csv_run_writes_segments_profiles_and_errors(folder, tmp_path):
    output = tmp_path / "tags.csv"
    result = themetag("tag", folder, "-o", output, "--quiet")
    assert result.returncode == 1
    segments = read_csv(output)
    assert {os.path.basename(r["report"]) for r in segments} == set(GOOD)
    first = next(r for r in segments if r["report"].endswith("a_utf8.txt") and r["segment"] == "3")
    assert REPORT[int(first["start"]) : int(first["end"])] == first["text"]
    assert float(first["confidence"]) >= float(first["runner_up_confidence"])
    assert first["needs_review"] in {"True", "False"}
    profiles = read_csv(tmp_path / "tags.profiles.csv")
    assert len(profiles) == 6
    for profile in profiles:
        for kind in ("_segment_share", "_expected_share"):
            shares = [float(v) for k, v in profile.items() if k.endswith(kind)]
            assert abs(sum(shares) - 1) < 0.01, kind
        assert profile["top_themes"] and "overview" not in profile["top_themes"]
    errors = {
        os.path.basename(r["report"]): r["error"] for r in read_csv(tmp_path / "tags.errors.csv")
    }
    assert set(errors) == BAD | {"notes.xyz"}
    assert "encrypted" in errors["j_locked.pdf"] and "empty" in errors["g_empty.txt"]
    assert errors["notes.xyz"].startswith("not read: a .xyz file, a type themetag does not read")
    assert not list(tmp_path.glob("*.partial")) and not list(tmp_path.glob("*.journal"))


def test_xlsx_has_a_segments_and_a_profiles_sheet(folder, tmp_path):
    output = tmp_path / "tags.xlsx"
    assert themetag("tag", folder, "-o", output, "-q").returncode == 1
    workbook = load_workbook(output, read_only=True)
    assert workbook.sheetnames == ["segments", "profiles"]
    header = next(workbook["segments"].iter_rows(values_only=True))
    assert header[:3] == ("report", "segment", "start")
    assert len(list(workbook["profiles"].iter_rows(values_only=True))) == 7


def test_parquet_holds_the_csv_rows_with_a_type_per_column(folder, tmp_path):
    pq = pytest.importorskip("pyarrow.parquet", reason="Parquet output needs pyarrow")
    assert themetag("tag", folder, "-o", tmp_path / "t.csv", "-q", "--top", "2").returncode == 1
    assert themetag("tag", folder, "-o", tmp_path / "t.parquet", "-q", "--top", "2").returncode == 1
    table = pq.read_table(tmp_path / "t.parquet")
    rows = read_csv(tmp_path / "t.csv")
    assert table.column_names == list(rows[0])
    types = {field.name: str(field.type) for field in table.schema}
    assert types["segment"] == "int64" and types["confidence"] == "double"
    assert types["needs_review"] == "bool" and types["top2_confidence"] == "double"
    assert types["text"] == "string"
    assert [str(v) for v in table.column("text").to_pylist()] == [r["text"] for r in rows]
    assert table.column("confidence").to_pylist() == [float(r["confidence"]) for r in rows]
    profiles = pq.read_table(tmp_path / "t.profiles.parquet")
    csv_profiles = read_csv(tmp_path / "t.profiles.csv")
    assert profiles.column("report").to_pylist() == [r["report"] for r in csv_profiles]
    # A year not found is null, not a blank that would make the column text.
    assert str(profiles.schema.field("year").type) == "int64"
    assert profiles.column("year").to_pylist() == [
        int(r["year"]) if r["year"] else None for r in csv_profiles
    ]
    errors = read_csv(tmp_path / "t.errors.csv")
    assert {os.path.basename(r["report"]) for r in errors} >= BAD


def test_a_small_run_is_tagged_in_this_process_even_with_jobs(folder, monkeypatch):
    import joblib

    def no_workers(*args, **kwargs):
        raise AssertionError("worker processes started")

    monkeypatch.setattr(joblib, "Parallel", no_workers)
    paths = find_reports([folder]).reports
    assert len(list(tag_files(paths, jobs=2))) == len(paths)  # a few KB: below parallel_from
    with pytest.raises(AssertionError, match="worker processes started"):
        list(tag_files(paths, jobs=2, parallel_from=1))


def test_the_workbook_works_like_one_made_in_excel(tmp_path):
    output = tmp_path / "tags.xlsx"
    examples = Path(__file__).parent.parent / "examples"
    assert themetag("tag", examples, "-o", output, "-q").returncode == 0
    workbook = load_workbook(output)
    segments, profiles = workbook["segments"], workbook["profiles"]
    header = [cell.value for cell in segments[1]]
    rows = segments.max_row
    assert segments.freeze_panes == "A2" and profiles.freeze_panes == "A2"
    assert segments.auto_filter.ref == f"A1:{get_column_letter(len(header))}{rows}"
    assert segments.column_dimensions[get_column_letter(header.index("text") + 1)].width == 60
    confidence = segments.cell(2, header.index("confidence") + 1)
    assert confidence.number_format == "0.0%" and isinstance(confidence.value, float)
    assert segments.cell(2, header.index("name") + 1).value  # the Chinese name beside the id
    (highlight,) = segments.conditional_formatting
    flag = get_column_letter(header.index("needs_review") + 1)
    assert str(highlight.sqref) == f"A2:{get_column_letter(len(header))}{rows}"
    assert highlight.rules[0].formula == [f"${flag}2=TRUE"]
    columns = [cell.value for cell in profiles[1]]
    share = profiles.cell(2, columns.index("safety_share") + 1)
    assert share.number_format == "0.0%"


def test_html_page_shows_each_report_with_coloured_segments(folder, tmp_path):
    page = tmp_path / "page.html"
    themetag("tag", folder / "a_utf8.txt", folder / "d_report.docx", "--html", page, "-q")

    class Collector(HTMLParser):
        def __init__(self):
            super().__init__()
            self.segments, self.bars, self.headings = [], 0, []
            self._in_h2 = False

        def handle_starttag(self, tag, attrs):
            attrs = dict(attrs)
            if "segment" in attrs.get("class", ""):
                self.segments.append(attrs["title"])
            self.bars += attrs.get("class") == "bar"
            self._in_h2 = tag == "h2"

        def handle_data(self, data):
            if self._in_h2:
                self.headings.append(data)
                self._in_h2 = False

    collector = Collector()
    html = page.read_text(encoding="utf-8")
    collector.feed(html)
    assert collector.headings == ["XX县教育局2021年工作总结"] * 2  # each report by its title
    assert f"{folder / 'a_utf8.txt'} · " in html and f"{folder / 'd_report.docx'} · " in html
    assert collector.bars == 5  # the run's, one in the list of reports and one above each
    assert len(collector.segments) >= 10
    assert all("置信度" in title for title in collector.segments)
    assert html.count("<script") == 1  # the page's own, which filters and sorts


@pytest.mark.parametrize("where", [[], ["--scheduler", "local:2"]], ids=["here", "dask"])
def test_an_interrupted_run_resumes_to_the_same_output(tmp_path, where):
    folder = tmp_path / "many"
    folder.mkdir()
    for number in range(150):
        (folder / f"r{number:02d}.txt").write_text(REPORT * 8 + f"第{number}号\n", encoding="utf-8")
    complete = tmp_path / "complete.jsonl"
    assert themetag("tag", folder, "-o", complete, "-q").returncode == 0

    output = tmp_path / "resumed.jsonl"
    journal = tmp_path / "resumed.jsonl.journal"
    process = subprocess.Popen(
        [sys.executable, "-m", "themetag.cli", "tag", str(folder), "-o", str(output), "-q", *where]
    )
    _wait_for_reports_in(journal, process)
    process.send_signal(signal.SIGKILL)
    process.wait()
    assert journal.exists(), "the run finished before it could be interrupted"
    assert not output.exists()

    resumed = themetag("tag", folder, "-o", output, "--resume", "-q", *where)
    assert resumed.returncode == 0, resumed.stderr
    assert output.read_text(encoding="utf-8") == complete.read_text(encoding="utf-8")
    assert (tmp_path / "resumed.profiles.jsonl").read_text(encoding="utf-8") == (
        tmp_path / "complete.profiles.jsonl"
    ).read_text(encoding="utf-8")
    rows = [json.loads(line) for line in output.read_text(encoding="utf-8").splitlines()]
    assert len({r["report"] for r in rows}) == 150


def test_resume_refuses_a_journal_of_other_reports(tmp_path, folder):
    output = tmp_path / "out.jsonl"
    (tmp_path / "out.jsonl.journal").write_text('{"journal": "other"}\n', encoding="utf-8")
    result = themetag("tag", folder / "a_utf8.txt", "-o", output, "--resume")
    assert result.returncode == 2 and "--resume" in result.stderr


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--format", "csv"], "needs an output file"),
        (["--resume"], "--resume needs"),
        (["-o", "/nonexistent-folder/out.csv"], "does not exist"),
        (["--jobs", "0"], "--jobs"),
    ],
)
def test_usage_errors_exit_two_with_a_clear_message(folder, args, message):
    result = themetag("tag", folder / "a_utf8.txt", *args)
    assert result.returncode == 2
    assert message in result.stderr


def test_a_folder_without_reports_is_a_clear_error(tmp_path):
    result = themetag("tag", tmp_path)
    assert result.returncode == 1
    assert "no report files found" in result.stderr


def test_the_command_line_gives_the_same_files_with_two_jobs(folder, tmp_path):
    outputs = {}
    for jobs in (1, 2):
        output = tmp_path / f"jobs{jobs}.jsonl"
        assert themetag("tag", folder, "-o", output, "--jobs", jobs, "-q").returncode == 1
        outputs[jobs] = [
            output.read_text(encoding="utf-8"),
            (tmp_path / f"jobs{jobs}.profiles.jsonl").read_text(encoding="utf-8"),
            (tmp_path / f"jobs{jobs}.errors.csv").read_text(encoding="utf-8"),
        ]
    assert outputs[1] == outputs[2]


def _many_reports(folder: Path, count: int) -> Path:
    folder.mkdir()
    for number in range(count):
        (folder / f"r{number:03d}.txt").write_text(REPORT * 8 + f"第{number}号\n", encoding="utf-8")
    return folder


def _ctrl_c_as_in_a_terminal() -> None:
    # A shell starts background jobs with SIGINT ignored, and a child inherits that: run from
    # one (`bash .ci/run &`), the command line would never see the Ctrl-C sent to it.
    signal.signal(signal.SIGINT, signal.SIG_DFL)


@pytest.mark.parametrize(
    "where",
    [[], ["--jobs", "2", "--parallel-from", "0"], ["--scheduler", "local:2"]],
    ids=["here", "jobs", "dask"],
)
def test_ctrl_c_ends_with_one_line_naming_the_journal_and_the_resume_command(tmp_path, where):
    folder = _many_reports(tmp_path / "many", 1000)
    output = tmp_path / "out.csv"
    journal = tmp_path / "out.csv.journal"
    process = subprocess.Popen(
        [sys.executable, "-m", "themetag.cli", "tag", str(folder), "-o", str(output), *where],
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
        preexec_fn=_ctrl_c_as_in_a_terminal,
    )
    _wait_for_reports_in(journal, process)
    # A terminal's Ctrl-C goes to the whole process group: the workers get it too.
    os.killpg(process.pid, signal.SIGINT)
    stderr = process.communicate(timeout=60)[1]
    assert process.returncode == 130, stderr
    assert "Traceback" not in stderr
    (line,) = [line for line in stderr.splitlines() if line.strip()]
    assert str(journal) in line and f"-o {output} {shlex.join(where)}".strip() in line
    assert line.endswith("--resume` to go on")
    resumed = themetag("tag", folder, "-o", output, "--resume", "-q", *where)
    assert resumed.returncode == 0, resumed.stderr
    rows = read_csv(output)
    assert len({row["report"] for row in rows}) == 1000
    expected = sum(len(split_report(p.read_text(encoding="utf-8"))) for p in folder.iterdir())
    assert len(rows) == expected


def test_resume_refuses_a_journal_written_with_another_model(tmp_path, small_model):
    folder = _many_reports(tmp_path / "few", 3)
    output = tmp_path / "out.jsonl"
    other = save_model(small_model, tmp_path / "other-model")
    key = run_key(find_reports([folder]).reports, load_model_file(other).card_digest)
    Journal(Path(f"{output}.journal"), key).start(resume=False)
    result = themetag("tag", folder, "-o", output, "--resume")
    assert result.returncode == 2
    assert "another model" in result.stderr and "without --resume" in result.stderr
    assert themetag("tag", folder, "-o", output, "--resume", "--model", other).returncode == 0


def test_an_output_suffix_that_is_no_format_is_a_usage_error(folder, tmp_path):
    result = themetag("tag", folder / "a_utf8.txt", "-o", tmp_path / "x.feather")
    assert result.returncode == 2 and ".feather is not an output format" in result.stderr
    assert not (tmp_path / "x.feather").exists()
    forced = themetag("tag", folder / "a_utf8.txt", "-o", tmp_path / "x.out", "--format", "csv")
    assert forced.returncode == 0 and (tmp_path / "x.out").read_text(encoding="utf-8-sig")


def test_version_names_the_installed_version():
    from importlib.metadata import version

    result = themetag("--version")
    assert result.returncode == 0 and result.stdout.strip() == f"themetag {version('themetag')}"


def _wait_for_reports_in(journal: Path, process: subprocess.Popen, reports: int = 4) -> None:
    """Until the run has journaled some reports (or ended, or a minute passed)."""
    deadline = time.time() + 60
    while time.time() < deadline and process.poll() is None:
        if journal.exists() and journal.read_text(encoding="utf-8").count("\n") > reports:
            break
        time.sleep(0.01)
