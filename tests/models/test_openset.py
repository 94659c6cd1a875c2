"""The open-set signal: OutsideScore's threshold, review reasons, and the router flagging units it never saw."""

from __future__ import annotations

import pickle

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.base import clone
from sklearn.model_selection import train_test_split
from sklearn.svm import LinearSVC

from models.openset import (
    REASON_OUTSIDE,
    REASON_UNSURE,
    OutsideScore,
    neighbour_similarity,
    review_reasons,
    top_decision,
)
from models.router import ComplaintRouter
from tests.conftest import SAMPLES
from tests.models.test_router import OPD, TEXTS
from training.data import load_dataset
from training.fit import _subset
from training.openset_eval import leave_classes_out


def _blobs(n_classes: int = 4, per_class: int = 20, seed: int = 0) -> tuple[sp.csr_matrix, np.ndarray]:
    """Non-negative rows, one block of features per class (like TF-IDF of distinct vocabularies)."""
    rng = np.random.default_rng(seed)
    width = 5
    rows, labels = [], []
    for c in range(n_classes):
        block = np.zeros((per_class, n_classes * width))
        block[:, c * width : (c + 1) * width] = rng.uniform(0.5, 1.0, (per_class, width))
        block += rng.uniform(0.0, 0.1, block.shape)
        rows.append(block)
        labels += [f"opd{c}"] * per_class
    return sp.csr_matrix(np.vstack(rows)), np.asarray(labels, dtype=object)


@pytest.mark.parametrize(
    ("decision", "expected"),
    [
        (np.array([[0.2, -1.0, 0.7]]), [0.7]),
        (np.array([[-0.4]]), [0.4]),  # binary: one column d stands for [-d, d]
        (np.array([-0.4, 0.3]), [0.4, 0.3]),
    ],
)
def test_top_decision(decision: np.ndarray, expected: list[float]) -> None:
    np.testing.assert_allclose(top_decision(decision), expected)


@pytest.mark.parametrize(
    ("unsure", "outside", "expected"),
    [
        ([False, True, False, True], [False, False, True, True], ["", REASON_UNSURE, REASON_OUTSIDE, REASON_OUTSIDE]),
        ([], [], []),
    ],
)
def test_review_reasons_outside_wins(unsure: list[bool], outside: list[bool], expected: list[str]) -> None:
    assert review_reasons(np.asarray(unsure, dtype=bool), np.asarray(outside, dtype=bool)).tolist() == expected


def test_threshold_flags_the_target_share_of_simulated_outsiders() -> None:
    Z, y = _blobs()
    signal = OutsideScore(outside_target=0.8, n_folds=4).fit(Z, y)
    assert signal.n_outside_ == len(y)  # every unit is held out once
    assert signal.threshold_ == pytest.approx(signal.threshold_for(0.8))
    thresholds = [signal.threshold_for(t) for t in (0.0, 0.3, 0.6, 0.9, 1.0)]
    assert thresholds == sorted(thresholds)
    assert thresholds[0] < thresholds[-1]


def test_a_target_for_known_complaints_flags_at_most_their_share() -> None:
    """Known complaints scored low (like the simulated outsiders) lower the target until at most ``share`` of
    them fall below the threshold; known complaints scored high leave the signal's own target."""
    Z, y = _blobs()
    signal = OutsideScore(outside_target=0.8, n_folds=4).fit(Z, y)
    assert signal.target_ == 0.8
    high = np.full(50, signal.quantiles_[-1] + 1.0)
    assert signal.target_for_known(high, 0.1) == 0.8
    mixed = np.linspace(signal.quantiles_[0], signal.quantiles_[-1], 200)  # half of them below the threshold
    assert np.mean(mixed < signal.threshold_) > 0.5
    target = signal.target_for_known(mixed, 0.1)
    assert 0.0 <= target < 0.8
    signal.use_target(target)
    assert (signal.target_, signal.threshold_) == (target, pytest.approx(signal.threshold_for(target)))
    assert signal.outside_target == 0.8  # the parameter keeps what was asked
    assert np.mean(mixed < signal.threshold_) <= 0.1 + 1 / len(mixed)
    with pytest.raises(ValueError, match=r"share must be between 0 and 1, got 1\.5"):
        signal.target_for_known(mixed, 1.5)


