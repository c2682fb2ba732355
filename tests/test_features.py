import numpy as np

from emotion_matrix.features import make_char_vectorizer, make_word_vectorizer, word_columns


def test_word_vectorizer_keeps_punctuation_tokens_and_bigrams():
    vec = make_word_vectorizer(2, 2**12).fit(["气死了 !", "谢谢 !"])
    row = vec.transform(["气死了 !"])
    # unigrams "气死了", "!" and the bigram "气死了 !"
    assert row.nnz == 3
    assert np.isclose(np.linalg.norm(row.toarray()), 1.0)


def test_char_vectorizer_counts_ngrams():
    row = make_char_vectorizer(2, 2**12).fit(["太慢了"]).transform(["太慢了"])
    assert row.nnz == 5  # 3 characters + 2 bigrams


def test_word_columns_match_transform():
    vec = make_word_vectorizer(1, 2**12).fit(["满意 不满意"])
    cols = word_columns(vec, ["满意", "不满意"])
    hashed = vec.named_steps["hash"].transform(["满意"])
    assert cols[0] == hashed.indices[0]
    assert cols[0] != cols[1]
