"""Bad input and faults: each gets a result or an error naming the problem, never a traceback;
docs/ROBUSTNESS.md lists every case with the test that checks it."""

import csv
import json
import shutil
from pathlib import Path

import numpy as np
import opencc
import pytest
from files import LINES, REPORT, themetag, write_docx, write_pdf, write_txt

from themetag import load_model, split_report, tag, tag_files, tag_many, tag_report
from themetag.errors import ModelFileError, UnreadableReport
from themetag.model import CARD_FILE, MODEL_FILE, MODEL_FORMAT, save_model
from themetag.readers import read_report
from themetag.text.normalize import to_simplified

AID = "全年发放国家助学金和营养改善计划补助资金860万元，惠及家庭经济困难学生4120人次。"
MIXED = "全年發放國家助学金和营养改善計劃补助资金860萬元，惠及家庭經濟困难学生4120人次。"
BLANK = "expected text with content, got an empty or whitespace-only string"
NO_SEGMENT = "the report has no segment with letters, digits or Chinese characters"


def run(*args):
    """The command line's result, after checking that it printed no traceback."""
    result = themetag(*args)
    assert "Traceback" not in result.stderr, result.stderr
    return result


def same_tag(one, other):
    assert dict(one.ranking) == pytest.approx(dict(other.ranking), abs=1e-6)
    assert one.theme == other.theme


# Text given to the Python API.


@pytest.mark.parametrize("blank", ["", "   \n\t", "\u3000\xa0\u2028\x0c"], ids=repr)
@pytest.mark.parametrize("call", [tag, tag_report, lambda text: tag_many([text])])
def test_empty_and_whitespace_text_is_refused(blank, call):
    with pytest.raises(ValueError, match=BLANK):
        call(blank)


@pytest.mark.parametrize(
    "bad", [None, 42, 3.5, b"\xe5\xad\xa6\xe7\x94\x9f", bytearray(b"abc")], ids=repr
)
def test_non_text_is_refused_by_tag_tag_many_and_tag_report(bad):
    kind = type(bad).__name__
    with pytest.raises(TypeError, match=f"^expected text as str, got {kind}$"):
        tag(bad)
    with pytest.raises(TypeError, match=f"a list of its segments \\(str\\), got {kind}$"):
        tag_report(bad)
    with pytest.raises(TypeError, match=f"^segment 2 is a {kind}, not a str$"):
        tag_report([AID, bad])
    with pytest.raises(TypeError, match=f"^expected text as str, got {kind}$"):
        tag_many([AID, bad])
    with pytest.raises(TypeError, match=f"^tag_many expects a list of texts, got {kind};"):
        tag_many(bad)


@pytest.mark.parametrize(
    "noise",
    ["\x00\x01\x07\x1b\x7f", "😀🎓👍", "\ud800\udfff", "\u200b\ufeff", "\ue000"],
    ids=["control characters", "emoji", "lone surrogates", "zero-width and BOM", "private use"],
)
def test_odd_characters_get_a_tag_and_do_not_move_one(small_model, noise):
    alone = tag(noise, model=small_model)
    assert sorted(theme for theme, _ in alone.ranking) == sorted(small_model.classes_)
    assert sum(p for _, p in alone.ranking) == pytest.approx(1.0, abs=1e-6)
    # Characters no report contains carry no evidence: the segment's tag stays as it was.
    same_tag(tag(AID + noise, model=small_model), tag(AID, model=small_model))
    (batched,) = tag_many([AID + noise], model=small_model)
    same_tag(batched, tag(AID, model=small_model))
    report = tag_report(f"{AID}\n{noise}\n{AID}{noise}", model=small_model)
    assert [s.text for s in report.segments] == [AID, AID + noise]


@pytest.mark.parametrize("text", ["\ud800", "\x00\x01", "——\n。。\n", "\u200b"], ids=repr)
def test_text_with_no_segment_gets_a_tag_but_no_report(small_model, text):
    assert tag(text, model=small_model).theme in small_model.classes_
    with pytest.raises(ValueError, match=f"^{NO_SEGMENT}$"):
        tag_report(text, model=small_model)


