import numpy as np
import scipy.sparse as sp

from emotion_matrix.heads import class_weights, fit_head, make_head


def test_make_head_is_unfitted_balanced_logistic_regression():
    head = make_head(2.0, 7)
    assert (head.C, head.class_weight, head.random_state) == (2.0, "balanced", 7)
    assert not hasattr(head, "coef_")


def test_fit_head_stores_sparse_coefficients_in_full_space():
    X = sp.csr_matrix(np.array([[1, 0, 0, 0, 2], [0, 0, 1, 0, 0], [1, 0, 0, 0, 1], [0, 0, 2, 0, 0]], dtype=float))
    y = np.array(["a", "b", "a", "b"])
    head = fit_head(make_head(1.0, 0), X, y)
    assert sp.issparse(head.coef_) and head.coef_.shape == (1, 5)
    assert head.coef_[:, [1, 3]].nnz == 0  # columns never seen stay zero
    assert list(head.predict(X)) == list(y)
    a, b = class_weights(head, "a", slice(0, 5)), class_weights(head, "b", slice(0, 5))
    assert a[0] > 0 and b[2] > 0 and np.allclose(a, -b)
