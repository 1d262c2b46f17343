"""The HTML page as a reader sees it: opened in headless Chromium, its labels, filters,
sorting and review mode checked in the rendered page; its large-run layout and atomic writing."""

from __future__ import annotations

import base64
import csv
import dataclasses
import io
import json
import os
import select
import shutil
import statistics
import subprocess
import time
from pathlib import Path
from typing import Any

import pytest
from files import REPORT, themetag

from themetag.api import load_model
from themetag.errors import UsageError
from themetag.run import ReportResult, SegmentRow
from themetag.run.review import segment_context
from themetag.run.tasks import tag_file_batch, tag_texts
from themetag.training.corpus import PROJECT_ROOT
from themetag.writers import page
from themetag.writers.page import ONE_PAGE_REPORTS, write_page
from themetag.writers.review import REVIEW_COLUMNS
from themetag.writers.tables import FORMULA_START, Record, segment_record, write_csv

CHROMIUM = next(
    filter(None, map(shutil.which, ("chromium", "chromium-browser", "google-chrome"))), None
)
EXAMPLES = sorted((PROJECT_ROOT / "examples").glob("*.txt"))
SCREENSHOT = PROJECT_ROOT / "docs" / "page.png"
ANSWER_SECONDS = 60


class Chromium:
    """Headless Chromium driven over the DevTools protocol on a pipe (--remote-debugging-pipe):
    JSON messages, each ended by a NUL byte, so that no package beyond the browser is needed."""

    def __init__(self, profile: Path) -> None:
        commands_read, self._commands = os.pipe()
        self._answers, answers_write = os.pipe()

        def on_fds_3_and_4() -> None:
            # Chromium reads commands on fd 3 and answers on fd 4; the ends are copied first,
            # as one of them may already be 3 or 4.
            read, write = os.dup(commands_read), os.dup(answers_write)
            os.dup2(read, 3)
            os.dup2(write, 4)

        # Chromium refuses to run as root inside its sandbox.
        sandbox = ["--no-sandbox"] if os.geteuid() == 0 else []
        self._process = subprocess.Popen(
            [CHROMIUM, "--headless", "--disable-gpu", "--hide-scrollbars", *sandbox,
             "--remote-debugging-pipe", f"--user-data-dir={profile}", "about:blank"],
            preexec_fn=on_fds_3_and_4,
            pass_fds=(3, 4),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )  # fmt: skip
        os.close(commands_read)
        os.close(answers_write)
        self._buffer = b""
        self._last_id = 0
        self._events: list[dict] = []
        target = self._send("Target.createTarget", url="about:blank")["targetId"]
        self._session = self._send("Target.attachToTarget", targetId=target, flatten=True)[
            "sessionId"
        ]
        self.send("Page.enable")
        self.send("Emulation.setDeviceMetricsOverride", width=1100, height=1400,
                  deviceScaleFactor=1, mobile=False)  # fmt: skip

    def _message(self) -> dict:
        while b"\0" not in self._buffer:
            if not select.select([self._answers], [], [], ANSWER_SECONDS)[0]:
                raise TimeoutError(f"Chromium did not answer in {ANSWER_SECONDS} s")
            chunk = os.read(self._answers, 1 << 20)
            if not chunk:
                raise EOFError("Chromium ended")
            self._buffer += chunk
        message, self._buffer = self._buffer.split(b"\0", 1)
        return json.loads(message)

    def _send(self, method: str, session: str | None = None, **params: object) -> dict:
        self._last_id += 1
        message = {"id": self._last_id, "method": method, "params": params}
        if session:
            message["sessionId"] = session
        os.write(self._commands, json.dumps(message).encode() + b"\0")
        while True:
            answer = self._message()
            if answer.get("id") == self._last_id:
                if "error" in answer:
                    raise RuntimeError(f"{method}: {answer['error']}")
                return answer["result"]
            self._events.append(answer)

    def send(self, method: str, **params: object) -> dict:
        return self._send(method, self._session, **params)

    def _wait_for(self, event: str) -> None:
        while not any(message.get("method") == event for message in self._events):
            self._events.append(self._message())
        self._events.clear()

    def evaluate(self, expression: str) -> Any:
        answer = self.send(
            "Runtime.evaluate", expression=expression, awaitPromise=True, returnByValue=True
        )
        if "exceptionDetails" in answer:
            raise RuntimeError(answer["exceptionDetails"])
        return answer["result"].get("value")

    def open(self, url: str) -> float:
        """Open a page; the seconds from asking for it to its first frame after loading."""
        self._events.clear()
        self.send("Page.navigate", url=url)
        self._wait_for("Page.loadEventFired")
        drawn = "new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))"
        return self.evaluate(f"{drawn}.then(() => performance.now())") / 1000

    def click(self, selector: str) -> None:
        """Click the element as a mouse would, at its middle."""
        x, y = self.evaluate(
            f"(() => {{ const e = document.querySelector({json.dumps(selector)});"
            " e.scrollIntoView({block: 'center'}); const r = e.getBoundingClientRect();"
            " return [r.x + r.width / 2, r.y + r.height / 2]; })()"
        )
        for kind in ("mousePressed", "mouseReleased"):
            self.send("Input.dispatchMouseEvent", type=kind, x=x, y=y, button="left", clickCount=1)

    def download(self, selector: str, folder: Path) -> Path:
        """Click what downloads a file; the file, once the browser has saved it in `folder`."""
        folder.mkdir()
        self._send("Browser.setDownloadBehavior", behavior="allow", downloadPath=str(folder))
        self.click(selector)
        deadline = time.monotonic() + ANSWER_SECONDS
        # Chromium saves it as a .crdownload file and renames it when it is complete.
        while not (done := [p for p in folder.iterdir() if p.suffix != ".crdownload"]):
            if time.monotonic() > deadline:
                raise TimeoutError(f"no download in {ANSWER_SECONDS} s")
            time.sleep(0.05)
        [path] = done
        return path

    def screenshot(self, path: Path) -> None:
        path.write_bytes(base64.b64decode(self.send("Page.captureScreenshot")["data"]))

    def close(self) -> None:
        self._process.kill()
        self._process.wait()
        os.close(self._commands)
        os.close(self._answers)


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    if CHROMIUM is None:
        pytest.skip("Chromium is not installed (apt-get install chromium): no page is opened")
    chromium = Chromium(tmp_path_factory.mktemp("chromium"))
    yield chromium
    chromium.close()