def test_text_without_chinese_gets_a_tag_and_segments(small_model):
    result = tag("Page 3 of 7 | Download PDF", model=small_model)
    assert result.theme in small_model.classes_ and 0 < result.confidence <= 1
    report = tag_report("Page 3 of 7\n\nDownload PDF (1.2 MB)\n", model=small_model)
    assert [s.text for s in report.segments] == ["Page 3 of 7", "Download PDF (1.2 MB)"]


def test_mixed_traditional_and_simplified_text_tags_as_simplified(small_model):
    simplified = to_simplified(MIXED)
    assert simplified == AID  # the mix is AID with some characters traditional
    traditional = opencc.OpenCC("s2t").convert(AID)
    for text in (MIXED, traditional):
        same_tag(tag(text, model=small_model), tag(AID, model=small_model))
    first, second = tag_report(
        f"一、学生資助。{MIXED}\n一、學生资助。{AID}", model=small_model
    ).segments
    same_tag(first.tag, second.tag)


def test_a_50_mb_report_is_tagged_whole(small_model):
    copies = -(-50 * 2**20 // len(REPORT.encode()))
    text = REPORT * copies
    one = tag_report(REPORT, model=small_model)
    report = tag_report(text, model=small_model)
    per_copy = len(one.segments)
    assert len(report.segments) == per_copy * copies
    for index in [0, per_copy + 1, len(report.segments) // 2, len(report.segments) - 1]:
        segment, model_segment = report.segments[index], one.segments[index % per_copy]
        offset = len(REPORT) * (index // per_copy)
        assert (segment.start, segment.end) == (
            model_segment.start + offset,
            model_segment.end + offset,
        )
        assert text[segment.start : segment.end] == segment.text == model_segment.text
        same_tag(segment.tag, model_segment.tag)
    assert [(s.theme, s.segments) for s in report.profile] == [
        (s.theme, s.segments * copies) for s in one.profile
    ]


def test_a_run_on_report_without_line_breaks_is_cut_at_every_item():
    unit = "一是开展校园安全隐患大排查，整改隐患27处。二是落实资助政策，发放助学金。"
    copies = 4 * 2**20 // len(unit.encode())
    text = unit * copies
    spans = split_report(text)
    assert len(spans) == 2 * copies
    assert [text[s.start : s.end] for s in spans[:2]] == [unit[:22], unit[22:]]


# Report files.


@pytest.fixture(scope="module")
def made(tmp_path_factory):
    """One good PDF and docx, as bytes, to copy under wrong names and to cut short."""
    folder = tmp_path_factory.mktemp("made")
    return {
        "pdf": write_pdf(folder / "r.pdf").read_bytes(),
        "docx": write_docx(folder / "r.docx").read_bytes(),
    }


@pytest.mark.parametrize("data", [b"", b" \r\n\t "], ids=["zero bytes", "whitespace"])
@pytest.mark.parametrize("suffix", [".txt", ".docx", ".pdf", ".html"])
def test_zero_byte_files_are_empty(tmp_path, suffix, data):
    path = tmp_path / f"zero{suffix}"
    path.write_bytes(data)
    with pytest.raises(UnreadableReport, match="^the file is empty$"):
        read_report(path)


@pytest.mark.parametrize(
    ("content", "name"),
    [
        ("pdf", "report.txt"),
        ("pdf", "report.docx"),
        ("pdf", "report.html"),
        ("docx", "report.pdf"),
        ("docx", "report.txt"),
        ("docx", "report.htm"),
    ],
)
def test_files_with_a_wrong_extension_are_read_by_their_content(made, tmp_path, content, name):
    path = tmp_path / name
    path.write_bytes(made[content])
    text = read_report(path)
    for line in LINES:
        assert line in text


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        ("report.pdf", "^not a PDF file: no %PDF- header at its start$"),
        ("report.docx", r"^not a readable \.docx file: not a zip archive"),
    ],
)
def test_text_named_as_pdf_or_docx_says_what_it_is_not(tmp_path, name, reason):
    path = tmp_path / name
    path.write_text(REPORT, encoding="utf-8")
    with pytest.raises(UnreadableReport, match=reason):
        read_report(path)


@pytest.mark.parametrize("cut", [0.1, 0.5, 0.9, -10])
@pytest.mark.parametrize(
    ("content", "name", "reason"),
    [
        ("docx", "cut.docx", r"^not a readable \.docx file: damaged or truncated"),
        ("pdf", "cut.pdf", "^not a readable PDF: damaged or truncated"),
        ("pdf", "cut.txt", r"^a \.pdf file named \.txt: not a readable PDF: damaged or truncated"),
    ],
)
def test_truncated_docx_and_pdf_are_named_damaged(made, tmp_path, content, name, reason, cut):
    data = made[content]
    path = tmp_path / name
    path.write_bytes(data[: int(len(data) * cut)] if cut > 0 else data[:cut])
    with pytest.raises(UnreadableReport, match=reason):
        read_report(path)


@pytest.mark.parametrize(
    "text",
    [
        "豆丁文库",
        "上传者：",
        "一、全县",
        "市教育局",
        "松苑区人民政府",
        "发布时间：2019-11-06 10:40",
    ],
)
def test_short_gbk_text_named_txt_is_read_as_gbk(tmp_path, text):
    path = tmp_path / "short.txt"
    path.write_bytes(text.encode("gbk"))
    assert read_report(path) == text


@pytest.mark.parametrize("encoding", ["gbk", "gb18030", "big5", "utf-16-le", "utf-16-be"])
def test_chinese_text_without_a_bom_is_decoded(tmp_path, encoding):
    text = opencc.OpenCC("s2t").convert(REPORT) if encoding == "big5" else REPORT
    path = tmp_path / "report.txt"
    path.write_bytes(text.encode(encoding))
    assert read_report(path) == text


@pytest.mark.parametrize(
    ("name", "data", "reason"),
    [
        ("junk.html", bytes(range(256)) * 20, "^binary data, not a web page$"),
        ("zeros.txt", b"\x00" * 4096, "^binary data, not text in UTF-8"),
    ],
)
def test_binary_junk_is_not_taken_for_text(tmp_path, name, data, reason):
    path = tmp_path / name
    path.write_bytes(data)
    with pytest.raises(UnreadableReport, match=reason):
        read_report(path)


def test_missing_paths_are_named_not_taken_for_unknown_types(tmp_path, small_model):
    for missing in [tmp_path / "nope.txt", tmp_path / "no-such-folder"]:
        with pytest.raises(UnreadableReport, match="^No such file or directory$"):
            read_report(missing)
    good = write_txt(tmp_path / "good.txt")
    results = list(tag_files([tmp_path / "nope.txt", good], model=small_model))
    assert [r.error for r in results] == ["No such file or directory", None]
    assert results[1].rows and results[1].rows[0].text == LINES[0]


def test_tag_files_takes_one_path_as_one_path(tmp_path, small_model):
    write_txt(tmp_path / "good.txt")
    (result,) = tag_files(str(tmp_path), model=small_model)
    assert result.error is None and result.path == str(tmp_path / "good.txt")
    assert list(tag_files(tmp_path / "good.txt", model=small_model))[0].rows == result.rows


def test_tag_files_on_a_folder_without_reports_yields_nothing(tmp_path, small_model):
    (tmp_path / "notes.xyz").write_text("不是报告", encoding="utf-8")
    assert list(tag_files([tmp_path], model=small_model)) == []


# The command line.


@pytest.fixture(scope="module")
def model_dir(small_model, tmp_path_factory):
    return save_model(small_model, tmp_path_factory.mktemp("model") / "m")


def read_csv(path):
    with open(path, encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle))


