"""The model: chains normalize -> segment -> features -> heads into predictions.

This is the only module that composes the stages. :class:`EmotionModel` follows the
scikit-learn estimator protocol (``get_params``, ``set_params``, ``clone``, pickling, use
inside ``Pipeline`` and ``GridSearchCV`` over raw texts) and its ``predict`` returns
:class:`~emotion_matrix.result.Prediction` values. Scoring needs numpy, OpenCC and the
segmenter only; scikit-learn, SciPy and pandas are imported when a method needs them
(fitting, data frames), so a scoring service starts in well under a second.
"""

from __future__ import annotations

import contextlib
import functools
import gc
import itertools
import logging
import math
import warnings
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import asdict, dataclass

import numpy as np

from .errors import DataError, NotFittedError
from .features import MAX_CHAR_NGRAM, FeatureSpace, Runs, WordVectors
from .heads import check_jobs, fit_heads, probabilities
from .keywords import (
    EXTEND_LEFT,
    NEGATORS,
    batch_keyword_spans,
    is_word,
    keyword_spans,
    lexicon_matches,
    make_automaton,
    overlapping_docs,
)
from .normalize import locate, normalize, normalize_many
from .result import SCORED, TAXONOMY, LabelScore, Prediction, PredictionTable, _make_label_score, _make_prediction
from .segment import Segmented, segment_many

logger = logging.getLogger(__name__)

MIN_EXAMPLES = 5
KEYWORD_HEAD = "emotion"
NO_KEYWORD_LABEL = "neutral"
CHUNK = 2048  # messages scored together; bounds the temporary arrays of a large batch
CALIBRATION_TOL_FACTOR = 3  # calibration folds stop at 3 x tol (temperatures within a few percent)
# Keyword scores add a word vector's push at this scale to the word's TF-IDF push. Keyword precision and recall on
# the default model's hold-out split: 0.697 / 0.515 at 0, 0.730 / 0.576 at 5, within 0.01 of that from 2 to 40.
KEYWORD_VECTOR_SHARE = 5.0
FEW = 4  # keywords of up to this many messages are found message by message (less fixed cost)
FEW_SPANS = 64  # below this many keyword spans, every message tracks its taken words (less fixed cost)
# Config fields that models saved or pickled before them lack, with the values those models were fitted with.
OLDER_MODELS = {"negation": False, "nb_weight": 0.0}


