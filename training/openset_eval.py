"""Leave-classes-out evaluation of the open-set signal: how a router treats complaints for units it never saw.

:func:`leave_classes_out` trains a router (:func:`training.fit.train_router`, review threshold and all)
without the rows of some units, routes the evaluation rows, and reports for the left-out units' complaints
how many are flagged (``needs_review``), and for the known units' complaints the coverage (share not
flagged) and the accuracy among the not flagged: without the open-set signal (the ``ragu`` threshold
alone), at the router's own operating point, and along a curve of ``outside_target`` values read from the
same fitted signal (:meth:`models.openset.OutsideScore.threshold_for`), so one fit gives the whole curve.
Evaluation rows whose unit is neither left out nor in the training data are not counted.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from sklearn.metrics import roc_auc_score

from models.openset import REASON_OUTSIDE, top_decision
from training.data import Dataset
from training.fit import _subset, train_router

__all__ = ["CURVE_TARGETS", "LeaveOutResult", "OperatingPoint", "leave_classes_out"]

CURVE_TARGETS = (0.5, 0.7, 0.8, 0.85, 0.875, 0.9, 0.95)


@dataclass(frozen=True)
class OperatingPoint:
    """Flagging of left-out and known complaints at one open-set threshold (None: no open-set signal)."""

    outside_target: float | None
    threshold: float | None
    outsider_flagged: float
    known_coverage: float
    known_auto_accuracy: float


@dataclass
class LeaveOutResult:
    left_out: list[str]
    n_outsiders: int
    n_known: int
    review_threshold: float
    without: OperatingPoint
    chosen: OperatingPoint
    outsider_reason_outside: float
    known_reason_outside: float
    curve: list[OperatingPoint] = field(default_factory=list)
    auc: dict[str, float] = field(default_factory=dict)

    @property
    def relative_coverage(self) -> float:
        """Known units' coverage at the chosen point as a share of their coverage without the signal."""
        return self.chosen.known_coverage / self.without.known_coverage if self.without.known_coverage else 0.0


def _point(
    target: float | None, threshold: float | None, flagged: np.ndarray, correct: np.ndarray, outsider: np.ndarray
) -> OperatingPoint:
    known = ~outsider
    routed = known & ~flagged
    return OperatingPoint(
        outside_target=target,
        threshold=threshold,
        outsider_flagged=float(flagged[outsider].mean()) if outsider.any() else float("nan"),
        known_coverage=float(routed.sum() / known.sum()) if known.any() else float("nan"),
        known_auto_accuracy=float(correct[routed].mean()) if routed.any() else float("nan"),
    )


def leave_classes_out(
    train: Dataset,
    dev: Dataset,
    left_out: Sequence[str],
    *,
    params: dict[str, Any] | None = None,
    seed: int = 0,
    targets: Sequence[float] = CURVE_TARGETS,
) -> LeaveOutResult:
    """Train without the units ``left_out`` and measure on ``dev`` (see the module docstring)."""
    out = {str(u) for u in left_out}
    missing = sorted(out - set(train.opd))
    if missing:
        raise ValueError(f"left_out units not in the training data: {missing}")
    kept = np.asarray([label not in out for label in train.opd])
    trained = train_router(_subset(train, np.nonzero(kept)[0]), params=params, seed=seed)
    router = trained.router
    if router.openset_ is None:
        raise ValueError("the router has no open-set signal (outside_target None, or fewer than 3 known units)")

    labels = np.asarray(dev.opd, dtype=object)
    outsider = np.isin(labels, sorted(out))
    counted = outsider | np.isin(labels, router.classes_)
    texts = [t for t, c in zip(dev.texts, counted, strict=True) if c]
    labels, outsider = labels[counted], outsider[counted]
    if not outsider.any() or outsider.all():
        raise ValueError("dev needs complaints of both left-out and known units")

    routing = router.route(texts)
    top = top_decision(router.decision_function(texts))
    score = router.outside_score(texts)
    confidence = routing.top_scores[:, 0]
    correct = router.classes_[routing.top[:, 0]] == labels
    reason_outside = routing.review_reason == REASON_OUTSIDE
    unsure = routing.needs_review & ~reason_outside | (confidence < router.review_threshold_)

    signal = router.openset_
    curve = []
    for target in targets:
        threshold = signal.threshold_for(target)
        curve.append(_point(target, threshold, unsure | (score < threshold), correct, outsider))
    known = ~outsider
    return LeaveOutResult(
        left_out=sorted(out),
        n_outsiders=int(outsider.sum()),
        n_known=int(known.sum()),
        review_threshold=float(router.review_threshold_),
        without=_point(None, None, unsure, correct, outsider),
        chosen=_point(signal.outside_target, signal.threshold_, routing.needs_review, correct, outsider),
        outsider_reason_outside=float(reason_outside[outsider].mean()),
        known_reason_outside=float(reason_outside[known].mean()),
        curve=curve,
        auc={
            "top_probability": float(roc_auc_score(known, confidence)),
            "top_decision": float(roc_auc_score(known, top)),
            "outside_score": float(roc_auc_score(known, score)),
        },
    )
