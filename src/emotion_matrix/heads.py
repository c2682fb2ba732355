"""Stage 4: the classification heads, one linear model per label column.

A fitted head is plain arrays (:class:`Head`); scoring it is a product with the
features. Fitting uses scikit-learn's multinomial logistic regression, imported on first
use, so a process that only scores never pays for importing scikit-learn.
"""

from __future__ import annotations

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


def _logistic(C: float, random_state: int, max_iter: int, tol: float):
    from sklearn.linear_model import LogisticRegression

    return LogisticRegression(C=C, class_weight="balanced", max_iter=max_iter, tol=tol, random_state=random_state)


def fit_head(
    features, y: np.ndarray, *, C: float, random_state: int, max_iter: int, tol: float = 1e-3, temperature: float = 1.0
) -> Head:
    """Fit a multinomial logistic regression with balanced class weights on ``features``.

    A two-class head gets two opposite columns, so that every head is scored the same way.
    """
    model = _logistic(C, random_state, max_iter, tol).fit(features, y)
    coef = model.coef_.T
    intercept = model.intercept_
    if coef.shape[1] == 1:
        coef = np.hstack([-coef / 2, coef / 2])
        intercept = np.array([-intercept[0] / 2, intercept[0] / 2])
    classes = tuple(str(c) for c in model.classes_)
    return Head(classes, coef.astype(np.float32), intercept.astype(np.float64), temperature)


def fit_temperature(
    features, y: np.ndarray, *, C: float, random_state: int, max_iter: int, tol: float = 1e-3, folds: int = 2
) -> float:
    """The temperature that makes a head's probabilities match its accuracy.

    Out-of-fold decision values of the head are divided by a temperature chosen to
    minimize the log-loss (temperature scaling). Returns 1.0 when a class has too few
    examples for ``folds`` folds.
    """
    from scipy.optimize import minimize_scalar
    from sklearn.model_selection import StratifiedKFold, cross_val_predict

    counts = np.unique(y, return_counts=True)[1]
    if counts.min() < folds:
        return 1.0
    cv = StratifiedKFold(folds, shuffle=True, random_state=random_state)
    model = _logistic(C, random_state, max_iter, tol)
    decision = cross_val_predict(model, features, y, cv=cv, method="decision_function")
    if decision.ndim == 1:
        decision = np.column_stack([-decision / 2, decision / 2])
    index = np.searchsorted(np.unique(y), y)

    def loss(log_t: float) -> float:
        p = probabilities(decision, float(np.exp(log_t)))
        return float(-np.mean(np.log(np.maximum(p[np.arange(len(y)), index], 1e-300))))

    return float(np.exp(minimize_scalar(loss, bounds=(-3, 3), method="bounded").x))
