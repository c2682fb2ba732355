import hashlib
import json
import pickle
import shutil
import subprocess
import sys
from importlib.metadata import version

import numpy as np
import pytest

from emotion_matrix import EmotionModel, ModelConfig, ModelFormatError, load_model, save_model
from emotion_matrix.persist import META_FILE, MODEL_FILE


@pytest.fixture()
def saved(tmp_path, trained_model):
    return save_model(trained_model, tmp_path / "m", extra={"note": "test"})


def test_round_trip_gives_identical_predictions(saved, trained_model, tiny_corpus):
    texts = tiny_corpus["text"].tolist() + ["没见过的句子，气死了!!!", None, ""]
    assert load_model(saved).predict(texts) == trained_model.predict(texts)


def test_meta_json_describes_the_model(saved, trained_model):
    meta = json.loads((saved / META_FILE).read_text(encoding="utf-8"))
    assert meta["format_version"] == 2
    assert meta["versions"]["numpy"] == version("numpy")
    assert meta["config"] == trained_model.config.to_dict()
    assert meta["heads"] == {
        "emotion": ["anger", "anxiety", "confusion", "disappointment", "neutral", "satisfaction"],
        "need": ["efficiency", "fairness", "information", "other", "reliability", "respect", "security"],
    }
    assert meta["n_train"] == 84 and meta["note"] == "test"
    assert len(meta["model_sha256"]) == 64


def test_not_a_model_folder(tmp_path):
    with pytest.raises(ModelFormatError, match="not an emotion_matrix model folder"):
        load_model(tmp_path)


def test_tampered_model_file_is_refused(saved):
    data = bytearray((saved / MODEL_FILE).read_bytes())
    data[len(data) // 2] ^= 0xFF
    (saved / MODEL_FILE).write_bytes(bytes(data))
    with pytest.raises(ModelFormatError, match="does not match the SHA-256"):
        load_model(saved)


def test_truncated_model_file_is_refused(saved):
    data = (saved / MODEL_FILE).read_bytes()
    (saved / MODEL_FILE).write_bytes(data[: len(data) // 3])
    with pytest.raises(ModelFormatError, match="changed or truncated"):
        load_model(saved)


class _Exploit:
    def __init__(self, target):
        self.target = target

    def __reduce__(self):
        return (open, (self.target, "w"))


def _edit_meta(saved, **changes):
    meta = json.loads((saved / META_FILE).read_text(encoding="utf-8"))
    meta.update(changes)
    (saved / META_FILE).write_text(json.dumps(meta), encoding="utf-8")


@pytest.mark.parametrize("dump", [pickle.dump, pytest.importorskip("joblib").dump])
def test_pickle_or_joblib_in_place_of_model_never_runs(saved, tmp_path, dump):
    """A malicious pickle (or joblib file) with a matching checksum is refused, and its code never runs."""
    target = tmp_path / "pwned"
    with (saved / MODEL_FILE).open("wb") as handle:
        dump(_Exploit(str(target)), handle)
    _edit_meta(saved, model_sha256=hashlib.sha256((saved / MODEL_FILE).read_bytes()).hexdigest())
    with pytest.raises(ModelFormatError, match="not a model archive of numbers and text"):
        load_model(saved)
    assert not target.exists()


def _rewrite_archive(saved, **arrays):
    """Replace arrays of the saved archive and record the new checksum, as an attacker could."""
    path = saved / MODEL_FILE
    with np.load(path) as archive:
        content = {name: archive[name] for name in archive.files}
    content.update(arrays)
    with path.open("wb") as handle:
        np.savez(handle, **content)
    _edit_meta(saved, model_sha256=hashlib.sha256(path.read_bytes()).hexdigest())


def test_object_array_in_archive_never_runs(saved, tmp_path):
    """An archive holding a pickled object array is refused before anything is unpickled."""
    target = tmp_path / "pwned"
    _rewrite_archive(saved, vocabulary=np.array([_Exploit(str(target))], dtype=object))
    with pytest.raises(ModelFormatError, match="not a model archive of numbers and text"):
        load_model(saved)
    assert not target.exists()


@pytest.mark.parametrize(
    "arrays",
    [
        {"coef_0": np.zeros((3, 6), dtype=np.float32)},  # wrong shape
        {"word_idf": np.array(["x"])},  # wrong type
        {"char_buckets": np.array([5, 2**40])},  # bucket outside char_bits
        {"vectors": np.zeros((3, 100), dtype=np.float16)},  # not one row per vector word
        {"vectors": np.zeros(5, dtype=np.float16)},  # not a matrix
        {"vector_words": np.arange(3)},  # not text
    ],
)
def test_inconsistent_arrays_are_refused(saved, arrays):
    _rewrite_archive(saved, **arrays)
    with pytest.raises(ModelFormatError, match="re-train the model"):
        load_model(saved)


def test_model_saved_before_word_vectors_existed_loads(tmp_path, tiny_corpus):
    """An archive without the word-vector arrays (as saved by earlier versions) is a model without them."""
    model = EmotionModel(ModelConfig(char_bits=16, word_vectors=None)).fit(
        tiny_corpus["text"], tiny_corpus[["emotion"]]
    )
    saved = save_model(model, tmp_path / "old")
    path = saved / MODEL_FILE
    with np.load(path) as archive:
        content = {name: archive[name] for name in archive.files if not name.startswith("vector")}
    with path.open("wb") as handle:
        np.savez(handle, **content)
    _edit_meta(saved, model_sha256=hashlib.sha256(path.read_bytes()).hexdigest())
    texts = tiny_corpus["text"].tolist()
    assert load_model(saved).predict(texts) == model.predict(texts)


def test_future_format_is_refused(saved):
    _edit_meta(saved, format_version=99)
    with pytest.raises(ModelFormatError, match="format_version 99"):
        load_model(saved)


def test_loading_needs_neither_scikit_learn_nor_pandas(saved):
    """A scoring process starts fast: loading and predicting import neither."""
    code = (
        "import sys; from emotion_matrix import load_model; "
        f"load_model({str(saved)!r}).predict_one('太慢了'); "
        "print(sorted(m for m in ('sklearn', 'pandas', 'skops') if m in sys.modules))"
    )
    assert subprocess.check_output([sys.executable, "-c", code], text=True).strip() == "[]"


def test_copy_of_folder_loads(saved, tmp_path):
    copy = shutil.copytree(saved, tmp_path / "copy")
    assert load_model(copy).head_names == ("emotion", "need")


def test_model_saved_before_negated_forms_and_naive_bayes_loads_without_them(tmp_path, tiny_corpus):
    model = EmotionModel(ModelConfig(char_bits=16, negation=False, nb_weight=0.0)).fit(
        tiny_corpus["text"], tiny_corpus[["emotion"]]
    )
    saved = save_model(model, tmp_path / "old")
    meta = json.loads((saved / META_FILE).read_text(encoding="utf-8"))
    del meta["config"]["negation"], meta["config"]["nb_weight"]
    (saved / META_FILE).write_text(json.dumps(meta), encoding="utf-8")
    loaded = load_model(saved)
    texts = tiny_corpus["text"].tolist() + ["一点都不满意", "没有问题"]
    assert loaded.config.negation is False and loaded.features_.negation is False and loaded.config.nb_weight == 0
    assert loaded.predict(texts) == model.predict(texts)


def test_model_pickled_before_negated_forms_and_naive_bayes_saves_and_loads_as_it_was(tmp_path, tiny_corpus):
    model = EmotionModel(ModelConfig(char_bits=16, negation=False, nb_weight=0.0)).fit(
        tiny_corpus["text"], tiny_corpus[["emotion"]]
    )
    for part, names in ((model.config, ("negation", "nb_weight")), (model.features_, ("negation",))):
        for name in names:
            object.__delattr__(part, name)  # as an earlier version pickled them
    old = pickle.loads(pickle.dumps(model))
    assert old.config.negation is False and old.config.nb_weight == 0.0
    texts = tiny_corpus["text"].tolist() + ["一点都不满意", "没有问题"]
    assert load_model(save_model(old, tmp_path / "old")).predict(texts) == old.predict(texts)
