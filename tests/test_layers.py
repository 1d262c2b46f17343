"""The package reads as its pipeline: every import points down a layer, and none goes round."""

import ast
import subprocess
import sys
from pathlib import Path

import pytest

import themetag

PACKAGE = Path(themetag.__file__).parent
# Lower layers first; a module may import its own layer and those before it.
LAYERS = [
    (
        "themetag.errors",
        "themetag.atomic",
        "themetag.paths",
        "themetag.resources",
        "themetag.outputs",
        "themetag.sequences",
    ),
    ("themetag.labels",),
    ("themetag.text", "themetag.readers"),
    ("themetag.model",),
    ("themetag.api",),
    ("themetag.run",),
    ("themetag.writers",),
    ("themetag.cli",),
]
TRAINING = "themetag.training"
# Training may build on everything that tagging uses, but not on batches, writers or the CLI.
TRAINING_RANK = 3


def _module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _rank(module: str) -> int:
    if module == TRAINING or module.startswith(TRAINING + "."):
        return TRAINING_RANK
    for rank, prefixes in enumerate(LAYERS):
        if any(module == p or module.startswith(p + ".") for p in prefixes):
            return rank
    raise AssertionError(f"{module} belongs to no layer: add it to LAYERS")


def _imports(path: Path) -> set[str]:
    """The themetag modules a file imports, anywhere in it (lazy imports count too)."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("themetag"):
            found.add(node.module)
        elif isinstance(node, ast.Import):
            found.update(a.name for a in node.names if a.name.startswith("themetag"))
    return found


MODULES = {
    _module_name(path): path
    for path in sorted(PACKAGE.rglob("*.py"))
    if _module_name(path) != "themetag"  # the facade re-exports the API; checked below
}


@pytest.mark.parametrize("module", sorted(MODULES))
def test_every_import_points_down(module):
    for imported in _imports(MODULES[module]):
        if module.startswith(TRAINING):
            assert not imported.startswith(("themetag.run", "themetag.writers", "themetag.cli"))
        elif imported.startswith(TRAINING):
            assert module == "themetag.cli", f"{module} imports {imported}: training stays apart"
            continue
        assert _rank(imported) <= _rank(module), f"{module} imports {imported}, a higher layer"


def test_no_module_imports_another_that_imports_it_back():
    graph = {module: _imports(path) & set(MODULES) for module, path in MODULES.items()}
    visiting, done = set(), set()

    def visit(module, chain):
        assert module not in visiting, f"import cycle: {' -> '.join([*chain, module])}"
        if module in done:
            return
        visiting.add(module)
        for imported in graph[module]:
            visit(imported, [*chain, module])
        visiting.discard(module)
        done.add(module)

    for module in graph:
        visit(module, [])


def test_importing_themetag_loads_only_what_tagging_a_text_needs():
    script = (
        "import sys, themetag; print(' '.join(m for m in sys.modules"
        " if m.split('.')[0] in {'themetag', 'sklearn', 'jieba', 'joblib', 'distributed',"
        " 'openpyxl', 'docx', 'pypdf', 'bs4', 'tqdm'}))"
    )
    loaded = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True
    ).stdout.split()
    assert "themetag.api" in loaded
    higher = ("themetag.run", "themetag.writers", "themetag.cli")
    assert [m for m in loaded if m.startswith(higher)] == []
    assert not any(m.startswith(TRAINING) for m in loaded)
    assert [m for m in loaded if not m.startswith("themetag")] == []
    assert themetag.tag_files.__module__ == "themetag.run.batch"  # still there when asked for
