"""Stage 3: turn segmented, normalized messages into features.

A batch of messages becomes two *runs* of feature ids, one message after another: its
words, looked up in the vocabulary learned in ``fit``, and its character n-grams,
hashed to buckets (robust to segmentation errors, typos and unseen words) and kept when
training saw the bucket. Each feature of a message weighs ``(1 + ln tf) * idf`` and the
message's weights are divided by their l2 norm. The character n-grams of a whole batch are computed
in a few numpy passes over its code points; nothing here needs scikit-learn, so a
service that only scores starts fast.

A word right after a negator (不, 没有, ...) can count as a feature of its own, its negated
form (``¬好吃``): what "不好吃" says is not what "好吃" says.

Optionally, word vectors learned from unlabeled text (:class:`WordVectors`) add a dense
block: the mean of a message's word vectors, which tells the heads what words the labeled
messages never had mean.
"""

from __future__ import annotations

import math
import os
import zipfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from importlib import resources
from itertools import repeat
from pathlib import Path

import numpy as np
import scipy.sparse as sp

from .errors import DataError

_GOLDEN = np.uint64(0x9E3779B97F4A7C15)  # Fibonacci hashing multiplier (odd, 2**64 / golden ratio)
_BREAK = 10  # the line break that separates messages in a joined batch
MAX_CHAR_NGRAM = 3  # three 21-bit code points fill a 64-bit key
# A word right after one of these is negated (keywords.NEGATORS holds the same words).
NEGATORS = frozenset("不 没 没有 别 不是 不太 不够 并不 毫不 从不 未 无 不会 不能 不要 不用 没什么".split())
NEGATED = "¬"  # marks the negated form of a word


@dataclass(frozen=True)
class Runs:
    """Feature ids of a batch: message ``i`` owns ``ids[indptr[i]:indptr[i + 1]]``.

    Word runs of a feature space with word vectors also give each word's vector row in
    ``vector_rows`` (``-1`` for a word without one); those of a space with negated forms
    give in ``plain_ids`` the id each word has where it is not negated.
    """

    ids: np.ndarray
    indptr: np.ndarray
    vector_rows: np.ndarray | None = None
    plain_ids: np.ndarray | None = None  # word runs with negated forms: each word's own id

    @cached_property
    def owner(self) -> np.ndarray:
        """The message of each id (computed once: scoring and keywords both need it).

        Examples
        --------
        >>> Runs(np.array([3, -1, 4]), np.array([0, 2, 3])).owner.tolist()
        [0, 0, 1]
        """
        return np.repeat(np.arange(len(self.indptr) - 1, dtype=np.int64), self.indptr[1:] - self.indptr[:-1])


def word_runs(words: Sequence[str], indptr: np.ndarray, vocabulary: Mapping[str, int]) -> Runs:
    """The vocabulary id of each word, ``-1`` for a word not in it.

    Message ``i`` owns ``words[indptr[i]:indptr[i + 1]]``.

    Examples
    --------
    >>> word_runs(["太慢", "了", "好"], np.array([0, 2, 3]), {"了": 0, "好": 1}).ids.tolist()
    [-1, 0, 1]
    """
    return Runs(np.fromiter(map(vocabulary.get, words, repeat(-1)), dtype=np.int64, count=len(words)), indptr)


def negated(words: Sequence[str], indptr: np.ndarray) -> list[str]:
    """``words`` with each word that follows a negator in its message in its negated form.

    Examples
    --------
    >>> negated(["不", "好吃", "不", "没有", "问题"], np.array([0, 3, 5]))
    ['不', '¬好吃', '不', '没有', '¬问题']
    """
    out = list(words)
    starts = set(indptr.tolist())
    for i in range(1, len(words)):
        if i not in starts and words[i - 1] in NEGATORS:
            out[i] = NEGATED + words[i]
    return out