@pytest.fixture(scope="module")
def examples() -> list[ReportResult]:
    """The team's examples tagged, named as in the project (examples/…), not by where it is."""
    results = tag_file_batch([str(path) for path in EXAMPLES], load_model())
    for result in results:
        result.path = str(Path(result.path).relative_to(PROJECT_ROOT))
        assert result.profile
        result.profile = dataclasses.replace(result.profile, report=result.path)
    return results


def segments_shown(browser: Chromium) -> list[dict]:
    """Every segment of the open page: its theme, label, confidence, review flag, visibility."""
    return browser.evaluate(
        "[...document.querySelectorAll('.segment')].map(s => ({theme: s.dataset.theme,"
        " label: s.querySelector('.tag').textContent, text: s.lastChild.textContent,"
        " confidence: Number(s.dataset.confidence), review: s.dataset.review === '1',"
        " shown: !s.hidden && s.getBoundingClientRect().height > 0}))"
    )


def test_the_page_shows_every_segment_with_its_theme_label(examples, browser, tmp_path):
    path = tmp_path / "page.html"
    write_page(examples, path, load_model().names)
    browser.open(path.as_uri())
    rows = [row for result in examples for row in result.rows]
    shown = segments_shown(browser)
    assert [(s["theme"], s["label"], s["text"]) for s in shown] == [
        (row.theme, f"{row.name} {row.confidence:.2f}", row.text) for row in rows
    ]
    assert all(s["shown"] for s in shown)
    assert browser.evaluate("document.getElementById('shown').textContent") == (
        f"{len(rows)} of {len(rows)} segments shown"
    )
    summary = browser.evaluate("document.querySelector('h1').textContent")
    assert summary == f"themetag: {len(examples)} reports, {len(rows)} segments"
    headings = browser.evaluate("[...document.querySelectorAll('h2')].map(h => h.textContent)")
    lines = browser.evaluate(
        "[...document.querySelectorAll('section > .meta')].map(p => p.textContent)"
    )
    profiles = [result.profile for result in examples if result.profile]
    assert headings == [profile.meta.title for profile in profiles]
    assert lines == [
        f"{p.meta.year} · {p.meta.issuer} · {p.meta.kind} · {p.report} · {p.segments} segments,"
        f" {p.characters:,} characters"
        for p in profiles
    ]
    legend = browser.evaluate("[...document.querySelectorAll('.chip')].map(c => c.textContent)")
    assert legend == list(load_model().names.values())


