"""The package as a user gets it: a wheel installed into a fresh environment, away from the
checkout, tags reports with the model that ships inside it."""

import csv
import shutil
import subprocess
import sys
import venv
from pathlib import Path

import pytest

from themetag.training.corpus import PROJECT_ROOT

pytestmark = pytest.mark.slow


def _run(*command, cwd: Path) -> subprocess.CompletedProcess:
    result = subprocess.run(command, cwd=cwd, capture_output=True, text=True, timeout=900)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return result


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> Path:
    """A fresh virtual environment with the wheel built from this checkout installed."""
    work = tmp_path_factory.mktemp("wheel")
    # Built from a copy: a build/ folder left in the checkout would lend the wheel stale files.
    source = work / "source"
    leftovers = shutil.ignore_patterns(".git", ".venv", "build", "dist", "*.egg-info", ".*cache")
    shutil.copytree(PROJECT_ROOT, source, symlinks=True, ignore=leftovers)
    _run(sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(work), str(source),
         cwd=work)  # fmt: skip
    (wheel,) = work.glob("themetag-*.whl")
    venv.create(work / "env", with_pip=True)
    python = work / "env" / "bin" / "python"
    _run(str(python), "-m", "pip", "install", "-q", str(wheel), cwd=work)
    return python


def test_the_wheel_tags_a_folder_outside_the_checkout(installed, tmp_path):
    reports = tmp_path / "reports"
    shutil.copytree(PROJECT_ROOT / "examples", reports)
    themetag = installed.parent / "themetag"
    result = _run(str(themetag), "tag", str(reports), "-o", "tags.csv", cwd=tmp_path)
    assert "3 reports tagged" in result.stderr
    with open(tmp_path / "tags.csv", encoding="utf-8-sig") as handle:
        rows = list(csv.DictReader(handle))
    assert {Path(r["report"]).name for r in rows} == {p.name for p in reports.iterdir()}
    assert {r["theme"] for r in rows} > {"overview", "safety"}
    version = _run(str(themetag), "--version", cwd=tmp_path).stdout
    assert version.startswith("themetag ")


def test_the_wheel_needs_no_scikit_learn_to_tag(installed, tmp_path):
    script = (
        "import importlib.util, themetag;"
        "assert importlib.util.find_spec('sklearn') is None;"
        "print(themetag.tag('开展防溺水专题教育和校园安全隐患排查').theme)"
    )
    assert _run(str(installed), "-c", script, cwd=tmp_path).stdout.strip() == "safety"
