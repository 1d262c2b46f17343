"""Comparing reports: theme shares per group of profiles, as tables and as charts, read from
the profiles tables that `themetag tag` writes."""

from __future__ import annotations

import csv
import shutil
import sys
import xml.etree.ElementTree as ElementTree
from pathlib import Path

import pytest
from files import REPORT, themetag
from openpyxl import load_workbook
from openpyxl.chart import BarChart, LineChart

from themetag.errors import UsageError
from themetag.labels import load_themes
from themetag.writers import compare as compare_module
from themetag.writers.compare import (
    compare,
    comparison_base,
    read_profiles,
    write_comparison,
)

EXAMPLES = Path(__file__).parent.parent / "examples"
CONTENT = [theme for theme in load_themes() if theme.content]
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
# Years are read from the reports (2009, 2016, 2022; 2021 for REPORT); the manifest adds a
# region (blank for one report) and an office whose names a spreadsheet would take for formulas.
MANIFEST = (
    "path,region,office\n"
    "city_2009_wenku.txt,甲市,=教育局\n"
    "district_2016_safety.txt,甲市,@督导室\n"
    "county_2022_summary.txt,乙县,=教育局\n"
    "xx_report.txt,,+办公室\n"
)


@pytest.fixture(scope="module")
def runs(tmp_path_factory) -> Path:
    """The profiles of four reports with a manifest, as CSV, JSON Lines and Excel."""
    folder = tmp_path_factory.mktemp("compare")
    reports = folder / "reports"
    shutil.copytree(EXAMPLES, reports)
    (reports / "xx_report.txt").write_text(REPORT, encoding="utf-8")
    manifest = folder / "manifest.csv"
    manifest.write_text(MANIFEST, encoding="utf-8")
    for output in ("t.csv", "t.jsonl", "t.xlsx"):
        result = themetag("tag", reports, "-o", folder / output, "--meta", manifest, "-q")
        assert result.returncode == 0, result.stderr
    return folder


@pytest.fixture
def tables_only(monkeypatch):
    """No PNG or SVG charts, where a test is about the tables: drawing takes a second."""
    monkeypatch.setitem(sys.modules, "matplotlib", None)


def read_csv(path: Path) -> list[dict[str, str]]:
    with open(path, encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle))


def by_hand(profiles: list[dict[str, str]], column: str, suffix: str) -> dict[str, tuple]:
    """Each group's report count, mean shares and content-weighted shares, from the table."""
    found = {}
    for value in {row[column] for row in profiles}:
        rows = [row for row in profiles if row[column] == value]
        weights = [float(row["content_characters"]) for row in rows]
        mean, weighted = [], []
        for theme in CONTENT:
            shares = [float(row[f"{theme.id}{suffix}"]) for row in rows]
            mean.append(sum(shares) / len(shares))
            weighted.append(sum(s * w for s, w in zip(shares, weights, strict=True)) / sum(weights))
        found[value] = (len(rows), mean, weighted)
    return found


def test_group_means_are_the_means_of_the_reports_shares(runs, tmp_path, tables_only):
    profiles = read_csv(runs / "t.profiles.csv")
    expected = by_hand(profiles, "region", "_expected_share")
    comparison = compare(read_profiles(runs / "t.profiles.csv"), by="region")
    assert [g.value for g in comparison.groups] == ["乙县", "甲市", ""]  # the blank one last
    assert [g.label for g in comparison.groups][-1] == "(region not given)"
    for group in comparison.groups:
        reports, mean, weighted = expected[group.value]
        assert group.reports == reports
        assert group.mean == pytest.approx(mean, abs=1e-12)
        assert group.weighted == pytest.approx(weighted, abs=1e-12)
    both = next(g for g in comparison.groups if g.value == "甲市")
    assert both.mean != pytest.approx(both.weighted, abs=1e-3)  # the reports differ in length

    write_comparison(comparison, tmp_path / "regions")
    written = {row["region"]: row for row in read_csv(tmp_path / "regions.csv")}
    assert set(written) == {"乙县", "甲市", ""}
    for value, (reports, mean, weighted) in expected.items():
        row = written[value]
        assert int(row["reports"]) == reports
        assert [float(row[f"{t.id}_mean"]) for t in CONTENT] == pytest.approx(mean, abs=6e-5)
        assert [float(row[f"{t.id}_weighted"]) for t in CONTENT] == pytest.approx(
            weighted, abs=6e-5
        )


