import json

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from themetag.model import CARD_FILE, load_model_file
from themetag.model.metrics import evaluate, expected_calibration_error
from themetag.training.train import main, train


def test_training_writes_a_model_and_a_card_with_grouped_cross_validated_figures(
    small_corpus_dir, tmp_path, capsys
):
    output = tmp_path / "model"
    train(small_corpus_dir, output, seeds=tmp_path / "no-seeds")
    printed = capsys.readouterr().out
    assert "cross-validation grouped by report" in printed
    assert "seed check skipped" in printed
    card = json.loads((output / CARD_FILE).read_text(encoding="utf-8"))
    figures = card["cross_validation"]
    assert 0.3 < figures["macro_f1"] <= 1.0
    assert 0.0 <= figures["ece"] <= 1.0
    assert set(figures["per_theme"]) <= set(card["themes"])
    assert len(card["corpus"]["fingerprint"]) == 64
    assert card["libraries"]["scikit-learn"]
    model = load_model_file(output)
    assert model.predict_proba(["开展防溺水安全教育"]).shape == (1, len(model.classes_))


def test_training_is_deterministic(small_corpus_dir, tmp_path):
    cards, probabilities = [], []
    for run in ("a", "b"):
        train(small_corpus_dir, tmp_path / run, seeds=tmp_path / "no-seeds")
        cards.append(json.loads((tmp_path / run / CARD_FILE).read_text(encoding="utf-8")))
        probabilities.append(load_model_file(tmp_path / run).predict_proba(["新建校舍三千平方米"]))
    assert cards[0] == cards[1]
    np.testing.assert_array_equal(probabilities[0], probabilities[1])


def test_training_on_a_users_csv(tmp_path, small_corpus_dir):
    rows = [json.loads(line) for f in sorted(small_corpus_dir.glob("*.jsonl")) for line in f.open()]
    csv_file = tmp_path / "mine.csv"
    with csv_file.open("w", encoding="utf-8") as handle:
        handle.write("text,label,doc\n")
        for row in rows:
            handle.write(
                '"{}",{},{}\n'.format(row["text"].replace('"', '""'), row["label"], row["doc"])
            )
    assert main(["--corpus", str(csv_file), "--output", str(tmp_path / "m")]) == 0
    assert (tmp_path / "m" / CARD_FILE).is_file()


def test_a_corpus_with_an_unknown_label_is_refused(tmp_path, capsys):
    corpus = tmp_path / "bad.jsonl"
    corpus.write_text('{"doc": "r1", "text": "校园安全", "label": "safty"}\n', encoding="utf-8")
    assert main(["--corpus", str(corpus), "--output", str(tmp_path / "m")]) == 2
    assert "safty" in capsys.readouterr().err


def test_seed_check_is_scored_when_the_seeds_are_present(seed_files, small_corpus_dir, tmp_path):
    from themetag.training.train import DEFAULT_SEED_LABELS

    if not DEFAULT_SEED_LABELS.is_file():
        pytest.skip("no seed labels yet")
    train(small_corpus_dir, tmp_path / "m", seeds=seed_files[0].parent)
    card = json.loads((tmp_path / "m" / CARD_FILE).read_text(encoding="utf-8"))
    assert card["seed_check"]["segments"] > 100


def test_evaluation_figures_are_right_on_a_known_case():
    result = evaluate(["a", "a", "b", "b"], ["a", "b", "b", "b"], ["a", "b", "c"])
    assert result.accuracy == 0.75
    assert set(result.per_theme) == {"a", "b"}
    assert result.per_theme["a"]["recall"] == 0.5
    assert expected_calibration_error(np.array([0.9, 0.9]), np.array([1, 0])) == pytest.approx(0.4)
    assert expected_calibration_error(np.array([1.0, 0.5]), np.array([1, 1])) == pytest.approx(0.25)


@settings(max_examples=100, deadline=None)
@given(pairs=st.lists(st.tuples(st.sampled_from("abcde"), st.sampled_from("abcdefg")), min_size=1))
def test_scores_without_scikit_learn_are_scikit_learns(pairs):
    from sklearn.metrics import f1_score, precision_recall_fscore_support

    gold, predicted = [g for g, _ in pairs], [p for _, p in pairs]
    result = evaluate(gold, predicted, list("abcdefg"))
    present = [t for t in "abcdefg" if t in gold]
    macro = f1_score(gold, predicted, labels=present, average="macro", zero_division=0)
    assert result.macro_f1 == pytest.approx(macro)
    scores = precision_recall_fscore_support(gold, predicted, labels=present, zero_division=0)
    for theme, *values in zip(present, *scores, strict=True):
        row = result.per_theme[theme]
        assert [row["precision"], row["recall"], row["f1"]] == [round(v, 4) for v in values[:3]]
        assert row["support"] == values[3]