def test_the_query_filters_segments_by_theme_confidence_and_review(examples, browser, tmp_path):
    path = tmp_path / "page.html"
    write_page(examples, path, load_model().names)
    browser.open(f"{path.as_uri()}?theme=safety,teachers,overview&min=0.9&max=1&review=none")
    shown = segments_shown(browser)
    expected = [
        s["theme"] in {"safety", "teachers", "overview"} and s["confidence"] >= 0.9
        and not s["review"]
        for s in shown
    ]  # fmt: skip
    assert [s["shown"] for s in shown] == expected
    assert 0 < sum(expected) < len(shown)
    checked = browser.evaluate(
        "[...document.querySelectorAll('input.theme:checked')].map(b => b.value)"
    )
    assert checked == ["teachers", "safety", "overview"]  # in the order of labels.yaml


def test_a_click_on_a_theme_hides_its_segments_and_is_kept_in_the_address(
    examples, browser, tmp_path
):
    path = tmp_path / "page.html"
    write_page(examples, path, load_model().names)
    browser.open(path.as_uri())
    browser.click("input.theme[value=safety]")
    shown = segments_shown(browser)
    assert [s["shown"] for s in shown] == [s["theme"] != "safety" for s in shown]
    assert "theme=party_building," in browser.evaluate("location.search")
    browser.click("button[data-every='0']")
    assert not any(s["shown"] for s in segments_shown(browser))


# The examples in order (city 2009, county 2022, district 2016) as each key sorts them: by name
# in Chinese collation (pinyin: 柳塘区, 青禾县, with the Latin XX市 after), by year, by share.
@pytest.mark.parametrize(
    ("key", "order"), [("name", [2, 1, 0]), ("year", [0, 2, 1]), ("share:safety", [2, 0, 1])]
)
def test_the_query_sorts_the_reports(examples, browser, tmp_path, key, order):
    path = tmp_path / "page.html"
    write_page(examples, path, load_model().names)
    browser.open(f"{path.as_uri()}?sort={key}")
    lists = browser.evaluate(
        "[...document.querySelectorAll('.reports')].map(list =>"
        " [...list.children].map(item => item.dataset.name))"
    )
    titles = [examples[number].profile.meta.title for number in order]
    assert lists == [titles, titles]  # the list at the top and the reports' sections