@dataclass(frozen=True, kw_only=True)
class ModelConfig:
    """Options of an :class:`EmotionModel`; all fields are keyword-only.

    Parameters
    ----------
    char_ngram_max : int
        Longest character n-gram, 1 to 3; 0 turns the character features off.
    char_bits : int
        Character n-grams are hashed to ``2**char_bits`` buckets.
    C : float
        Inverse regularization strength of every head.
    max_iter : int
        Solver iterations of every head.
    tol : float
        Solver tolerance of every head.
    max_chars : int
        Longer texts are cut to this many characters and get status ``"truncated"``.
    max_keywords : int
        At most this many keywords per message.
    uncertain_below : float
        A prediction whose first head's probability is below this is flagged ``uncertain``.
    calibrate : bool
        Fit a temperature per head on out-of-fold predictions, so that a probability of
        0.8 is right about 80% of the time (costs two extra fits on half the rows per head,
        solved to a looser tolerance).
    random_state : int
        Seed of the solvers.
    word_vectors : str or None
        Word vectors learned from unlabeled text, as features next to TF-IDF: ``"default"``
        for the ones shipped with the package (learned from the public corpora of the
        default model), a path to your own ``.npz`` file (see
        :meth:`~emotion_matrix.features.WordVectors.load`), or None for none. They are
        stored in the fitted model, so scoring never needs the file.
    vector_weight : float
        The word-vector features are the mean of a message's (unit) word vectors times
        this, next to its unit-length TF-IDF rows; 0 turns them off.
    negation : bool
        A word right after a negator (不, 没有, ...) counts as its negated form, a feature
        of its own ("不好吃" is not "好吃").
    nb_weight : float
        Each head's weights of the TF-IDF features get the (centered) log-probabilities
        of a multinomial naive Bayes model added, times this (as NBSVM blends the two);
        0 turns it off. Scoring costs the same either way.

    Examples
    --------
    >>> ModelConfig(C=2.0).C
    2.0
    """

    char_ngram_max: int = 2
    char_bits: int = 20
    C: float = 2.0
    max_iter: int = 2000
    tol: float = 1e-3
    max_chars: int = 2000
    max_keywords: int = 3
    uncertain_below: float = 0.45
    calibrate: bool = True
    random_state: int = 0
    word_vectors: str | None = "default"
    vector_weight: float = 2.0
    negation: bool = True
    nb_weight: float = 0.1

    def validate(self) -> None:
        """Raise ``ValueError`` naming the first field with a bad value."""
        for name in ("max_iter", "max_chars", "C", "tol"):
            if not getattr(self, name) > 0:
                raise ValueError(f"ModelConfig.{name} must be > 0; got {getattr(self, name)!r}")
        if not 0 <= self.char_ngram_max <= MAX_CHAR_NGRAM:
            raise ValueError(f"ModelConfig.char_ngram_max must be 0 to {MAX_CHAR_NGRAM}; got {self.char_ngram_max!r}")
        if not 8 <= self.char_bits <= 26:
            raise ValueError(f"ModelConfig.char_bits must be 8 to 26; got {self.char_bits!r}")
        if self.max_keywords < 0:
            raise ValueError(f"ModelConfig.max_keywords must be >= 0; got {self.max_keywords!r}")
        if not 0 <= self.nb_weight < math.inf:
            raise ValueError(f"ModelConfig.nb_weight must be a number >= 0; got {self.nb_weight!r}")
        if not self.vector_weight >= 0:
            raise ValueError(f"ModelConfig.vector_weight must be >= 0; got {self.vector_weight!r}")
        if not isinstance(self.negation, bool):
            raise ValueError(f"ModelConfig.negation must be True or False; got {self.negation!r}")
        if self.word_vectors is not None and not isinstance(self.word_vectors, str):
            raise ValueError(f"ModelConfig.word_vectors must be 'default', a path or None; got {self.word_vectors!r}")
        if not 0.0 <= self.uncertain_below <= 1.0:
            raise ValueError(f"ModelConfig.uncertain_below must be in [0, 1]; got {self.uncertain_below!r}")

    def to_dict(self) -> dict[str, object]:
        """The fields as a plain dict (for ``meta.json``)."""
        return asdict(self)

    def __setstate__(self, state: dict) -> None:
        # A config pickled by an earlier version lacks the newer fields: it gets what its model was fitted with.
        self.__dict__.update({**OLDER_MODELS, **state})


@dataclass(frozen=True)
class _Batch:
    """Messages after preprocessing; ``scored`` lists the ones with text to score."""

    originals: list[str]
    statuses: list[str]
    scored: list[int]
    texts: list[str]
    words: Segmented


