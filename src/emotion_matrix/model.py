"""The model: chains normalize -> segment -> features -> heads into predictions.

This is the only module that composes the stages. :class:`EmotionModel` is a
scikit-learn estimator (``get_params``, ``set_params``, ``clone``, pickling, use inside
``Pipeline`` and ``GridSearchCV`` over raw texts) whose ``predict`` returns
:class:`~emotion_matrix.result.Prediction` values.
"""

from __future__ import annotations

import logging
import math
import warnings
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass

import numpy as np
import pandas as pd
import scipy.sparse as sp
from sklearn import config_context
from sklearn.base import BaseEstimator

from .errors import DataError, NotFittedError
from .features import make_char_vectorizer, make_word_vectorizer, word_columns
from .heads import class_weights, fit_head, fit_temperature, make_head, predict_proba, transposed_coef
from .keywords import is_word, keyword_spans
from .normalize import locate, normalize
from .result import TAXONOMY, LabelScore, Prediction
from .segment import segment

logger = logging.getLogger(__name__)

MIN_EXAMPLES = 5
KEYWORD_HEAD = "emotion"
NO_KEYWORD_LABEL = "neutral"


@dataclass(frozen=True, kw_only=True)
class ModelConfig:
    """Options of an :class:`EmotionModel`; all fields are keyword-only.

    Parameters
    ----------
    word_ngram_max : int
        Longest word n-gram (1 = single words).
    char_ngram_max : int
        Longest character n-gram; 0 turns the character block off.
    word_features, char_features : int
        Size of each block's hash space (a power of two is usual).
    C : float
        Inverse regularization strength of every head.
    max_iter : int
        Solver iterations of every head.
    max_chars : int
        Longer texts are cut to this many characters and get status ``"truncated"``.
    max_keywords : int
        At most this many keywords per message.
    uncertain_below : float
        A prediction whose first head's probability is below this is flagged ``uncertain``.
    calibrate : bool
        Fit a temperature per head on out-of-fold predictions, so that a probability of
        0.8 is right about 80% of the time (costs three extra fits per head).
    random_state : int
        Seed of the solvers.

    Examples
    --------
    >>> ModelConfig(C=2.0).C
    2.0
    """

    word_ngram_max: int = 1
    char_ngram_max: int = 2
    word_features: int = 2**18
    char_features: int = 2**19
    C: float = 2.0
    max_iter: int = 2000
    max_chars: int = 2000
    max_keywords: int = 3
    uncertain_below: float = 0.45
    calibrate: bool = True
    random_state: int = 0

    def validate(self) -> None:
        """Raise ``ValueError`` naming the first field with a bad value."""
        positive = ("word_ngram_max", "word_features", "char_features", "max_iter", "max_chars", "C")
        for name in positive:
            if not getattr(self, name) > 0:
                raise ValueError(f"ModelConfig.{name} must be > 0; got {getattr(self, name)!r}")
        if self.char_ngram_max < 0:
            raise ValueError(f"ModelConfig.char_ngram_max must be >= 0; got {self.char_ngram_max!r}")
        if self.max_keywords < 0:
            raise ValueError(f"ModelConfig.max_keywords must be >= 0; got {self.max_keywords!r}")
        if not 0.0 <= self.uncertain_below <= 1.0:
            raise ValueError(f"ModelConfig.uncertain_below must be in [0, 1]; got {self.uncertain_below!r}")

    def to_dict(self) -> dict[str, object]:
        """The fields as a plain dict (for ``meta.json``)."""
        return asdict(self)


@dataclass(frozen=True, slots=True)
class _Doc:
    original: str
    text: str
    words: tuple[str, ...]
    status: str


def _prepare(value: object, max_chars: int) -> _Doc:
    """The one preprocessing path shared by ``fit`` and ``predict``."""
    if not isinstance(value, str):
        return _Doc("" if value is None or _is_nan(value) else str(value), "", (), "not_text")
    status = "ok"
    if len(value) > max_chars:
        value, status = value[:max_chars], "truncated"
    text = normalize(value)
    if not text:
        return _Doc(value, "", (), "empty")
    return _Doc(value, text, segment(text), status)


def _is_nan(value: object) -> bool:
    return isinstance(value, float) and math.isnan(value)


def label_columns(labels: object, n_rows: int, *, for_training: bool = True) -> dict[str, np.ndarray]:
    """Label columns as ``{head: array of str}``, checked; ``for_training`` adds the class-count checks."""
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


def _warn_conflicts(docs: Sequence[_Doc], columns: dict[str, np.ndarray]) -> None:
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
    for i, doc in enumerate(docs):
        first = seen.setdefault(doc.text, i)
        if first != i and any(v[first] != v[i] for v in columns.values()):
            conflicts.append((first, i))
    if conflicts:
        warnings.warn(
            f"{len(conflicts)} texts repeat an earlier text with different labels (row pairs {conflicts[:10]}); "
            "check these labels",
            UserWarning,
            stacklevel=3,
        )


class EmotionModel(BaseEstimator):
    """Emotion and need classifier for Chinese customer messages.

    Parameters
    ----------
    config : ModelConfig, optional
        Options; ``None`` means ``ModelConfig()``.

    Attributes
    ----------
    heads_ : dict of str to LogisticRegression
        One fitted head per label column, in the order of the training labels.
    word_vectorizer_, char_vectorizer_ : Pipeline
        The fitted feature blocks shared by all heads.
    keyword_lexicon_ : tuple of str
        Normalized emotion phrases learned from keyword labels (may be empty).
    temperatures_ : dict of str to float
        Each head's calibration temperature (1.0 when ``calibrate`` is off).
    n_train_ : int
        Number of training texts.

    Examples
    --------
    >>> model = EmotionModel(ModelConfig(word_features=2**12, char_features=2**12)).fit(
    ...     ["太慢了气死了", "谢谢很满意", "气死了垃圾", "很满意好评"] * 3,
    ...     {"emotion": ["anger", "satisfaction", "anger", "satisfaction"] * 3},
    ... )
    >>> model.predict_one("气死了").heads["emotion"].label
    'anger'
    """

    def __init__(self, config: ModelConfig | None = None):
        self.config = config

    # -- training ---------------------------------------------------------------------
    def fit(
        self, texts: Iterable[object], labels: object = None, *, keywords: Iterable[object] | None = None
    ) -> EmotionModel:
        """Fit the feature blocks and one head per label column.

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
        texts = list(texts)
        docs = [_prepare(t, config.max_chars) for t in texts]
        bad = [i for i, d in enumerate(docs) if d.status in ("empty", "not_text")]
        if bad:
            raise DataError(f"training texts must be non-empty strings; rows {bad[:10]} are empty or not text")
        columns = label_columns(labels, len(docs))
        _warn_conflicts(docs, columns)
        # The new state is built in locals and published at the end, so a model that is
        # refit while other threads predict never mixes old and new parts.
        word = make_word_vectorizer(config.word_ngram_max, config.word_features)
        char = make_char_vectorizer(max(config.char_ngram_max, 1), config.char_features)
        texts = [d.text for d in docs]
        char_block = (
            char.fit_transform(texts)
            if config.char_ngram_max
            else sp.csr_matrix((len(docs), config.char_features), dtype=np.float32)
        )
        features = sp.hstack([word.fit_transform([" ".join(d.words) for d in docs]), char_block], format="csr")
        heads, temperatures = {}, {}
        for name, y in columns.items():
            head = make_head(config.C, config.random_state, config.max_iter)
            temperatures[name] = fit_temperature(head, features, y) if config.calibrate else 1.0
            heads[name] = fit_head(head, features, y)
            logger.info("head %r: %d classes, %d rows", name, len(head.classes_), len(y))
        self.__dict__.update(
            word_vectorizer_=word,
            char_vectorizer_=char,
            heads_=heads,
            temperatures_=temperatures,
            keyword_lexicon_=_lexicon(keywords) if keywords is not None else (),
            n_train_=len(docs),
            _keyword_weights=None,
            _lexicon_cache=None,
            _coef_cache=None,
        )
        return self

    def _char_block(self, texts: list[str]) -> sp.csr_matrix:
        config = self._config()
        if config.char_ngram_max == 0:
            return sp.csr_matrix((len(texts), config.char_features), dtype=np.float32)
        return self.char_vectorizer_.transform(texts)

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
        self._check_fitted()
        config = self._config()
        docs = [_prepare(t, config.max_chars) for t in texts]
        scored = [d for d in docs if d.status in ("ok", "truncated")]
        probabilities = self._probabilities(scored)
        keywords = self._keywords(scored, probabilities)
        results: list[Prediction] = []
        position = 0
        first = next(iter(self.heads_))
        for doc in docs:
            if doc.status not in ("ok", "truncated"):
                results.append(Prediction(text=doc.original, status=doc.status))
                continue
            heads = {name: _label_score(classes, proba[position]) for name, (classes, proba) in probabilities.items()}
            results.append(
                Prediction(
                    text=doc.original,
                    heads=heads,
                    keywords=keywords[position],
                    status=doc.status,
                    uncertain=heads[first].probability < config.uncertain_below,
                )
            )
            position += 1
        return results

    def predict_one(self, text: object) -> Prediction:
        """Predict one message; see :meth:`predict`."""
        return self.predict([text])[0]

    def _probabilities(self, docs: Sequence[_Doc]) -> dict[str, tuple[tuple[str, ...], np.ndarray]]:
        if not docs:
            return {
                name: (tuple(str(c) for c in h.classes_), np.empty((0, len(h.classes_))))
                for name, h in self.heads_.items()
            }
        # Inputs are our own sparse matrices: scikit-learn's per-call checks are skipped (thread-local setting).
        with config_context(assume_finite=True, skip_parameter_validation=True):
            features = sp.hstack(
                [
                    self.word_vectorizer_.transform([" ".join(d.words) for d in docs]),
                    self._char_block([d.text for d in docs]),
                ],
                format="csr",
            )
        coefs = self._transposed()
        return {
            name: (
                tuple(str(c) for c in head.classes_),
                predict_proba(head, features, coefs[name], self.temperatures_.get(name, 1.0)),
            )
            for name, head in self.heads_.items()
        }

    def _transposed(self) -> dict[str, sp.csr_matrix]:
        cached = getattr(self, "_coef_cache", None)
        if cached is None:
            cached = self._coef_cache = {name: transposed_coef(h) for name, h in self.heads_.items()}
        return cached

    def _keywords(self, docs: Sequence[_Doc], probabilities: dict) -> list[tuple[str, ...]]:
        """Rank each message's own words by how much they push its predicted emotion."""
        config = self._config()
        out: list[tuple[str, ...]] = [() for _ in docs]
        if not docs or config.max_keywords == 0:
            return out
        head_name = KEYWORD_HEAD if KEYWORD_HEAD in self.heads_ else next(iter(self.heads_))
        classes, proba = probabilities[head_name]
        predicted = proba.argmax(axis=1)
        todo = [i for i, k in enumerate(predicted) if classes[k] != NO_KEYWORD_LABEL]
        if not todo:
            return out
        vocabulary = sorted({w for i in todo for w in docs[i].words})
        index = {w: k for k, w in enumerate(vocabulary)}
        columns = word_columns(self.word_vectorizer_, vocabulary)
        usable = (columns >= 0) & np.fromiter((is_word(w) for w in vocabulary), bool, len(vocabulary))
        columns = np.where(usable, columns, 0)
        idf = self.word_vectorizer_.named_steps["tfidf"].idf_
        table = self._weights_by_class(head_name)[:, columns] * (idf[columns] * usable)
        lexicon = self._lexicon_sets()
        for i in todo:
            doc = docs[i]
            scores = table[predicted[i], [index[w] for w in doc.words]].tolist()
            out[i] = _phrases(doc, scores, config.max_keywords, lexicon)
        return out

    def _lexicon_sets(self) -> tuple[frozenset[str], frozenset[str]]:
        """The keyword lexicon and the set of all its prefixes (to stop a search early)."""
        cached = getattr(self, "_lexicon_cache", None)
        if cached is None:
            phrases = getattr(self, "keyword_lexicon_", ())
            prefixes = frozenset(p[:n] for p in phrases for n in range(1, len(p) + 1))
            cached = self._lexicon_cache = (frozenset(phrases), prefixes)
        return cached

    def _weights_by_class(self, head_name: str) -> np.ndarray:
        """Word-block coefficients of a head, one row per class in ``classes_`` order."""
        cached = getattr(self, "_keyword_weights", None)
        if cached is None or cached[0] != head_name:
            head = self.heads_[head_name]
            columns = slice(0, self._config().word_features)
            cached = (head_name, np.vstack([class_weights(head, label, columns) for label in head.classes_]))
            self._keyword_weights = cached
        return cached[1]

    def score_frame(self, frame: pd.DataFrame, text_column: str = "text") -> pd.DataFrame:
        """Return a copy of ``frame`` with the prediction columns appended.

        Columns added are those of :meth:`prediction_frame`. Rows keep their order and index.

        Raises
        ------
        DataError
            ``text_column`` is missing, or ``frame`` already has a column of an added name.
        """
        predictions = self.predict(frame_texts(frame, text_column))
        return append_columns(frame, self.prediction_frame(predictions, frame.index))

    def prediction_frame(self, predictions: Sequence[Prediction], index: object = None) -> pd.DataFrame:
        """Predictions as a typed DataFrame with :meth:`output_columns`.

        Labels, ``keywords`` (joined with ``|``) and ``status`` are strings, confidences
        floats rounded to 4 decimals (NaN for a row without heads), ``uncertain`` booleans.
        An empty list gives an empty frame with the same columns and dtypes.
        """
        names = self.head_names
        rows = [p.to_row(names) for p in predictions]
        added = pd.DataFrame(rows, index=index, columns=self.output_columns(), dtype=object)
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

    def __getstate__(self) -> dict:
        state = super().__getstate__()
        state.pop("_keyword_weights", None)
        state.pop("_lexicon_cache", None)
        state.pop("_coef_cache", None)
        return state


def frame_texts(frame: pd.DataFrame, text_column: str) -> list[object]:
    """The values of a DataFrame's text column, or a ``DataError`` saying how to name it."""
    if text_column not in frame.columns:
        raise DataError(
            f"no column {text_column!r}; columns are {list(frame.columns)}. Pass text_column= to name the text column"
        )
    return frame[text_column].tolist()


def append_columns(frame: pd.DataFrame, added: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with ``added`` to its right; a ``DataError`` when a name is taken."""
    clash = [c for c in added.columns if c in frame.columns]
    if clash:
        raise DataError(f"input already has columns {clash}; rename them before scoring")
    return pd.concat([frame, added], axis=1)


def _label_score(classes: tuple[str, ...], row: np.ndarray) -> LabelScore:
    order = np.argsort(-row, kind="stable")
    distribution = tuple((classes[i], float(row[i])) for i in order)
    return LabelScore(label=distribution[0][0], probability=distribution[0][1], distribution=distribution)


def _lexicon(keywords: Iterable[object]) -> tuple[str, ...]:
    phrases = set()
    for value in keywords:
        items = value.split("|") if isinstance(value, str) else (value or ())
        phrases.update(normalize(k) for k in items if isinstance(k, str))
    return tuple(sorted(p for p in phrases if is_word(p)))


def _phrases(
    doc: _Doc, scores: list[float], limit: int, lexicon: tuple[frozenset[str], frozenset[str]]
) -> tuple[str, ...]:
    """The message's keyword phrases, verbatim from the original text, strongest first."""
    starts = []
    offset = 0
    for w in doc.words:
        offset = doc.text.find(w, offset)
        starts.append(offset)
        offset += len(w)
    found: list[str] = []
    taken: set[int] = set()
    for left, right in keyword_spans(doc.words, scores, *lexicon):
        if taken & set(range(left, right + 1)):
            continue
        phrase = doc.text[starts[left] : starts[right] + len(doc.words[right])]
        verbatim = locate(doc.original, phrase)
        if verbatim and verbatim not in found:
            found.append(verbatim)
            taken.update(range(left, right + 1))
        if len(found) == limit:
            break
    return tuple(found)