def test_rows_like_the_training_units_are_not_outside_and_foreign_rows_are() -> None:
    Z, y = _blobs(n_classes=5)
    known = Z[:, :20]  # the features of units 0-3 (unit 4's own block is not seen in training)
    keep = y != "opd4"
    signal = OutsideScore(n_folds=4).fit(known[keep], y[keep])
    svm = LinearSVC(class_weight="balanced", random_state=0).fit(known[keep], y[keep])
    foreign = known[~keep]  # unit 4's rows: only the faint noise on the known units' features
    assert signal.is_outside(svm.decision_function(foreign), foreign).mean() >= 0.8
    assert signal.is_outside(svm.decision_function(known[keep]), known[keep]).mean() <= 0.2


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"outside_target": 1.0}, "outside_target must be between 0 and 1, got 1.0"),
        ({"outside_target": 0.0}, "outside_target must be between 0 and 1, got 0.0"),
        ({"n_folds": 1}, "n_folds must be at least 2, got 1"),
        ({"neighbours": -1}, "neighbours must be 0 or more, got -1"),
        ({"neighbours": 5, "reference_rows": 4}, r"reference_rows must be at least neighbours \(5\), got 4"),
    ],
)
def test_bad_parameters_are_named(params: dict[str, float], message: str) -> None:
    Z, y = _blobs()
    with pytest.raises(ValueError, match=message):
        OutsideScore(**params).fit(Z, y)  # type: ignore[arg-type]


def test_neighbour_similarity_by_hand() -> None:
    Z = sp.csr_matrix(np.array([[1.0, 0.0], [0.0, 1.0]]))
    reference_t = sp.csr_matrix(np.array([[1.0, 0.0], [0.6, 0.8], [0.0, 1.0]]).T)  # three reference rows
    np.testing.assert_allclose(neighbour_similarity(Z, reference_t, 1), [1.0, 1.0])
    np.testing.assert_allclose(neighbour_similarity(Z, reference_t, 2), [0.8, 0.9])
    np.testing.assert_allclose(neighbour_similarity(Z, reference_t, 9), [1.6 / 3, 1.8 / 3])


def test_neighbour_similarity_of_one_row_equals_the_batch_product_bit_for_bit() -> None:
    """The one-complaint path gathers reference rows instead of a sparse product: same float32 sums."""
    rng = np.random.default_rng(3)
    Z = sp.random(40, 500, density=0.08, format="csr", dtype=np.float32, random_state=rng)
    reference_t = sp.random(500, 300, density=0.2, format="csr", dtype=np.float32, random_state=rng)
    batch = neighbour_similarity(Z, reference_t, 7)
    one_by_one = np.concatenate([neighbour_similarity(Z[i], reference_t, 7) for i in range(Z.shape[0])])
    assert np.array_equal(batch, one_by_one)
    assert np.array_equal(neighbour_similarity(sp.csr_matrix((1, 500), dtype=np.float32), reference_t, 7), [0.0])


def test_is_outside_skips_neighbours_without_changing_the_answer() -> None:
    """The shortcut of is_outside (no neighbour search where the decision value settles it) equals score < t."""
    Z, y = _blobs(n_classes=6, per_class=25)
    signal = OutsideScore(n_folds=3, neighbours=5, reference_rows=60).fit(Z[:, :25], y)
    rng = np.random.default_rng(1)
    probe = sp.csr_matrix(np.abs(rng.normal(0, 0.4, (200, 25))))
    svm = LinearSVC(class_weight="balanced", random_state=0).fit(Z[:, :25], y)
    decision = svm.decision_function(probe)
    score = signal.score(decision, probe)
    for target in (0.1, 0.5, 0.9):
        threshold = signal.threshold_for(target)
        np.testing.assert_array_equal(signal.is_outside(decision, probe, threshold), score < threshold)
    assert signal.reference_ is not None and signal.reference_.shape == (25, 60)


def test_without_neighbours_the_score_is_the_top_decision_value() -> None:
    Z, y = _blobs()
    signal = OutsideScore(neighbours=0, n_folds=4).fit(Z, y)
    assert signal.reference_ is None
    decision = np.array([[0.2, -1.0, 0.7, 0.1], [-0.5, -0.2, -0.9, -0.3]])
    np.testing.assert_allclose(signal.score(decision), [0.7, -0.2])
    np.testing.assert_array_equal(signal.is_outside(decision), np.array([0.7, -0.2]) < signal.threshold_)
    with pytest.raises(ValueError, match="pass Z"):
        OutsideScore(n_folds=4).fit(Z, y).score(decision)