def char_keys(texts: Sequence[str], ngram_max: int) -> Runs:
    """Every character n-gram (1 to ``ngram_max`` characters) of every text, as a 64-bit key.

    An n-gram's key packs its code points 21 bits apiece, so keys of different n-grams
    differ. Texts must not contain line breaks (normalized texts never do).

    Examples
    --------
    >>> runs = char_keys(["太慢", "好"], 2)
    >>> runs.indptr.tolist(), runs.ids[:2].tolist() == [ord("太"), ord("太") | ord("慢") << 21]
    ([0, 3, 4], True)
    """
    if not 1 <= ngram_max <= MAX_CHAR_NGRAM:
        raise ValueError(f"character n-grams must be 1 to {MAX_CHAR_NGRAM} long; got {ngram_max}")
    points = np.frombuffer("\n".join(texts).encode("utf-32-le"), dtype=np.uint32).astype(np.uint64)
    ends = points == _BREAK
    keys = np.zeros((len(points), ngram_max), dtype=np.uint64)
    valid = np.zeros((len(points), ngram_max), dtype=bool)
    keys[:, 0], valid[:, 0] = points, ~ends
    for n in range(1, ngram_max):
        keys[:-n, n] = keys[:-n, n - 1] | points[n:] << np.uint64(21 * n)
        valid[:-n, n] = valid[:-n, n - 1] & ~ends[n:]
    owner = np.cumsum(ends)
    counts = np.bincount(owner, weights=valid.sum(axis=1), minlength=len(texts)).astype(np.int64)
    return Runs(keys[valid], np.concatenate([[0], np.cumsum(counts)]))


def text_keys(text: str, ngram_max: int) -> np.ndarray:
    """The keys of :func:`char_keys` of one text, all its unigrams first, then its bigrams, ...

    The order differs from :func:`char_keys`'s; a message's TF-IDF does not depend on it.

    Examples
    --------
    >>> sorted(text_keys("太慢", 2).tolist()) == sorted(char_keys(["太慢"], 2).ids.tolist())
    True
    """
    points = np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32).astype(np.uint64)
    grams = [points]
    for n in range(1, ngram_max):
        grams.append(grams[-1][:-1] | points[n:] << np.uint64(21 * n))
    return np.concatenate(grams)


def hash_keys(keys: np.ndarray, bits: int) -> np.ndarray:
    """Map 64-bit keys to ``2**bits`` buckets (multiplicative hashing).

    Examples
    --------
    >>> int(hash_keys(np.array([1, 2], dtype=np.uint64), 4).max()) < 16
    True
    """
    return ((keys * _GOLDEN) >> np.uint64(64 - bits)).astype(np.int64)


def char_runs(texts: Sequence[str], ngram_max: int, bits: int, table: np.ndarray) -> Runs:
    """The character features of each text: ``table`` maps a bucket to its feature id or ``-1``."""
    keys = char_keys(texts, ngram_max)
    return Runs(table[hash_keys(keys.ids, bits)], keys.indptr)


def bucket_table(buckets: np.ndarray, bits: int) -> np.ndarray:
    """The lookup table of :func:`char_runs`: bucket ``buckets[i]`` has feature id ``i``."""
    # 32-bit ids: half the memory of 64-bit, so far more of the table stays in the CPU cache.
    table = np.full(2**bits, -1, dtype=np.int32)
    table[buckets] = np.arange(len(buckets))
    return table


def fit_vocabulary(words: Sequence[str]) -> tuple[str, ...]:
    """Every distinct word of the training messages, sorted.

    Examples
    --------
    >>> fit_vocabulary(["好", "了", "好"])
    ('了', '好')
    """
    return tuple(sorted(set(words)))


def fit_idf(runs: Runs, n_features: int) -> np.ndarray:
    """Smoothed inverse document frequency, ``ln((1 + n) / (1 + df)) + 1``, as scikit-learn computes it.

    Examples
    --------
    >>> [round(float(v), 3) for v in fit_idf(Runs(np.array([0, 0, 1]), np.array([0, 2, 3])), 2)]
    [1.405, 1.405]
    """
    n_docs = len(runs.indptr) - 1
    pairs = np.unique(runs.owner * n_features + runs.ids)
    df = np.bincount(pairs % n_features, minlength=n_features)
    return (np.log((1.0 + n_docs) / (1.0 + df)) + 1.0).astype(np.float32)