def test_hostile_report_text_and_names_stay_text(browser, tmp_path):
    hostile = (
        "</textarea></title></style></script><script>document.title='ran'</script>"
        "\"'><img src=x onerror=\"document.title='ran'\"><!-- ]]> &amp; &lt;b&gt;"
    )
    # A path with a newline, a line a spreadsheet would run; three themes kept (--top 3).
    result = ReportResult(f"=cmd,{hostile}\n.txt")
    formula = "=cmd|' /C calc'!A0,\"加强安全教育\",落实责任"
    tag_texts([(result, f"{formula}\n{hostile}\n{REPORT}{hostile}\n")], load_model(), top=3)
    path = tmp_path / "page.html"
    write_page([result], path, load_model().names)
    browser.open(path.as_uri())
    assert browser.evaluate("document.title") == "themetag: 1 reports"
    assert browser.evaluate("document.scripts.length") == 1
    assert browser.evaluate("document.images.length") == 0
    texts = [segment["text"] for segment in segments_shown(browser)]
    assert texts == [row.text for row in result.rows] and hostile in texts[-1]
    assert hostile in browser.evaluate("document.querySelector('section .meta').textContent")
    # Corrected, the hostile segments are still text, on the page and in the download, which
    # Python's csv module reads back exactly (the formulas guarded).
    browser.click("#mode")
    first, second, *_, last = result.rows
    assert first.text == formula and hostile in second.text
    browser.click('#r1 .segment[data-row^="1 "]')
    picks = browser.evaluate("[...document.querySelectorAll('.picker button')].map(b =>"
                             " b.dataset.pick)")  # fmt: skip
    assert picks[:3] == [theme for theme, _, _ in first.top]
    browser.click('.picker [data-pick="safety"]')
    correct(browser, 1, second.segment, first.theme)
    correct(browser, 1, last.segment, "teachers")
    assert browser.evaluate("document.title") == "themetag: 1 reports"
    assert browser.evaluate("document.images.length") == 0
    assert [s["text"] for s in segments_shown(browser)] == [row.text for row in result.rows]
    sheet = browser.download("#download", tmp_path / "downloads")
    expected = [
        review_row(result, first, "safety"),
        review_row(result, second, first.theme),
        review_row(result, last, "teachers"),
    ]
    assert rows_of(sheet) == expected
    assert expected[0]["report"] == f"=cmd,{hostile}\n.txt" and expected[1]["previous"] == formula
    assert expected[0]["top3"]
    cells = [cell for row in csv.reader(io.StringIO(sheet.read_text("utf-8-sig"))) for cell in row]
    assert f"'{formula}" in cells and f"'=cmd,{hostile}\n.txt" in cells


def correct(browser: Chromium, report: int, number: int, theme: str) -> None:
    """In review mode, click a report's segment and pick a theme for it."""
    browser.click(f'#r{report} .segment[data-row^="{number} "]')
    browser.click(f'.picker [data-pick="{theme}"]')


def counted(browser: Chromium, expected: str, seconds: float = 10) -> str:
    """The page's count of answers once it reads `expected`, or as it stands after `seconds`:
    a machine busy with other work may take a while to draw it."""
    deadline = time.monotonic() + seconds
    while True:
        found = browser.evaluate("document.getElementById('counted').textContent")
        if found == expected or time.monotonic() > deadline:
            return found
        time.sleep(0.05)


def kept_in_browser(browser: Chromium, seconds: float = 10) -> None:
    """Wait until the browser, not only the page, holds what the page put in localStorage: the
    next page opened reads it from there, and on a loaded machine it once opened first."""
    browser.send("DOMStorage.enable")
    page = sorted(map(tuple, browser.evaluate("Object.entries(localStorage)")))
    storage = {"securityOrigin": "file://", "isLocalStorage": True}
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        held = browser.send("DOMStorage.getDOMStorageItems", storageId=storage)["entries"]
        if sorted(map(tuple, held)) == page:
            return
        time.sleep(0.05)


def review_row(result: ReportResult, row: SegmentRow, correct: str) -> Record:
    """A corrected segment as the review sheet has it: the segments table's values for it,
    its context as `themetag review` reads it, the model's next themes, the answer."""
    texts = [other.text for other in result.rows]
    context = segment_context(texts)[row.segment - 1]
    table = segment_record(row)
    record = {column: str(table[column]) for column in REVIEW_COLUMNS if column in table}
    around = zip(("heading", "previous", "next"), context, strict=True)
    record |= {column: "" if index is None else texts[index] for column, index in around}
    third = row.top[2] if len(row.top) > 2 else ("", "", "")
    record |= {
        "top2": row.runner_up,
        "top2_name": row.runner_up_name,
        "top2_confidence": str(row.runner_up_confidence),
        **dict(zip(("top3", "top3_name", "top3_confidence"), map(str, third), strict=True)),
        "correct": correct,
    }
    return {column: record[column] for column in REVIEW_COLUMNS}


