"""The review threshold: its choice by hand-computed cases, and the meta-estimator that learns it."""

from __future__ import annotations

import pickle

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline

from models.review import ReviewThreshold, choose_review_threshold
from models.router import ComplaintRouter

TEXTS = [f"jalan rusak berlubang nomor {i}" for i in range(12)] + [f"sampah menumpuk bau nomor {i}" for i in range(12)]
TEXTS += [f"lampu jalan mati gelap {i}" for i in range(12)]
LABELS = ["PUPR"] * 12 + ["DLH"] * 12 + ["PJU"] * 12
URGENCY = (["sedang", "tinggi", ""] * 12)[: len(TEXTS)]


@pytest.mark.parametrize(
    ("confidence", "correct", "target", "expected"),
    [
        ([0.9, 0.8, 0.7, 0.6], [1, 1, 0, 1], 0.95, 0.8),
        ([0.9, 0.8, 0.7, 0.6], [1, 1, 0, 1], 0.75, 0.6),
        ([0.9, 0.8, 0.7, 0.6], [1, 1, 1, 1], 0.95, 0.6),
        ([0.9, 0.9, 0.5], [1, 0, 1], 0.6, 0.5),
    ],
)
def test_choose_review_threshold_by_hand(
    confidence: list[float], correct: list[int], target: float, expected: float
) -> None:
    assert choose_review_threshold(np.array(confidence), np.array(correct), target) == pytest.approx(expected)


def test_threshold_above_everything_when_target_unreachable() -> None:
    confidence = np.array([0.9, 0.4])
    threshold = choose_review_threshold(confidence, np.array([0, 0]), 0.95)
    assert threshold > 0.9
    assert not (confidence >= threshold).any()


def test_choose_review_threshold_needs_rows() -> None:
    with pytest.raises(ValueError, match="at least one row"):
        choose_review_threshold(np.array([]), np.array([]))


def _plain() -> object:
    return make_pipeline(TfidfVectorizer(), LogisticRegression())


def test_threshold_is_the_one_chosen_on_the_held_out_rows_by_hand() -> None:
    search = ReviewThreshold(_plain(), review_target=0.9, holdout=0.25, random_state=3).fit(TEXTS, LABELS)
    rows = np.arange(len(TEXTS))
    fit_rows, held_rows = train_test_split(rows, test_size=9, stratify=LABELS, random_state=3)
    probe = _plain().fit([TEXTS[i] for i in fit_rows], [LABELS[i] for i in fit_rows])
    proba = probe.predict_proba([TEXTS[i] for i in held_rows])
    correct = probe.classes_[proba.argmax(axis=1)] == np.asarray(LABELS, dtype=object)[held_rows]
    assert search.review_threshold_ == choose_review_threshold(proba.max(axis=1), correct, 0.9)
    assert list(search.holdout_rows_) == list(held_rows)
    assert search.estimator_.review_threshold_ == search.review_threshold_
    assert search.probe_.review_threshold_ == search.review_threshold_
    # the final model saw every row: it equals a plain fit on all of them
    expected = _plain().fit(TEXTS, LABELS).predict_proba(["jalan rusak"])
    assert np.allclose(search.estimator_.predict_proba(["jalan rusak"]), expected)


def test_decision_scores_serve_as_confidence_too() -> None:
    from sklearn.svm import LinearSVC

    search = ReviewThreshold(
        make_pipeline(TfidfVectorizer(), LinearSVC()), score_method="decision_function", holdout=0.25
    ).fit(TEXTS, LABELS)
    assert np.isfinite(search.review_threshold_)
    assert list(search.predict(["sampah bau"])) == ["DLH"]


def test_per_row_fit_parameters_are_split_with_the_rows() -> None:
    search = ReviewThreshold(ComplaintRouter(min_df=1, calibration_cv=2), holdout=0.25).fit(
        TEXTS, LABELS, urgency=URGENCY
    )
    assert set(search.estimator_.urgency_classes_) == {"sedang", "tinggi"}
    assert set(search.probe_.urgency_classes_) == {"sedang", "tinggi"}
    assert search.estimator_.review_threshold_ == search.review_threshold_


def test_the_estimator_contract_holds() -> None:
    search = ReviewThreshold(_plain(), review_target=0.8)
    assert clone(search).get_params()["review_target"] == 0.8
    fitted = search.fit(TEXTS, LABELS)
    again = pickle.loads(pickle.dumps(fitted))
    assert list(again.predict(TEXTS[:3])) == list(fitted.predict(TEXTS[:3]))
    twice = clone(search).fit(TEXTS, LABELS).fit(TEXTS, LABELS)
    assert twice.review_threshold_ == fitted.review_threshold_


