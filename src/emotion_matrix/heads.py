"""Stage 4: the classification heads, one linear model per label column.

A fitted head is plain arrays (:class:`Head`); scoring it is a product with the
features. Fitting uses scikit-learn's multinomial logistic regression, optionally with
the log-probabilities of a multinomial naive Bayes model added to its weights (as NBSVM
interpolates naive Bayes and a linear model; both are linear in the features, so the head
stays one product). scikit-learn is imported on first use, so a process that only scores
never pays for importing it.
"""

from __future__ import annotations

import multiprocessing
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

PARALLEL_MIN_ENTRIES = 1_000_000  # below this many feature entries, starting worker processes costs more than it saves
NB_ALPHA = 0.1  # additive smoothing of the naive Bayes counts


@dataclass(frozen=True, eq=False)
class Head:
    """One fitted head: its labels, a weight column per label and the calibration temperature.

    ``coef`` has one row per feature and one column per label in ``classes`` order;
    ``probabilities`` is the softmax of ``(features @ coef + intercept) / temperature``.
    """

    classes: tuple[str, ...]
    coef: np.ndarray
    intercept: np.ndarray
    temperature: float = 1.0


def probabilities(decision: np.ndarray, temperature: float = 1.0) -> np.ndarray:
    """Softmax of each row of ``decision / temperature``.

    Examples
    --------
    >>> probabilities(np.array([[0.0, 0.0], [0.0, 2.0]]), 2.0).round(3).tolist()
    [[0.5, 0.5], [0.269, 0.731]]
    """
    # The ufuncs' own reductions: what ndarray.max and .sum call, without their Python wrappers.
    z = decision / temperature
    z -= np.maximum.reduce(z, axis=1, keepdims=True)
    np.exp(z, out=z)
    z /= np.add.reduce(z, axis=1, keepdims=True)
    return z


def _logistic(C: float, random_state: int, max_iter: int, tol: float, warm_start: bool = False):
    from sklearn.linear_model import LogisticRegression

    return LogisticRegression(
        C=C, class_weight="balanced", max_iter=max_iter, tol=tol, random_state=random_state, warm_start=warm_start
    )


def naive_bayes_weights(counts, y: np.ndarray) -> np.ndarray:
    """Per feature of ``counts`` (non-negative) and class (sorted), the log-probability of a
    multinomial naive Bayes model, less its mean over the classes.

    Examples
    --------
    >>> naive_bayes_weights(np.array([[2.0, 0.0], [0.0, 1.0]]), np.array(["a", "b"])).round(2).tolist()
    [[1.22, -1.22], [-1.5, 1.5]]
    """
    from sklearn.naive_bayes import MultinomialNB

    log_p = MultinomialNB(alpha=NB_ALPHA).fit(counts, y).feature_log_prob_.T
    return log_p - log_p.mean(axis=1, keepdims=True)


def fit_head(
    features,
    y: np.ndarray,
    *,
    C: float,
    random_state: int,
    max_iter: int,
    tol: float = 1e-3,
    calibration_tol: float | None = None,
    folds: int = 2,
    nb_weight: float = 0.0,
    nb_columns: int = 0,
) -> Head:
    """Fit a multinomial logistic regression with balanced class weights on ``features``.

    With ``nb_weight``, :func:`naive_bayes_weights` of the first ``nb_columns`` columns
    (non-negative features) times ``nb_weight`` are added to the weights of those columns.
    With ``calibration_tol``, a temperature is fitted too (:func:`fit_temperature`, folds
    solved to that looser tolerance); the weights are those of a fit without calibration.
    A two-class head gets two opposite columns, so that every head is scored the same way.
    """
    blend = (nb_weight, nb_columns if nb_weight else 0)
    temperature = 1.0
    if calibration_tol is not None:
        folded = _logistic(C, random_state, max_iter, calibration_tol, warm_start=True)
        temperature = fit_temperature(folded, features, y, random_state=random_state, folds=folds, blend=blend)
    model = _logistic(C, random_state, max_iter, tol).fit(features, y)
    return Head(tuple(str(c) for c in model.classes_), *_weights(model, features, y, blend), temperature)


def _weights(model, features, y: np.ndarray, blend: tuple[float, int]) -> tuple[np.ndarray, np.ndarray]:
    """A fitted logistic regression's weights (one column per class) and intercepts, naive Bayes blended in."""
    coef = model.coef_.T
    intercept = model.intercept_
    if coef.shape[1] == 1:
        coef = np.hstack([-coef / 2, coef / 2])
        intercept = np.array([-intercept[0] / 2, intercept[0] / 2])
    weight, columns = blend
    if columns:
        coef = coef.copy()
        coef[:columns] += weight * naive_bayes_weights(features[:, :columns], y)
    return coef.astype(np.float32), intercept.astype(np.float64)


def fit_heads(features, columns: Mapping[str, np.ndarray], *, n_jobs: int | None = None, **options) -> dict[str, Head]:
    """:func:`fit_head` for each label column, the heads in parallel worker processes (joblib).

    ``n_jobs`` is the number of processes: 1 fits in this process, a negative number
    counts as joblib counts it (-1: every CPU), and None means one process per head, up
    to the number of CPUs, when ``features`` has at least ``PARALLEL_MIN_ENTRIES``
    entries and this process is not itself a worker (a multiprocessing or Dask worker),
    else this process. The heads are the same whichever is used, up to rounding in the
    last digits (BLAS may add in another order in another process).
    """
    check_jobs(n_jobs)
    workers = _workers(n_jobs, len(columns), features.nnz)
    if workers <= 1:
        return {name: fit_head(features, y, **options) for name, y in columns.items()}
    from joblib import Parallel, delayed

    # joblib hands the feature matrix's larger arrays to the workers as memory maps instead of copies.
    heads = Parallel(n_jobs=workers)(delayed(fit_head)(features, y, **options) for y in columns.values())
    return dict(zip(columns, heads))


def check_jobs(n_jobs: object) -> None:
    """Raise ``ValueError`` unless ``n_jobs`` is None or a whole number other than 0."""
    if n_jobs is not None and (isinstance(n_jobs, bool) or not isinstance(n_jobs, int) or n_jobs == 0):
        raise ValueError(
            f"n_jobs must be a number of processes (1 or more; -1 for every CPU) or None for automatic; got {n_jobs!r}"
        )


def _workers(n_jobs: int | None, n_heads: int, entries: int) -> int:
    from joblib import effective_n_jobs

    if n_jobs is None:
        if entries < PARALLEL_MIN_ENTRIES or _in_worker_process():
            return 1
        n_jobs = -1
    return min(n_heads, effective_n_jobs(n_jobs))


def _in_worker_process() -> bool:
    # Worker processes (multiprocessing, Dask) are daemons, which may not start processes of their own.
    return multiprocessing.current_process().daemon


def fit_temperature(
    model, features, y: np.ndarray, *, random_state: int, folds: int = 2, blend: tuple[float, int] = (0.0, 0)
) -> float:
    """The temperature that makes a head's probabilities match its accuracy.

    ``model`` (a logistic regression with ``warm_start``) is fitted on each of ``folds``
    stratified folds in turn, each fold starting from the previous one's solution (fewer
    iterations), with naive Bayes blended in as ``fit_head`` does (``blend`` is its
    ``(nb_weight, nb_columns)``); the out-of-fold decision values are divided by the
    temperature that minimizes the log-loss (temperature scaling). Returns 1.0, fitting
    nothing, when a class has too few examples for ``folds`` folds.
    """
    from scipy.optimize import minimize_scalar
    from sklearn.model_selection import StratifiedKFold

    classes, index, counts = np.unique(y, return_inverse=True, return_counts=True)
    if counts.min() < folds:
        return 1.0
    decision = np.zeros((len(y), len(classes)))
    for train, test in StratifiedKFold(folds, shuffle=True, random_state=random_state).split(np.zeros(len(y)), y):
        part, labels = features[train], y[train]
        model.fit(part, labels)
        coef, intercept = _weights(model, part, labels, blend)
        decision[test] = features[test] @ coef + intercept

    def loss(log_t: float) -> float:
        p = probabilities(decision, float(np.exp(log_t)))
        return float(-np.mean(np.log(np.maximum(p[np.arange(len(y)), index], 1e-300))))

    return float(np.exp(minimize_scalar(loss, bounds=(-3, 3), method="bounded").x))
