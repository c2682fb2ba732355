import math
import pickle
import threading
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import FunctionTransformer

from emotion_matrix import DataError, EmotionModel, ModelConfig, NotFittedError, Prediction, PredictionTable
from emotion_matrix.model import FEW, FEW_SPANS, _phrases
from emotion_matrix.segment import segment, segment_many

from .conftest import DATA, SMALL


def test_predict_returns_one_prediction_per_input_in_order(trained_model, tiny_corpus):
    texts = tiny_corpus["text"].tolist()
    predictions = trained_model.predict(texts)
    assert [p.text for p in predictions] == texts
    assert all(isinstance(p, Prediction) for p in predictions)


def test_fits_its_training_data(trained_model, tiny_corpus):
    predictions = trained_model.predict(tiny_corpus["text"])
    emotion = np.mean([p.emotion.label == e for p, e in zip(predictions, tiny_corpus["emotion"])])
    need = np.mean([p.need.label == n for p, n in zip(predictions, tiny_corpus["need"])])
    assert emotion > 0.9 and need > 0.9


def test_distribution_is_sorted_and_sums_to_one(trained_model):
    p = trained_model.predict_one("等了两个小时还没送到，气死了！")
    for score in p.heads.values():
        probabilities = [pr for _, pr in score.distribution]
        assert probabilities == sorted(probabilities, reverse=True)
        assert math.isclose(sum(probabilities), 1.0, abs_tol=1e-6)
        assert score.label == score.distribution[0][0]
    assert set(p.heads) == {"emotion", "need"}
    assert {label for label, _ in p.emotion.distribution} == {
        "anger",
        "anxiety",
        "disappointment",
        "confusion",
        "satisfaction",
        "neutral",
    }


def test_keywords_are_verbatim_substrings(trained_model, tiny_corpus):
    predictions = trained_model.predict(tiny_corpus["text"])
    for p in predictions:
        assert all(k in p.text for k in p.keywords)
        if p.emotion.label == "neutral":
            assert p.keywords == ()
    assert sum(bool(p.keywords) for p in predictions) > 40


def test_keywords_follow_the_original_characters(trained_model):
    p = trained_model.predict_one("氣死我了！等了兩個小時還沒送到")
    assert p.keywords and all(k in p.text for k in p.keywords)


@pytest.mark.parametrize(
    ("value", "status"),
    [
        (None, "not_text"),
        (float("nan"), "not_text"),
        (12345, "not_text"),
        (b"bytes", "not_text"),
        ("", "empty"),
        ("   \u200b ", "empty"),
        ("好", "ok"),
        ("😀😀😀", "ok"),
        ("\u202e退款\u202c", "ok"),
        ("<script>alert('气死了')</script>", "ok"),
        ("'; DROP TABLE orders; --", "ok"),
        ("Café ｶﾀｶﾅ 한국어 退款", "ok"),
    ],
)
def test_any_value_gets_a_defined_result(trained_model, value, status):
    p = trained_model.predict_one(value)
    assert p.status == status
    if status in ("empty", "not_text"):
        assert p.heads == {} and p.emotion is None and p.keywords == ()
    else:
        assert p.emotion is not None


def test_long_text_is_truncated(trained_model):
    config = trained_model.config
    p = trained_model.predict_one("太慢了" * config.max_chars)
    assert p.status == "truncated" and p.emotion is not None


def test_predict_before_fit_raises():
    with pytest.raises(NotFittedError, match="not fitted yet"):
        EmotionModel().predict(["你好"])


def test_single_custom_head(tiny_corpus):
    intent = np.where(tiny_corpus["need"] == "information", "ask", "complain")
    model = EmotionModel(SMALL).fit(tiny_corpus["text"], pd.Series(intent, name="intent"))
    p = model.predict_one("请问怎么查物流")
    assert model.head_names == ("intent",)
    assert set(p.heads) == {"intent"} and p.emotion is None
    assert p.heads["intent"].label in {"ask", "complain"}


def test_labels_as_mapping_or_sequence(tiny_corpus):
    texts = tiny_corpus["text"].tolist()
    by_map = EmotionModel(SMALL).fit(texts, {"emotion": tiny_corpus["emotion"].tolist()})
    by_list = EmotionModel(SMALL).fit(texts, tiny_corpus["emotion"].tolist())
    assert by_map.head_names == ("emotion",) and by_list.head_names == ("label",)
    assert [p.emotion.label for p in by_map.predict(texts)] == [p.heads["label"].label for p in by_list.predict(texts)]


@pytest.mark.parametrize(
    ("labels", "message"),
    [
        ({"emotion": ["anger"] * 4}, "single class"),
        ({"emotion": ["anger", "neutral", None, "anger"]}, "missing or non-string"),
        ({"emotion": ["anger", "neutral"]}, "has 2 values for 4 texts"),
        ({}, "no columns"),
    ],
)
def test_bad_labels_raise_data_error(labels, message):
    with pytest.raises(DataError, match=message):
        EmotionModel(SMALL).fit(["一", "二", "三", "四"], labels)


def test_empty_training_text_names_the_row():
    with pytest.raises(DataError, match=r"rows \[1\]"):
        EmotionModel(SMALL).fit(["好", " ", "差"], {"e": ["a", "b", "a"]})


def test_rare_class_warns(tiny_corpus):
    labels = tiny_corpus["emotion"].where(tiny_corpus.index != 0, "rare")
    with pytest.warns(UserWarning, match="fewer than 5"):
        EmotionModel(SMALL).fit(tiny_corpus["text"], {"emotion": labels})


def test_config_validation_names_the_field():
    with pytest.raises(ValueError, match="ModelConfig.C"):
        EmotionModel(ModelConfig(C=0)).fit(["a", "b"], ["x", "y"])


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("vector_weight", -1.0),
        ("word_vectors", 3),
        ("char_ngram_max", 4),
        ("char_bits", 30),
        ("negation", "yes"),
        ("nb_weight", -0.1),
        ("nb_weight", float("inf")),
    ],
)
def test_config_validation_of_feature_fields(field, value):
    with pytest.raises(ValueError, match=f"ModelConfig.{field}"):
        ModelConfig(**{field: value}).validate()


def test_shipped_word_vectors_are_stored_in_the_model(trained_model):
    space = trained_model.features_
    assert len(space.vector_words) > 10_000 and space.vectors.shape == (len(space.vector_words), 100)
    assert all(
        head.coef.shape[0] == len(space.vocabulary) + len(space.char_buckets) + 100
        for head in trained_model.heads_.values()
    )


def test_own_word_vectors_change_what_unseen_words_mean(tmp_path, tiny_corpus):
    """A word training never saw, given the vector of an angry word, pushes a message toward anger."""
    labels = tiny_corpus[["emotion"]]
    plain = EmotionModel(ModelConfig(char_ngram_max=0, word_vectors=None)).fit(tiny_corpus["text"], labels)
    unseen = "恼火"
    assert segment(unseen) == (unseen,) and unseen not in plain.features_.vocabulary
    words = [*plain.features_.vocabulary, unseen]
    vectors = np.eye(len(words))
    vectors[-1] = vectors[words.index("垃圾")]  # the unseen word means what an angry word means
    path = tmp_path / "vectors.npz"
    np.savez(path, words=np.array(words), vectors=vectors)
    model = EmotionModel(ModelConfig(char_ngram_max=0, word_vectors=str(path))).fit(tiny_corpus["text"], labels)
    before = dict(plain.predict_one(unseen).emotion.distribution)
    after = dict(model.predict_one(unseen).emotion.distribution)
    assert after["anger"] > before["anger"] + 0.2


def test_missing_word_vectors_file_fails_the_fit(tiny_corpus, tmp_path):
    with pytest.raises(DataError, match="cannot read word vectors"):
        EmotionModel(ModelConfig(word_vectors=str(tmp_path / "none.npz"))).fit(
            tiny_corpus["text"], tiny_corpus[["emotion"]]
        )


def test_estimator_protocol(trained_model, tiny_corpus):
    assert trained_model.get_params() == {"config": SMALL}
    copy = clone(trained_model)
    assert copy.config == SMALL and not hasattr(copy, "heads_")
    restored = pickle.loads(pickle.dumps(trained_model))
    texts = tiny_corpus["text"].tolist()
    assert restored.predict(texts) == trained_model.predict(texts)


def test_grid_search_over_raw_texts(tiny_corpus):
    pipeline = Pipeline([("strip", FunctionTransformer(lambda xs: [x.strip() for x in xs])), ("model", EmotionModel())])
    grid = GridSearchCV(
        pipeline,
        {"model__config": [ModelConfig(char_bits=12, C=c) for c in (0.5, 4.0)]},
        cv=2,
    )
    grid.fit(tiny_corpus["text"].tolist(), tiny_corpus[["emotion", "need"]])
    assert grid.best_params_["model__config"].C in (0.5, 4.0)
    assert 0.0 <= grid.best_score_ <= 1.0


def test_training_is_deterministic(tiny_corpus):
    texts, labels = tiny_corpus["text"], tiny_corpus[["emotion", "need"]]
    a = EmotionModel(SMALL).fit(texts, labels).predict(texts)
    b = EmotionModel(SMALL).fit(texts, labels).predict(texts)
    assert a == b


def test_threads_share_one_model(tmp_path, trained_model, tiny_corpus):
    """8 threads start together on a freshly loaded model (cold caches) and match the serial results."""
    from emotion_matrix import load_model, save_model

    texts = tiny_corpus["text"].tolist()
    model = load_model(save_model(trained_model, tmp_path / "m"))
    start = threading.Barrier(8)

    def work(offset):
        start.wait()
        return [model.predict_one(t) for t in texts[offset:] + texts[:offset]]

    with ThreadPoolExecutor(8) as pool:
        parallel = list(pool.map(work, range(0, 80, 10)))
    serial = [trained_model.predict_one(t) for t in texts]
    for offset, results in zip(range(0, 80, 10), parallel):
        assert results == serial[offset:] + serial[:offset]


def test_score_frame_appends_columns(trained_model):
    frame = pd.DataFrame({"id": [3, 1, 2], "内容": ["太慢了", None, "谢谢"]}, index=[10, 11, 12])
    out = trained_model.score_frame(frame, text_column="内容")
    assert list(out.columns[:2]) == ["id", "内容"] and list(out.index) == [10, 11, 12]
    assert list(out.columns[2:]) == trained_model.output_columns()
    assert out.loc[11, "status"] == "not_text" and out.loc[11, "emotion"] == ""
    assert math.isnan(out.loc[11, "emotion_confidence"]) and 0 < out.loc[10, "emotion_confidence"] <= 1
    assert out["uncertain"].dtype == bool
    with pytest.raises(DataError, match="no column 'text'"):
        trained_model.score_frame(frame)


def test_unknown_taxonomy_label_warns_with_rows(tiny_corpus):
    labels = tiny_corpus[["emotion"]].copy()
    labels.loc[3, "emotion"] = "angry"
    with pytest.warns(UserWarning, match=r"outside the taxonomy \['angry'\] \(rows \[3\]\)"):
        EmotionModel(SMALL).fit(tiny_corpus["text"], labels)


def test_conflicting_duplicates_warn_with_rows():
    texts = ["太慢了", "谢谢", "太慢了", "好评", "差评", "谢谢"] * 1
    labels = {"emotion": ["anger", "satisfaction", "neutral", "satisfaction", "anger", "satisfaction"]}
    with pytest.warns(UserWarning, match=r"row pairs \[\(0, 2\)\]"):
        EmotionModel(SMALL).fit(texts, labels)


@pytest.mark.parametrize(
    ("traditional", "simplified"),
    [
        ("氣死我了，服務態度太差了！", "气死我了，服务态度太差了！"),
        ("為什麼還沒發貨？", "为什么还没发货？"),
        ("謝謝，很滿意", "谢谢，很满意"),
    ],
)
def test_traditional_scores_like_simplified(trained_model, traditional, simplified):
    a, b = trained_model.predict([traditional, simplified])
    assert a.heads == b.heads
    assert len(a.keywords) == len(b.keywords) and all(k in traditional for k in a.keywords)


def test_a_large_batch_matches_one_by_one(trained_model):
    """Batches take array paths (sparse products, batch keyword search) that single messages skip."""
    texts = []
    for name in ("mirror_messages.csv", "redteam.csv"):
        texts += pd.read_csv(DATA / name, dtype=str, keep_default_na=False)["text"].tolist()
    assert len(texts) > 400
    batch = trained_model.predict(texts)
    assert batch == [trained_model.predict_one(t) for t in texts]
    assert sum(bool(p.keywords) for p in batch) > 100
    table = trained_model.predict_table([None, *texts, ""])
    assert table == PredictionTable.from_predictions(trained_model.predict([None, *texts, ""]), ("emotion", "need"))


def test_frames_from_a_table_and_from_predictions_are_identical(trained_model):
    texts = ["太慢了！！", None, "   ", "谢谢，很满意", 3.5, "為什麼還沒發貨？"]
    from_table = trained_model.prediction_frame(trained_model.predict_table(texts), index=range(10, 16))
    from_predictions = trained_model.prediction_frame(trained_model.predict(texts), index=range(10, 16))
    pd.testing.assert_frame_equal(from_table, from_predictions)
    empty = trained_model.prediction_frame(trained_model.predict_table([]))
    pd.testing.assert_frame_equal(empty, trained_model.prediction_frame([]))


def test_bad_n_jobs_is_refused_before_any_work(tiny_corpus):
    with pytest.raises(ValueError, match="n_jobs must be a number of processes"):
        EmotionModel(SMALL).fit(tiny_corpus["text"], tiny_corpus["emotion"], n_jobs=0)


def test_negated_words_are_read_and_found_as_keywords():
    liked = ["菜很好吃", "真好吃", "味道好吃", "饭很好吃", "面条好吃", "汤好喝", "好吃又便宜", "特别好吃"]
    disliked = ["菜不好吃", "一点也不好吃", "饭不好吃", "味道不好吃", "太难吃了", "难吃", "面条不好吃", "汤不好喝"]
    labels = {"emotion": ["satisfaction"] * 8 + ["disappointment"] * 8}
    fitted = {
        negation: EmotionModel(ModelConfig(char_bits=16, C=4.0, negation=negation, word_vectors=None)).fit(
            liked + disliked, labels
        )
        for negation in (True, False)
    }
    text = "这个菜不好吃"
    one = fitted[True].predict_one(text)
    assert one.emotion.label == "disappointment" and one.keywords == ("不好吃",)
    assert fitted[True].predict([text] * (FEW + 1)) == [one] * (FEW + 1)  # the batch path agrees
    assert one.emotion.probability > fitted[False].predict_one(text).emotion.probability


@pytest.mark.parametrize("method", ["predict", "predict_table"])
def test_the_garbage_collector_is_paused_per_chunk_and_restored(trained_model, monkeypatch, method):
    """Scoring runs with the cyclic collector off (it would walk every result again and again)
    and leaves it as it was: on, off, or on after an error."""
    import gc

    import emotion_matrix.model as model_module

    seen = []
    score_chunk = EmotionModel._score_chunk

    def spy(self, values):
        seen.append(gc.isenabled())
        return score_chunk(self, values)

    monkeypatch.setattr(EmotionModel, "_score_chunk", spy)
    monkeypatch.setattr(model_module, "CHUNK", 4)
    texts = ["太慢了", "谢谢", "为什么还没发货？", "好评", "差评"]
    assert gc.isenabled()
    getattr(trained_model, method)(texts)
    assert seen == [False, False] and gc.isenabled()

    gc.disable()
    try:
        getattr(trained_model, method)(texts)
        assert not gc.isenabled()
    finally:
        gc.enable()

    def fail(self, values):
        raise RuntimeError("boom")

    monkeypatch.setattr(EmotionModel, "_score_chunk", fail)
    with pytest.raises(RuntimeError, match="boom"):
        getattr(trained_model, method)(texts)
    assert gc.isenabled()


def test_keyword_phrases_skip_overlaps_and_repeats_up_to_the_limit():
    """Spans are taken strongest first; one sharing a word with a taken span, or repeating its phrase, is skipped."""
    texts = ["太慢了太慢了真的很差", "服务很好", "态度太差了，气死了"] * 10
    segmented = segment_many(texts)
    rng = np.random.default_rng(0)
    sizes = []
    for _ in range(200):
        spans = []
        for doc in range(len(texts)):
            lo, hi = int(segmented.indptr[doc]), int(segmented.indptr[doc + 1])
            for _ in range(rng.integers(0, 6)):
                left = int(rng.integers(lo, hi))
                spans.append((doc, left, int(rng.integers(left, min(left + 3, hi)))))
        docs, lefts, rights = np.array(spans, dtype=np.int64).reshape(-1, 3).T
        limit = int(rng.integers(1, 4))
        expected = {}
        for doc, left, right in spans:  # the rule, with every message's taken words tracked
            found, taken = expected.setdefault(doc, ([], set()))
            phrase = segmented.joined[segmented.starts[left] : segmented.ends[right]]
            if len(found) < limit and taken.isdisjoint(range(left, right + 1)) and phrase not in found:
                found.append(phrase)
                taken.update(range(left, right + 1))
        got = dict(_phrases(texts, segmented, docs, lefts, rights, limit))
        assert got == {doc: tuple(found) for doc, (found, _) in expected.items() if found}
        sizes.append(len(spans))
    assert min(sizes) < FEW_SPANS <= max(sizes)  # both ways of finding the overlaps were taken
