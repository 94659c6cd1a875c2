"""The folded heads give exactly what scikit-learn's ``predict_proba`` gives for the estimators they come from."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.calibration import CalibratedClassifierCV
from sklearn.linear_model import LogisticRegression
from sklearn.svm import LinearSVC

from models.heads import CalibratedLinearHead, LogisticHead
from models.router import ComplaintRouter


def _data(n_classes: int, seed: int = 0) -> tuple[sp.csr_matrix, np.ndarray, sp.csr_matrix]:
    """Sparse float32 rows whose class shows in one feature each, and new rows (one of them empty)."""
    noise = sp.random(300, 80, density=0.1, format="csr", random_state=seed, dtype=np.float32)
    labels = np.arange(300) % n_classes
    signal = sp.csr_matrix((np.ones(300, dtype=np.float32), (np.arange(300), labels)), shape=(300, 80))
    y = np.asarray([f"opd-{label}" for label in labels], dtype=object)
    new = sp.random(50, 80, density=0.1, format="csr", random_state=seed + 1, dtype=np.float32)
    return sp.csr_matrix(noise + signal), y, sp.vstack([new, sp.csr_matrix((1, 80), dtype=np.float32)], format="csr")


@pytest.mark.parametrize("n_classes", [2, 3, 6])
@pytest.mark.parametrize("ensemble", [False, True])
def test_folded_calibrated_svm_equals_predict_proba(n_classes: int, ensemble: bool) -> None:
    X, y, new = _data(n_classes)
    model = CalibratedClassifierCV(LinearSVC(random_state=0), cv=3, method="sigmoid", ensemble=ensemble).fit(X, y)
    expected = model.predict_proba(new)
    head = CalibratedLinearHead.fold(model)
    folded = head.predict_proba(new)
    assert folded.shape == expected.shape
    np.testing.assert_array_equal(folded, expected)  # to the last bit, not merely close
    decision, proba = head.decision_and_proba(new)  # the route's one pass over the linear scores
    np.testing.assert_array_equal(proba, expected)
    np.testing.assert_array_equal(decision, head.decision_function(new))
    scores = np.mean([c.estimator.decision_function(new) for c in model.calibrated_classifiers_], axis=0)
    np.testing.assert_allclose(decision.reshape(scores.shape), scores, rtol=1e-12)


@pytest.mark.parametrize("n_classes", [2, 3])
def test_folded_logistic_regression_equals_predict_proba(n_classes: int) -> None:
    X, y, new = _data(n_classes, seed=3)
    model = LogisticRegression(class_weight="balanced", max_iter=3000).fit(X, y)
    np.testing.assert_array_equal(LogisticHead.fold(model).predict_proba(new), model.predict_proba(new))


def test_only_sigmoid_calibration_is_folded() -> None:
    X, y, _ = _data(3)
    model = CalibratedClassifierCV(LinearSVC(random_state=0), cv=3, method="isotonic").fit(X, y)
    with pytest.raises(ValueError, match=r'only method="sigmoid" calibration can be folded, got method=.isotonic.'):
        CalibratedLinearHead.fold(model)


def test_router_probabilities_are_scikit_learns(sample_router: ComplaintRouter) -> None:
    texts = ["jalan rusak berlubang di depan sekolah", "banjir masuk rumah warga", "yang dan", ""]
    Z = sample_router._encode(texts).features
    np.testing.assert_array_equal(sample_router.predict_proba(texts), sample_router.opd_.predict_proba(Z))
    assert sample_router.urgency_ is not None
    encoded = sample_router._encode(texts)
    U = sample_router._urgency_block(encoded.features, encoded.cues)
    np.testing.assert_array_equal(sample_router.predict_urgency_proba(texts), sample_router.urgency_.predict_proba(U))
