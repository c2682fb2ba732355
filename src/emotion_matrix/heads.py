"""Stage 4: the classification heads, one linear model per label column.

A fitted head is plain arrays (:class:`Head`); scoring it is a product with the
features. Fitting uses scikit-learn's multinomial logistic regression, imported on first
use, so a process that only scores never pays for importing scikit-learn.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np


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
    z = decision / temperature
    z -= z.max(axis=1, keepdims=True)
    np.exp(z, out=z)
    z /= z.sum(axis=1, keepdims=True)
    return z


def _logistic(C: float, random_state: int, max_iter: int, tol: float, warm_start: bool = False):
    from sklearn.linear_model import LogisticRegression

    return LogisticRegression(
        C=C, class_weight="balanced", max_iter=max_iter, tol=tol, random_state=random_state, warm_start=warm_start
    )


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
) -> Head:
    """Fit a multinomial logistic regression with balanced class weights on ``features``.

    With ``calibration_tol``, a temperature is fitted too (:func:`fit_temperature`, folds
    solved to that looser tolerance); the weights are those of a fit without calibration.
    A two-class head gets two opposite columns, so that every head is scored the same way.
    """
    from threadpoolctl import threadpool_limits

    # One BLAS thread wherever it runs: the sums then come out the same in this process and in a worker.
    with threadpool_limits(limits=1, user_api="blas"):
        return _fit_head(features, y, C, random_state, max_iter, tol, calibration_tol, folds)


def _fit_head(features, y, C, random_state, max_iter, tol, calibration_tol, folds) -> Head:
    temperature = 1.0
    if calibration_tol is not None:
        folded = _logistic(C, random_state, max_iter, calibration_tol, warm_start=True)
        temperature = fit_temperature(folded, features, y, random_state=random_state, folds=folds)
    model = _logistic(C, random_state, max_iter, tol).fit(features, y)
    coef = model.coef_.T
    intercept = model.intercept_
    if coef.shape[1] == 1:
        coef = np.hstack([-coef / 2, coef / 2])
        intercept = np.array([-intercept[0] / 2, intercept[0] / 2])
    classes = tuple(str(c) for c in model.classes_)
    return Head(classes, coef.astype(np.float32), intercept.astype(np.float64), temperature)


def fit_heads(features, columns: Mapping[str, np.ndarray], *, n_jobs: int | None = None, **options) -> dict[str, Head]:
    """:func:`fit_head` for each label column, the heads in parallel worker processes.

    ``n_jobs`` is the number of processes: None for one per head up to the number of
    CPUs, 1 to fit in this process, and a negative number as joblib counts it (-1: every
    CPU). The heads are the same whichever is used: each is fitted alone, as in one process.
    """
    from joblib import Parallel, delayed, effective_n_jobs

    if n_jobs == 0:
        raise ValueError("n_jobs must be None, a positive number of processes or a negative one (-1: every CPU); got 0")
    workers = min(len(columns), effective_n_jobs(-1 if n_jobs is None else n_jobs))
    if workers <= 1:
        return {name: fit_head(features, y, **options) for name, y in columns.items()}
    # joblib hands the feature matrix's arrays to the workers as memory maps: it is not copied per head.
    heads = Parallel(n_jobs=workers)(delayed(fit_head)(features, y, **options) for y in columns.values())
    return dict(zip(columns, heads))


def fit_temperature(model, features, y: np.ndarray, *, random_state: int, folds: int = 2) -> float:
    """The temperature that makes a head's probabilities match its accuracy.

    ``model`` (a logistic regression with ``warm_start``) is fitted on each of ``folds``
    stratified folds in turn, each fold starting from the previous one's solution (fewer
    iterations); its out-of-fold decision values are divided by the temperature that
    minimizes the log-loss (temperature scaling). Returns 1.0, fitting nothing, when a
    class has too few examples for ``folds`` folds.
    """
    from scipy.optimize import minimize_scalar
    from sklearn.model_selection import StratifiedKFold

    classes, index, counts = np.unique(y, return_inverse=True, return_counts=True)
    if counts.min() < folds:
        return 1.0
    decision = np.zeros((len(y), len(classes)))
    for train, test in StratifiedKFold(folds, shuffle=True, random_state=random_state).split(np.zeros(len(y)), y):
        model.fit(features[train], y[train])
        values = model.decision_function(features[test])
        decision[test] = np.column_stack([-values / 2, values / 2]) if values.ndim == 1 else values

    def loss(log_t: float) -> float:
        p = probabilities(decision, float(np.exp(log_t)))
        return float(-np.mean(np.log(np.maximum(p[np.arange(len(y)), index], 1e-300))))

    return float(np.exp(minimize_scalar(loss, bounds=(-3, 3), method="bounded").x))