@dataclass(frozen=True, eq=False)
class WordVectors:
    """Word vectors learned from unlabeled text: ``vectors[i]`` (unit length) belongs to ``words[i]``.

    The package ships vectors learned from the public corpora the default model was built
    from (``scripts/build_word_vectors.py``); :meth:`load` reads them or your own.
    """

    words: tuple[str, ...]
    vectors: np.ndarray

    @classmethod
    def load(cls, path: str | os.PathLike | None = None) -> WordVectors:
        """Read an ``.npz`` file with a ``words`` array of strings and a ``vectors`` array, one row per word.

        With no ``path``, the vectors shipped with the package. Rows are scaled to unit
        length and rounded to half precision. Raises :class:`~emotion_matrix.errors.DataError`
        when the file is not such an archive.
        """
        path = Path(path) if path is not None else Path(str(resources.files("emotion_matrix") / VECTORS_RESOURCE))
        how = "write it with numpy.savez(path, words=numpy.array(words), vectors=matrix)"
        try:
            with np.load(path, allow_pickle=False) as archive:
                words, vectors = archive["words"], archive["vectors"]
        except (OSError, KeyError, ValueError, EOFError, zipfile.BadZipFile) as exc:
            raise DataError(f"cannot read word vectors from {path} ({exc}); {how}") from exc
        if (
            words.dtype.kind != "U"
            or vectors.dtype.kind not in "iuf"
            or vectors.ndim != 2
            or len(vectors) != len(words)
        ):
            raise DataError(
                f"{path}: 'words' must be strings and 'vectors' numbers with one row per word; "
                f"got {words.dtype} {words.shape} and {vectors.dtype} {vectors.shape}; {how}"
            )
        vectors = vectors.astype(np.float32)
        norms = np.linalg.norm(vectors, axis=1, keepdims=True)
        # Half precision is plenty for features, and a saved model then stores them exactly in half the space.
        unit = (vectors / np.where(norms > 0, norms, 1.0)).astype(np.float16).astype(np.float32)
        return cls(tuple(words.tolist()), unit)


VECTORS_RESOURCE = "resources/word_vectors.npz"
SMALL = 4096  # up to this many entries, products skip building a sparse matrix (less fixed cost)


@dataclass(frozen=True)
class Rows:
    """TF-IDF rows of a batch in coordinate form, ordered by row, then column."""

    row: np.ndarray
    column: np.ndarray
    data: np.ndarray
    shape: tuple[int, int]

    def matrix(self) -> sp.csr_matrix:
        """The rows as a CSR matrix (for training)."""
        indptr = np.concatenate([[0], np.cumsum(np.bincount(self.row, minlength=self.shape[0]))])
        return sp.csr_matrix((self.data, self.column, indptr), shape=self.shape)

    def dot(self, weights: np.ndarray) -> np.ndarray:
        """``rows @ weights`` for a dense ``weights`` with one row per feature.

        Either way adds each row's products in column order, so small and large batches
        give identical numbers (a test checks this).
        """
        if len(self.data) > SMALL:
            return np.asarray(self.matrix() @ weights)
        out = np.zeros((self.shape[0], weights.shape[1]))
        np.add.at(out, self.row, weights[self.column] * self.data[:, None])
        return out