def rows_of(sheet: Path) -> list[Record]:
    """The rows of a downloaded sheet as Python's csv module reads them, the apostrophe that
    keeps a cell from running as a formula taken off; its header must be the review sheet's."""
    text = sheet.read_bytes().decode("utf-8")
    assert text.startswith("\ufeff")
    header, *rows = csv.reader(io.StringIO(text[1:], newline=""))
    assert header == REVIEW_COLUMNS
    for row in rows:
        for cell in row:
            assert not cell.startswith(FORMULA_START)
    return [
        {
            column: cell[1:] if cell[:1] == "'" and cell[1:2].startswith(FORMULA_START) else cell
            for column, cell in zip(header, row, strict=True)
        }
        for row in rows
    ]


def test_review_mode_is_off_until_turned_on(examples, browser, tmp_path):
    path = tmp_path / "page.html"
    write_page(examples, path, load_model().names)
    browser.open(path.as_uri())
    assert browser.evaluate("getComputedStyle(document.querySelector('.tools')).display") == "none"
    browser.click("#r1 .segment")
    assert browser.evaluate("document.querySelector('.picker')") is None
    browser.click("#mode")
    assert browser.evaluate("location.search").endswith("&mode=review")  # kept in links
    assert browser.evaluate("getComputedStyle(document.querySelector('.tools')).display") != "none"
    assert browser.evaluate("document.getElementById('counted').textContent") == (
        "0 corrected, 0 confirmed"
    )
    assert browser.evaluate("document.getElementById('download').disabled")


def test_corrections_made_on_the_page_download_as_a_review_sheet(examples, browser, tmp_path):
    names = load_model().names
    path = tmp_path / "page.html"
    write_page(examples, path, names)
    browser.open(f"{path.as_uri()}?mode=review")
    first, second, third = (result.rows for result in examples)
    # The picker offers the model's theme (to confirm it) and runner-up first, then the rest.
    browser.click('#r1 .segment[data-row^="3 "]')
    picks = browser.evaluate("[...document.querySelectorAll('.picker button')].map(b =>"
                             " [b.dataset.pick ?? null, b.textContent])")  # fmt: skip
    row = first[2]
    rest = [theme for theme in names if theme not in (row.theme, row.runner_up)]
    assert picks == [
        [row.theme, f"✓ {row.name}"],
        [row.runner_up, row.runner_up_name],
        *([theme, names[theme]] for theme in rest),
        [None, "cancel"],
    ]
    other = rest[0]
    browser.click(f'.picker [data-pick="{other}"]')
    assert browser.evaluate("document.querySelector('.picker')") is None
    corrected = "document.querySelector('#r1 .segment.fixed')"
    assert browser.evaluate(f"{corrected}.querySelector('.mark').textContent") == names[other]
    assert (
        browser.evaluate(f"getComputedStyle({corrected}.querySelector('.tag')).textDecorationLine")
        == "line-through"
    )
    assert third[1].theme not in ("teachers", "safety")
    correct(browser, 2, 5, second[4].theme)  # confirmed
    correct(browser, 3, 2, "teachers")
    correct(browser, 3, 2, "safety")  # a second answer replaces the first
    correct(browser, 1, 7, "teachers")
    correct(browser, 1, 7, "")  # undone
    assert browser.evaluate("document.getElementById('counted').textContent") == (
        "2 corrected, 1 confirmed"
    )
    expected = [
        review_row(examples[0], first[2], other),
        review_row(examples[1], second[4], second[4].theme),
        review_row(examples[2], third[1], "safety"),
    ]
    sheet = browser.download("#download", tmp_path / "downloads")
    assert sheet.name == "corrections.csv"
    assert rows_of(sheet) == expected
    # Byte for byte as the project's CSV writer writes the review sheet.
    write_csv(expected, tmp_path / "expected.csv", REVIEW_COLUMNS)
    assert sheet.read_bytes() == (tmp_path / "expected.csv").read_bytes()
    # A reload keeps them; clearing (asked twice) removes them.
    kept_in_browser(browser)
    browser.open(browser.evaluate("location.href"))
    # Drawn once the page has read what it kept (a loaded machine took longer than the load).
    assert counted(browser, "2 corrected, 1 confirmed") == "2 corrected, 1 confirmed"
    marks = "[...document.querySelectorAll('.mark')].map(m => m.textContent)"
    assert browser.evaluate(marks) == [names[other], "✓", names["safety"]]
    browser.click("#clear")
    assert browser.evaluate(marks)
    browser.click("#clear")
    assert browser.evaluate(marks) == []
    kept_in_browser(browser)
    browser.open(browser.evaluate("location.href"))
    assert counted(browser, "0 corrected, 0 confirmed") == "0 corrected, 0 confirmed"