def test_cli_tags_the_good_files_and_names_each_bad_one(made, model_dir, tmp_path):
    folder = tmp_path / "reports"
    folder.mkdir()
    write_txt(folder / "a_utf8.txt")
    write_txt(folder / "b_gbk.txt", "gbk")
    (folder / "c_pdf_named.txt").write_bytes(made["pdf"])
    (folder / "d_docx_named.pdf").write_bytes(made["docx"])
    bad = {
        "e_zero.docx": (b"", "the file is empty"),
        "f_zero.pdf": (b"", "the file is empty"),
        "g_cut.docx": (made["docx"][:5000], "not a readable .docx file: damaged or truncated"),
        "h_cut.pdf": (made["pdf"][:1000], "not a readable PDF: damaged or truncated"),
        "i_junk.html": (bytes(range(256)) * 20, "binary data, not a web page"),
    }
    for name, (data, _) in bad.items():
        (folder / name).write_bytes(data)
    output = tmp_path / "tags.csv"
    result = run("tag", folder, "-o", output, "--model", model_dir, "-q")
    assert result.returncode == 1
    rows = read_csv(output)
    good = ["a_utf8.txt", "b_gbk.txt", "c_pdf_named.txt", "d_docx_named.pdf"]
    assert sorted({Path(r["report"]).name for r in rows}) == good
    for row in rows:
        text = read_report(row["report"])
        assert text[int(row["start"]) : int(row["end"])] == row["text"]
    errors = {Path(r["report"]).name: r["error"] for r in read_csv(tmp_path / "tags.errors.csv")}
    assert set(errors) == set(bad)
    for name, (_, reason) in bad.items():
        assert errors[name].startswith(reason)
        assert f"could not tag {folder / name}: {reason}" in result.stderr


