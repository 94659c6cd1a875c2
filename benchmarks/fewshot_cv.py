"""The train-side choice of the few-shot unit scorer's settings (used by ``benchmarks/fewshot_units.py``).

Over the pooled rows of train, every point of :data:`GRID` is scored by cross-validation (folds stratified by
unit) and by leaving each unit out in turn (its rows dropped, its catalogue line kept); :func:`choose` takes the
best mean of the two among the settings right on at least :data:`PRECISION_FLOOR` of the rows they name.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import scipy.sparse as sp
from scipy.special import softmax

from models.fewshot import FewShotUnits
from models.unit import UnitResolver

__all__ = ["FOLDS", "GRID", "PRECISION_FLOOR", "Setting", "baseline_cv", "choose", "cross_validate", "stratified_folds"]

PRECISION_FLOOR = 0.75
FOLDS = 5
GRID = {
    "center": (False, True),
    "description_weight": (1.0, 2.0, 4.0),
    "temperature": (0.02, 0.05, 0.1),
    "prototype_weight": (0.0, 0.25, 0.5, 0.75, 1.0),
    "min_score": (0.2, 0.3, 0.4, 0.5, 0.6),
}


@dataclass(frozen=True)
class Setting:
    """One point of the grid and how it did on train: shares of the pooled rows named right, named at all
    (cross-validation), and of the left-out units' rows named right (catalogue-only)."""

    params: dict[str, Any]
    cv_right: float
    cv_named: float
    lou_right: float

    @property
    def cv_precision(self) -> float:
        return self.cv_right / self.cv_named if self.cv_named else float("nan")

    @property
    def score(self) -> float:
        return (self.cv_right + self.lou_right) / 2


def stratified_folds(units: Sequence[str] | np.ndarray, n_folds: int, seed: int) -> np.ndarray:
    """A fold number per row, each unit's rows dealt round-robin in a random order (a unit with fewer rows than
    folds is simply in fewer folds, without the warning ``StratifiedKFold`` gives)."""
    rng = np.random.default_rng(seed)
    names = np.asarray(units, dtype=object)
    folds = np.zeros(len(names), dtype=int)
    for unit in sorted(set(names)):
        rows = rng.permutation(np.flatnonzero(names == unit))
        folds[rows] = np.arange(len(rows)) % n_folds
    return folds


def _fitted(
    Z: sp.csr_matrix,
    units: np.ndarray,
    D: sp.csr_matrix,
    described: list[str],
    rows: np.ndarray,
    weight: float,
    center: bool,
) -> FewShotUnits:
    """A scorer whose prototypes and classifier :func:`_mixed` combines for any temperature and mix."""
    return FewShotUnits(description_weight=weight, prototype_weight=0.5, center=center).fit(
        Z[rows], list(units[rows]), D, described
    )


def _mixed(scorer: FewShotUnits, Z: sp.csr_matrix, temperature: float, weight: float) -> np.ndarray:
    proto = softmax(scorer.similarities(Z) / temperature, axis=1)
    learned = np.zeros_like(proto)
    assert scorer.classifier_ is not None
    learned[:, np.searchsorted(scorer.classes_, scorer.classifier_.classes_)] = scorer.classifier_.predict_proba(Z)
    return weight * proto + (1 - weight) * learned


def cross_validate(
    Z: Any, units: Sequence[str], D: Any, described: Sequence[str], *, seed: int = 0, grid: dict[str, Any] = GRID
) -> list[Setting]:
    """Every setting of ``grid`` scored on the rows ``Z`` of one pooled label (see the module docstring)."""
    Z = sp.csr_matrix(Z)
    D = sp.csr_matrix(D)
    names = np.asarray(units, dtype=object)
    described_ = list(described)
    folds = stratified_folds(names, FOLDS, seed)
    left_out = [u for u in sorted(set(names)) if u in described_]
    settings = []
    for center, weight in itertools.product(grid["center"], grid["description_weight"]):
        cv_parts = []
        for k in range(FOLDS):
            held = folds == k
            cv_parts.append(
                (_fitted(Z, names, D, described_, np.flatnonzero(~held), weight, center), np.flatnonzero(held))
            )
        lou_parts = []
        for unit in left_out:
            mine = names == unit
            lou_parts.append(
                (_fitted(Z, names, D, described_, np.flatnonzero(~mine), weight, center), np.flatnonzero(mine), unit)
            )
        for temperature, mix in itertools.product(grid["temperature"], grid["prototype_weight"]):
            cv_proba = [(_mixed(s, Z[rows], temperature, mix), s.classes_, rows) for s, rows in cv_parts]
            lou_proba = [(_mixed(s, Z[rows], temperature, mix), s.classes_, u) for s, rows, u in lou_parts]
            for floor in grid["min_score"]:
                right = named = 0
                for proba, classes, rows in cv_proba:
                    best = proba.argmax(axis=1)
                    sure = proba.max(axis=1) >= floor
                    named += int(sure.sum())
                    right += int((sure & (classes[best] == names[rows])).sum())
                lou_right = sum(
                    int(((proba.max(axis=1) >= floor) & (classes[proba.argmax(axis=1)] == u)).sum())
                    for proba, classes, u in lou_proba
                )
                n_lou = sum(len(p) for p, _, _ in lou_proba)
                params = {
                    "center": center,
                    "description_weight": weight,
                    "temperature": temperature,
                    "prototype_weight": mix,
                }
                settings.append(
                    Setting(
                        {**params, "min_score": floor},
                        right / len(names),
                        named / len(names),
                        lou_right / n_lou if n_lou else float("nan"),
                    )
                )
    return settings


def baseline_cv(Z: Any, units: Sequence[str], *, seed: int = 0, min_score: float = 0.4) -> Setting:
    """Today's pooled classifier (:class:`models.unit.UnitResolver`'s) on the same folds; it cannot name a unit
    left out of its training rows, so its catalogue-only share is 0."""
    Z = sp.csr_matrix(Z)
    names = np.asarray(units, dtype=object)
    folds = stratified_folds(names, FOLDS, seed)
    right = named = 0
    for k in range(FOLDS):
        held = folds == k
        model = UnitResolver(random_state=seed)._classifier(UnitResolver().pooled_C).fit(Z[~held], names[~held])
        proba = model.predict_proba(Z[held])
        sure = proba.max(axis=1) >= min_score
        named += int(sure.sum())
        right += int((sure & (model.classes_[proba.argmax(axis=1)] == names[held])).sum())
    return Setting({"min_score": min_score}, right / len(names), named / len(names), 0.0)


def choose(settings: Sequence[Setting], floor: float = PRECISION_FLOOR) -> Setting:
    """The best mean share right among the settings precise enough in the folds (ties: the earlier in the grid)."""
    eligible = [s for s in settings if s.cv_named and s.cv_precision >= floor]
    if not eligible:
        raise ValueError(f"no setting names units at precision {floor} or more in cross-validation")
    return max(eligible, key=lambda s: s.score)