def replicas(count: int, examples: list[ReportResult]) -> list[ReportResult]:
    """`count` reports made from the examples, each under a file name of its own."""
    made = []
    for number in range(count):
        example = examples[number % len(examples)]
        assert example.profile
        path = f"reports/{number:04d}_{Path(example.path).name}"
        profile = dataclasses.replace(example.profile, report=path)
        made.append(ReportResult(path, example.rows, profile))
    return made


def test_a_large_run_is_an_index_and_a_page_per_report_linked_both_ways(
    examples, browser, tmp_path, monkeypatch
):
    monkeypatch.setattr(page, "ONE_PAGE_REPORTS", 4)
    path = tmp_path / "run page.html"  # a space, to be quoted in links
    write_page(replicas(6, examples), path, load_model().names)
    folder = tmp_path / "run page_files"
    assert sorted(p.name for p in folder.iterdir()) == [f"{n:04d}.html" for n in range(1, 7)]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["run page.html", "run page_files"]
    browser.open(f"{path.as_uri()}?theme=safety&sort=year")
    links = browser.evaluate("[...document.querySelectorAll('td a')].map(a => a.href)")
    assert links == [
        f"{folder.as_uri()}/{n:04d}.html?theme=safety&sort=year" for n in (1, 4, 3, 6, 2, 5)
    ]
    browser.open(links[2])
    shown = segments_shown(browser)
    assert [s["shown"] for s in shown] == [s["theme"] == "safety" for s in shown]
    nav = browser.evaluate("[...document.querySelectorAll('nav a')].map(a => a.href)")
    assert nav == [
        f"{path.as_uri()}?theme=safety&sort=year#r3",
        f"{folder.as_uri()}/0002.html?theme=safety&sort=year",
        f"{folder.as_uri()}/0004.html?theme=safety&sort=year",
    ]


def test_corrections_on_a_large_run_s_report_pages_download_together(
    examples, browser, tmp_path, monkeypatch
):
    # Chromium gives every file: page one origin, so the report pages share localStorage.
    monkeypatch.setattr(page, "ONE_PAGE_REPORTS", 4)
    reports = replicas(6, examples)
    path = tmp_path / "run page.html"
    write_page(reports, path, load_model().names)
    folder = tmp_path / "run page_files"
    answers = []
    for number, segment in ((6, 4), (2, 3)):
        row = reports[number - 1].rows[segment - 1]
        answers.append((number, row, "safety" if row.theme != "safety" else "teachers"))
        browser.open(f"{(folder / f'{number:04d}.html').as_uri()}?mode=review")
        correct(browser, number, segment, answers[-1][2])
        assert counted(browser, f"{len(answers)} corrected, 0 confirmed").startswith(
            f"{len(answers)} corrected"
        )
        kept_in_browser(browser)
    browser.open(f"{path.as_uri()}?mode=review")
    assert counted(browser, "2 corrected, 0 confirmed") == "2 corrected, 0 confirmed"
    sheet = browser.download("#download", tmp_path / "downloads")
    assert rows_of(sheet) == [
        review_row(reports[number - 1], row, theme)
        for number, row, theme in sorted(answers, key=lambda answer: answer[0])
    ]


def test_an_interrupted_large_run_leaves_the_earlier_pages_as_they_were(examples, tmp_path):
    path = tmp_path / "page.html"
    write_page(replicas(300, examples), path, load_model().names)
    before = {p.name: p.read_bytes() for p in (tmp_path / "page_files").iterdir()}
    index = path.read_bytes()

    def interrupted():
        yield from replicas(250, examples)
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        write_page(interrupted(), path, load_model().names)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["page.html", "page_files"]
    assert path.read_bytes() == index
    assert {p.name: p.read_bytes() for p in (tmp_path / "page_files").iterdir()} == before
    # A smaller run's one page replaces the index, and the folder it no longer links to goes.
    write_page(examples, path, load_model().names)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["page.html"]


def test_a_folder_of_other_files_where_the_pages_go_is_refused_untouched(examples, tmp_path):
    folder = tmp_path / "page_files"  # as a browser's "save page, complete" leaves one
    folder.mkdir()
    (folder / "style.css").write_text("body{}", encoding="utf-8")
    with pytest.raises(UsageError, match="holds files themetag did not write"):
        write_page(replicas(300, examples), tmp_path / "page.html", load_model().names)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["page_files"]
    assert [p.name for p in folder.iterdir()] == ["style.css"]
    write_page(examples, tmp_path / "page.html", load_model().names)
    assert [p.name for p in folder.iterdir()] == ["style.css"]  # a small run leaves it too


def test_1500_reports_open_as_an_index_far_faster_than_as_one_page(
    examples, browser, tmp_path, monkeypatch
):
    reports = replicas(1500, examples)
    index = tmp_path / "index.html"
    write_page(reports, index, load_model().names)
    monkeypatch.setattr(page, "ONE_PAGE_REPORTS", len(reports))
    monkeypatch.setattr(page, "ONE_PAGE_CHARACTERS", float("inf"))
    one = tmp_path / "one.html"
    write_page(reports, one, load_model().names)

    def seconds(path: Path) -> float:
        opened = []
        for _ in range(3):
            opened.append(browser.open(path.as_uri()))
            browser.open("about:blank")
        return statistics.median(opened)

    index_seconds, one_seconds = seconds(index), seconds(one)
    report_seconds = seconds(tmp_path / "index_files" / "0002.html")
    print(f"1,500 reports: one page {one_seconds:.2f} s, index {index_seconds:.2f} s,")
    print(f"a report's page {report_seconds:.2f} s")
    assert index_seconds * 2.5 < one_seconds
    assert report_seconds * 10 < one_seconds


@pytest.mark.skipif(
    not os.environ.get("THEMETAG_SCREENSHOT"),
    reason="writes docs/page.png only when asked: THEMETAG_SCREENSHOT=1",
)
def test_screenshot_of_the_examples_page_for_the_readme(examples, browser, tmp_path):
    path = tmp_path / "page.html"
    write_page(examples, path, load_model().names)
    browser.open(path.as_uri())
    browser.screenshot(SCREENSHOT)
    assert SCREENSHOT.read_bytes().startswith(b"\x89PNG")


def test_a_large_run_is_refused_before_tagging_when_its_folder_is_not_ours(tmp_path):
    folder = tmp_path / "reports"
    folder.mkdir()
    for number in range(ONE_PAGE_REPORTS + 1):
        (folder / f"r{number:03d}.txt").write_text(REPORT, encoding="utf-8")
    (tmp_path / "page_files").mkdir()
    (tmp_path / "page_files" / "style.css").write_text("body{}", encoding="utf-8")
    output = tmp_path / "t.csv"
    result = themetag("tag", folder, "-o", output, "--html", tmp_path / "page.html")
    assert result.returncode == 2 and "holds files themetag did not write" in result.stderr
    assert not output.exists() and not Path(f"{output}.journal").exists()
    small = themetag("tag", folder / "r000.txt", "--html", tmp_path / "page.html", "-q")
    assert small.returncode == 0 and (tmp_path / "page.html").exists()