def tfidf(runs: Runs, idf: np.ndarray, unseen: float | None = None) -> Rows:
    """The TF-IDF rows of a batch: ``(1 + ln tf) * idf`` per feature, each row of unit l2 norm.

    Ids ``-1`` (features training never saw) get no column but count in the norm, each
    occurrence as a feature of its own with the largest IDF, so a message of mostly
    unknown words does not look confident (``unseen``, ``idf.max()`` unless given). The
    same rows train the heads and score.

    Examples
    --------
    >>> rows = tfidf(Runs(np.array([0, 0, 1, -1]), np.array([0, 3, 4])), np.array([1.0, 1.0]))
    >>> rows.matrix().toarray().round(3).tolist()
    [[0.861, 0.509], [0.0, 0.0]]
    """
    n_docs, n_features = len(runs.indptr) - 1, len(idf)
    unseen = float(idf.max(initial=1.0)) if unseen is None else unseen
    owner = runs.owner
    keep = runs.ids >= 0
    key = owner[keep] * n_features + runs.ids[keep]
    if n_docs * n_features < 2**31:
        key = key.astype(np.int32)  # sorts twice as fast as 64-bit keys
    key.sort()
    # Runs of equal keys are a message's occurrences of one feature.
    first, tf = _equal_runs(key)
    row, column = np.divmod(key[first], n_features)
    data = (1.0 + np.log(tf)) * idf[column]
    unknown = np.bincount(owner[~keep], minlength=n_docs)
    squares = np.bincount(row, weights=data * data, minlength=n_docs) + unknown * unseen**2
    squares[squares == 0] = 1.0
    data /= np.sqrt(squares)[row]
    return Rows(row, column, data, (n_docs, n_features))