def test_years_sort_as_numbers_and_each_measure_reads_its_columns(runs):
    profiles = {row["year"]: row for row in read_csv(runs / "t.profiles.csv")}
    table = read_profiles(runs / "t.profiles.csv")
    for measure, suffix in [("characters", "_share"), ("segments", "_segment_share")]:
        comparison = compare(table, by="year", measure=measure)
        assert [g.value for g in comparison.groups] == ["2009", "2016", "2021", "2022"]
        for group in comparison.groups:
            shares = [float(profiles[group.value][f"{t.id}{suffix}"]) for t in CONTENT]
            assert group.mean == pytest.approx(shares) and group.weighted == pytest.approx(shares)
    (line,) = compare(table, by="year").years
    assert (line.label, line.years, line.reports) == ("all reports", (2009, 2016, 2021, 2022), 4)


def test_without_a_column_each_report_is_its_own_group(runs):
    comparison = compare(read_profiles(runs / "t.profiles.csv"))
    names = [Path(row["report"]).name for row in read_csv(runs / "t.profiles.csv")]
    assert [g.label for g in comparison.groups] == names
    assert all(g.reports == 1 and g.mean == pytest.approx(g.weighted) for g in comparison.groups)
    assert comparison.group_column == "report"


def test_csv_jsonl_and_xlsx_profiles_give_the_same_comparison(runs):
    comparisons = [
        compare(read_profiles(runs / name), by=by)
        for by in ("region", "office", "year", None)
        for name in ("t.profiles.csv", "t.profiles.jsonl", "t.xlsx")
    ]
    for first, *others in zip(*[iter(comparisons)] * 3, strict=True):
        for other in others:
            assert [g.value for g in other.groups] == [g.value for g in first.groups]
            for mine, theirs in zip(first.groups, other.groups, strict=True):
                assert mine.reports == theirs.reports
                assert mine.content_characters == theirs.content_characters
                assert mine.mean == pytest.approx(theirs.mean, abs=1e-12)
                assert mine.weighted == pytest.approx(theirs.weighted, abs=1e-12)


def test_text_that_looks_like_a_formula_reads_as_written_and_stays_text(
    runs, tmp_path, tables_only
):
    assert "'=教育局" in (runs / "t.profiles.csv").read_text(encoding="utf-8-sig")
    comparison = compare(read_profiles(runs / "t.profiles.csv"), by="office")
    assert [(g.value, g.reports) for g in comparison.groups] == [
        ("+办公室", 1), ("=教育局", 2), ("@督导室", 1)
    ]  # fmt: skip
    write_comparison(comparison, tmp_path / "offices")
    assert [row["office"] for row in read_csv(tmp_path / "offices.csv")] == [
        "'+办公室", "'=教育局", "'@督导室"
    ]  # fmt: skip
    sheet = load_workbook(tmp_path / "offices.xlsx")["mean"]
    assert [(cell.value, cell.data_type) for cell in sheet["A"][1:]] == [
        ("+办公室", "s"), ("=教育局", "s"), ("@督导室", "s")
    ]  # fmt: skip


