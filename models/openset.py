"""The open-set signal: how likely a complaint belongs to none of the units the model knows.

A router trained on N units picks one of the N for every complaint, often with confidence: a complaint
for PLN, the police or a ministry lands on the nearest known unit. :class:`OutsideScore` learns a
threshold on the router's own evidence for its best unit, the largest decision value of the linear
OPD head (before calibration, so it still says how far a text is from every unit it has seen, not only
which of them is least unlikely). Below the threshold a suggestion is flagged ``di_luar_cakupan``.

The threshold is calibrated by simulating outsiders inside the training data, without touching any
evaluation rows: the units are shuffled into ``n_folds`` groups; for each group a plain linear SVM (the
OPD head's model, with the same ``C`` and ``class_weight``) is fitted on the rows of the other groups
and scores the rows of the held-out group, complaints of units it has never seen. ``outside_target``
is the share of those simulated outsiders that falls below the threshold.

Why this score: in a first exploration (one leave-classes-out draw per corpus, dev rows) the top decision
value separated left-out units' complaints from known ones about as well as the top calibrated probability
on Surabaya and better on the national corpus (AUC 0.93 against 0.91), and clearly better than the energy
(log-sum-exp) of the decision values (0.90 and 0.61) or the cosine to unit centroids in the TF-IDF space
(0.89 and 0.68); ``benchmarks/open_set.py`` reports both AUCs for every draw (BENCHMARKS.md, "Open set").
Unlike the probability it can be calibrated on held-out units with plain SVMs, without a calibration fit.

What an :class:`OutsideScore` keeps is small: the threshold and the quantiles of the simulated
outsiders' scores (so a benchmark can read the threshold for another target without refitting).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import scipy.sparse as sp
from sklearn.base import BaseEstimator
from sklearn.svm import LinearSVC
from sklearn.utils.validation import check_is_fitted

__all__ = ["REASON_OUTSIDE", "REASON_UNSURE", "OutsideScore", "review_reasons", "top_decision"]

REASON_UNSURE = "ragu"
REASON_OUTSIDE = "di_luar_cakupan"
_QUANTILES = np.linspace(0.0, 1.0, 101)


def top_decision(decision: np.ndarray) -> np.ndarray:
    """The largest decision value per row; a binary model's one column ``d`` stands for ``[-d, d]``."""
    decision = np.asarray(decision, dtype=float)
    if decision.ndim == 1 or decision.shape[1] == 1:
        return np.abs(decision.reshape(len(decision), -1)[:, 0])
    if decision.shape[1] == 0:
        return np.zeros(len(decision))
    return np.asarray(decision.max(axis=1))


class OutsideScore(BaseEstimator):
    """Threshold on the top decision value below which a complaint probably belongs to no known unit.

    Parameters
    ----------
    outside_target : float
        Share of simulated outsiders (units held out of a fold) to flag, in (0, 1).
    n_folds : int
        Groups the units are split into; each group is held out once. At most one group per unit, and
        more than asked when needed so that every fold keeps at least two units to learn from.
    C, class_weight :
        Of the fold SVMs (the OPD head's values).
    random_state : int
        Seed of the shuffle of units into groups and of the SVMs.

    Attributes
    ----------
    threshold_ : float
        Top decision values below it are flagged.
    quantiles_ : ndarray of shape (101,)
        Quantiles 0, 0.01, ..., 1 of the simulated outsiders' top decision values.
    n_outside_ : int
        How many simulated outsider rows the quantiles come from.
    """

    def __init__(
        self,
        *,
        outside_target: float = 0.875,
        n_folds: int = 5,
        C: float = 1.0,
        class_weight: str | None = "balanced",
        random_state: int = 0,
    ) -> None:
        self.outside_target = outside_target
        self.n_folds = n_folds
        self.C = C
        self.class_weight = class_weight
        self.random_state = random_state

    def fit(self, Z: sp.spmatrix, y: Any) -> OutsideScore:
        """Learn the threshold from features ``Z`` (the router's) and OPD labels ``y``."""
        if not 0.0 < self.outside_target < 1.0:
            raise ValueError(f"outside_target must be between 0 and 1, got {self.outside_target}")
        if self.n_folds < 2:
            raise ValueError(f"n_folds must be at least 2, got {self.n_folds}")
        labels = np.asarray([str(v) for v in y], dtype=object)
        if Z.shape[0] != len(labels):
            raise ValueError(f"Z has {Z.shape[0]} rows but y has {len(labels)} labels")
        classes = np.unique(labels)
        if len(classes) < 3:
            raise ValueError(
                f"the open-set signal needs at least 3 OPD labels (one held out, two to learn from), got {len(classes)}"
            )
        rng = np.random.default_rng(self.random_state)
        shuffled = rng.permutation(classes)
        n_groups = min(self.n_folds, len(classes))
        while len(classes) - -(-len(classes) // n_groups) < 2:  # every fold keeps two units to learn from
            n_groups += 1
        groups = np.array_split(shuffled, n_groups)
        Z = sp.csr_matrix(Z)
        scores = []
        for group in groups:
            held = np.isin(labels, group)
            svm = LinearSVC(C=self.C, class_weight=self.class_weight, random_state=self.random_state)
            svm.fit(Z[~held], labels[~held])
            scores.append(top_decision(svm.decision_function(Z[held])))
        outside = np.concatenate(scores)
        self.quantiles_ = np.quantile(outside, _QUANTILES)
        self.n_outside_ = len(outside)
        self.threshold_ = self.threshold_for(self.outside_target)
        return self

    def threshold_for(self, outside_target: float) -> float:
        """The threshold that flags ``outside_target`` of the simulated outsiders (read from the quantiles)."""
        check_is_fitted(self, "quantiles_")
        if not 0.0 <= outside_target <= 1.0:
            raise ValueError(f"outside_target must be between 0 and 1, got {outside_target}")
        return float(np.interp(outside_target, _QUANTILES, self.quantiles_))

    def is_outside(self, decision: np.ndarray, threshold: float | None = None) -> np.ndarray:
        """Whether each row of decision values (n_texts, n_columns) is below the threshold."""
        check_is_fitted(self, "threshold_")
        return top_decision(decision) < (self.threshold_ if threshold is None else threshold)


def review_reasons(unsure: np.ndarray, outside: np.ndarray) -> np.ndarray:
    """``di_luar_cakupan`` where ``outside``, else ``ragu`` where ``unsure``, else ``""`` (one per row).

    Outside wins: a complaint for none of the known units is also an unsure one, and the admin's action
    differs (find the right office, not choose between the suggested ones).
    """
    reasons = np.full(len(unsure), "", dtype=object)
    reasons[np.asarray(unsure, dtype=bool)] = REASON_UNSURE
    reasons[np.asarray(outside, dtype=bool)] = REASON_OUTSIDE
    return reasons
