import json
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

from emotion_matrix import load_model, save_model
from emotion_matrix.cli import main


@pytest.fixture()
def model_dir(tmp_path, trained_model):
    return str(save_model(trained_model, tmp_path / "model"))


def test_score_writes_all_rows(tmp_path, tiny_corpus, model_dir, capsys):
    src, out = tmp_path / "in.csv", tmp_path / "out.csv"
    tiny_corpus[["text"]].assign(n=range(84)).to_csv(src, index=False)
    assert main(["score", str(src), "-o", str(out), "--model", model_dir, "--no-progress"]) == 0
    frame = pd.read_csv(out, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    assert frame["text"].tolist() == tiny_corpus["text"].tolist()
    assert frame["n"].tolist() == [str(i) for i in range(84)]
    captured = capsys.readouterr()
    assert "scored 84 rows" in captured.out and "read" in captured.err


def test_score_header_and_row_count(tmp_path, model_dir, capsys):
    src = tmp_path / "in.csv"
    src.write_text("id,内容\n1,太慢了\n2,谢谢\n3,\n", encoding="gb18030")
    out = tmp_path / "out.csv"
    assert (
        main(["score", str(src), "-o", str(out), "--model", model_dir, "--text-column", "内容", "--no-progress"]) == 0
    )
    lines = out.read_text(encoding="utf-8-sig").splitlines()
    assert lines[0] == ("id,内容,emotion,emotion_confidence,need,need_confidence,keywords,uncertain,status,reply")
    assert len(lines) == 4
    assert "gb18030" in capsys.readouterr().err


def test_score_missing_column_exit_1(tmp_path, tiny_csv, model_dir, capsys):
    code = main(["score", str(tiny_csv), "-o", str(tmp_path / "o.csv"), "--model", model_dir, "--text-column", "body"])
    assert code == 1
    err = capsys.readouterr().err
    assert err.startswith("error: ") and "no column 'body'" in err and err.count("\n") == 1
    assert not (tmp_path / "o.csv").exists()


def test_not_a_model_folder_exit_1(tmp_path, capsys):
    assert main(["predict", "你好", "--model", str(tmp_path)]) == 1
    assert "not an emotion_matrix model folder" in capsys.readouterr().err


def test_unreadable_file_exit_1(tmp_path, model_dir, capsys):
    assert main(["score", str(tmp_path / "missing.csv"), "-o", str(tmp_path / "o.csv"), "--model", model_dir]) == 1
    assert "no such file" in capsys.readouterr().err


def test_predict_json(model_dir, capsys):
    assert main(["predict", "等了两个小时还没送到，气死了！", "--json", "--model", model_dir]) == 0
    data = json.loads(capsys.readouterr().out)
    assert {"emotion", "need", "keywords", "distributions", "status"} <= set(data)
    assert abs(sum(data["distributions"]["emotion"].values()) - 1) < 1e-6


def test_reply_prints_k_suggestions(model_dir, capsys):
    assert main(["reply", "等太久了，太慢了！", "-k", "2", "--model", model_dir]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 2 and all(line.endswith("？") for line in lines)


def test_train_and_evaluate(tmp_path, tiny_csv, capsys):
    out = tmp_path / "m"
    assert main(["train", str(tiny_csv), "-o", str(out), "--test-size", "0.25"]) == 0
    assert "emotion: accuracy" in capsys.readouterr().out
    assert main(["evaluate", str(out), str(tiny_csv), "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert set(report) == {"emotion", "need"} and report["emotion"]["n"] == 84


def test_train_in_one_or_two_processes_saves_the_same_model(tmp_path, tiny_csv):
    for jobs in ("1", "2"):
        assert main(["train", str(tiny_csv), "-o", str(tmp_path / jobs), "--jobs", jobs, "--test-size", "0"]) == 0
    one, two = (load_model(tmp_path / jobs) for jobs in ("1", "2"))
    for name in ("emotion", "need"):
        assert one.heads_[name].classes == two.heads_[name].classes
        assert np.allclose(one.heads_[name].coef, two.heads_[name].coef, rtol=1e-6, atol=1e-9)
        assert np.allclose(one.heads_[name].intercept, two.heads_[name].intercept, rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize("jobs", ["0", "-1", "two"])
def test_train_jobs_must_be_a_positive_number(tmp_path, tiny_csv, capsys, jobs):
    with pytest.raises(SystemExit) as exc:
        main(["train", str(tiny_csv), "-o", str(tmp_path / "m"), "--jobs", jobs])
    assert exc.value.code == 2
    assert f"argument --jobs: must be a whole number of processes, 1 or more; got '{jobs}'" in capsys.readouterr().err


@pytest.mark.parametrize(("given", "stored"), [("none", None), ("vectors.npz", "vectors.npz")])
def test_train_chooses_word_vectors(tmp_path, tiny_csv, capsys, given, stored):
    np.savez(tmp_path / "vectors.npz", words=np.array(["谢谢", "太慢"]), vectors=np.eye(2, 3))
    args = ["train", str(tiny_csv), "-o", str(tmp_path / "m"), "--word-vectors", str(tmp_path / given)]
    assert main(args if given != "none" else [*args[:-1], "none"]) == 0
    meta = json.loads((tmp_path / "m" / "meta.json").read_text(encoding="utf-8"))
    assert meta["config"]["word_vectors"] == (stored and str(tmp_path / stored))
    assert len(load_model(tmp_path / "m").features_.vector_words) == (2 if stored else 0)


def test_train_with_a_missing_word_vectors_file_says_so(tmp_path, tiny_csv, capsys):
    assert main(["train", str(tiny_csv), "-o", str(tmp_path / "m"), "--word-vectors", str(tmp_path / "x.npz")]) != 0
    assert "cannot read word vectors" in capsys.readouterr().err


def test_usage_error_exit_2(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["score"])
    assert exc.value.code == 2


def test_python_dash_m(model_dir):
    result = subprocess.run(
        [sys.executable, "-m", "emotion_matrix", "predict", "谢谢", "--model", model_dir],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0 and result.stdout.startswith("emotion: ")


def test_score_with_dask_engine(tmp_path, tiny_corpus, model_dir, capsys):
    pytest.importorskip("distributed")
    for i in range(2):
        tiny_corpus[["text"]].iloc[i * 42 : (i + 1) * 42].to_csv(tmp_path / f"export{i}.csv", index=False)
    out = tmp_path / "out.csv"
    code = main(["score", str(tmp_path / "export*.csv"), "-o", str(out), "--model", model_dir, "--engine", "dask"])
    assert code == 0 and "scored 84 rows with Dask" in capsys.readouterr().out
    assert len(pd.read_csv(out, encoding="utf-8-sig")) == 84