@contextlib.contextmanager
def gc_paused() -> Iterator[None]:
    """Pause Python's cyclic garbage collector while a chunk of messages is scored.

    A chunk leaves tens of thousands of small objects alive (its results), and the
    collector would walk them, and every other object of the process, many times over: a
    sixth of ``predict``'s CPU time. Scoring makes no reference cycles, so the pause leaves no
    garbage behind. The collector is restarted only if it was running before: a program
    that turned it off keeps it off. (Threads share the switch: a chunk scored while
    another thread's chunk ends runs with the collector on, which is only slower.)
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _prepare(values: Iterable[object], max_chars: int) -> _Batch:
    """The one preprocessing path shared by ``fit`` and ``predict``."""
    originals: list[str] = []
    statuses: list[str] = []
    for value in values:
        if not isinstance(value, str):
            originals.append("" if value is None or _is_nan(value) else str(value))
            statuses.append("not_text")
        elif len(value) > max_chars:
            originals.append(value[:max_chars])
            statuses.append("truncated")
        else:
            originals.append(value)
            statuses.append("ok")
    strings = [i for i, s in enumerate(statuses) if s != "not_text"]
    normalized = normalize_many([originals[i] for i in strings])
    scored, texts = [], []
    for i, text in zip(strings, normalized):
        if text:
            scored.append(i)
            texts.append(text)
        else:
            statuses[i] = "empty"
    return _Batch(originals, statuses, scored, texts, segment_many(texts))


@dataclass(frozen=True)
class _Scores:
    """What the model computed for one chunk: per head its classes and probabilities (scored rows only)."""

    batch: _Batch
    heads: tuple[tuple[str, tuple[str, ...], np.ndarray], ...]
    keywords: list[tuple[str, ...]]
    uncertain: list[bool]

    def predictions(self) -> list[Prediction]:
        names = [name for name, _, _ in self.heads]
        scores = [_label_scores(classes, proba) for _, classes, proba in self.heads]
        heads = [dict(zip(names, row)) for row in zip(*scores)]
        results = []
        position = 0
        for text, status in zip(self.batch.originals, self.batch.statuses):
            if status in SCORED:
                p = _make_prediction(text, heads[position], self.keywords[position], status, self.uncertain[position])
                results.append(p)
                position += 1
            else:
                results.append(Prediction(text=text, status=status))
        return results

    def columns(self) -> tuple[tuple, tuple, dict, dict, tuple, tuple]:
        """This chunk's part of a :class:`PredictionTable`, field by field."""
        batch = self.batch
        n = len(batch.originals)
        labels, probabilities = {}, {}
        for name, classes, proba in self.heads:
            top_labels = np.asarray(classes, dtype=object)[proba.argmax(axis=1)].tolist()
            tops = proba.max(axis=1).tolist()
            if len(batch.scored) < n:
                label, top = [""] * n, [None] * n
                for position, i in enumerate(batch.scored):
                    label[i], top[i] = top_labels[position], tops[position]
                top_labels, tops = label, top
            labels[name], probabilities[name] = tuple(top_labels), tuple(tops)
        keywords: list[tuple[str, ...]] = [()] * n
        uncertain = [False] * n
        for position, i in enumerate(batch.scored):
            keywords[i], uncertain[i] = self.keywords[position], self.uncertain[position]
        return tuple(batch.originals), tuple(batch.statuses), labels, probabilities, tuple(keywords), tuple(uncertain)


def _joined(parts: Iterable[tuple]) -> tuple:
    return tuple(itertools.chain.from_iterable(parts))


def _is_nan(value: object) -> bool:
    return isinstance(value, float) and math.isnan(value)


def label_columns(labels: object, n_rows: int, *, for_training: bool = True) -> dict[str, np.ndarray]:
    """Label columns as ``{head: array of str}``, checked; ``for_training`` adds the class-count checks."""
    import pandas as pd

    if isinstance(labels, pd.DataFrame):
        columns = {str(c): labels[c].to_numpy() for c in labels.columns}
    elif isinstance(labels, pd.Series):
        columns = {str(labels.name or "label"): labels.to_numpy()}
    elif isinstance(labels, Mapping):
        columns = {str(k): np.asarray(v, dtype=object) for k, v in labels.items()}
    elif labels is None:
        raise DataError("fit() needs labels: a DataFrame or mapping of label columns, e.g. {'emotion': [...]}")
    else:
        array = np.asarray(labels, dtype=object)
        if array.ndim != 1:
            raise DataError("labels must be a DataFrame, a mapping of label columns, or one 1-D sequence")
        columns = {"label": array}
    if not columns:
        raise DataError("labels has no columns; pass at least one label column such as 'emotion'")
    for name, values in columns.items():
        if len(values) != n_rows:
            raise DataError(f"label column {name!r} has {len(values)} values for {n_rows} texts")
        bad = [i for i, v in enumerate(values) if not isinstance(v, str) or not v.strip()]
        if bad:
            raise DataError(
                f"label column {name!r} has missing or non-string labels at rows {bad[:10]}; "
                "labels are strings such as 'anger'"
            )
        counts = pd.Series(values).value_counts()
        if not for_training:
            continue
        if len(counts) < 2:
            raise DataError(f"label column {name!r} has a single class {counts.index[0]!r}; a head needs two or more")
        rare = counts[counts < MIN_EXAMPLES]
        if len(rare):
            warnings.warn(
                f"label column {name!r}: classes with fewer than {MIN_EXAMPLES} examples: "
                f"{ {str(k): int(v) for k, v in rare.items()} }; add examples or merge the class",
                UserWarning,
                stacklevel=3,
            )
    return {name: np.asarray(values, dtype=str) for name, values in columns.items()}


