"""The review threshold: the confidence below which a suggestion is flagged ``needs_review``.

:class:`ReviewThreshold` is a meta-estimator: it holds out a slice of the training rows, fits a *probe* (a
clone of the estimator) on the rest, and picks the lowest confidence at which the probe's suggestions on the
held-out rows reach ``review_target`` accuracy (:func:`choose_review_threshold`); then it fits the estimator
on every row and gives it that threshold as ``review_threshold_``. The router and the plain reference systems
of the quality benchmark learn their thresholds through this one object.

The slice is the most recent rows when ``fit`` gets their dates (language and topics drift: a threshold
chosen on a random slice of the past promised 95% and gave 93.5% on the next quarter), else a random
stratified one. With ``slices`` > 1 the held-out rows are cut into that many consecutive time slices, a
threshold is chosen on each, and the highest one is kept: a margin for the spread from one period to the next.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, MetaEstimatorMixin, clone
from sklearn.model_selection import train_test_split
from sklearn.utils.validation import check_is_fitted

__all__ = ["ReviewThreshold", "choose_review_threshold", "time_ordered_holdout"]

logger = logging.getLogger(__name__)


def choose_review_threshold(confidence: np.ndarray, correct: np.ndarray, target: float = 0.95) -> float:
    """Lowest threshold t such that the rows with confidence >= t are at least ``target`` accurate.

    The lowest such t keeps the most rows out of review. If no t meets the target, the threshold is
    just above the highest confidence: everything needs review.
    """
    confidence = np.asarray(confidence, dtype=float)
    correct = np.asarray(correct, dtype=float)
    if confidence.size == 0:
        raise ValueError("choose_review_threshold needs at least one row")
    values, inverse = np.unique(confidence, return_inverse=True)
    rows_at_or_above = np.bincount(inverse, minlength=len(values))[::-1].cumsum()[::-1]
    hits_at_or_above = np.bincount(inverse, weights=correct, minlength=len(values))[::-1].cumsum()[::-1]
    ok = np.nonzero(hits_at_or_above / rows_at_or_above >= target)[0]
    if ok.size == 0:
        return float(np.nextafter(values[-1], np.inf))
    return float(values[ok.min()])


def time_ordered_holdout(dates: Sequence[object], labels: np.ndarray, n_held: int) -> np.ndarray | None:
    """Positions of the ``n_held`` most recent rows, oldest first; None when a date does not parse or the
    rows left would hold fewer than 2 examples of some label (then the caller holds out at random)."""
    parsed = pd.to_datetime(pd.Series(list(dates), dtype=object), errors="coerce", utc=True, format="mixed")
    if len(parsed) != len(labels) or parsed.isna().any():
        return None
    order = np.argsort(parsed.to_numpy(), kind="stable")
    held = order[len(order) - n_held :]
    left = np.ones(len(labels), dtype=bool)
    left[held] = False
    _, counts = np.unique(labels[left], return_counts=True)
    if len(counts) < len(set(labels)) or counts.min() < 2:
        return None
    return held


class ReviewThreshold(MetaEstimatorMixin, BaseEstimator):
    """Fit ``estimator`` with a review threshold learned on held-out rows.

    Parameters
    ----------
    estimator : classifier
        Anything with ``fit(X, y, **fit_params)``, ``classes_`` and the ``score_method`` below.
    review_target : float
        Accuracy that suggestions at or above the threshold should reach on the held-out rows.
    holdout : float
        Share of the rows held out: the most recent ones when ``fit`` gets ``dates`` and ``time_order`` is
        true, else stratified by label (at least one row per label).
    score_method : {"predict_proba", "decision_function"}
        Which scores of the probe give the confidence (the maximum over classes).
    random_state : int
        Seed of the held-out split.
    time_order : bool
        Hold out the most recent rows when dates are given.
    slices : int
        Cut the held-out rows into this many consecutive slices (in time order when dated) and keep the
        highest of their thresholds.

    Attributes
    ----------
    estimator_ : the estimator fitted on all rows, with ``review_threshold_`` set.
    review_threshold_ : float
    probe_ : the estimator fitted on the rows not held out, with the same threshold.
    holdout_rows_ : ndarray of int, the held-out row positions (oldest first when time-ordered).
    holdout_confidence_, holdout_correct_ : ndarray, the probe's top score on each held-out row, and whether
        its top label was right.
    time_ordered_ : bool, whether the held-out rows were the most recent ones.
    """

    def __init__(
        self,
        estimator: Any,
        *,
        review_target: float = 0.95,
        holdout: float = 0.2,
        score_method: str = "predict_proba",
        random_state: int = 0,
        time_order: bool = True,
        slices: int = 1,
    ) -> None:
        self.estimator = estimator
        self.review_target = review_target
        self.holdout = holdout
        self.score_method = score_method
        self.random_state = random_state
        self.time_order = time_order
        self.slices = slices

    def fit(self, X: Any, y: Any, dates: Sequence[object] | None = None, **fit_params: Any) -> ReviewThreshold:
        """``dates`` (one per row, ISO text or datetimes) order the rows for the held-out slice and are not
        passed on; ``fit_params`` with one value per row (``urgency``) are split like the rows; others pass as
        they are."""
        if not 0.0 < self.holdout < 0.5:
            raise ValueError(f"holdout must be between 0 and 0.5, got {self.holdout}")
        if not 0.0 < self.review_target <= 1.0:
            raise ValueError(f"review_target must be in (0, 1], got {self.review_target}")
        if self.score_method not in ("predict_proba", "decision_function"):
            raise ValueError(f'score_method must be "predict_proba" or "decision_function", got {self.score_method!r}')
        if not isinstance(self.slices, int) or self.slices < 1:
            raise ValueError(f"slices must be a positive whole number, got {self.slices!r}")
        texts = list(X)
        labels = np.asarray([str(v) for v in y], dtype=object)
        if len(texts) != len(labels):
            raise ValueError(f"X has {len(texts)} rows but y has {len(labels)} labels")
        n_classes = len(set(labels))
        n_held = max(round(self.holdout * len(texts)), n_classes)
        if n_held >= len(texts) - n_classes:
            raise ValueError(
                f"too few rows ({len(texts)}) for {n_classes} labels: need a held-out slice of at least one "
                "row per label and enough left to train; add data or pass --eval"
            )
        if dates is not None and len(dates) != len(texts):
            raise ValueError(f"dates has {len(dates)} values but X has {len(texts)} rows")
        held_rows = None
        if dates is not None and self.time_order:
            held_rows = time_ordered_holdout(dates, labels, n_held)
            if held_rows is None:
                logger.warning("dates unusable for a time-ordered hold-out (unparsed, or a label too rare): random")
        self.time_ordered_ = held_rows is not None
        if held_rows is None:
            fit_rows, held_rows = train_test_split(
                np.arange(len(texts)), test_size=n_held, stratify=labels, random_state=self.random_state
            )
        else:
            fit_rows = np.setdiff1d(np.arange(len(texts)), held_rows)
        self.probe_ = clone(self.estimator).fit(
            [texts[i] for i in fit_rows], labels[fit_rows], **_rows_of(fit_params, fit_rows, len(texts))
        )
        scores = _scores(self.probe_, [texts[i] for i in held_rows], self.score_method)
        correct = np.asarray(self.probe_.classes_, dtype=object)[np.argmax(scores, axis=1)] == labels[held_rows]
        confidence = scores.max(axis=1)
        self.review_threshold_ = max(
            choose_review_threshold(confidence[part], correct[part], self.review_target)
            for part in np.array_split(np.arange(len(held_rows)), min(self.slices, len(held_rows)))
        )
        self.probe_.review_threshold_ = self.review_threshold_
        self.holdout_rows_ = np.asarray(held_rows)
        self.holdout_confidence_ = confidence
        self.holdout_correct_ = correct

        self.estimator_ = clone(self.estimator).fit(texts, labels, **fit_params)
        self.estimator_.review_threshold_ = self.review_threshold_
        self.classes_ = self.estimator_.classes_
        return self

    def predict(self, X: Any) -> np.ndarray:
        check_is_fitted(self)
        return np.asarray(self.estimator_.predict(X))


def _rows_of(fit_params: dict[str, Any], rows: np.ndarray, n: int) -> dict[str, Any]:
    """The values of each per-row fit parameter at ``rows``."""
    picked: dict[str, Any] = {}
    for name, value in fit_params.items():
        if value is not None and not isinstance(value, str) and hasattr(value, "__len__") and len(value) == n:
            picked[name] = [value[i] for i in rows]
        else:
            picked[name] = value
    return picked


def _scores(model: Any, X: list[Any], method: str) -> np.ndarray:
    scores = np.asarray(getattr(model, method)(X), dtype=float)
    if scores.ndim == 1:  # binary decision_function: one column of scores for classes_[1]
        scores = np.column_stack([-scores, scores])
    return scores
