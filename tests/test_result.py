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
        {"emotion": LabelScore("anger", 0.91234, (("anger", 0.91234), ("neutral", 0.08766)))},
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