def _warn_conflicts(texts: Sequence[str], columns: dict[str, np.ndarray]) -> None:
    """Warn about labels outside the taxonomy and identical texts labeled differently."""
    for name, values in columns.items():
        known = TAXONOMY.get(name)
        if known:
            unknown = sorted(str(v) for v in set(values) - set(known))
            if unknown:
                rows = [i for i, v in enumerate(values) if v in unknown][:10]
                warnings.warn(
                    f"label column {name!r} has labels outside the taxonomy {unknown} (rows {rows}); "
                    f"the taxonomy's labels are {list(known)}. Fix typos, or rename the column for a custom label set",
                    UserWarning,
                    stacklevel=3,
                )
    seen: dict[str, int] = {}
    conflicts = []
    for i, text in enumerate(texts):
        first = seen.setdefault(text, i)
        if first != i and any(v[first] != v[i] for v in columns.values()):
            conflicts.append((first, i))
    if conflicts:
        warnings.warn(
            f"{len(conflicts)} texts repeat an earlier text with different labels (row pairs {conflicts[:10]}); "
            "check these labels",
            UserWarning,
            stacklevel=3,
        )


@dataclass(frozen=True, eq=False)
class _Scorer:
    """Everything scoring reads, derived once from the fitted arrays (never changed after)."""

    weights: np.ndarray  # words, character features and word vectors x all heads' labels (see FeatureSpace.decision)
    intercept: np.ndarray
    heads: tuple[tuple[str, tuple[str, ...], slice, float], ...]
    keyword_table: np.ndarray  # words x keyword-head labels; 0 for punctuation, and a last row of 0s for id -1
    keyword_head: int
    automaton: object  # finds the keyword lexicon's phrases in a batch; None without a lexicon
    lexicon: tuple[frozenset[str], frozenset[str]]  # the phrases and all their prefixes
    flags: dict[str, tuple[np.ndarray, Callable[[str], bool]]]  # per word: is it a negator, ...


