import pickle

import pytest

from emotion_matrix import (
    DataError,
    EmotionMatrixError,
    LabelScore,
    ModelFormatError,
    NotFittedError,
    Prediction,
    PredictionTable,
    Reply,
)


def _prediction():
    return Prediction(
        "太慢了",
        {"emotion": LabelScore("anger", 0.91234, ("anger", "neutral"), (0.91234, 0.08766))},
        keywords=("太慢了", "气死"),
    )


def test_prediction_is_immutable():
    p = _prediction()
    with pytest.raises(AttributeError):
        p.text = "x"
    with pytest.raises(TypeError):
        p.heads["need"] = None


def test_to_row():
    assert _prediction().to_row(("emotion", "need")) == {
        "emotion": "anger",
        "emotion_confidence": 0.9123,
        "need": "",
        "need_confidence": "",
        "keywords": "太慢了|气死",
        "uncertain": False,
        "status": "ok",
    }
    assert Reply("anger.efficiency.0", "文本？", ("慢",), "文本？").to_row()["echoed"] == "慢"


def test_prediction_pickles_and_hashes():
    p = _prediction()
    assert pickle.loads(pickle.dumps(p)) == p
    assert hash(p) == hash(pickle.loads(pickle.dumps(p)))


def test_table_columns_match_to_row_and_table_pickles():
    predictions = [_prediction(), Prediction("", status="empty"), Prediction("3", status="not_text")]
    table = PredictionTable.from_predictions(predictions, ("emotion", "need"))
    rows = [p.to_row(("emotion", "need")) for p in predictions]
    assert table.columns() == {name: [row[name] for row in rows] for name in rows[0]}
    assert len(table) == 3 and pickle.loads(pickle.dumps(table)) == table
    assert hash(table) == hash(pickle.loads(pickle.dumps(table)))
    assert PredictionTable.from_predictions(iter(predictions), ("emotion", "need")) == table
    with pytest.raises(TypeError):
        table.labels["emotion"] = ()
    with pytest.raises(ValueError, match="needs 2 values"):
        PredictionTable(("a", "b"), ("ok",), {}, {}, ((), ()), (False, False))


@pytest.mark.parametrize(
    ("error", "builtin"), [(DataError, ValueError), (NotFittedError, AttributeError), (ModelFormatError, ValueError)]
)
def test_errors_share_one_base(error, builtin):
    assert issubclass(error, EmotionMatrixError) and issubclass(error, builtin)


def test_label_score_distribution_is_highest_first_with_ties_in_label_order():
    score = LabelScore("b", 0.4, ("a", "b", "c", "d"), (0.2, 0.4, 0.2, 0.2))
    assert score.distribution == (("b", 0.4), ("a", 0.2), ("c", 0.2), ("d", 0.2))


def test_label_score_needs_one_probability_per_label():
    with pytest.raises(ValueError, match="one probability per label"):
        LabelScore("a", 0.5, ("a", "b"), (0.5,))


def test_the_models_fast_constructors_build_equal_values():
    from emotion_matrix.result import _make_label_score, _make_prediction

    expected = _prediction()
    score = _make_label_score("anger", 0.91234, ("anger", "neutral"), (0.91234, 0.08766))
    made = _make_prediction("太慢了", {"emotion": score}, ("太慢了", "气死"), "ok", False)
    assert score == expected.emotion and made == expected and hash(made) == hash(expected)
    assert pickle.loads(pickle.dumps(made)) == expected
    with pytest.raises(TypeError):
        made.heads["need"] = None
    with pytest.raises(AttributeError):
        score.label = "x"
