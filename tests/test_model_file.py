import json
import pickle
import shutil

import numpy as np
import pytest

from themetag.errors import ModelFileError
from themetag.model import CARD_FILE, MODEL_FILE, MODEL_FORMAT, load_model_file, save_model
from themetag.training.fit import SegmentClassifier
from themetag.training.settings import Settings

TEXTS = ["投入资金新建教学楼", "开展防溺水安全教育", "组织教师参加国培计划"]


class PickleBomb:
    def __init__(self, path):
        self.path = path

    def __reduce__(self):
        return (open, (self.path, "w"))


@pytest.fixture()
def saved(small_model, tmp_path):
    return save_model(small_model, tmp_path / "model")


def test_a_saved_model_loads_and_predicts_the_same(small_model, saved):
    loaded = load_model_file(saved)
    assert loaded.classes_ == small_model.classes_
    assert loaded.names == small_model.names
    np.testing.assert_allclose(loaded.predict_proba(TEXTS), small_model.predict_proba(TEXTS))
    assert load_model_file(saved / MODEL_FILE).classes_ == small_model.classes_


def test_the_linear_form_scores_exactly_as_the_scikit_learn_pipeline(small_corpus, small_model):
    texts = [s.text for s in small_corpus]
    pipeline = SegmentClassifier().fit(
        texts, [s.label for s in small_corpus], [s.doc for s in small_corpus]
    )
    sample = texts[::7] + TEXTS + ["", "x", "中"]
    assert pipeline.classes_ == small_model.classes_
    np.testing.assert_allclose(
        small_model.predict_proba(sample), pipeline.predict_proba(sample), atol=1e-5
    )


def test_an_array_that_needs_unpickling_is_refused_without_running_it(saved, tmp_path):
    canary_file = tmp_path / "canary"
    with np.load(saved / MODEL_FILE) as stored:
        arrays = {name: stored[name] for name in stored.files}
    arrays["weights"] = np.array([PickleBomb(str(canary_file))], dtype=object)
    with open(saved / MODEL_FILE, "wb") as stream:
        np.savez(stream, **arrays)
    with pytest.raises(ModelFileError, match="cannot load"):
        load_model_file(saved)
    assert not canary_file.exists()


def test_a_pickle_posing_as_a_model_is_refused_without_running_it(saved, tmp_path):
    canary_file = tmp_path / "canary"
    (saved / MODEL_FILE).write_bytes(pickle.dumps(PickleBomb(str(canary_file))))
    with pytest.raises(ModelFileError):
        load_model_file(saved)
    assert not canary_file.exists()


def test_missing_truncated_and_incompatible_model_files_give_clear_errors(saved, tmp_path):
    with pytest.raises(ModelFileError, match="no model file"):
        load_model_file(tmp_path / "nowhere")
    damaged = tmp_path / "damaged"
    shutil.copytree(saved, damaged)
    data = (damaged / MODEL_FILE).read_bytes()
    (damaged / MODEL_FILE).write_bytes(data[: len(data) // 2])
    with pytest.raises(ModelFileError, match="cannot load"):
        load_model_file(damaged)
    card = json.loads((saved / CARD_FILE).read_text(encoding="utf-8"))
    (saved / CARD_FILE).write_text(json.dumps({**card, "format": MODEL_FORMAT + 1}), "utf-8")
    with pytest.raises(ModelFileError, match=f"reads format {MODEL_FORMAT}"):
        load_model_file(saved)
    card["themes"]["safety"] = 3
    (saved / CARD_FILE).write_text(json.dumps(card), encoding="utf-8")
    with pytest.raises(ModelFileError, match="incompatible"):
        load_model_file(saved)


def test_a_model_folder_of_an_older_themetag_says_to_retrain(tmp_path):
    (tmp_path / "themetag.skops").write_bytes(b"PK")
    with pytest.raises(ModelFileError, match="older themetag"):
        load_model_file(tmp_path)


def test_only_models_with_a_linear_form_can_be_saved(small_corpus):
    model = SegmentClassifier(Settings(calibration="sigmoid")).fit(
        [s.text for s in small_corpus], [s.label for s in small_corpus]
    )
    assert model.predict_proba(TEXTS).shape == (3, len(model.classes_))
    with pytest.raises(ValueError, match="linear form"):
        model.linear_form()


def test_an_unfitted_classifier_says_so():
    with pytest.raises(RuntimeError, match="not fitted"):
        SegmentClassifier().predict_proba(TEXTS)


def test_retraining_writes_the_same_bytes(small_model, tmp_path):
    first = (save_model(small_model, tmp_path / "a") / MODEL_FILE).read_bytes()
    assert (save_model(small_model, tmp_path / "b") / MODEL_FILE).read_bytes() == first