def test_cli_names_a_path_that_does_not_exist_and_tags_the_rest(model_dir, tmp_path):
    good = write_txt(tmp_path / "good.txt")
    result = run("tag", tmp_path / "nope.txt", tmp_path / "gone", good, "--model", model_dir)
    assert result.returncode == 1
    for missing in ["nope.txt", "gone"]:
        assert f"could not tag {tmp_path / missing}: No such file or directory" in result.stderr
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert {row["report"] for row in rows} == {str(good)} and len(rows) == len(LINES)


def test_cli_on_a_folder_without_reports_exits_one(model_dir, tmp_path):
    (tmp_path / "notes.xyz").write_text("不是报告", encoding="utf-8")
    (tmp_path / ".hidden").mkdir()
    write_txt(tmp_path / ".hidden" / "report.txt")
    result = run("tag", tmp_path, "--model", model_dir)
    assert result.returncode == 1
    assert f"no report files found in {tmp_path}" in result.stderr
    assert result.stdout == ""


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--format", "csv"], "themetag tag: --format csv needs an output file: add -o FILE"),
        (["--resume"], "themetag tag: --resume needs the -o FILE of the interrupted run"),
        (["--jobs", "0"], "themetag tag: --jobs must be 1 or more"),
        (["--jobs", "x"], "argument --jobs: invalid int value: 'x'"),
        (["--format", "doc"], "argument --format: invalid choice: 'doc'"),
    ],
)
def test_cli_usage_errors_exit_two(model_dir, tmp_path, args, message):
    result = run("tag", write_txt(tmp_path / "good.txt"), "--model", model_dir, *args)
    assert result.returncode == 2 and message in result.stderr and result.stdout == ""


def _refuses_new_files(folder: Path) -> bool:
    probe = folder / "themetag-write-probe"
    try:
        probe.write_bytes(b"")
    except OSError:
        return True
    probe.unlink()
    return False