@pytest.mark.parametrize(
    ("params", "data", "message"),
    [
        ({"holdout": 0.5}, (TEXTS, LABELS), "holdout must be between 0 and 0.5, got 0.5"),
        ({"review_target": 0.0}, (TEXTS, LABELS), r"review_target must be in \(0, 1\], got 0.0"),
        ({"score_method": "predict"}, (TEXTS, LABELS), 'score_method must be "predict_proba"'),
        ({}, (TEXTS[:4], LABELS[:2] + LABELS[12:14]), r"too few rows \(4\) for 2 labels"),
        ({}, (TEXTS, LABELS[:3]), "X has 36 rows but y has 3 labels"),
    ],
)
def test_bad_parameters_and_data_are_named(
    params: dict[str, object], data: tuple[list[str], list[str]], message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        ReviewThreshold(_plain(), **params).fit(*data)  # type: ignore[arg-type]


# Dated rows: the first half of each label in 2022-01, the second in 2022-02.
DATES = [f"2022-{1 + (i % 12) // 6:02d}-{1 + i // 2:02d}T08:00" for i in range(len(TEXTS))]


def test_time_ordered_holdout_is_the_most_recent_rows() -> None:
    search = ReviewThreshold(_plain(), review_target=0.9, holdout=0.25).fit(TEXTS, LABELS, dates=DATES)
    assert search.time_ordered_
    order = np.argsort(np.asarray(DATES, dtype="datetime64[m]"), kind="stable")
    assert search.holdout_rows_.tolist() == order[-9:].tolist()
    rest = np.setdiff1d(np.arange(len(TEXTS)), search.holdout_rows_)
    probe = _plain().fit([TEXTS[i] for i in rest], [LABELS[i] for i in rest])
    proba = probe.predict_proba([TEXTS[i] for i in search.holdout_rows_])
    correct = probe.classes_[proba.argmax(axis=1)] == np.asarray(LABELS)[search.holdout_rows_]
    assert search.review_threshold_ == choose_review_threshold(proba.max(axis=1), correct, 0.9)


def test_time_order_off_or_unparsed_dates_hold_out_at_random() -> None:
    plain = ReviewThreshold(_plain(), holdout=0.25, random_state=3).fit(TEXTS, LABELS)
    off = ReviewThreshold(_plain(), holdout=0.25, random_state=3, time_order=False).fit(TEXTS, LABELS, dates=DATES)
    bad = ReviewThreshold(_plain(), holdout=0.25, random_state=3).fit(TEXTS, LABELS, dates=["kemarin"] * len(TEXTS))
    assert not off.time_ordered_ and not bad.time_ordered_
    assert off.holdout_rows_.tolist() == plain.holdout_rows_.tolist() == bad.holdout_rows_.tolist()


def test_time_ordered_holdout_falls_back_when_a_label_would_be_too_rare() -> None:
    dates = [f"2022-01-{1 + i:02d}" for i in range(len(TEXTS))]
    dates[-2:] = ["2023-01-01", "2023-01-02"]  # the two newest rows are PJU
    texts, labels = TEXTS[:24] + TEXTS[-3:], LABELS[:24] + LABELS[-3:]
    dates = dates[:24] + dates[-3:]
    search = ReviewThreshold(_plain(), holdout=0.25, random_state=3)
    with pytest.raises(ValueError, match="dates has 2 values"):
        search.fit(texts, labels, dates=dates[:2])
    assert not search.fit(texts, labels, dates=dates).time_ordered_  # holding out 2 of 3 PJU rows leaves 1


def test_slices_take_the_highest_threshold_of_the_slices() -> None:
    one = ReviewThreshold(_plain(), review_target=0.9, holdout=0.4).fit(TEXTS, LABELS, dates=DATES)
    three = ReviewThreshold(_plain(), review_target=0.9, holdout=0.4, slices=3).fit(TEXTS, LABELS, dates=DATES)
    parts = np.array_split(np.arange(len(one.holdout_rows_)), 3)
    expected = max(choose_review_threshold(one.holdout_confidence_[p], one.holdout_correct_[p], 0.9) for p in parts)
    assert three.review_threshold_ == expected >= one.review_threshold_


@pytest.mark.parametrize("slices", [0, -1, 1.5])
def test_slices_must_be_a_positive_whole_number(slices: object) -> None:
    with pytest.raises(ValueError, match="slices must be a positive whole number"):
        ReviewThreshold(_plain(), slices=slices).fit(TEXTS, LABELS)


def test_dates_are_not_passed_to_the_estimator() -> None:
    search = ReviewThreshold(ComplaintRouter(calibration_cv=2), holdout=0.25).fit(
        TEXTS, LABELS, dates=DATES, urgency=URGENCY
    )
    assert search.time_ordered_ and search.estimator_.urgency_ is not None