def test_the_workbook_holds_native_charts_and_a_colour_scale(runs, tmp_path, tables_only):
    comparison = compare(read_profiles(runs / "t.xlsx"), by="year")
    write_comparison(comparison, tmp_path / "years.xlsx")
    workbook = load_workbook(tmp_path / "years.xlsx")
    assert workbook.sheetnames == ["mean", "weighted", "heatmap", "about"]
    for kind in ("mean", "weighted"):
        sheet = workbook[kind]
        assert [cell.value for cell in sheet[1]] == ["year", "reports", *(t.name for t in CONTENT)]
        assert [row[0].value for row in sheet.iter_rows(min_row=2)] == [2009, 2016, 2021, 2022]
        shares = [[cell.value for cell in row[2:]] for row in sheet.iter_rows(min_row=2)]
        groups = [getattr(group, kind) for group in comparison.groups]
        assert shares == [pytest.approx(group) for group in groups]
        bar, line = sheet._charts
        assert isinstance(bar, BarChart) and (bar.type, bar.grouping) == ("bar", "stacked")
        assert isinstance(line, LineChart)
        for chart in (bar, line):
            assert len(chart.series) == len(CONTENT)
            first, last = chart.series[0], chart.series[-1]
            assert first.tx.strRef.f == f"'{kind}'!C1"
            assert first.val.numRef.f == f"'{kind}'!$C$2:$C$5"
            assert last.val.numRef.f == f"'{kind}'!$R$2:$R$5"
        assert bar.series[0].cat.strRef.f == f"'{kind}'!$A$2:$A$5"
        assert line.series[0].cat.numRef.f == f"'{kind}'!$A$2:$A$5"

    heatmap = workbook["heatmap"]
    assert [cell.value for cell in heatmap[1]][:3] == ["report", "year", CONTENT[0].name]
    assert heatmap.max_row == 5
    (scale,) = heatmap.conditional_formatting
    assert str(scale.sqref) == "C2:R5"
    (rule,) = scale.rules
    assert rule.type == "colorScale"
    assert [value.type for value in rule.colorScale.cfvo] == ["num", "max"]


def test_grouping_by_other_than_year_draws_no_line_chart_in_the_workbook(
    runs, tmp_path, tables_only
):
    write_comparison(compare(read_profiles(runs / "t.profiles.csv"), by="region"), tmp_path / "r")
    workbook = load_workbook(tmp_path / "r.xlsx")
    (bar,) = workbook["mean"]._charts
    assert bar.series[0].val.numRef.f == "'mean'!$C$2:$C$4"
    assert [row[0].value for row in workbook["mean"].iter_rows(min_row=2)] == [
        "乙县", "甲市", "(region not given)"
    ]  # fmt: skip


def svg_text(path: Path) -> str:
    root = ElementTree.parse(path).getroot()
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    return "".join(root.itertext())


def test_png_and_svg_charts_name_the_themes_in_chinese(runs, tmp_path):
    pytest.importorskip("matplotlib")
    comparison = compare(read_profiles(runs / "t.profiles.csv"), by="region")
    files = write_comparison(comparison, tmp_path)
    base = tmp_path / "t.compare-region"
    charts = [
        Path(f"{base}.{name}.{kind}") for name in ("heatmap", "years") for kind in ["png", "svg"]
    ]
    assert set(files.written) == {Path(f"{base}.csv"), Path(f"{base}.xlsx"), *charts}
    for png in charts[::2]:
        assert png.read_bytes().startswith(PNG_SIGNATURE)
    text = svg_text(charts[1]) + svg_text(charts[3])
    if compare_module.cjk_font("".join(t.name for t in CONTENT)) is None:
        assert files.notes and "no Chinese font" in files.notes[0]
        assert all(theme.id in text for theme in CONTENT)
    else:
        assert files.notes == ()
        assert all(theme.name in text for theme in CONTENT)
        assert "甲市" in svg_text(charts[3])  # one line per region over the years
    assert not list(tmp_path.glob("*.partial"))


def test_without_a_chinese_font_the_charts_name_themes_by_id(runs, tmp_path, monkeypatch):
    pytest.importorskip("matplotlib")
    monkeypatch.setattr(compare_module, "cjk_font", lambda text: None)
    files = write_comparison(compare(read_profiles(runs / "t.profiles.csv")), tmp_path / "c")
    assert files.notes == (
        "no Chinese font found (apt install fonts-noto-cjk or fonts-wqy-zenhei):"
        " the PNG and SVG charts name the themes by id",
    )
    text = svg_text(tmp_path / "c.heatmap.svg")
    assert all(theme.id in text and theme.name not in text for theme in CONTENT)


