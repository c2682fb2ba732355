"""Stage 3: turn segmented text into TF-IDF features.

Two blocks, each a hashing vectorizer followed by a TF-IDF weighting: word n-grams over
the space-joined segmenter output, and character n-grams over the normalized text
(robust to segmentation errors, typos and unseen words). Hashing keeps no vocabulary,
so a saved model stays small and loads in a fraction of a second; the price is that a
feature index cannot be turned back into a word, which is why keywords are computed
from the message's own words (see ``model.py``).
"""

from __future__ import annotations

import numpy as np
from sklearn.feature_extraction.text import HashingVectorizer, TfidfTransformer
from sklearn.pipeline import Pipeline


def _hashed_tfidf(n_features: int, **analysis) -> Pipeline:
    hashing = HashingVectorizer(n_features=n_features, alternate_sign=False, norm=None, dtype=np.float32, **analysis)
    return Pipeline([("hash", hashing), ("tfidf", TfidfTransformer(sublinear_tf=True))])


def make_word_vectorizer(ngram_max: int, n_features: int) -> Pipeline:
    """An unfitted word n-gram TF-IDF over space-joined tokens.

    Examples
    --------
    >>> X = make_word_vectorizer(2, 2**10).fit_transform(["气死了 !", "谢谢 !"])
    >>> X.shape
    (2, 1024)
    """
    return _hashed_tfidf(n_features, token_pattern=r"(?u)\S+", ngram_range=(1, ngram_max))


def make_char_vectorizer(ngram_max: int, n_features: int) -> Pipeline:
    """An unfitted character n-gram TF-IDF over normalized text.

    Examples
    --------
    >>> make_char_vectorizer(3, 2**10).fit_transform(["太慢了"]).nnz
    6
    """
    return _hashed_tfidf(n_features, analyzer="char", ngram_range=(1, ngram_max))


def word_columns(vectorizer: Pipeline, words: list[str]) -> np.ndarray:
    """The feature column of each single word in a fitted word vectorizer's hash space.

    Examples
    --------
    >>> vec = make_word_vectorizer(2, 2**10).fit(["气死了 !"])
    >>> cols = word_columns(vec, ["气死了", "!"])
    >>> bool(((cols >= 0) & (cols < 2**10)).all())
    True
    """
    hashed = vectorizer.named_steps["hash"].transform(words).tocsr()
    hashed.sort_indices()
    columns = np.full(len(words), -1, dtype=np.int64)
    present = np.diff(hashed.indptr) > 0
    columns[present] = hashed.indices[hashed.indptr[:-1][present]]
    return columns