def test_a_signal_saved_before_the_neighbours_reads_the_decision_value_alone() -> None:
    Z, y = _blobs()
    signal = OutsideScore(neighbours=0, n_folds=4).fit(Z, y)
    del signal.reference_  # what a model pickled before the neighbour part holds
    decision = np.array([[0.2, -1.0, 0.7, 0.1]])
    np.testing.assert_allclose(signal.score(decision), [0.7])


def test_two_units_are_too_few_for_an_open_set_signal() -> None:
    Z, y = _blobs(n_classes=2)
    with pytest.raises(ValueError, match="needs at least 3 OPD labels"):
        OutsideScore().fit(Z, y)


def test_every_fold_keeps_two_units_even_with_three() -> None:
    Z, y = _blobs(n_classes=3)
    assert OutsideScore(n_folds=2).fit(Z, y).n_outside_ == len(y)


def test_clone_and_pickle_keep_the_signal() -> None:
    Z, y = _blobs()
    signal = OutsideScore(outside_target=0.7).fit(Z, y)
    assert clone(signal).get_params() == signal.get_params()
    again = pickle.loads(pickle.dumps(signal))
    assert again.threshold_ == signal.threshold_
    np.testing.assert_array_equal(again.quantiles_, signal.quantiles_)
    assert again.reference_ is not None and signal.reference_ is not None
    assert (again.reference_ != signal.reference_).nnz == 0


def test_router_reasons_agree_with_needs_review() -> None:
    router = ComplaintRouter(min_df=1, calibration_cv=2).fit(TEXTS, OPD)
    probe = ["jalan berlubang di depan pasar", "listrik PLN padam, kabel putus", "", "air PDAM mati"]
    routing = router.route(probe)
    assert set(routing.review_reason.tolist()) <= {"", REASON_UNSURE, REASON_OUTSIDE}
    np.testing.assert_array_equal(routing.needs_review, routing.review_reason != "")
    suggestions = router.suggest(probe)
    assert [s.review_reason for s in suggestions] == routing.review_reason.tolist()
    assert suggestions[2].review_reason == REASON_UNSURE  # no tokens: unsure, not outside


def test_router_without_the_signal_never_says_outside() -> None:
    router = ComplaintRouter(min_df=1, calibration_cv=2, outside_target=None).fit(TEXTS, OPD)
    assert router.openset_ is None
    assert REASON_OUTSIDE not in router.route(["listrik PLN padam", "jalan rusak"]).review_reason.tolist()


def test_router_of_two_units_has_no_signal() -> None:
    router = ComplaintRouter(min_df=1, calibration_cv=2).fit(TEXTS[:8], OPD[:8])
    assert router.openset_ is None


def test_decision_function_matches_the_calibrated_svm() -> None:
    router = ComplaintRouter(min_df=1, calibration_cv=2).fit(TEXTS, OPD)
    probe = ["jalan rusak", "sampah menumpuk", "air keruh"]
    Z = router._encode(probe).features
    expected = np.mean([c.estimator.decision_function(Z) for c in router.opd_.calibrated_classifiers_], axis=0)
    np.testing.assert_allclose(router.decision_function(probe), expected, rtol=1e-6)


def test_leave_classes_out_on_the_samples_flags_the_left_out_units() -> None:
    """The CI draw: three units of data/samples never seen in training are flagged far more often than known ones."""
    data = load_dataset([SAMPLES])
    fit_rows, dev_rows = train_test_split(np.arange(len(data)), test_size=1 / 3, stratify=data.opd, random_state=0)
    left_out = ["PDAM", "BPBD", "Disdukcapil"]
    result = leave_classes_out(_subset(data, fit_rows), _subset(data, dev_rows), left_out, params={"calibration_cv": 3})
    assert result.left_out == sorted(left_out)
    assert result.n_outsiders == 30
    known_flagged = 1 - result.chosen.known_coverage
    assert result.chosen.outsider_flagged >= known_flagged + 0.15
    assert result.outsider_reason_outside >= result.known_reason_outside + 0.2
    assert result.outsider_reason_outside >= 0.5
    assert result.auc["top_decision"] > 0.6
    assert result.auc["outside_score"] > 0.6
    flagged = [p.outsider_flagged for p in result.curve]
    assert flagged == sorted(flagged)  # a higher outside_target never flags fewer


def test_leave_classes_out_names_unknown_units() -> None:
    data = load_dataset([SAMPLES])
    with pytest.raises(ValueError, match=r"left_out units not in the training data: \['PLN'\]"):
        leave_classes_out(data, data, ["PLN"])