class EmotionModel:
    """Emotion and need classifier for Chinese customer messages.

    Parameters
    ----------
    config : ModelConfig, optional
        Options; ``None`` means ``ModelConfig()``.

    Attributes
    ----------
    heads_ : dict of str to Head
        One fitted head per label column, in the order of the training labels.
    features_ : FeatureSpace
        The fitted features (vocabulary, character n-gram buckets, IDFs) shared by all heads.
    keyword_lexicon_ : tuple of str
        Normalized emotion phrases learned from keyword labels (may be empty).
    n_train_ : int
        Number of training texts.

    Examples
    --------
    >>> model = EmotionModel(ModelConfig(char_bits=12)).fit(
    ...     ["太慢了气死了", "谢谢很满意", "气死了垃圾", "很满意好评"] * 3,
    ...     {"emotion": ["anger", "satisfaction", "anger", "satisfaction"] * 3},
    ... )
    >>> model.predict_one("气死了").heads["emotion"].label
    'anger'
    """

    def __init__(self, config: ModelConfig | None = None):
        self.config = config

    # -- estimator protocol -----------------------------------------------------------
    def get_params(self, deep: bool = True) -> dict[str, object]:
        """The constructor arguments, as scikit-learn's ``get_params``."""
        return {"config": self.config}

    def set_params(self, **params: object) -> EmotionModel:
        """Set constructor arguments, as scikit-learn's ``set_params``."""
        for name, value in params.items():
            if name != "config":
                raise ValueError(f"invalid parameter {name!r} for EmotionModel; the only parameter is 'config'")
            self.config = value
        return self

    def __sklearn_tags__(self):
        from sklearn.utils import InputTags, Tags, TargetTags

        return Tags(
            estimator_type="classifier",
            target_tags=TargetTags(required=True, multi_output=True),
            input_tags=InputTags(one_d_array=True, two_d_array=False, string=True),
        )

    def __repr__(self) -> str:
        return f"EmotionModel(config={self.config!r})" if self.config is not None else "EmotionModel()"

    def __getstate__(self) -> dict:
        state = dict(self.__dict__)
        state.pop("_scorer", None)
        return state

    # -- training ---------------------------------------------------------------------
    def fit(
        self,
        texts: Iterable[object],
        labels: object = None,
        *,
        keywords: Iterable[object] | None = None,
        n_jobs: int | None = None,
    ) -> EmotionModel:
        """Fit the features and one head per label column.

        Parameters
        ----------
        texts : iterable of str
            Training messages.
        labels : DataFrame, mapping of str to sequence, Series or 1-D sequence
            One column per head; a Series or plain sequence trains one head (named after
            the Series, else ``"label"``).
        keywords : iterable, optional
            Per text, the customer's emotion words as labeled (a ``|``-joined string or a
            sequence of strings). They become the model's keyword lexicon: these phrases
            are preferred when keywords are extracted.
        n_jobs : int, optional
            Processes that fit the heads, one head each: 1 fits them in this process, and
            None (the default) uses one process per head, up to the number of CPUs, when the
            training set is large enough for that to pay (see
            :func:`~emotion_matrix.heads.fit_heads`). The model is the same either way, up
            to rounding in the last digits.

        Returns
        -------
        EmotionModel
            ``self``, fitted.

        Raises
        ------
        DataError
            A text is not a string or empty, labels are missing, or a head has one class.
        """
        config = self._config()
        config.validate()
        check_jobs(n_jobs)
        batch = _prepare(texts, config.max_chars)
        bad = [i for i, s in enumerate(batch.statuses) if s not in SCORED]
        if bad:
            raise DataError(f"training texts must be non-empty strings; rows {bad[:10]} are empty or not text")
        columns = label_columns(labels, len(batch.texts))
        _warn_conflicts(batch.texts, columns)
        space, features = FeatureSpace.fit(
            batch.words.words,
            batch.words.indptr,
            batch.texts,
            config.char_ngram_max,
            config.char_bits,
            _word_vectors(config.word_vectors) if config.vector_weight > 0 else None,
            config.vector_weight,
            config.negation,
        )
        # A temperature is one number: folds solved to a looser tolerance give the same one, faster.
        calibration_tol = CALIBRATION_TOL_FACTOR * config.tol if config.calibrate else None
        heads = fit_heads(
            features,
            columns,
            n_jobs=n_jobs,
            C=config.C,
            random_state=config.random_state,
            max_iter=config.max_iter,
            tol=config.tol,
            calibration_tol=calibration_tol,
            nb_weight=config.nb_weight,
            nb_columns=len(space.vocabulary) + len(space.char_buckets),
        )
        for name, head in heads.items():
            logger.info("head %r: %d classes, %d rows", name, len(head.classes), len(columns[name]))
        # The new state is built in locals and published at once, so a model that is
        # refit while other threads predict never mixes old and new parts.
        self.__dict__.update(
            features_=space,
            heads_=heads,
            keyword_lexicon_=_lexicon(keywords) if keywords is not None else (),
            n_train_=len(batch.texts),
            _scorer=None,
        )
        return self

    def _config(self) -> ModelConfig:
        return self.config if self.config is not None else ModelConfig()

    # -- inference --------------------------------------------------------------------
    @property
    def head_names(self) -> tuple[str, ...]:
        """The names of the fitted heads, e.g. ``("emotion", "need")``."""
        self._check_fitted()
        return tuple(self.heads_)

    def _check_fitted(self) -> None:
        if not hasattr(self, "heads_"):
            raise NotFittedError("This EmotionModel is not fitted yet; call fit() or load_model() first")

    def _get_scorer(self) -> _Scorer:
        scorer = getattr(self, "_scorer", None)
        if scorer is None:
            scorer = self._scorer = self._build_scorer()
        return scorer

    def _build_scorer(self) -> _Scorer:
        space = self.features_
        n_words = len(space.vocabulary)
        n_features = n_words + len(space.char_buckets)
        coef = np.hstack([h.coef for h in self.heads_.values()])
        heads, start = [], 0
        for name, head in self.heads_.items():
            heads.append((name, head.classes, slice(start, start + len(head.classes)), head.temperature))
            start += len(head.classes)
        names = [h[0] for h in heads]
        keyword_head = names.index(KEYWORD_HEAD) if KEYWORD_HEAD in names else 0
        phrases = getattr(self, "keyword_lexicon_", ())
        tests = {"negator": NEGATORS.__contains__, "extend": EXTEND_LEFT.__contains__, "word": is_word}
        flags = {name: np.fromiter(map(test, space.vocabulary), bool, n_words) for name, test in tests.items()}
        weights = np.empty((n_features + len(space.vectors), coef.shape[1]))
        weights[:n_features] = coef[:n_features]
        weights[n_features:] = space.vectors.astype(np.float64) @ coef[n_features:].astype(np.float64)
        keyword_columns = heads[keyword_head][2]
        keyword_table = coef[:n_words, keyword_columns] * space.word_idf[:, None]
        if space.vector_words:
            # What a word's vector adds to its push (the vector block's weights, seen through the word).
            rows = space.vector_of[:n_words]
            pushes = weights[n_features:, keyword_columns]
            keyword_table += KEYWORD_VECTOR_SHARE * np.where(rows[:, None] >= 0, pushes[rows], 0.0)
        keyword_table *= flags["word"][:, None]  # punctuation never becomes a keyword: its weight is 0
        return _Scorer(
            weights=weights,
            intercept=np.concatenate([h.intercept for h in self.heads_.values()]),
            heads=tuple(heads),
            keyword_table=np.vstack([keyword_table, np.zeros(keyword_table.shape[1])]).astype(np.float32),
            keyword_head=keyword_head,
            automaton=make_automaton(phrases),
            lexicon=(frozenset(phrases), frozenset(p[:n] for p in phrases for n in range(1, len(p) + 1))),
            flags={name: (flags[name], test) for name, test in tests.items()},
        )

    def predict(self, texts: Iterable[object]) -> list[Prediction]:
        """Predict every head for each text, in input order, one result per input.

        Any value is accepted: a non-string or blank value gets a ``Prediction`` with
        status ``"not_text"`` or ``"empty"`` and no heads.

        Parameters
        ----------
        texts : iterable
            Messages.

        Returns
        -------
        list of Prediction
        """
        return list(itertools.chain.from_iterable(self._per_chunk(texts, _Scores.predictions)))

    def predict_one(self, text: object) -> Prediction:
        """Predict one message; see :meth:`predict`."""
        return self.predict([text])[0]

    def predict_table(self, texts: Iterable[object]) -> PredictionTable:
        """Predict many texts into columns: the top label and probability per head, keywords, statuses.

        The same predictions as :meth:`predict`, without the full distributions, so it
        is the faster way to fill a data frame or a CSV file.
        """
        names = self.head_names
        parts = self._per_chunk(texts, _Scores.columns)
        texts_, statuses, labels, probabilities, keywords, uncertain = zip(*parts) if parts else ((),) * 6
        return PredictionTable(
            _joined(texts_),
            _joined(statuses),
            {name: _joined(part[name] for part in labels) for name in names},
            {name: _joined(part[name] for part in probabilities) for name in names},
            _joined(keywords),
            _joined(uncertain),
        )

    def _per_chunk(self, texts: Iterable[object], finish: Callable[[_Scores], object]) -> list:
        """``finish`` of each scored chunk of ``texts``, in order; each chunk with the collector paused."""
        self._check_fitted()
        values = texts if isinstance(texts, Sequence) and not isinstance(texts, str) else list(texts)
        parts = []
        for start in range(0, len(values), CHUNK):
            with gc_paused():
                parts.append(finish(self._score_chunk(values[start : start + CHUNK])))
        return parts

    def _score_chunk(self, values: Sequence[object]) -> _Scores:
        config = self._config()
        scorer = self._get_scorer()
        batch = _prepare(values, config.max_chars)
        words = self.features_.words(batch.words.words, batch.words.indptr)
        decision = self.features_.decision(words, batch.texts, scorer.weights)
        decision += scorer.intercept
        heads = tuple(
            (name, classes, probabilities(decision[:, columns], temperature))
            for name, classes, columns, temperature in scorer.heads
        )
        uncertain = (heads[0][2].max(axis=1, initial=0.0) < config.uncertain_below).tolist()
        keywords = self._keywords(scorer, batch, words, heads[scorer.keyword_head][2])
        return _Scores(batch, heads, keywords, uncertain)

    def _keywords(self, scorer: _Scorer, batch: _Batch, words: Runs, proba: np.ndarray) -> list[tuple[str, ...]]:
        """Rank each message's own words by how much they push its predicted emotion."""
        config = self._config()
        out: list[tuple[str, ...]] = [()] * len(batch.texts)
        if not len(proba) or config.max_keywords == 0:
            return out
        classes = scorer.heads[scorer.keyword_head][1]
        predicted = proba.argmax(axis=1)
        todo = [classes[k] != NO_KEYWORD_LABEL for k in predicted.tolist()]
        plain = words.ids if words.plain_ids is None else words.plain_ids  # a keyword's push is the word's own
        segmented = batch.words
        if sum(todo) <= FEW:
            spans = []
            indptr = words.indptr.tolist()
            for doc in (i for i, t in enumerate(todo) if t):
                start, end = indptr[doc], indptr[doc + 1]
                scores = scorer.keyword_table[plain[start:end], predicted[doc]]
                found = keyword_spans(tuple(segmented.words[start:end]), scores.tolist(), *scorer.lexicon)
                spans += [(doc, left + start, right + start) for left, right in found]
            docs, lefts, rights = np.array(spans, dtype=np.int64).reshape(-1, 3).T
        else:
            scores = scorer.keyword_table[plain, predicted[words.owner]]
            flags = _flags(scorer, segmented.words, plain)
            lengths = segmented.ends - segmented.starts
            marked = np.array(todo)
            matches = lexicon_matches(segmented.words, lengths, words.indptr, marked, scorer.automaton)
            columns = batch_keyword_spans(segmented.words, words.indptr, scores, marked, flags, matches)
            docs, lefts, rights = columns
        originals = [batch.originals[i] for i in batch.scored]
        for doc, found in _phrases(originals, segmented, docs, lefts, rights, config.max_keywords):
            out[doc] = found
        return out

    def score_frame(self, frame, text_column: str = "text"):
        """Return a copy of ``frame`` (a pandas DataFrame) with the prediction columns appended.

        Columns added are those of :meth:`prediction_frame`. Rows keep their order and index.

        Raises
        ------
        DataError
            ``text_column`` is missing, or ``frame`` already has a column of an added name.
        """
        table = self.predict_table(frame_texts(frame, text_column))
        return append_columns(frame, self.prediction_frame(table, frame.index))

    def prediction_frame(self, predictions: Sequence[Prediction] | PredictionTable, index: object = None):
        """Predictions (a list or a :class:`PredictionTable`) as a typed pandas DataFrame with :meth:`output_columns`.

        Labels, ``keywords`` (joined with ``|``) and ``status`` are strings, confidences
        floats rounded to 4 decimals (NaN for a row without heads), ``uncertain`` booleans.
        An empty list gives an empty frame with the same columns and dtypes.
        """
        import pandas as pd

        if not isinstance(predictions, PredictionTable):
            predictions = PredictionTable.from_predictions(predictions, self.head_names)
        added = pd.DataFrame(predictions.columns(), index=index, columns=self.output_columns(), dtype=object)
        for column in added.columns:
            if column.endswith("_confidence"):
                added[column] = pd.to_numeric(added[column], errors="coerce").astype("float64")
            elif column == "uncertain":
                added[column] = added[column].astype(bool)
            else:
                added[column] = added[column].astype(str)
        return added

    def output_columns(self) -> list[str]:
        """The columns :meth:`score_frame` and :meth:`Prediction.to_row` produce."""
        names = [c for h in self.head_names for c in (h, f"{h}_confidence")]
        return [*names, "keywords", "uncertain", "status"]

    def score(self, texts: Iterable[object], labels: object = None) -> float:
        """Mean accuracy over all heads (the score ``GridSearchCV`` maximizes by default)."""
        predictions = self.predict(texts)
        columns = label_columns(labels, len(predictions), for_training=False)
        accuracies = []
        for name, y in columns.items():
            got = [p.heads[name].label if name in p.heads else "" for p in predictions]
            accuracies.append(float(np.mean(np.asarray(got) == y)))
        return float(np.mean(accuracies))


