"""Dask scoring gives the same rows and predictions as the local path."""

import pandas as pd
import pytest

from emotion_matrix import score_csv
from emotion_matrix.batch import score_columns, score_dataframe

dd = pytest.importorskip("dask.dataframe")
distributed = pytest.importorskip("distributed")

from emotion_matrix.dask import score, score_files  # noqa: E402


@pytest.fixture(scope="module")
def cluster_client():
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster:
        with distributed.Client(cluster) as client:
            yield client


def test_same_rows_and_predictions_as_local(cluster_client, trained_model, tiny_corpus):
    frame = pd.DataFrame({"id": [str(i) for i in range(len(tiny_corpus))], "text": tiny_corpus["text"]})
    local = score_dataframe(frame, trained_model)
    ddf = dd.from_pandas(frame, npartitions=4)
    lazy = score(ddf, model=trained_model)
    assert list(lazy.columns) == list(local.columns)
    added = score_columns(trained_model)
    assert dict(lazy.dtypes[added]) == dict(local.dtypes[added])  # explicit meta, no guessing
    remote = lazy.compute()
    pd.testing.assert_frame_equal(remote[added], local[added])
    assert remote["text"].tolist() == local["text"].tolist() and remote["id"].tolist() == local["id"].tolist()
    assert len(cluster_client.scheduler_info()["workers"]) == 2


def test_score_files_matches_score_csv(tmp_path, trained_model, tiny_corpus):
    folder = tmp_path / "exports"
    folder.mkdir()
    halves = [tiny_corpus.iloc[:40], tiny_corpus.iloc[40:]]
    for i, part in enumerate(halves):
        part[["text"]].assign(n=range(len(part))).to_csv(folder / f"part{i}.csv", index=False)
    rows = score_files(str(folder / "*.csv"), tmp_path / "dask.csv", model=trained_model)
    assert rows == len(tiny_corpus)
    expected = pd.concat(
        [
            pd.read_csv(
                score_csv(
                    folder / f"part{i}.csv", tmp_path / f"local{i}.csv", model=trained_model, progress=False
                ).output,
                dtype=str,
                keep_default_na=False,
                encoding="utf-8-sig",
            )
            for i in range(2)
        ],
        ignore_index=True,
    )
    got = pd.read_csv(tmp_path / "dask.csv", dtype=str, keep_default_na=False, encoding="utf-8-sig")
    pd.testing.assert_frame_equal(got, expected)


def test_score_files_with_empty_first_file_and_multiline_fields(tmp_path, trained_model):
    folder = tmp_path / "exports"
    folder.mkdir()
    (folder / "a.csv").write_text("id,text\n", encoding="utf-8")
    (folder / "b.csv").write_text('id,text\n1,"第一行\n第二行，太慢了"\n2,谢谢\n', encoding="utf-8")
    rows = score_files(str(folder / "*.csv"), tmp_path / "out.csv", model=trained_model)
    got = pd.read_csv(tmp_path / "out.csv", dtype=str, keep_default_na=False, encoding="utf-8-sig")
    assert rows == 2 and got["id"].tolist() == ["1", "2"]
    assert got["text"].tolist() == ["第一行\n第二行，太慢了", "谢谢"]
