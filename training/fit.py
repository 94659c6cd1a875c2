"""Fitting a router: the review threshold from a held-out slice, then the final fit on all rows.

1. :class:`models.review.ReviewThreshold` holds out a slice of the training rows (``holdout``: the most recent
   rows when they are dated, else a stratified one),
   fits a probe router on the rest and chooses the review threshold on the slice so that accuracy among
   the complaints not flagged for review reaches ``review_target``; then it fits the router on all
   training rows with that threshold.
2. Metrics come from the eval data when given, otherwise from the probe on the held-out slice.
3. The probe's confidences on the held-out slice and the training label mix become the model's drift
   reference (:func:`models.drift.drift_reference`), what monitoring compares the served complaints with.
4. The open-set signal (:class:`models.openset.OutsideScore`) may call at most ``KNOWN_OUTSIDE_SHARE`` of the
   held-out complaints the probe is sure of (complaints of known units above the review threshold) outside: where
   its simulated outsiders look like known complaints (on the national corpus it called 31% of dev outside,
   87.5% of those routed right), its target is lowered to what the probe shows, for the probe and the final
   router alike.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from models.drift import drift_reference
from models.fewshot import Catalogue
from models.review import ReviewThreshold
from models.router import ComplaintRouter
from training.data import Dataset
from training.evaluate import evaluate_router, unit_metrics

__all__ = ["KNOWN_OUTSIDE_SHARE", "TrainResult", "train_router"]

logger = logging.getLogger(__name__)

# At most this share of the held-out complaints above the review threshold (known units, routed with confidence)
# is called outside the units; fewer than _MIN_SURE_ROWS such complaints are too few to tell.
KNOWN_OUTSIDE_SHARE = 0.15
_MIN_SURE_ROWS = 20


@dataclass
class TrainResult:
    router: ComplaintRouter
    metrics: dict[str, Any]
    metrics_source: str
    threshold_metrics: dict[str, float] = field(default_factory=dict)
    seconds: float = 0.0
    review: ReviewThreshold | None = None
    reference: dict[str, Any] = field(default_factory=dict)  # models.drift.drift_reference, for monitoring


def _subset(data: Dataset, rows: np.ndarray) -> Dataset:
    return Dataset(
        texts=[data.texts[i] for i in rows],
        opd=[data.opd[i] for i in rows],
        urgency=None if data.urgency is None else [data.urgency[i] for i in rows],
        sources=data.sources,
        sha256=data.sha256,
        units=None if data.units is None else [data.units[i] for i in rows],
        places=None if data.places is None else [data.places[i] for i in rows],
        dates=None if data.dates is None else [data.dates[i] for i in rows],
    )


def _cap_outside(search: ReviewThreshold, held: Dataset) -> float | None:
    """Lower the open-set target of the probe and the router when the probe calls more than
    ``KNOWN_OUTSIDE_SHARE`` of the held-out complaints it is sure of (at or above the review threshold: those an
    outside flag takes from the admin's unflagged share) outside; the target in use, or None when the router has
    no open-set signal or the probe is sure of too few held-out complaints to tell."""
    probe_signal = getattr(search.probe_, "openset_", None)
    signal = getattr(search.estimator_, "openset_", None)
    sure = np.flatnonzero(search.holdout_confidence_ >= search.review_threshold_)
    if probe_signal is None or signal is None or len(sure) < _MIN_SURE_ROWS:
        return None
    known = search.probe_.outside_score([held.texts[i] for i in sure])
    target = probe_signal.target_for_known(known, KNOWN_OUTSIDE_SHARE)
    if target < probe_signal.outside_target:
        logger.info(
            "open-set target lowered from %.3f to %.3f: it called %.1f%% of the held-out complaints above the review "
            "threshold outside",
            probe_signal.outside_target,
            target,
            100 * float(np.mean(known < probe_signal.threshold_)),
        )
        probe_signal.use_target(target)
        signal.use_target(target)
    return float(target)


def train_router(
    train: Dataset,
    eval_data: Dataset | None = None,
    *,
    params: dict[str, Any] | None = None,
    review_target: float = 0.95,
    holdout: float = 0.2,
    seed: int = 0,
    catalogue: Catalogue | None = None,
) -> TrainResult:
    """Fit a :class:`ComplaintRouter` on ``train``; see the module docstring for the steps. ``catalogue`` (what
    units handle) helps name the units of pooled labels (:mod:`models.fewshot`)."""
    started = time.perf_counter()
    search = ReviewThreshold(
        ComplaintRouter(**(params or {})), review_target=review_target, holdout=holdout, random_state=seed
    )
    logger.info("fitting, with the review threshold chosen on a held-out %.0f%% of %d rows", 100 * holdout, len(train))
    search.fit(
        train.texts,
        train.opd,
        dates=train.dates,
        urgency=train.urgency,
        units=train.units,
        places=train.places,
        catalogue=catalogue,
    )
    router: ComplaintRouter = search.estimator_
    threshold = search.review_threshold_
    held = _subset(train, search.holdout_rows_)
    outside_target = _cap_outside(search, held)
    seconds = time.perf_counter() - started  # training only: scoring the eval data is not training
    held_metrics = evaluate_router(search.probe_, held.texts, held.opd, held.urgency)
    logger.info(
        "review threshold %.3f: %.1f%% of held-out rows auto-routed at %.3f accuracy",
        threshold,
        100 * held_metrics["opd_coverage"],
        held_metrics["opd_auto_accuracy"],
    )
    if eval_data is not None:
        metrics = evaluate_router(router, eval_data.texts, eval_data.opd, eval_data.urgency)
        if eval_data.units is not None:
            metrics.update(unit_metrics(router, eval_data.texts, eval_data.opd, eval_data.units, eval_data.places))
        source = "eval"
    else:
        metrics = held_metrics
        source = "holdout"
    metrics["review_threshold"] = threshold
    return TrainResult(
        router=router,
        metrics=metrics,
        metrics_source=source,
        threshold_metrics={
            "holdout_coverage": held_metrics["opd_coverage"],
            "holdout_auto_accuracy": held_metrics["opd_auto_accuracy"],
            "holdout_outside_share": held_metrics["opd_outside_share"],
            **({} if outside_target is None else {"outside_target": outside_target}),
        },
        seconds=seconds,
        review=search,
        reference=drift_reference(search.probe_, held.texts, held.opd, train.opd),
    )
