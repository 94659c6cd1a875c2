"""Two sections of the quality benchmark beside ``## Quality``: the review promise month by month, and the unit.

- ``## Review by month``: on each month of dev, the share of complaints not flagged for review (coverage) and
  the accuracy among them, for the shipped threshold (chosen on the most recent 20% of train,
  :class:`models.review.ReviewThreshold`) and for a variant that the same held-out rows allow (the highest of
  the thresholds chosen on three consecutive time slices of them), so that the figures show how the promise
  moves with time.
  A third row is a ceiling, not a rule: the threshold that dev itself needs for coverage 0.50, which shows
  how accurate the not flagged can be at that coverage with the router's top score. In every row a complaint
  the open-set check flags (``di_luar_cakupan``) is flagged as well, as the router flags it.
- ``## Unit``: unit accuracy (:mod:`models.unit`) on the territorial and pooled rows of dev, end to end (the
  unit of the routed OPD) and given the true OPD (what the unit resolver adds by itself), and where the
  territorial rows go wrong given the true OPD (:func:`territorial_breakdown`): the level, the place, no place,
  with the ceiling of a perfect level choice on the resolver's place.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from benchmarks.report import CorpusResult
from models.openset import REASON_OUTSIDE
from models.review import ReviewThreshold, choose_review_threshold
from models.router import ComplaintRouter
from models.unit import level_of
from training.data import Dataset

__all__ = [
    "REVIEW_SECTION",
    "UNIT_SECTION",
    "review_by_month",
    "review_section",
    "territorial_breakdown",
    "unit_section",
    "worst_month",
]

REVIEW_SECTION = "## Review by month"
UNIT_SECTION = "## Unit"
_SLICES = 3
_CEILING_COVERAGE = 0.5


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
    all of dev and per month (``YYYY-MM`` of the date column). Flagged is what the router flags: below the
    variant's threshold (``ragu``) or outside the known units (``di_luar_cakupan``, the same in every variant),
    so the shipped row counts what ``## Quality`` counts."""
    assert dev.dates is not None
    proba = router.predict_proba(dev.texts)
    confidence = proba.max(axis=1)
    correct = np.asarray(router.classes_, dtype=object)[proba.argmax(axis=1)] == np.asarray(dev.opd, dtype=object)
    inside = router.route(dev.texts).review_reason != REASON_OUTSIDE
    months = np.asarray([str(d)[:7] for d in dev.dates], dtype=object)
    rows = []
    variants = _thresholds(router, review)
    variants[f"ceiling, not a rule: dev's own threshold for coverage {_CEILING_COVERAGE:.2f}"] = _ceiling(
        confidence[inside], int(np.ceil(_CEILING_COVERAGE * len(confidence)))
    )
    for name, threshold in variants.items():
        kept = (confidence >= threshold) & inside
        figures = {"all": _figures(kept, correct)}
        for month in sorted(set(months)):
            mine = months == month
            figures[month] = _figures(kept[mine], correct[mine])
        rows.append({"variant": name, "threshold": threshold, "figures": figures})
    return rows


def _ceiling(confidence: np.ndarray, wanted: int) -> float:
    """The threshold that keeps ``wanted`` of the rows the open-set check lets through (all of them if fewer)."""
    if not len(confidence):
        return 1.0
    ranked = np.sort(confidence)[::-1]
    return float(ranked[min(wanted, len(ranked)) - 1])


def worst_month(rows: list[dict[str, Any]]) -> float:
    """The lowest accuracy among the not flagged over the months of dev, for the shipped threshold (the first
    row of :func:`review_by_month`): the promise has to hold in each month. NaN when a month flags everything
    (no accuracy to speak of), so the target reads as not met rather than as met by an empty month."""
    months = [figures for period, figures in rows[0]["figures"].items() if period != "all"]
    accuracies = [accuracy for _, accuracy, _ in months]
    return float("nan") if not accuracies or any(math.isnan(a) for a in accuracies) else min(accuracies)


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


def territorial_breakdown(router: ComplaintRouter, dev: Dataset) -> dict[str, Any]:
    """Given the true OPD, the shares of territorial dev rows whose unit is right, wrong by its level only
    (the place allows the true unit), wrong by its place, or without a place; and the ceiling: the accuracy
    of a perfect kelurahan/kecamatan choice on the resolver's place. Empty without territorial rows."""
    resolver = getattr(router, "unit_", None)
    if resolver is None or dev.units is None:
        return {}
    rows = [i for i, (o, u) in enumerate(zip(dev.opd, dev.units, strict=True)) if u and o in resolver.territorial_]
    if not rows:
        return {}
    texts = [dev.texts[i] for i in rows]
    places = None if dev.places is None else [dev.places[i] for i in rows]
    truth = [str(dev.units[i]).strip() for i in rows]
    given = router.units_for(texts, [dev.opd[i] for i in rows], places=places)
    candidates = resolver.place_units(texts, places)
    counts = {"right": 0, "level": 0, "place": 0, "none": 0}
    for unit, guess, (kel, kec) in zip(truth, given, candidates, strict=True):
        if guess == unit:
            counts["right"] += 1
        elif unit in (kel, kec):
            counts["level"] += 1
        elif kel or kec:
            counts["place"] += 1
        else:
            counts["none"] += 1
    allowed = [u in pair for u, pair in zip(truth, candidates, strict=True)]
    n = len(rows)
    return {
        "unit_territorial_wrong_level": counts["level"] / n,
        "unit_territorial_wrong_place": counts["place"] / n,
        "unit_territorial_no_place": counts["none"] / n,
        "unit_territorial_level_ceiling": float(np.mean(allowed)),
        "unit_territorial_kecamatan_share": float(np.mean([level_of(u) == "kecamatan" for u in truth])),
    }


_UNIT_ROWS = (
    ("unit_accuracy_territorial_given_opd", "territorial rows, given the true OPD (the unit resolver alone)"),
    ("unit_accuracy_territorial", "territorial rows, end to end (unit of the routed OPD)"),
    ("unit_territorial_wrong_level", "territorial rows wrong by the level only, given the true OPD (share)"),
    ("unit_territorial_wrong_place", "territorial rows wrong by the place, given the true OPD (share)"),
    ("unit_territorial_no_place", "territorial rows without a known place (share)"),
    ("unit_territorial_level_ceiling", "territorial rows, ceiling: a perfect level choice on the resolver's place"),
    ("unit_territorial_kecamatan_share", "territorial rows handled by a kecamatan (share; the rest by a kelurahan)"),
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
