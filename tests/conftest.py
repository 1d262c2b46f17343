"""Shared fixtures: the seeds (when present), a small corpus and a model trained on it."""

from __future__ import annotations

from pathlib import Path

import pytest
from files import write_all

from themetag.labels import load_themes
from themetag.model import ThemeModel
from themetag.training.corpus import PROJECT_ROOT, Segment, load_corpus
from themetag.training.fit import fit_model

SEEDS = PROJECT_ROOT.parent / "shared" / "seeds"
CORPUS = PROJECT_ROOT / "corpus" / "docs"


@pytest.fixture(scope="session")
def seed_files() -> list[Path]:
    files = sorted(SEEDS.glob("*.txt")) if SEEDS.is_dir() else []
    if not files:
        pytest.skip("../shared/seeds is not present")
    return files


@pytest.fixture(scope="session")
def folder(tmp_path_factory) -> Path:
    """One good report per format and the bad files a real folder holds (tests/files.py)."""
    folder = tmp_path_factory.mktemp("reports")
    write_all(folder)
    return folder


@pytest.fixture(scope="session")
def small_corpus_dir(tmp_path_factory) -> Path:
    """One report in eight of the project's corpus, copied to a temporary folder."""
    folder = tmp_path_factory.mktemp("corpus")
    for file in sorted(CORPUS.glob("*.jsonl"))[::8]:
        (folder / file.name).write_bytes(file.read_bytes())
    return folder


@pytest.fixture(scope="session")
def small_corpus(small_corpus_dir) -> list[Segment]:
    return load_corpus(small_corpus_dir)


@pytest.fixture(scope="session")
def small_model(small_corpus) -> ThemeModel:
    segments = small_corpus
    names = {t.id: t.name for t in load_themes()}
    return fit_model(
        [s.text for s in segments],
        [s.label for s in segments],
        [s.doc for s in segments],
        names=names,
    )


@pytest.fixture(scope="session")
def context_model_dir(small_corpus_dir, tmp_path_factory) -> Path:
    """A model trained by `train()` on the small corpus: segment model and context stage."""
    from themetag.training.train import train

    output = tmp_path_factory.mktemp("context-model")
    train(small_corpus_dir, output, seeds=output / "no-seeds")
    return output
