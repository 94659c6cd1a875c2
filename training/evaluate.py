"""Metrics of a router on labeled complaints (the review threshold is chosen by :mod:`models.review`).

Metric names follow the MLflow contract: ``opd_macro_f1``, ``opd_accuracy``, ``opd_top3_accuracy``,
``urgency_macro_f1``, ``urgency_tinggi_recall``; plus ``opd_coverage`` (share of complaints not
flagged for review) and ``opd_auto_accuracy`` (accuracy among them). For a router, flagged is the
router's own ``needs_review``: below the review threshold (``ragu``) or outside the known units
(``di_luar_cakupan``, share in ``opd_outside_share``), what auto-routing never forwards.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from sklearn.metrics import accuracy_score, confusion_matrix, f1_score, recall_score

from models.openset import REASON_OUTSIDE
from models.router import URGENCY_LEVELS, ComplaintRouter
from models.unit import Place

__all__ = [
    "coverage_at_threshold",
    "evaluate_router",
    "opd_metrics",
    "scalar_metrics",
    "top_k_accuracy",
    "unit_metrics",
    "urgency_metrics",
]


def top_k_accuracy(
    y_true: Sequence[str] | np.ndarray, proba: np.ndarray, classes: Sequence[str] | np.ndarray, k: int = 3
) -> float:
    """Share of rows whose true label is among the k most probable classes."""
    if len(y_true) == 0:
        return float("nan")
    labels = np.asarray(classes, dtype=object)
    top = np.argsort(-proba, axis=1)[:, :k]
    hits = [truth in set(labels[row]) for truth, row in zip(y_true, top, strict=True)]
    return float(np.mean(hits))


def coverage_at_threshold(confidence: np.ndarray, correct: np.ndarray, threshold: float) -> tuple[float, float]:
    """(share of rows with confidence >= threshold, accuracy among them; NaN when none)."""
    kept = np.asarray(confidence) >= threshold
    coverage = float(kept.mean()) if kept.size else float("nan")
    accuracy = float(np.asarray(correct)[kept].mean()) if kept.any() else float("nan")
    return coverage, accuracy


def opd_metrics(
    y_true: Sequence[str],
    proba: np.ndarray,
    classes: Sequence[str],
    threshold: float,
    flagged: np.ndarray | None = None,
) -> dict[str, Any]:
    """OPD metrics from probabilities; coverage counts as flagged the rows below ``threshold``, or, when
    given, the rows of ``flagged`` (a router's ``needs_review``, which the threshold alone does not make)."""
    labels = np.asarray(classes, dtype=object)
    y = np.asarray(y_true, dtype=object)
    y_pred = labels[np.argmax(proba, axis=1)]
    present = sorted(set(y) | set(y_pred))
    if flagged is None:
        coverage, auto_accuracy = coverage_at_threshold(proba.max(axis=1), y_pred == y, threshold)
    else:
        kept = ~np.asarray(flagged, dtype=bool)
        if len(kept) != len(y):
            raise ValueError(f"flagged has {len(kept)} values for {len(y)} rows")
        coverage = float(kept.mean()) if kept.size else float("nan")
        auto_accuracy = float((y_pred == y)[kept].mean()) if kept.any() else float("nan")
    per_class = f1_score(y, y_pred, labels=present, average=None, zero_division=0)
    return {
        "opd_macro_f1": float(f1_score(y, y_pred, labels=sorted(set(y)), average="macro", zero_division=0)),
        "opd_accuracy": float(accuracy_score(y, y_pred)),
        "opd_top3_accuracy": top_k_accuracy(y, proba, labels, 3),
        "opd_coverage": coverage,
        "opd_auto_accuracy": auto_accuracy,
        "opd_per_class_f1": {str(c): float(f) for c, f in zip(present, per_class, strict=True)},
        "opd_confusion": {
            "labels": [str(c) for c in present],
            "matrix": confusion_matrix(y, y_pred, labels=present).tolist(),
        },
    }


def urgency_metrics(y_true: Sequence[str] | np.ndarray, y_pred: Sequence[str] | np.ndarray) -> dict[str, Any]:
    """Macro-F1 over the levels present in the truth, and recall of each level."""
    y = np.asarray(y_true, dtype=object)
    p = np.asarray(y_pred, dtype=object)
    levels = [lv for lv in URGENCY_LEVELS if lv in set(y)]
    recalls = recall_score(y, p, labels=levels, average=None, zero_division=0)
    result: dict[str, Any] = {
        "urgency_macro_f1": float(f1_score(y, p, labels=levels, average="macro", zero_division=0)),
        "urgency_accuracy": float(accuracy_score(y, p)),
        "urgency_rows": len(y),
    }
    for level, recall in zip(levels, recalls, strict=True):
        result[f"urgency_{level}_recall"] = float(recall)
    result["urgency_confusion"] = {
        "labels": list(URGENCY_LEVELS),
        "matrix": confusion_matrix(y, p, labels=list(URGENCY_LEVELS)).tolist(),
    }
    return result


def evaluate_router(
    router: ComplaintRouter, texts: Sequence[str], opd: Sequence[str], urgency: Sequence[str] | None = None
) -> dict[str, Any]:
    """All metrics of a fitted router on labeled rows (urgency only on rows that carry a level)."""
    proba = router.predict_proba(list(texts))
    routing = router.route(list(texts))
    metrics = opd_metrics(opd, proba, router.classes_, router.review_threshold_, flagged=routing.needs_review)
    metrics["opd_outside_share"] = float(np.mean(routing.review_reason == REASON_OUTSIDE)) if len(texts) else 0.0
    metrics["rows"] = len(texts)
    unknown = sorted(set(opd) - {str(c) for c in router.classes_})
    if unknown:
        metrics["unknown_labels"] = unknown
    if urgency is not None and router.urgency_ is not None:
        rows = [i for i, level in enumerate(urgency) if level]
        if rows:
            U = router.predict_urgency_proba([texts[i] for i in rows])
            metrics.update(urgency_metrics([urgency[i] for i in rows], router.urgency_from_proba(U)))
    return metrics


def unit_metrics(
    router: ComplaintRouter,
    texts: Sequence[str],
    opd: Sequence[str],
    units: Sequence[str],
    places: Sequence[Place | None] | None = None,
) -> dict[str, Any]:
    """Unit accuracy on rows that carry a unit: end to end (the routed OPD's unit) and given the true OPD,
    over all rows and over the rows of territorial and of pooled labels (:mod:`models.unit`)."""
    rows = [i for i, u in enumerate(units) if u]
    resolver = getattr(router, "unit_", None)
    if not rows or resolver is None:
        return {}
    texts_ = [texts[i] for i in rows]
    truth = np.asarray([units[i] for i in rows], dtype=object)
    labels = np.asarray([opd[i] for i in rows], dtype=object)
    where = None if places is None else [places[i] for i in rows]
    routed = np.asarray(router.route(texts_, places=where).unit, dtype=object)
    given = router.units_for(texts_, list(labels), places=where)
    metrics: dict[str, Any] = {"unit_accuracy": float(np.mean(routed == truth))}
    groups = {"territorial": np.isin(labels, resolver.territorial_), "pooled": np.isin(labels, list(resolver.pooled_))}
    for name, mask in groups.items():
        if mask.any():
            metrics[f"unit_accuracy_{name}"] = float(np.mean(routed[mask] == truth[mask]))
            metrics[f"unit_accuracy_{name}_given_opd"] = float(np.mean(given[mask] == truth[mask]))
            metrics[f"unit_rows_{name}"] = int(mask.sum())
    if groups["pooled"].any():
        mask = groups["pooled"]
        metrics["unit_pooled_named"] = float(np.mean(given[mask] != labels[mask]))
    return metrics


def scalar_metrics(metrics: dict[str, Any]) -> dict[str, Any]:
    """The scalar metrics (what model.json and the console show)."""
    return {k: v for k, v in metrics.items() if isinstance(v, (int, float)) and not isinstance(v, bool)}