@pytest.fixture()
def read_only_folder(tmp_path):
    """A folder this process cannot create files in; /proc/sys when root ignores chmod."""
    folder = tmp_path / "read-only"
    folder.mkdir()
    folder.chmod(0o555)
    if _refuses_new_files(folder):
        yield folder
    elif Path("/proc/sys").is_dir() and _refuses_new_files(Path("/proc/sys")):
        yield Path("/proc/sys")
    else:
        pytest.skip("running as root: chmod does not stop writes and no read-only folder exists")
    folder.chmod(0o755)


@pytest.mark.parametrize("option", ["-o", "--html"])
def test_cli_refuses_output_it_cannot_write_before_tagging(
    model_dir, tmp_path, read_only_folder, option
):
    good = write_txt(tmp_path / "good.txt")
    cases = [
        (tmp_path / "missing" / "out.jsonl", f"folder {tmp_path / 'missing'} does not exist"),
        (read_only_folder / "out.jsonl", f"folder {read_only_folder} is not writable"),
        (tmp_path, f"cannot write {tmp_path}: it is a folder, not a file"),
    ]
    for target, message in cases:
        result = run("tag", good, option, target, "--model", model_dir)
        assert result.returncode == 2, target
        assert message in result.stderr
        assert result.stdout == ""
    assert not list(tmp_path.glob("*.journal")) and not (tmp_path / "missing").exists()


def _break_model(saved: Path, kind: str, tmp_path: Path) -> Path:
    """A copy of a saved model, damaged in one way."""
    if kind == "missing":
        return tmp_path / "no-model-here"
    broken = tmp_path / kind
    shutil.copytree(saved, broken)
    model_file, card_file = broken / MODEL_FILE, broken / CARD_FILE
    card = json.loads(card_file.read_text(encoding="utf-8"))
    if kind == "truncated":
        data = model_file.read_bytes()
        model_file.write_bytes(data[: len(data) // 2])
    elif kind == "newer format":
        card["format"] = MODEL_FORMAT + 1
    elif kind == "theme names not text":
        card["themes"]["safety"] = 3
    elif kind == "card not an object":
        card = [card]
    elif kind == "arrays that do not fit":
        with np.load(model_file) as stored:
            arrays = {name: stored[name] for name in stored.files}
        arrays["weights"] = arrays["weights"][:, :-1]
        with open(model_file, "wb") as stream:
            np.savez(stream, **arrays)
    card_file.write_text(json.dumps(card), encoding="utf-8")
    return broken


MODEL_FAULTS = {
    "missing": "no model file at",
    "truncated": "cannot load model file",
    "newer format": f"is in format {MODEL_FORMAT + 1}, this themetag reads format {MODEL_FORMAT}",
    "theme names not text": "is from an incompatible version",
    "card not an object": "is missing or damaged: it holds a JSON list",
    "arrays that do not fit": "do not fit",
}


@pytest.mark.parametrize("kind", MODEL_FAULTS)
def test_load_model_names_a_missing_damaged_or_incompatible_model(model_dir, tmp_path, kind):
    with pytest.raises(ModelFileError, match=MODEL_FAULTS[kind]):
        load_model(_break_model(model_dir, kind, tmp_path))


@pytest.mark.parametrize("kind", MODEL_FAULTS)
def test_cli_with_a_missing_damaged_or_incompatible_model_exits_two(model_dir, tmp_path, kind):
    good = write_txt(tmp_path / "good.txt")
    output = tmp_path / "out.jsonl"
    result = run("tag", good, "-o", output, "--model", _break_model(model_dir, kind, tmp_path))
    assert result.returncode == 2
    assert result.stderr.startswith("themetag tag: ") and MODEL_FAULTS[kind] in result.stderr
    assert not output.exists() and not list(tmp_path.glob("out.*"))


def test_the_cli_exits_zero_when_every_report_is_tagged(model_dir, tmp_path):
    """The baseline the other exit codes are told apart from."""
    good = write_txt(tmp_path / "good.txt")
    result = run("tag", good, "--model", model_dir)
    assert result.returncode == 0 and len(result.stdout.splitlines()) == len(LINES)