def frame_texts(frame, text_column: str) -> list[object]:
    """The values of a DataFrame's text column, or a ``DataError`` saying how to name it."""
    if text_column not in frame.columns:
        raise DataError(
            f"no column {text_column!r}; columns are {list(frame.columns)}. Pass text_column= to name the text column"
        )
    return frame[text_column].tolist()


def append_columns(frame, added):
    """``frame`` with ``added`` to its right (pandas DataFrames); a ``DataError`` when a name is taken."""
    import pandas as pd

    clash = [c for c in added.columns if c in frame.columns]
    if clash:
        raise DataError(f"input already has columns {clash}; rename them before scoring")
    return pd.concat([frame, added], axis=1)


def _flags(scorer: _Scorer, words: list[str], ids: np.ndarray) -> dict[str, np.ndarray]:
    """Per word, each flag of the scorer (``"negator"``, ...): looked up by id, tested for unknown words."""
    known = ids >= 0
    index = np.where(known, ids, 0)
    unknown = np.flatnonzero(~known)
    strangers = [words[i] for i in unknown.tolist()]
    flags = {}
    for name, (by_id, test) in scorer.flags.items():
        flag = by_id[index] & known
        flag[unknown] = np.fromiter(map(test, strangers), bool, len(strangers))
        flags[name] = flag
    return flags


def _word_vectors(name: str | None) -> WordVectors | None:
    """The word vectors a config names: None, the shipped ones (read once) or a file."""
    if not name:
        return None
    return _shipped_vectors() if name == "default" else WordVectors.load(name)


@functools.cache
def _shipped_vectors() -> WordVectors:
    return WordVectors.load()


def _label_scores(classes: tuple[str, ...], proba: np.ndarray) -> list[LabelScore]:
    """One :class:`LabelScore` per row of ``proba``; a tie for the top goes to the earlier label."""
    tops = proba.argmax(axis=1).tolist()
    return [_make_label_score(classes[k], row[k], classes, tuple(row)) for k, row in zip(tops, proba.tolist())]


def _lexicon(keywords: Iterable[object]) -> tuple[str, ...]:
    phrases = set()
    for value in keywords:
        items = value.split("|") if isinstance(value, str) else (value or ())
        phrases.update(normalize(k) for k in items if isinstance(k, str))
    return tuple(sorted(p for p in phrases if is_word(p)))


def _phrases(
    originals: list[str],
    segmented: Segmented,
    docs: np.ndarray,
    lefts: np.ndarray,
    rights: np.ndarray,
    limit: int,
) -> Iterator[tuple[int, tuple[str, ...]]]:
    """Each message's keyword phrases, verbatim from its original text, strongest first.

    The spans ``(docs[k], lefts[k], rights[k])`` are ordered by message, strongest first; a
    span that overlaps one already taken is skipped, and at most ``limit`` are kept.
    """
    starts = segmented.starts[lefts].tolist()
    ends = segmented.ends[rights].tolist()
    tangled = set(docs.tolist()) if len(docs) < FEW_SPANS else overlapping_docs(docs, lefts, rights)
    joined = segmented.joined
    current, found, taken, original = -1, [], None, ""
    for doc, left, right, start, end in zip(docs.tolist(), lefts.tolist(), rights.tolist(), starts, ends):
        if doc != current:
            if found:
                yield current, tuple(found)
            # Only a message whose spans overlap needs to track the words taken.
            current, found, taken, original = doc, [], set() if doc in tangled else None, originals[doc]
        elif len(found) == limit or (taken is not None and not taken.isdisjoint(range(left, right + 1))):
            continue
        phrase = joined[start:end]
        verbatim = phrase if phrase in original else locate(original, phrase)
        if verbatim and verbatim not in found:
            found.append(verbatim)
            if taken is not None:
                taken.update(range(left, right + 1))
    if found:
        yield current, tuple(found)
