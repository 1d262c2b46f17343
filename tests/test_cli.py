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