def test_without_matplotlib_the_tables_are_written_and_old_charts_removed(
    runs, tmp_path, monkeypatch
):
    comparison = compare(read_profiles(runs / "t.profiles.csv"), by="year")
    write_comparison(comparison, tmp_path / "c")  # with charts, when matplotlib is installed
    monkeypatch.setitem(sys.modules, "matplotlib", None)  # import matplotlib now fails
    files = write_comparison(comparison, tmp_path / "c")
    assert files.written == (tmp_path / "c.csv", tmp_path / "c.xlsx")
    assert files.notes == (
        "PNG and SVG charts not drawn: matplotlib is not installed"
        " (pip install 'themetag[charts]')",
    )
    assert sorted(path.name for path in tmp_path.iterdir()) == ["c.csv", "c.xlsx"]


def test_reports_of_one_year_draw_no_chart_over_years(runs, tmp_path):
    pytest.importorskip("matplotlib")
    rows = read_csv(runs / "t.profiles.csv")
    one_year = tmp_path / "one.profiles.csv"
    with open(one_year, "w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows({**row, "year": "2020"} for row in rows)
    files = write_comparison(compare(read_profiles(one_year), by="level"), tmp_path)
    assert files.notes == ("no chart over years: the reports are all of one year",)
    assert not list(tmp_path.glob("*.years.*"))


def test_a_missing_column_names_the_columns_there_are(runs):
    table = read_profiles(runs / "t.profiles.csv")
    with pytest.raises(UsageError) as caught:
        compare(table, by="province")
    assert str(caught.value) == (
        f"cannot compare by 'province': {runs / 't.profiles.csv'} has no such column; it can be"
        " compared by title, year, issuer, level, kind, region, office"
        " (or report by report, without a column)"
    )
    with pytest.raises(UsageError, match="no measure 'words': choose one of expected, characters"):
        compare(table, measure="words")  # type: ignore[arg-type]


def test_what_is_not_a_readable_profiles_table_is_a_usage_error(runs, tmp_path):
    broken = tmp_path / "broken.xlsx"
    broken.write_bytes(b"not a zip file")
    cases = [
        (runs / "t.csv", "is not a profiles table: it lacks segments, content_characters, the"),
        (runs / "missing.csv", "there is no such file"),
        (runs / "manifest.csv", "is not a profiles table"),
        (runs / "reports" / "xx_report.txt", "a profiles table is a .csv, .jsonl or .xlsx file"),
        (broken, f"cannot read {broken}: "),
    ]
    for path, message in cases:
        with pytest.raises(UsageError) as caught:
            read_profiles(path)
        assert message in str(caught.value) and caught.value.exit_code == 2


def test_the_comparison_is_not_written_over_its_profiles(runs, tmp_path):
    profiles = tmp_path / "t.xlsx"
    shutil.copy(runs / "t.xlsx", profiles)
    comparison = compare(read_profiles(profiles), by="year")
    with pytest.raises(UsageError, match="it is the profiles table being compared"):
        write_comparison(comparison, tmp_path / "t")
    with pytest.raises(UsageError, match="there is no folder"):
        write_comparison(comparison, tmp_path / "nowhere" / "c")


def test_the_default_base_is_beside_the_profiles():
    assert comparison_base(Path("out/t.profiles.csv"), "year") == Path("out/t.compare-year")
    assert comparison_base(Path("t.xlsx"), None) == Path("t.compare-reports")
    assert comparison_base(Path("t.profiles.jsonl"), "地区/省") == Path("t.compare-地区_省")


def test_the_command_line_compares_and_says_what_it_wrote(runs, tmp_path):
    output = tmp_path / "by-region"
    result = themetag("compare", runs / "t.profiles.csv", "--by", "region", "-o", output)
    assert result.returncode == 0, result.stderr
    assert f"  wrote {output}.csv" in result.stderr and f"  wrote {output}.xlsx" in result.stderr
    rows = read_csv(Path(f"{output}.csv"))
    assert {row["region"]: row["reports"] for row in rows} == {
        "甲市": "2",
        "乙县": "1",
        "": "1",  # the reports the manifest gives no region
    }
    missing = themetag("compare", runs / "t.profiles.csv", "--by", "province")
    assert missing.returncode == 2 and "cannot compare by 'province'" in missing.stderr
