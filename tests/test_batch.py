import csv

import pandas as pd
import pytest

from emotion_matrix import DataError, score_csv
from emotion_matrix.batch import escape_formula, score_columns, score_texts


def _input(tmp_path, tiny_corpus, encoding="utf-8"):
    frame = pd.DataFrame(
        {
            "ticket": [f"T{i:03d}" for i in range(len(tiny_corpus))],
            "text": tiny_corpus["text"],
            "note": ["=SUM(A1)", "", "含,逗号", "多行\n备注"] * (len(tiny_corpus) // 4),
        }
    )
    frame.loc[5, "text"] = ""
    path = tmp_path / "in.csv"
    frame.to_csv(path, index=False, encoding=encoding)
    return path, frame


@pytest.mark.parametrize("jobs", [1, 2])
def test_every_row_once_in_order_with_fields_unchanged(tmp_path, trained_model, tiny_corpus, jobs):
    path, frame = _input(tmp_path, tiny_corpus, encoding="gb18030")
    out = tmp_path / "out.csv"
    report = score_csv(path, out, model=trained_model, chunksize=10, jobs=jobs, progress=False)
    assert report.rows == len(frame) and report.encoding == "gb18030"
    assert out.read_bytes().startswith(b"\xef\xbb\xbf")
    scored = pd.read_csv(out, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    assert scored[["ticket", "text", "note"]].values.tolist() == frame.values.tolist()
    assert list(scored.columns) == ["ticket", "text", "note", *trained_model.output_columns(), "reply"]
    assert scored.loc[5, "status"] == "empty" and scored.loc[5, "reply"] == ""
    assert all(r.endswith("？") for i, r in enumerate(scored["reply"]) if i != 5)


def test_parallel_and_serial_outputs_are_identical(tmp_path, trained_model, tiny_corpus):
    path, _ = _input(tmp_path, tiny_corpus)
    score_csv(path, tmp_path / "a.csv", model=trained_model, chunksize=7, jobs=1, progress=False)
    score_csv(path, tmp_path / "b.csv", model=trained_model, chunksize=7, jobs=2, progress=False)
    assert (tmp_path / "a.csv").read_bytes() == (tmp_path / "b.csv").read_bytes()


def test_existing_output_needs_force(tmp_path, trained_model, tiny_corpus):
    path, _ = _input(tmp_path, tiny_corpus)
    out = tmp_path / "out.csv"
    out.write_text("keep me", encoding="utf-8")
    with pytest.raises(DataError, match="--force"):
        score_csv(path, out, model=trained_model, progress=False)
    assert out.read_text(encoding="utf-8") == "keep me"
    score_csv(path, out, model=trained_model, progress=False, force=True)
    assert out.read_text(encoding="utf-8-sig").startswith("ticket,text,note")


def test_header_only_file(tmp_path, trained_model):
    path = tmp_path / "in.csv"
    path.write_text("text,other\n", encoding="utf-8")
    score_csv(path, tmp_path / "out.csv", model=trained_model, progress=False)
    with (tmp_path / "out.csv").open(encoding="utf-8-sig") as handle:
        rows = list(csv.reader(handle))
    assert rows == [["text", "other", *trained_model.output_columns(), "reply"]]


def test_output_columns_clash(tmp_path, trained_model):
    path = tmp_path / "in.csv"
    path.write_text("text,emotion\n太慢了,anger\n", encoding="utf-8")
    with pytest.raises(DataError, match=r"already has columns \['emotion'\]"):
        score_csv(path, tmp_path / "out.csv", model=trained_model, progress=False)
    assert not (tmp_path / "out.csv").exists()


@pytest.mark.parametrize("value", ["=1+1", "+86", "-5", "@user", "\tx", "\rx"])
def test_formula_escaping(value):
    assert escape_formula(value) == "'" + value


def test_generated_columns_never_start_a_formula(trained_model, tiny_corpus):
    texts = ["-_-太慢了", "@客服 气死了", "=SUM(1)不满意", *tiny_corpus["text"]]
    columns = score_columns(trained_model)
    for row in score_texts(trained_model, texts, escape=True):
        cells = dict(zip(columns, row))
        assert not str(cells["keywords"]).startswith(("=", "+", "-", "@"))
        assert not str(cells["reply"]).startswith(("=", "+", "-", "@"))


def test_a_chunk_is_scored_and_formatted_with_the_garbage_collector_paused(trained_model, monkeypatch):
    import gc

    import emotion_matrix.batch as batch

    seen = []
    csv_text = batch.csv_text

    def spy(rows, delimiter=","):
        seen.append(gc.isenabled())
        return csv_text(rows, delimiter)

    monkeypatch.setattr(batch, "csv_text", spy)
    text = batch.score_rows(trained_model, [["1", "太慢了"], ["2", "谢谢"]], 1)
    assert seen == [False] and gc.isenabled()
    assert text.count("\n") == 2 and text.startswith("1,太慢了,")
