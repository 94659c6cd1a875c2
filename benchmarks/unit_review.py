"""Two sections of the quality benchmark beside ``## Quality``: the review promise month by month, and the unit.

- ``## Review by month``: on each month of dev, the share of complaints not flagged for review (coverage) and
  the accuracy among them, for the shipped threshold (chosen on the most recent 20% of train,
  :class:`models.review.ReviewThreshold`) and for a variant that the same held-out rows allow (the highest of
  the thresholds chosen on three consecutive time slices of them), so that the figures show how the promise
  moves with time.
- ``## Unit``: unit accuracy (:mod:`models.unit`) on the territorial and pooled rows of dev, end to end (the
  unit of the routed OPD) and given the true OPD (what the unit resolver adds by itself).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from benchmarks.report import CorpusResult
from models.review import ReviewThreshold, choose_review_threshold
from models.router import ComplaintRouter
from training.data import Dataset

__all__ = ["REVIEW_SECTION", "UNIT_SECTION", "review_by_month", "review_section", "unit_section"]

REVIEW_SECTION = "## Review by month"
UNIT_SECTION = "## Unit"
_SLICES = 3


def _thresholds(router: ComplaintRouter, review: ReviewThreshold) -> dict[str, float]:
    where = "most recent" if review.time_ordered_ else "random stratified"
    variants = {f"shipped: {where} 20% of train": float(router.review_threshold_)}
    parts = np.array_split(np.arange(len(review.holdout_confidence_)), _SLICES)
    sliced = max(
        choose_review_threshold(review.holdout_confidence_[p], review.holdout_correct_[p], review.review_target)
        for p in parts
    )
    variants[f"highest of {_SLICES} time slices of those rows"] = float(sliced)
    return variants


def review_by_month(router: ComplaintRouter, review: ReviewThreshold, dev: Dataset) -> list[dict[str, Any]]:
    """One row per threshold variant: the threshold, and coverage and accuracy among the not flagged, over
    all of dev and per month (``YYYY-MM`` of the date column)."""
    assert dev.dates is not None
    proba = router.predict_proba(dev.texts)
    confidence = proba.max(axis=1)
    correct = np.asarray(router.classes_, dtype=object)[proba.argmax(axis=1)] == np.asarray(dev.opd, dtype=object)
    months = np.asarray([str(d)[:7] for d in dev.dates], dtype=object)
    rows = []
    for name, threshold in _thresholds(router, review).items():
        kept = confidence >= threshold
        figures = {"all": _figures(kept, correct)}
        for month in sorted(set(months)):
            mine = months == month
            figures[month] = _figures(kept[mine], correct[mine])
        rows.append({"variant": name, "threshold": threshold, "figures": figures})
    return rows


def _figures(kept: np.ndarray, correct: np.ndarray) -> tuple[float, float, int]:
    accuracy = float(correct[kept].mean()) if kept.any() else float("nan")
    return float(kept.mean()), accuracy, len(kept)


def review_section(results: Sequence[CorpusResult], command: str) -> str:
    """The body of ``## Review by month``, or "" when no corpus has dates."""
    lines = [f"`{command}` (the same run as `## Quality`)", ""]
    found = False
    for result in results:
        rows = result.system("disposisi").metrics.get("review_by_month")
        if not rows:
            continue
        found = True
        periods = list(rows[0]["figures"])
        lines += [
            f"### {result.name}",
            "",
            "Accuracy among the not flagged / coverage (rows), target ≥ 0.95 in each month with coverage ≥ 0.50 "
            "overall.",
            "",
            "| threshold variant | threshold | " + " | ".join("dev" if p == "all" else p for p in periods) + " |",
            "|---|---:|" + "---:|" * len(periods),
        ]
        for row in rows:
            cells = [f"{acc:.3f} / {cov:.3f} ({n:,})" for cov, acc, n in (row["figures"][p] for p in periods)]
            lines.append(f"| {row['variant']} | {row['threshold']:.3f} | " + " | ".join(cells) + " |")
        lines.append("")
    return "\n".join(lines).strip() + "\n" if found else ""


_UNIT_ROWS = (
    ("unit_accuracy_territorial_given_opd", "territorial rows, given the true OPD (the unit resolver alone)"),
    ("unit_accuracy_territorial", "territorial rows, end to end (unit of the routed OPD)"),
    ("unit_accuracy_pooled_given_opd", "`Lainnya` rows, given the true OPD"),
    ("unit_pooled_named", "`Lainnya` rows where a specific OPD is named (else the answer is `Lainnya`)"),
    ("unit_accuracy_pooled", "`Lainnya` rows, end to end"),
    ("unit_accuracy", "all rows, end to end (the unit is the OPD for the other OPDs)"),
)


def unit_section(results: Sequence[CorpusResult], command: str) -> str:
    """The body of ``## Unit``, or "" when no corpus was trained with units."""
    lines = [f"`{command}` (the same run as `## Quality`)", ""]
    found = False
    for result in results:
        metrics = result.system("disposisi").metrics
        if "unit_accuracy" not in metrics:
            continue
        found = True
        lines += [
            f"### {result.name}",
            "",
            f"{metrics.get('unit_rows_territorial', 0):,} territorial and {metrics.get('unit_rows_pooled', 0):,} "
            "pooled dev rows.",
            "",
            "| unit accuracy | dev |",
            "|---|---:|",
        ]
        lines += [f"| {label} | {metrics[key]:.3f} |" for key, label in _UNIT_ROWS if key in metrics]
        lines.append("")
    return "\n".join(lines).strip() + "\n" if found else ""
