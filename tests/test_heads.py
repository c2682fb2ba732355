import joblib
import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.linear_model import LogisticRegression

from emotion_matrix import heads
from emotion_matrix.heads import (
    NB_ALPHA,
    _logistic,
    fit_head,
    fit_heads,
    fit_temperature,
    naive_bayes_weights,
    probabilities,
)

X = sp.csr_matrix(np.array([[1, 0, 0, 0, 2], [0, 0, 1, 0, 0], [1, 0, 0, 0, 1], [0, 0, 2, 0, 0]], dtype=float))


def _scores(head, X):
    return probabilities(X @ head.coef + head.intercept, head.temperature)


def test_two_class_head_gives_scikit_learns_probabilities():
    y = np.array(["a", "b", "a", "b"])
    head = fit_head(X, y, C=1.0, random_state=0, max_iter=100)
    assert head.classes == ("a", "b") and head.coef.shape == (5, 2)
    assert not head.coef[[1, 3]].any()  # columns never seen stay zero
    assert np.allclose(head.coef[:, 0], -head.coef[:, 1])  # "a" words push against "b"
    reference = LogisticRegression(C=1.0, class_weight="balanced", tol=1e-3).fit(X[:, [0, 2, 4]], y)
    assert np.allclose(_scores(head, X), reference.predict_proba(X[:, [0, 2, 4]]), atol=1e-6)


def test_multiclass_head_gives_scikit_learns_probabilities():
    y = np.array(["a", "b", "c", "b"])
    head = fit_head(X, y, C=1.0, random_state=0, max_iter=200)
    reference = LogisticRegression(C=1.0, class_weight="balanced", max_iter=200, tol=1e-3).fit(X[:, [0, 2, 4]], y)
    assert np.allclose(_scores(head, X), reference.predict_proba(X[:, [0, 2, 4]]), atol=1e-6)


def test_temperature_softens_or_sharpens():
    decision = np.array([[2.0, 0.0, -1.0]])
    assert probabilities(decision, 2.0).max() < probabilities(decision, 1.0).max() < probabilities(decision, 0.5).max()
    assert np.isclose(probabilities(decision, 3.0).sum(), 1.0)


def test_fit_temperature_is_one_without_enough_examples():
    model = _logistic(1.0, 0, 100, 1e-3, warm_start=True)
    assert fit_temperature(model, X, np.array(["a", "b", "a", "a"]), random_state=0) == 1.0
    assert not hasattr(model, "coef_")  # nothing was fitted


def test_calibration_changes_the_temperature_and_nothing_else():
    rng = np.random.default_rng(0)
    features = sp.csr_matrix(rng.random((120, 6)) * (rng.random((120, 6)) < 0.5))
    y = np.array(["a", "b", "c"])[(features[:, :3].toarray().argmax(axis=1) + (rng.random(120) < 0.2)) % 3]
    plain = fit_head(features, y, C=1.0, random_state=0, max_iter=1000)
    calibrated = fit_head(features, y, C=1.0, random_state=0, max_iter=1000, calibration_tol=3e-3)
    assert calibrated.temperature != 1.0 and plain.temperature == 1.0
    assert np.array_equal(calibrated.coef, plain.coef) and np.array_equal(calibrated.intercept, plain.intercept)


def test_temperature_folds_start_warm():
    rng = np.random.default_rng(1)
    features = sp.csr_matrix(rng.random((200, 8)))
    y = np.array(["a", "b"])[(features[:, 0].toarray().ravel() + 0.3 * rng.random(200) > 0.6).astype(int)]
    warm, cold = _logistic(1.0, 0, 1000, 1e-6, warm_start=True), _logistic(1.0, 0, 1000, 1e-6)
    t_warm = fit_temperature(warm, features, y, random_state=0)
    t_cold = fit_temperature(cold, features, y, random_state=0)
    assert np.isclose(t_warm, t_cold, rtol=1e-3)  # the same temperature either way


