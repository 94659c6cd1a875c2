"""Fitting a router: the review threshold from a held-out slice, then the final fit on all rows.

1. A stratified slice of the training rows (``holdout``) is held out; a router fitted on the rest
   predicts it, and the review threshold is chosen there so that accuracy among the complaints not
   flagged for review reaches ``review_target``.
2. The router is refitted on all training rows and keeps that threshold.
3. Metrics come from the eval data when given, otherwise from the held-out slice.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from sklearn.base import clone
from sklearn.model_selection import train_test_split

from models.router import ComplaintRouter
from training.data import Dataset
from training.evaluate import choose_review_threshold, evaluate_router

__all__ = ["TrainResult", "train_router"]

logger = logging.getLogger(__name__)


@dataclass
class TrainResult:
    router: ComplaintRouter
    metrics: dict[str, Any]
    metrics_source: str
    threshold_metrics: dict[str, float] = field(default_factory=dict)
    seconds: float = 0.0


def _subset(data: Dataset, rows: np.ndarray) -> Dataset:
    return Dataset(
        texts=[data.texts[i] for i in rows],
        opd=[data.opd[i] for i in rows],
        urgency=None if data.urgency is None else [data.urgency[i] for i in rows],
        sources=data.sources,
        sha256=data.sha256,
    )


def _fit(router: ComplaintRouter, data: Dataset) -> ComplaintRouter:
    return router.fit(data.texts, data.opd, urgency=data.urgency)


def train_router(
    train: Dataset,
    eval_data: Dataset | None = None,
    *,
    params: dict[str, Any] | None = None,
    review_target: float = 0.95,
    holdout: float = 0.2,
    seed: int = 0,
) -> TrainResult:
    """Fit a :class:`ComplaintRouter` on ``train``; see the module docstring for the steps."""
    if not 0.0 < holdout < 0.5:
        raise ValueError(f"holdout must be between 0 and 0.5, got {holdout}")
    if not 0.0 < review_target <= 1.0:
        raise ValueError(f"review_target must be in (0, 1], got {review_target}")
    started = time.perf_counter()
    template = ComplaintRouter(**(params or {}))
    rows = np.arange(len(train))
    labels = np.asarray(train.opd, dtype=object)
    n_classes = len(set(train.opd))
    n_holdout = max(round(holdout * len(train)), n_classes)
    if n_holdout >= len(train) - n_classes:
        raise ValueError(
            f"too few rows ({len(train)}) for {n_classes} OPD labels: need a held-out slice of at least one "
            "row per label and enough left to train; add data or pass --eval"
        )
    fit_rows, held_rows = train_test_split(rows, test_size=n_holdout, stratify=labels, random_state=seed)
    logger.info("fitting on %d rows, choosing the review threshold on %d held-out rows", len(fit_rows), len(held_rows))
    held = _subset(train, held_rows)
    probe = _fit(clone(template), _subset(train, fit_rows))
    proba = probe.predict_proba(held.texts)
    correct = probe.classes_[np.argmax(proba, axis=1)] == np.asarray(held.opd, dtype=object)
    threshold = choose_review_threshold(proba.max(axis=1), correct, review_target)
    probe.review_threshold_ = threshold
    held_metrics = evaluate_router(probe, held.texts, held.opd, held.urgency)
    logger.info(
        "review threshold %.3f: %.1f%% of held-out rows auto-routed at %.3f accuracy",
        threshold,
        100 * held_metrics["opd_coverage"],
        held_metrics["opd_auto_accuracy"],
    )

    logger.info("fitting on all %d training rows", len(train))
    router = _fit(clone(template), train)
    router.review_threshold_ = threshold
    seconds = time.perf_counter() - started  # training only: scoring the eval data is not training
    if eval_data is not None:
        metrics = evaluate_router(router, eval_data.texts, eval_data.opd, eval_data.urgency)
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
    )
