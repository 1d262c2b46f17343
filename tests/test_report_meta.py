"""What each report is (title, year, issuing body, level, kind) in the profiles table, read
from the report or supplied by a manifest (--meta)."""

from __future__ import annotations

import csv
import shutil
import time
from pathlib import Path

from files import REPORT, themetag

from themetag.run.journal import Journal, run_key
from themetag.run.tasks import tag_file_batch
from themetag.text.metadata import ReportMeta, read_meta
from themetag.text.segment import split_report

EXAMPLES = Path(__file__).parent.parent / "examples"


def read_csv(path: Path) -> list[dict[str, str]]:
    with open(path, encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle))


def test_profiles_say_what_each_report_is(tmp_path):
    output = tmp_path / "t.csv"
    assert themetag("tag", EXAMPLES, "-o", output, "-q").returncode == 0
    profiles = {Path(p["report"]).name: p for p in read_csv(tmp_path / "t.profiles.csv")}
    first = profiles["district_2016_safety.txt"]
    assert list(first)[:6] == ["report", "title", "year", "issuer", "level", "kind"]
    assert (first["title"], first["year"], first["issuer"], first["level"], first["kind"]) == (
        "柳塘区教育局2016年校园安全工作总结", "2016", "柳塘区教育局", "区", "工作总结"
    )  # fmt: skip
    assert profiles["city_2009_wenku.txt"]["kind"] == "上半年总结"


def test_a_manifest_supplies_and_overrides_by_path_or_file_name(tmp_path):
    folder = tmp_path / "reports"
    shutil.copytree(EXAMPLES, folder)
    (folder / "untitled.txt").write_text(REPORT.split("\n", 1)[1], encoding="utf-8")
    manifest = tmp_path / "manifest.csv"
    manifest.write_text(
        "path,year,kind,region\n"
        "reports/city_2009_wenku.txt,2010,,甲市\n"  # relative to the manifest's folder
        "untitled.txt,2021,自查报告,乙县\n",  # by file name alone
        encoding="utf-8",
    )
    output = tmp_path / "t.csv"
    result = themetag("tag", folder, "-o", output, "--meta", manifest, "-q")
    assert result.returncode == 0, result.stderr
    rows = read_csv(tmp_path / "t.profiles.csv")
    assert list(rows[0])[:7] == ["report", "title", "year", "issuer", "level", "kind", "region"]
    profiles = {Path(p["report"]).name: p for p in rows}
    city = profiles["city_2009_wenku.txt"]
    assert (city["year"], city["kind"], city["region"]) == ("2010", "上半年总结", "甲市")
    untitled = profiles["untitled.txt"]
    assert (untitled["title"], untitled["year"], untitled["kind"]) == ("", "2021", "自查报告")
    assert profiles["district_2016_safety.txt"]["region"] == ""


def test_a_bad_manifest_is_a_usage_error(tmp_path):
    report = tmp_path / "r.txt"
    report.write_text(REPORT, encoding="utf-8")
    no_path = tmp_path / "m.csv"
    no_path.write_text("file,year\nr.txt,2020\n", encoding="utf-8")
    for manifest, message in [
        (no_path, "needs a 'path' column naming each report file; its columns are 'file', 'year'"),
        (tmp_path / "missing.csv", "cannot read the manifest"),
        (report, "is not a table"),
    ]:
        result = themetag("tag", report, "--meta", manifest)
        assert result.returncode == 2 and message in result.stderr, result.stderr


def test_the_journal_keeps_what_a_report_is(tmp_path):
    report = tmp_path / "2019年XX镇中心学校上半年工作总结.txt"
    report.write_text(REPORT.split("\n", 1)[1], encoding="utf-8")
    from themetag import load_model

    (result,) = tag_file_batch([str(report)], load_model())
    assert result.profile is not None
    assert result.profile.meta == ReportMeta(
        "2019年XX镇中心学校上半年工作总结", 2019, "XX镇中心学校", "学校", "上半年总结"
    )
    journal = Journal(tmp_path / "j", run_key([report], "digest"))
    journal.start(resume=False)
    journal.append(result)
    assert list(journal.results()) == [result]


def test_the_page_heads_each_report_with_what_the_manifest_says(tmp_path):
    report = tmp_path / "untitled.txt"
    report.write_text(REPORT.split("\n", 1)[1], encoding="utf-8")
    manifest = tmp_path / "manifest.csv"
    manifest.write_text(
        "path,title,year\nuntitled.txt,甲县教育局二〇二一年工作总结,2021\n", "utf-8"
    )
    page = tmp_path / "page.html"
    result = themetag("tag", report, "--meta", manifest, "--html", page, "-q")
    assert result.returncode == 0, result.stderr
    html = page.read_text(encoding="utf-8")
    assert "甲县教育局二〇二一年工作总结" in html and "2021" in html


def test_segments_already_cut_give_the_same_meta():
    reports = [(path.read_text(encoding="utf-8"), path.name) for path in EXAMPLES.glob("*.txt")]
    reports += [(REPORT, ""), (REPORT.split("\n", 1)[1], "2019年XX镇中心学校上半年工作总结.docx")]
    for text, name in reports:
        segments = [span.text for span in split_report(text)]
        assert read_meta(text, name=name, segments=segments) == read_meta(text, name=name), name


def test_a_huge_report_is_read_from_its_head_and_tail():
    # A 2 MB line under the title, of bodies the report only speaks of and runs of spaces (each
    # once took read_meta a time quadratic in the line's length), then 20 MB of sentences.
    line = ("在市教育局的指导下，我们做了大量工作。" + " " * 40 + "1") * 20_000
    sentence = "今年以来，我县扎实推进各项工作，取得明显成效。\n"
    body = sentence * (20_000_000 // len(sentence.encode()))
    text = f"XX县教育局2021年工作总结\n{line}\n{body}XX县教育局\n2021年12月28日\n"
    segments = [span.text for span in split_report(text)]
    started = time.perf_counter()
    meta = read_meta(text, segments=segments)
    assert time.perf_counter() - started < 2  # seconds: 0.03; it was 0.5 at 3% of the size
    assert meta == ReportMeta("XX县教育局2021年工作总结", 2021, "XX县教育局", "县", "年度总结")