def test_naive_bayes_weights_rank_classes_as_naive_bayes_does():
    from sklearn.naive_bayes import MultinomialNB

    rng = np.random.default_rng(2)
    counts = sp.csr_matrix(rng.random((150, 10)) * (rng.random((150, 10)) < 0.4))
    y = np.array(["a", "b", "c"])[rng.integers(0, 3, 150)]
    weights = naive_bayes_weights(counts, y)
    assert weights.shape == (10, 3) and np.allclose(weights.sum(axis=1), 0)
    nb = MultinomialNB(alpha=NB_ALPHA).fit(counts, y)
    assert np.array_equal(nb.classes_[(counts @ weights + nb.class_log_prior_).argmax(axis=1)], nb.predict(counts))


def test_naive_bayes_is_added_to_the_first_columns_only():
    rng = np.random.default_rng(3)
    features = sp.csr_matrix(rng.random((120, 6)) * (rng.random((120, 6)) < 0.5))
    y = np.array(["a", "b"])[(features[:, 0].toarray().ravel() > 0.3).astype(int)]
    plain = fit_head(features, y, C=1.0, random_state=0, max_iter=1000)
    blended = fit_head(features, y, C=1.0, random_state=0, max_iter=1000, nb_weight=0.5, nb_columns=4)
    expected = plain.coef[:4] + 0.5 * naive_bayes_weights(features[:, :4], y)
    assert np.allclose(blended.coef[:4], expected, atol=1e-6) and np.array_equal(blended.coef[4:], plain.coef[4:])
    assert np.array_equal(blended.intercept, plain.intercept)
    calibrated = fit_head(features, y, C=1.0, random_state=0, max_iter=1000, calibration_tol=3e-3)
    both = fit_head(
        features, y, C=1.0, random_state=0, max_iter=1000, calibration_tol=3e-3, nb_weight=0.5, nb_columns=4
    )
    assert both.temperature != calibrated.temperature  # the folds' decisions blend naive Bayes in too


COLUMNS = {"first": np.array(["a", "b", "a", "b"]), "second": np.array(["a", "b", "c", "b"])}
OPTIONS = {"C": 1.0, "random_state": 0, "max_iter": 200}


@pytest.fixture()
def pools(monkeypatch):
    """The n_jobs of every joblib pool that fit_heads starts."""
    started = []

    class Spy(joblib.Parallel):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            started.append(self.n_jobs)

    monkeypatch.setattr(joblib, "Parallel", Spy)
    return started


def test_heads_fitted_in_worker_processes_equal_heads_fitted_here(pools):
    here = fit_heads(X, COLUMNS, n_jobs=1, **OPTIONS)
    assert pools == []
    there = fit_heads(X, COLUMNS, n_jobs=2, **OPTIONS)
    assert pools == [2]
    assert list(there) == ["first", "second"]
    for name in COLUMNS:
        assert here[name].classes == there[name].classes
        assert np.allclose(here[name].coef, there[name].coef, rtol=1e-9, atol=1e-12)
        assert np.allclose(here[name].intercept, there[name].intercept, rtol=1e-9, atol=1e-12)


def test_by_default_small_sets_and_worker_processes_fit_here(pools, monkeypatch, recwarn):
    fit_heads(X, COLUMNS, **OPTIONS)  # 6 entries: far below PARALLEL_MIN_ENTRIES
    monkeypatch.setattr(heads, "PARALLEL_MIN_ENTRIES", 1)
    monkeypatch.setattr(heads, "_in_worker_process", lambda: True)
    fit_heads(X, COLUMNS, **OPTIONS)  # a daemon process (a multiprocessing or Dask worker) starts none
    assert pools == [] and not recwarn.list
    monkeypatch.setattr(heads, "_in_worker_process", lambda: False)
    monkeypatch.setattr(joblib, "effective_n_jobs", lambda n_jobs: 8 if n_jobs == -1 else n_jobs)  # 8 CPUs
    fit_heads(X, COLUMNS, **OPTIONS)
    assert pools == [2]  # one process per head


@pytest.mark.parametrize("n_jobs", [0, True, 1.5, "2"])
def test_bad_jobs_are_refused(n_jobs):
    with pytest.raises(ValueError, match="n_jobs must be a number of processes"):
        fit_heads(X, {"first": np.array(["a", "b", "a", "b"])}, n_jobs=n_jobs, **OPTIONS)
