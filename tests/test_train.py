import json

import pandas as pd
import pytest

from emotion_matrix import DataError, load_model, train_from_csv
from emotion_matrix.evaluate import evaluate
from emotion_matrix.train import split_rows

from .conftest import SMALL


def test_train_from_csv_measures_and_saves(tmp_path, tiny_csv):
    report = train_from_csv(tiny_csv, tmp_path / "model", config=SMALL, test_size=0.25)
    assert (report.n_train, report.n_test) == (63, 21)
    assert [h.head for h in report.heads] == ["emotion", "need"]
    assert all(0.0 <= h.accuracy <= 1.0 and 0.0 <= h.macro_f1 <= 1.0 for h in report.heads)
    meta = json.loads((tmp_path / "model" / "meta.json").read_text(encoding="utf-8"))
    assert meta["data_sha256"] == report.data_sha256
    assert meta["holdout"]["heads"]["emotion"]["accuracy"] == round(report.heads[0].accuracy, 4)
    assert load_model(tmp_path / "model").head_names == ("emotion", "need")


def test_stratified_split_keeps_every_class_on_both_sides(tiny_corpus):
    train, test = split_rows(tiny_corpus[["emotion"]], test_size=0.25, random_state=0)
    assert set(tiny_corpus["emotion"].iloc[train]) == set(tiny_corpus["emotion"].iloc[test])
    assert not set(train) & set(test) and len(train) + len(test) == len(tiny_corpus)


def test_grouped_split_keeps_groups_together(tiny_corpus):
    groups = [str(i // 4) for i in range(len(tiny_corpus))]
    train, test = split_rows(tiny_corpus[["emotion"]], test_size=0.25, random_state=0, groups=groups)
    assert not {groups[i] for i in train} & {groups[i] for i in test}


def test_custom_single_head_retrain(tmp_path, tiny_corpus):
    path = tmp_path / "intent.csv"
    frame = pd.DataFrame(
        {
            "内容": tiny_corpus["text"],
            "intent": tiny_corpus["need"].map(lambda n: "ask" if n == "information" else "complain"),
        }
    )
    frame.to_csv(path, index=False)
    report = train_from_csv(
        path, tmp_path / "m", config=SMALL, text_column="内容", label_columns=["intent"], test_size=0, refit=True
    )
    model = load_model(tmp_path / "m")
    assert report.n_test == 0 and model.head_names == ("intent",)
    assert model.predict_one("请问物流到哪了").heads["intent"].label in {"ask", "complain"}


def test_missing_label_column_says_how_to_fix(tmp_path, tiny_csv):
    with pytest.raises(DataError, match=r"needs columns \['text', 'emotion', 'mood'\].*--label-columns"):
        train_from_csv(tiny_csv, tmp_path / "m", label_columns=["emotion", "mood"])


def test_evaluate_reports_confusion(trained_model, tiny_corpus):
    (emotion,) = evaluate(trained_model, tiny_corpus["text"], tiny_corpus[["emotion"]])
    assert emotion.n == 84 and sum(map(sum, emotion.confusion)) == 84
    assert sum(c.support for c in emotion.classes) == 84
    diagonal = sum(emotion.confusion[i][i] for i in range(len(emotion.labels)))
    assert emotion.accuracy == pytest.approx(diagonal / 84)
    assert "macro-F1" in emotion.format()


def test_evaluate_unknown_head(trained_model, tiny_corpus):
    with pytest.raises(DataError, match="no head 'intent'"):
        evaluate(trained_model, tiny_corpus["text"], {"intent": tiny_corpus["need"]})


def test_bad_rows_are_named_by_csv_row(tmp_path, tiny_corpus):
    frame = tiny_corpus.copy()
    frame.loc[5, "need"] = ""
    path = tmp_path / "bad.csv"
    frame.to_csv(path, index=False)
    with pytest.raises(DataError, match=r"no 'need' label in rows \[6\]"):
        train_from_csv(path, tmp_path / "m", config=SMALL)
    frame = tiny_corpus.copy()
    frame.loc[0, "text"] = "  "
    frame.to_csv(path, index=False)
    with pytest.raises(DataError, match=r"empty text in rows \[1\]"):
        train_from_csv(path, tmp_path / "m", config=SMALL)
