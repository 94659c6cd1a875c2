"""Fitting a router: the review threshold from a held-out slice, then the final fit on all rows.

1. :class:`models.review.ReviewThreshold` holds out a slice of the training rows (``holdout``: the most recent
   rows when they are dated, else a stratified one),
   fits a probe router on the rest and chooses the review threshold on the slice so that accuracy among
   the complaints not flagged for review reaches ``review_target``; then it fits the router on all
   training rows with that threshold.
2. Metrics come from the eval data when given, otherwise from the probe on the held-out slice.
3. The probe's confidences on the held-out slice and the training label mix become the model's drift
   reference (:func:`models.drift.drift_reference`), what monitoring compares the served complaints with.
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

__all__ = ["TrainResult", "train_router"]

logger = logging.getLogger(__name__)


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
        },
        seconds=seconds,
        review=search,
        reference=drift_reference(search.probe_, held.texts, held.opd, train.opd),
    )
