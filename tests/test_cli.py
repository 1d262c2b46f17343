import json

from files import themetag

REPORT = (
    "XX县教育局2020年工作总结\n"
    "一、校园安全。开展隐患排查，整改问题12处。\n"
    "二、学生资助。发放助学金300万元。\n"
)


def test_tag_writes_one_json_row_per_segment_and_names_bad_files(tmp_path):
    good = tmp_path / "report.txt"
    good.write_text(REPORT, encoding="utf-8")
    gbk = tmp_path / "gbk.txt"
    gbk.write_bytes(REPORT.encode("gb18030"))
    empty = tmp_path / "empty.txt"
    empty.write_bytes(b"")
    output = tmp_path / "out.jsonl"
    result = themetag("tag", str(good), str(empty), str(gbk), "-o", str(output))
    assert result.returncode == 1
    assert "empty.txt" in result.stderr and "empty" in result.stderr
    rows = [json.loads(line) for line in output.read_text(encoding="utf-8").splitlines()]
    assert [r["report"] for r in rows] == [str(good)] * 3 + [str(gbk)] * 3
    assert [r["segment"] for r in rows[:3]] == [1, 2, 3]
    first = rows[1]
    assert REPORT[first["start"] : first["end"]] == first["text"]
    assert set(first) >= {"theme", "name", "confidence", "runner_up", "runner_up_confidence"}
    assert first["confidence"] >= first["runner_up_confidence"]
    assert not list(tmp_path.glob("*.partial"))


def test_tag_prints_to_stdout_and_exits_zero_when_all_succeed(tmp_path):
    good = tmp_path / "report.txt"
    good.write_text(REPORT, encoding="utf-8")
    result = themetag("tag", str(good))
    assert result.returncode == 0
    assert len(result.stdout.splitlines()) == 3


def test_a_missing_file_is_reported_and_usage_errors_exit_two(tmp_path):
    result = themetag("tag", str(tmp_path / "nope.txt"))
    assert result.returncode == 1
    assert "nope.txt" in result.stderr
    assert themetag("tag").returncode == 2
    assert themetag("frobnicate").returncode == 2


def test_an_unwritable_output_is_a_clear_error(tmp_path):
    good = tmp_path / "report.txt"
    good.write_text(REPORT, encoding="utf-8")
    result = themetag("tag", str(good), "-o", str(tmp_path / "missing" / "out.jsonl"))
    assert result.returncode == 2
    assert "cannot write" in result.stderr and "does not exist" in result.stderr


def test_train_subcommand_shows_the_training_options():
    result = themetag("train", "--help")
    assert result.returncode == 0
    assert "--corpus" in result.stdout


def test_top_k_writes_the_best_themes_with_their_probabilities(tmp_path):
    import csv

    good = tmp_path / "report.txt"
    good.write_text(REPORT, encoding="utf-8")
    output = tmp_path / "out.csv"
    assert themetag("tag", good, "-o", output, "--top", "3", "-q").returncode == 0
    with open(output, encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert list(rows[0])[-9:] == [
        f"top{rank}{part}" for rank in (1, 2, 3) for part in ("", "_name", "_confidence")
    ]
    for row in rows:
        assert row["top1"] == row["theme"] and row["top2"] == row["runner_up"]
        assert row["top1_name"] == row["name"]
        confidences = [float(row[f"top{rank}_confidence"]) for rank in (1, 2, 3)]
        assert confidences == sorted(confidences, reverse=True) and sum(confidences) <= 1.0001
    plain = tmp_path / "plain.jsonl"
    assert themetag("tag", good, "-o", plain, "-q").returncode == 0
    assert "top1" not in json.loads(plain.read_text(encoding="utf-8").splitlines()[0])
    assert themetag("tag", good, "--top", "-1").returncode == 2