def _equal_runs(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Where each run of equal values of a sorted array starts, and how long it is.

    Examples
    --------
    >>> [a.tolist() for a in _equal_runs(np.array([3, 3, 5, 7, 7, 7]))]
    [[0, 2, 3], [2, 1, 3]]
    """
    edge = np.empty(len(values) + 1, dtype=bool)
    edge[0] = edge[-1] = True
    np.not_equal(values[1:], values[:-1], out=edge[1:-1])
    edges = edge.nonzero()[0]
    first = edges[:-1]
    return first, edges[1:] - first


@dataclass(frozen=True, eq=False)
class FeatureSpace:
    """The fitted features: the word vocabulary, the character n-gram buckets and their IDFs.

    A word's position in ``vocabulary`` is its feature id; ``char_buckets`` (sorted) are
    the hashed character n-grams training saw, a bucket's position its feature id.
    ``char_ngram_max`` 0 means no character features. ``vectors`` (unit rows, one per
    word of ``vector_words``) add ``vector_weight`` times the mean of a message's word
    vectors as features; with none, there is no such block.
    """

    vocabulary: tuple[str, ...]
    word_idf: np.ndarray
    char_buckets: np.ndarray
    char_idf: np.ndarray
    char_ngram_max: int
    char_bits: int
    vector_words: tuple[str, ...] = ()
    vectors: np.ndarray = field(default_factory=lambda: np.zeros((0, 0), dtype=np.float32))
    vector_weight: float = 0.0
    negation: bool = False

    @classmethod
    def fit(
        cls,
        words: Sequence[str],
        indptr: np.ndarray,
        texts: Sequence[str],
        char_ngram_max: int,
        char_bits: int,
        vectors: WordVectors | None = None,
        vector_weight: float = 0.0,
        negation: bool = False,
    ) -> tuple[FeatureSpace, sp.csr_matrix]:
        """Learn the features of training messages; returns them and the training matrix.

        ``words`` holds every message's words (message ``i`` owns ``words[indptr[i]:indptr[i + 1]]``),
        ``texts`` the normalized messages.
        """
        features = negated(words, indptr) if negation else words
        vocabulary = fit_vocabulary(features)
        word_ids = word_runs(features, indptr, {w: i for i, w in enumerate(vocabulary)})
        word_idf = fit_idf(word_ids, len(vocabulary))
        buckets = np.zeros(0, dtype=np.int64)
        char_idf = np.zeros(0, dtype=np.float32)
        blocks = [tfidf(word_ids, word_idf).matrix()]
        if char_ngram_max:
            keys = char_keys(texts, char_ngram_max)
            hashed = hash_keys(keys.ids, char_bits)
            buckets = np.unique(hashed)
            char_ids = Runs(np.searchsorted(buckets, hashed), keys.indptr)
            char_idf = fit_idf(char_ids, len(buckets))
            blocks.append(tfidf(char_ids, char_idf).matrix())
        use_vectors = vectors is not None and vector_weight > 0 and len(vectors.words) > 0
        extra = (vectors.words, vectors.vectors, vector_weight) if use_vectors else ()
        space = cls(vocabulary, word_idf, buckets, char_idf, char_ngram_max, char_bits, *extra, negation=negation)
        if use_vectors:
            blocks.append(sp.csr_matrix(space.vector_features(space.words(words, indptr))))
        return space, sp.hstack(blocks, format="csr")

    def __getstate__(self) -> dict:
        # Look-up tables are rebuilt on first use: a pickled model (sent to worker processes) stays small.
        tables = ("idf", "index", "table", "unseen", "vector_of", "feature_of", "negator", "negated_of")
        return {k: v for k, v in self.__dict__.items() if k not in tables}

    @cached_property
    def unseen(self) -> tuple[float, float]:
        """The IDF an unseen word and an unseen character n-gram count with (the largest)."""
        return float(self.word_idf.max(initial=1.0)), float(self.char_idf.max(initial=1.0))

    @cached_property
    def idf(self) -> np.ndarray:
        """The IDF of each TF-IDF feature: the words', then the character n-grams'."""
        return np.concatenate([self.word_idf, self.char_idf])

    @cached_property
    def index(self) -> dict[str, int]:
        """Word to id: its feature id, or an id after the vocabulary's for a word known otherwise:
        one with a vector and, with negation, a negator or a word training saw only negated."""
        index = {w: i for i, w in enumerate(self.vocabulary)}
        others = list(self.vector_words)
        if self.negation:
            others += sorted(NEGATORS) + [w[1:] for w in self.vocabulary if w.startswith(NEGATED)]
        for w in others:
            index.setdefault(w, len(index))
        return index

    @cached_property
    def vector_of(self) -> np.ndarray:
        """Per id of :attr:`index`, the row of its word vector, ``-1`` for none; one more entry (-1) for id -1."""
        index = self.index
        rows = np.full(len(index) + 1, -1, dtype=np.int64)
        rows[[index[w] for w in self.vector_words]] = np.arange(len(self.vector_words))
        return rows

    @cached_property
    def feature_of(self) -> np.ndarray:
        """Per id of :attr:`index`, its feature id: itself for a word of the vocabulary, else ``-1``; one more entry
        (-1) for id -1."""
        ids = np.arange(len(self.index) + 1, dtype=np.int64)
        ids[len(self.vocabulary) :] = -1
        return ids

    @cached_property
    def table(self) -> np.ndarray:
        """Character bucket to feature id, ``-1`` for a bucket training never saw."""
        return bucket_table(self.char_buckets, self.char_bits)

    @cached_property
    def negator(self) -> np.ndarray:
        """Per id of :attr:`index`, whether the word is a negator; one more entry (False) for id -1."""
        flags = np.zeros(len(self.index) + 1, dtype=bool)
        flags[[self.index[w] for w in NEGATORS if w in self.index]] = True
        return flags

    @cached_property
    def negated_of(self) -> np.ndarray:
        """Per id of :attr:`index`, the id of the word's negated form, ``-1`` for none; one more entry for id -1."""
        index = self.index
        ids = np.full(len(index) + 1, -1, dtype=np.int64)
        for i, word in enumerate(self.vocabulary):
            if word.startswith(NEGATED):
                ids[index[word[1:]]] = i
        return ids

    def words(self, words: Sequence[str], indptr: np.ndarray) -> Runs:
        """The word ids of a batch (``-1`` for an unknown word) and their vector rows; see :func:`word_runs`.

        With negation, a word after a negator gets the id of its negated form (``-1`` when
        training never saw that form) and no vector row, as :func:`negated` marks words in ``fit``.
        """
        runs = word_runs(words, indptr, self.index)
        if not self.vector_words and not self.negation:
            return runs
        ids = plain = runs.ids
        # (Table look-ups with take: cheaper than indexing for a message's few words; id -1 reads the last entry.)
        if self.negation and len(ids):
            negates = self.negator.take(ids)
            negates[indptr[1:] - 1] = False  # a message's last word negates nothing of the next one
            after = negates[:-1].nonzero()[0] + 1
            if len(after):
                ids = ids.copy()
                ids[after] = self.negated_of.take(ids[after])
        rows = self.vector_of.take(ids) if self.vector_words else None
        return Runs(self.feature_of.take(ids), indptr, rows, self.feature_of.take(plain) if self.negation else None)

    def vector_features(self, word_ids: Runs) -> np.ndarray:
        """Per message, ``vector_weight`` times the mean of its words' vectors (zeros without any)."""
        return self._vector_means(word_ids).dot(self.vectors)

    def _vector_means(self, word_ids: Runs) -> Rows:
        """Rows over :attr:`vectors` of each message's word vectors, weighted to give ``vector_weight`` x their mean."""
        rows = word_ids.vector_rows
        has = rows >= 0
        owner = word_ids.owner[has]
        counts = np.bincount(owner, minlength=len(word_ids.indptr) - 1)
        shape = (len(counts), len(self.vectors))
        return Rows(owner, rows[has], self.vector_weight / counts[owner], shape)

    def decision(self, word_ids: Runs, texts: Sequence[str], weights: np.ndarray) -> np.ndarray:
        """``features @ weights`` for a batch, without building its whole feature matrix.

        ``weights`` holds one row per word, then per character feature, then per word
        vector: a word vector's row is ``vector @`` the weights of the word-vector
        dimensions, so each message adds up rows of its own words and its result does not
        depend on the batch around it. Its columns (two or more) are the heads' labels.
        """
        if len(texts) == 1:
            return self._one_decision(word_ids, texts[0], weights)
        n_words, n_tfidf = len(self.vocabulary), len(self.idf)
        word_unseen, char_unseen = self.unseen
        out = tfidf(word_ids, self.word_idf, word_unseen).dot(weights[:n_words])
        if self.char_ngram_max:
            char_ids = char_runs(texts, self.char_ngram_max, self.char_bits, self.table)
            out += tfidf(char_ids, self.char_idf, char_unseen).dot(weights[n_words:n_tfidf])
        if self.vector_words:
            out += self._vector_means(word_ids).dot(weights[n_tfidf:])
        return out

    def _one_decision(self, word_ids: Runs, text: str, weights: np.ndarray) -> np.ndarray:
        """:meth:`decision` of one message (a service's usual call), its rows of ``weights`` gathered at once.

        The numbers are the batch path's: each block's products are added in column order
        (rows of two or more columns summed over the first axis are added one after
        another), then the blocks one after another.
        """
        n_words, n_tfidf = len(self.vocabulary), len(self.idf)
        ids = word_ids.ids
        words = ids[ids >= 0]
        chars = (
            self.table[hash_keys(text_keys(text, self.char_ngram_max), self.char_bits)]
            if self.char_ngram_max
            else ids[:0]
        )
        known = chars[chars >= 0]
        column = np.concatenate([words, known + n_words])
        column.sort()  # the words' features first, then the characters'
        first, tf = _equal_runs(column)
        column = column[first]
        data = (1.0 + np.log(tf)) * self.idf[column]
        split = int(column.searchsorted(n_words))
        for block, unknown, unseen in zip(
            (data[:split], data[split:]), (len(ids) - len(words), len(chars) - len(known)), self.unseen
        ):
            # Added in column order, as np.bincount adds a batch's rows.
            square = float((block * block).cumsum()[-1]) if len(block) else 0.0
            square += unknown * unseen**2
            block /= math.sqrt(square) if square else 1.0
        end = len(column)
        if self.vector_words:
            rows = word_ids.vector_rows[word_ids.vector_rows >= 0]
            column = np.concatenate([column, rows + n_tfidf])
            data = np.concatenate([data, np.full(len(rows), self.vector_weight / max(len(rows), 1))])
        products = weights.take(column, axis=0)  # cheaper than weights[column], the same rows
        products *= data[:, None]
        out = products[:split].sum(axis=0, keepdims=True)
        out += products[split:end].sum(axis=0, keepdims=True)
        out += products[end:].sum(axis=0, keepdims=True)
        return out
