import shutil
import subprocess

import pytest

from themetag.labels import PROJECT_ROOT


def test_the_code_is_ruff_clean():
    ruff = shutil.which("ruff")
    if ruff is None:
        pytest.skip("ruff is not installed (pip install -e '.[test]')")
    result = subprocess.run([ruff, "check", str(PROJECT_ROOT)], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout
