import numpy as np
import pytest
from sklearn.feature_extraction.text import CountVectorizer, TfidfTransformer

from emotion_matrix import features
from emotion_matrix.errors import DataError
from emotion_matrix.features import Runs, bucket_table, char_keys, char_runs, fit_idf, hash_keys, tfidf, word_runs


def test_char_keys_count_every_ngram_and_never_cross_texts():
    runs = char_keys(["太慢了", "好", "ab"], 2)
    assert runs.indptr.tolist() == [0, 5, 6, 9]  # 3 + 2, 1, 2 + 1
    keys = runs.ids.tolist()
    assert keys[:3] == [ord("太"), ord("太") | ord("慢") << 21, ord("慢")]
    assert ord("了") | ord("好") << 21 not in keys  # no n-gram spans two texts
    assert len(set(char_keys(["太慢了"], 3).ids.tolist())) == 6


@pytest.mark.parametrize("ngram_max", [1, 2, 3])
def test_one_text_has_the_keys_of_the_batch(ngram_max):
    """One message's keys (its own order) are those char_keys gives it in a batch."""
    rng = np.random.default_rng(ngram_max)
    alphabet = list("太慢了好差评谢!？ a1😀")
    texts = ["".join(rng.choice(alphabet, size=n)) for n in rng.integers(0, 12, size=40)]
    runs = char_keys(texts, ngram_max)
    for i, text in enumerate(texts):
        batch = runs.ids[runs.indptr[i] : runs.indptr[i + 1]]
        assert sorted(features.text_keys(text, ngram_max).tolist()) == sorted(batch.tolist()), text


def test_char_keys_reject_long_ngrams():
    with pytest.raises(ValueError, match="1 to 3"):
        char_keys(["太慢"], 4)


def test_hashed_buckets_stay_in_range_and_unknown_ones_are_marked():
    keys = char_keys(["太慢了", "好评"], 2)
    buckets = hash_keys(keys.ids, 10)
    assert ((buckets >= 0) & (buckets < 2**10)).all()
    seen = np.unique(buckets[: keys.indptr[1]])  # only the first text was "trained"
    runs = char_runs(["太慢了", "好评"], 2, 10, bucket_table(seen, 10))
    expected = [int(np.searchsorted(seen, b)) if b in seen else -1 for b in buckets]
    assert runs.ids.tolist() == expected and runs.indptr.tolist() == [0, 5, 8]


def test_word_runs_mark_unknown_words():
    runs = word_runs(["太慢", "了", "好"], np.array([0, 2, 3]), {"了": 0, "好": 1})
    assert runs.ids.tolist() == [-1, 0, 1]
    assert runs.owner.tolist() == [0, 0, 1]


def test_idf_matches_scikit_learn():
    docs = [["好", "好", "慢"], ["慢"], ["差", "好"]]
    vocabulary = {"好": 0, "慢": 1, "差": 2}
    flat = [w for d in docs for w in d]
    runs = word_runs(flat, np.cumsum([0] + [len(d) for d in docs]), vocabulary)
    counts = CountVectorizer(analyzer=lambda d: d, vocabulary=vocabulary).fit_transform(docs)
    expected = TfidfTransformer().fit(counts).idf_
    assert np.allclose(fit_idf(runs, 3), expected)


def test_tfidf_rows_are_sublinear_and_unit_length():
    runs = Runs(np.array([0, 0, 2, 1, -1]), np.array([0, 3, 5]))
    idf = np.array([1.0, 2.0, 3.0])
    rows = tfidf(runs, idf).matrix().toarray()
    first = np.array([(1 + np.log(2)) * 1.0, 0.0, 3.0])  # a repeated word counts 1 + ln 2
    assert np.allclose(rows[0], first / np.linalg.norm(first))
    # an unknown word gets no column but counts in the norm with the largest IDF
    assert np.allclose(rows[1], [0.0, 2.0 / np.sqrt(4 + 9), 0.0])
    assert np.allclose(np.linalg.norm(rows, axis=1), [1.0, 2.0 / np.sqrt(13)])


@pytest.mark.parametrize("columns", [1, 2, 13])
def test_small_and_large_products_give_identical_numbers(monkeypatch, columns):
    rng = np.random.default_rng(0)
    lengths = rng.integers(0, 40, size=300)
    runs = Runs(rng.integers(-1, 500, size=lengths.sum()), np.concatenate([[0], np.cumsum(lengths)]))
    idf = rng.uniform(1, 9, size=500)
    rows = tfidf(runs, idf)
    weights = rng.normal(size=(500, columns))
    monkeypatch.setattr(features, "SMALL", 0)
    large = rows.dot(weights)
    monkeypatch.setattr(features, "SMALL", 10**9)
    small = rows.dot(weights)
    assert np.array_equal(small, large)
    assert np.allclose(small, rows.matrix().toarray() @ weights)


@pytest.mark.parametrize("vectors", [False, True])
@pytest.mark.parametrize("char_ngram_max", [0, 1, 2, 3])
def test_one_message_gets_the_numbers_of_the_batch_path(tmp_path, char_ngram_max, vectors):
    """One message takes a path of its own; its edge cases: unknown words and characters, repeats, negation."""
    given = _vectors_file(tmp_path, ["慢", "快", "新词"], [[1, 0], [0, 1], [1, 1]]) if vectors else None
    train = [["太", "慢", "了"], ["快", "好", "好"], ["不", "好吃"]]
    space, _ = features.FeatureSpace.fit(
        [w for t in train for w in t],
        np.cumsum([0] + [len(t) for t in train]),
        ["".join(t) for t in train],
        char_ngram_max,
        12,
        features.WordVectors.load(given) if vectors else None,
        2.0,
        negation=True,
    )
    n_rows = len(space.vocabulary) + len(space.char_buckets) + len(space.vectors)
    weights = np.random.default_rng(char_ngram_max).normal(size=(n_rows, 4))
    other = ["快", "好"]
    for message in (
        ["慢", "慢", "慢"],
        ["新词"],
        ["陌生", "词"],
        ["不", "好吃", "好", "了"],
        ["太", "慢", "了", "太", "慢"],
    ):
        text = "".join(message)
        one = space.decision(space.words(message, np.array([0, len(message)])), [text], weights)
        both = space.words(message + other, np.array([0, len(message), len(message) + len(other)]))
        assert np.array_equal(one[0], space.decision(both, [text, "".join(other)], weights)[0])


def _vectors_file(tmp_path, words, vectors, name="vectors.npz"):
    path = tmp_path / name
    np.savez(path, words=np.array(words), vectors=np.asarray(vectors))
    return path


def test_word_vectors_load_as_unit_rows_at_half_precision(tmp_path):
    path = _vectors_file(tmp_path, ["慢", "好", "零"], [[3.0, 4.0], [0.1, 0.3], [0.0, 0.0]])
    loaded = features.WordVectors.load(path)
    assert loaded.words == ("慢", "好", "零")
    assert loaded.vectors.dtype == np.float32
    assert np.allclose(loaded.vectors[0], [0.6, 0.8], atol=1e-3)
    assert np.array_equal(loaded.vectors, loaded.vectors.astype(np.float16).astype(np.float32))
    assert np.allclose(np.linalg.norm(loaded.vectors[:2], axis=1), 1.0, atol=1e-3)
    assert loaded.vectors[2].tolist() == [0.0, 0.0]  # a zero vector stays zero


def test_shipped_word_vectors_load():
    shipped = features.WordVectors.load()
    assert len(shipped.words) == len(shipped.vectors) > 10_000
    assert "太慢" in shipped.words and "满意" in shipped.words


@pytest.mark.parametrize(
    "content",
    [
        {"words": np.array(["a", "b"])},  # no vectors
        {"words": np.array(["a", "b"]), "vectors": np.zeros((3, 2))},  # a row too many
        {"words": np.array([1, 2]), "vectors": np.zeros((2, 2))},  # words not text
        {"words": np.array(["a", "b"]), "vectors": np.zeros(2)},  # not a matrix
        {"words": np.array(["a", "b"]), "vectors": np.array([["x"], ["y"]])},  # not numbers
    ],
)
def test_bad_word_vector_files_say_how_to_write_one(tmp_path, content):
    path = tmp_path / "bad.npz"
    np.savez(path, **content)
    with pytest.raises(DataError, match="numpy.savez"):
        features.WordVectors.load(path)


def test_missing_word_vector_file_is_a_data_error(tmp_path):
    with pytest.raises(DataError, match="cannot read word vectors"):
        features.WordVectors.load(tmp_path / "missing.npz")


def _space_with_vectors(tmp_path, weight=2.0):
    vectors = features.WordVectors.load(_vectors_file(tmp_path, ["慢", "快", "新词"], [[1, 0], [0, 1], [1, 1]]))
    words, indptr = ["慢", "了", "快"], np.array([0, 2, 3])
    return features.FeatureSpace.fit(words, indptr, ["慢了", "快"], 2, 12, vectors, weight)


def test_vector_features_are_the_weighted_mean_of_word_vectors(tmp_path):
    space, matrix = _space_with_vectors(tmp_path)
    assert matrix.shape[1] == len(space.vocabulary) + len(space.char_buckets) + 2
    runs = space.words(["新词", "慢", "没有", "快", "没有"], np.array([0, 2, 4, 5]))
    assert runs.ids.tolist() == [-1, space.index["慢"], -1, space.index["快"], -1]  # 新词 has a vector, no TF-IDF id
    got = space.vector_features(runs)
    first = (np.array([1.0, 0.0]) + np.array([1.0, 1.0]) / np.sqrt(2)) / 2  # mean of 慢 and the unit vector of 新词
    assert np.allclose(got, [2 * first, [0, 2], [0, 0]], atol=1e-3)
    assert np.allclose(matrix[:, -2:].toarray(), [[2, 0], [0, 2]], atol=1e-3)


def test_vector_part_of_the_decision_matches_the_features(tmp_path):
    space, _ = _space_with_vectors(tmp_path, weight=1.5)
    runs = space.words(["新词", "慢", "快", "好"], np.array([0, 2, 4]))
    weights = np.array([[1.0, -2.0, 0.5], [0.25, 3.0, -1.0]])
    zeros = np.zeros((len(space.vocabulary) + len(space.char_buckets), 3))
    got = space.decision(runs, ["新词慢", "快好"], np.vstack([zeros, space.vectors @ weights]))
    assert np.allclose(got, space.vector_features(runs) @ weights)


def test_no_vectors_or_zero_weight_adds_no_block(tmp_path):
    vectors = features.WordVectors.load(_vectors_file(tmp_path, ["慢"], [[1.0, 0.0]]))
    for given, weight in ((None, 2.0), (vectors, 0.0)):
        space, matrix = features.FeatureSpace.fit(["慢"], np.array([0, 1]), ["慢"], 1, 12, given, weight)
        assert not space.vector_words and matrix.shape[1] == len(space.vocabulary) + len(space.char_buckets)
        assert space.words(["慢"], np.array([0, 1])).vector_rows is None


def test_a_word_after_a_negator_is_its_negated_form():
    words, indptr = ["不", "好吃", "好吃", "没有", "问题"], np.array([0, 3, 5])
    space, matrix = features.FeatureSpace.fit(words, indptr, ["不好吃好吃", "没有问题"], 0, 12, negation=True)
    assert {"¬好吃", "¬问题"} <= set(space.vocabulary) and "问题" not in space.vocabulary
    assert matrix.shape == (2, len(space.vocabulary))
    index = space.index
    # 问题 alone was never seen; a negator ending one message does not negate the next one's first word.
    runs = space.words(["好吃", "不", "好吃", "问题", "不", "问题", "好吃"], np.array([0, 3, 6, 7]))
    assert runs.ids.tolist() == [
        index["好吃"],
        index["不"],
        index["¬好吃"],
        -1,
        index["不"],
        index["¬问题"],
        index["好吃"],
    ]
    assert runs.plain_ids.tolist() == [index["好吃"], index["不"], index["好吃"], -1, index["不"], -1, index["好吃"]]


def test_scoring_negates_words_as_training_does():
    """Any negator negates, one training never saw or saw only negated ("不是没有问题") included."""
    rng = np.random.default_rng(4)

    def batch(alphabet, n):
        sizes = rng.integers(0, 6, n)
        return [str(w) for w in rng.choice(alphabet, sizes.sum())], np.concatenate([[0], np.cumsum(sizes)])

    words, indptr = batch(["不是", "没有", "问题", "好吃", "好", "，"], 60)
    space, _ = features.FeatureSpace.fit(words, indptr, ["x"] * (len(indptr) - 1), 0, 12, negation=True)
    assert "¬没有" in space.vocabulary
    vocabulary = {w: i for i, w in enumerate(space.vocabulary)}
    for alphabet in (
        ["不是", "没有", "问题", "好吃", "好", "，"],
        ["从不", "并不", "不是", "没有", "问题", "好吃", "新词"],
    ):
        words, indptr = batch(alphabet, 80)
        expected = [vocabulary.get(w, -1) for w in features.negated(words, indptr)]
        assert space.words(words, indptr).ids.tolist() == expected
    plain, _ = features.FeatureSpace.fit(["好吃", "不", "好吃"], np.array([0, 1, 3]), ["好吃", "不好吃"], 0, 12)
    runs = plain.words(["不", "好吃"], np.array([0, 2]))
    assert runs.ids.tolist() == [plain.index["不"], plain.index["好吃"]] and runs.plain_ids is None


def test_negated_words_have_no_vector(tmp_path):
    vectors = features.WordVectors.load(_vectors_file(tmp_path, ["慢", "不"], [[1, 0], [0, 1]]))
    space, _ = features.FeatureSpace.fit(
        ["不", "慢", "慢"], np.array([0, 2, 3]), ["不慢", "慢"], 0, 12, vectors, 1.0, True
    )
    runs = space.words(["不", "慢", "慢"], np.array([0, 2, 3]))
    assert runs.vector_rows.tolist() == [1, -1, 0]


def test_negated_forms_of_words_seen_only_negated_and_of_empty_input():
    space, _ = features.FeatureSpace.fit(
        ["不", "问题", "好"], np.array([0, 2, 3]), ["不问题", "好"], 0, 12, negation=True
    )
    index = space.index
    runs = space.words(["好", "不", "问题"], np.array([0, 1, 3]))
    assert runs.ids.tolist() == [index["好"], index["不"], index["¬问题"]] and runs.plain_ids.tolist()[2] == -1
    assert space.words([], np.array([0, 0])).ids.tolist() == []  # one empty message
    assert space.words([], np.array([0])).ids.tolist() == []  # no message
