import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from themetag.training.corpus import PROJECT_ROOT


def test_the_code_is_ruff_clean():
    beside_python = Path(sys.executable).parent / "ruff"
    ruff = str(beside_python) if beside_python.exists() else shutil.which("ruff")
    if ruff is None:
        pytest.skip("ruff is not installed (pip install -e '.[test]')")
    result = subprocess.run([ruff, "check", str(PROJECT_ROOT)], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout


def test_the_package_is_mypy_clean():
    beside_python = Path(sys.executable).parent / "mypy"
    mypy = str(beside_python) if beside_python.exists() else shutil.which("mypy")
    if mypy is None:
        pytest.skip("mypy is not installed (pip install -e '.[test]')")
    result = subprocess.run([mypy], cwd=PROJECT_ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout
