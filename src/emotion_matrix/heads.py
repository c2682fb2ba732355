"""Stage 4: the classification heads, one linear model per label column."""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp
from scipy.optimize import minimize_scalar
from sklearn.base import clone
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold, cross_val_predict


def make_head(C: float, random_state: int, max_iter: int = 1000) -> LogisticRegression:
    """An unfitted head: a multinomial logistic regression with balanced class weights.

    Examples
    --------
    >>> make_head(2.0, 0).C
    2.0
    """
    return LogisticRegression(C=C, class_weight="balanced", max_iter=max_iter, random_state=random_state)


def class_weights(head: LogisticRegression, label: str, columns: slice) -> np.ndarray:
    """The head's coefficients for ``label`` over ``columns``, as a dense float32 vector.

    For a two-class head the single coefficient row points to the second class, so the
    first class gets its negation.
    """
    block = head.coef_[:, columns]
    block = block.toarray() if hasattr(block, "toarray") else np.asarray(block)
    index = list(head.classes_).index(label)
    if block.shape[0] == 1:
        row = block[0] if index == 1 else -block[0]
    else:
        row = block[index]
    return row.astype(np.float32)


def fit_head(head: LogisticRegression, features: sp.csr_matrix, y: np.ndarray) -> LogisticRegression:
    """Fit ``head`` on the columns that occur in ``features`` and store sparse coefficients.

    The hash spaces are mostly empty; solving over the occupied columns only gives the
    same model several times faster, and the sparse coefficients keep the file small.
    """
    features = sp.csr_matrix(features)
    active = np.unique(features.indices)
    head.fit(features[:, active], y)
    n_classes = head.coef_.shape[0]
    rows = np.repeat(np.arange(n_classes), len(active))
    cols = np.tile(active, n_classes)
    head.coef_ = sp.csr_matrix((head.coef_.ravel(), (rows, cols)), shape=(n_classes, features.shape[1]))
    head.n_features_in_ = features.shape[1]
    return head


def transposed_coef(head: LogisticRegression) -> sp.csr_matrix:
    """The head's coefficients as a (features x classes) CSR matrix, for fast scoring."""
    return sp.csr_matrix(head.coef_).T.tocsr()


def predict_proba(
    head: LogisticRegression, features: sp.csr_matrix, coef_t: sp.csr_matrix, temperature: float = 1.0
) -> np.ndarray:
    """``head.predict_proba(features)`` computed with pre-transposed sparse coefficients.

    With ``temperature`` 1 it gives the same numbers as scikit-learn (softmax of the
    decision values; for two classes the logistic function) without re-transposing the
    coefficients per call; other temperatures divide the decision values first.
    """
    decision = np.asarray((features @ coef_t).todense(), dtype=np.float64) + head.intercept_
    decision /= temperature
    if decision.shape[1] == 1:
        positive = 1.0 / (1.0 + np.exp(-decision[:, 0]))
        return np.column_stack([1.0 - positive, positive])
    decision -= decision.max(axis=1, keepdims=True)
    np.exp(decision, out=decision)
    decision /= decision.sum(axis=1, keepdims=True)
    return decision


def fit_temperature(head: LogisticRegression, features: sp.csr_matrix, y: np.ndarray, folds: int = 3) -> float:
    """The temperature that makes the head's probabilities match its accuracy.

    Out-of-fold decision values of a fresh copy of ``head`` are divided by a temperature
    chosen to minimize the log-loss (temperature scaling); the head itself is unchanged.
    Returns 1.0 when a class has too few examples for ``folds`` folds.
    """
    counts = np.unique(y, return_counts=True)[1]
    if counts.min() < folds:
        return 1.0
    features = sp.csr_matrix(features)
    active = np.unique(features.indices)
    cv = StratifiedKFold(folds, shuffle=True, random_state=head.random_state)
    decision = cross_val_predict(clone(head), features[:, active], y, cv=cv, method="decision_function")
    if decision.ndim == 1:
        decision = np.column_stack([-decision / 2, decision / 2])
    index = np.searchsorted(np.unique(y), y)

    def loss(log_t: float) -> float:
        z = decision / np.exp(log_t)
        z -= z.max(axis=1, keepdims=True)
        return float(np.mean(np.log(np.exp(z).sum(axis=1)) - z[np.arange(len(y)), index]))

    return float(np.exp(minimize_scalar(loss, bounds=(-3, 3), method="bounded").x))
