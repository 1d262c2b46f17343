import json
import pickle
import shutil

import numpy as np
import pytest
import skops.io as sio

from themetag.classify import CARD_FILE, MODEL_FILE, ModelFileError, ThemeModel

TEXTS = ["投入资金新建教学楼", "开展防溺水安全教育", "组织教师参加国培计划"]


class Canary:
    """An object whose restoring writes a file: it must never be restored from a model file."""

    path = ""

    def __setstate__(self, state):
        with open(state["path"], "w") as handle:
            handle.write("ran")


class PickleBomb:
    def __init__(self, path):
        self.path = path

    def __reduce__(self):
        return (open, (self.path, "w"))


@pytest.fixture()
def saved(small_model, tmp_path):
    return small_model.save(tmp_path / "model")


def test_a_saved_model_loads_and_predicts_the_same(small_model, saved):
    loaded = ThemeModel.load(saved)
    assert loaded.classes_ == small_model.classes_
    assert loaded.names == small_model.names
    np.testing.assert_allclose(loaded.predict_proba(TEXTS), small_model.predict_proba(TEXTS))
    assert ThemeModel.load(saved / MODEL_FILE).classes_ == small_model.classes_


def test_a_skops_file_with_an_untrusted_type_is_refused_without_running_it(saved, tmp_path):
    canary_file = tmp_path / "canary"
    hostile = Canary()
    hostile.path = str(canary_file)
    sio.dump({"model": hostile}, saved / MODEL_FILE)
    with pytest.raises(ModelFileError, match="cannot load"):
        ThemeModel.load(saved)
    assert not canary_file.exists()


def test_a_pickle_posing_as_a_model_is_refused_without_running_it(saved, tmp_path):
    canary_file = tmp_path / "canary"
    (saved / MODEL_FILE).write_bytes(pickle.dumps(PickleBomb(str(canary_file))))
    with pytest.raises(ModelFileError):
        ThemeModel.load(saved)
    assert not canary_file.exists()


def test_missing_truncated_and_incompatible_model_files_give_clear_errors(saved, tmp_path):
    with pytest.raises(ModelFileError, match="no model file"):
        ThemeModel.load(tmp_path / "nowhere")
    damaged = tmp_path / "damaged"
    shutil.copytree(saved, damaged)
    data = (damaged / MODEL_FILE).read_bytes()
    (damaged / MODEL_FILE).write_bytes(data[: len(data) // 2])
    with pytest.raises(ModelFileError, match="cannot load"):
        ThemeModel.load(damaged)
    card = json.loads((saved / CARD_FILE).read_text(encoding="utf-8"))
    card["settings"]["kernel"] = "rbf"
    (saved / CARD_FILE).write_text(json.dumps(card), encoding="utf-8")
    with pytest.raises(ModelFileError, match="incompatible"):
        ThemeModel.load(saved)


def test_an_unfitted_model_says_so():
    with pytest.raises(RuntimeError, match="not fitted"):
        ThemeModel().predict_proba(TEXTS)
