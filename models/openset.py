"""The open-set signal: how likely a complaint belongs to none of the units the model knows.

A router trained on N units picks one of the N for every complaint, often with confidence: a complaint
for PLN, the police or a ministry lands on the nearest known unit. :class:`OutsideScore` scores each
complaint from two pieces of evidence and flags it ``di_luar_cakupan`` below a learned threshold:

- the largest decision value of the linear OPD head (before calibration, so it still says how far a text
  is from every unit it has seen, not only which of them is least unlikely);
- the mean cosine similarity of the text to its ``neighbours`` nearest training complaints in the router's
  TF-IDF space, among a fixed random sample of ``reference_rows`` training rows (a text far from every
  complaint the model learned from is unlikely to belong to one of its units, even when one unit's
  weights happen to fire on it).

Each is put on the scale of the simulated outsiders (minus their median, over their interquartile range)
and the two are added; the neighbour part is clipped to the range seen in fitting, which lets
:meth:`OutsideScore.is_outside` skip the neighbour search for complaints whose decision value alone
already settles the answer. With ``neighbours=0`` the score is the top decision value alone.

The threshold is calibrated by simulating outsiders inside the training data, without touching any
evaluation rows: the units are shuffled into ``n_folds`` groups; for each group a plain linear SVM (the
OPD head's model, with the same ``C`` and ``class_weight``) and a neighbour sample are drawn from the rows
of the other groups and score the rows of the held-out group, complaints of units they have never seen.
``outside_target`` is the share of those simulated outsiders that falls below the threshold.

Why these scores: leave-classes-out draws on dev (BENCHMARKS.md, "Open set notes") compared the top
decision value, the top calibrated probability, the margin, the energy, the cosine to unit centroids and
the neighbour similarity; the top decision value was the best single score, and adding the neighbour
similarity raised the share of left-out units' complaints flagged at the same known-unit coverage on
every draw (most on the draws where the decision value alone was weakest). Unlike the probability, both
can be calibrated on held-out units with plain SVM fits.

What an :class:`OutsideScore` keeps: the threshold, the quantiles of the simulated outsiders' scores (so
a benchmark can read the threshold for another target without refitting), the two scales, and the
neighbour sample (``reference_rows`` rows of the features, float32).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import scipy.sparse as sp
from sklearn.base import BaseEstimator
from sklearn.svm import LinearSVC
from sklearn.utils.validation import check_is_fitted

from models.gather import gathered_sum

__all__ = [
    "REASON_OUTSIDE",
    "REASON_UNSURE",
    "OutsideScore",
    "neighbour_similarity",
    "review_reasons",
    "top_decision",
]

REASON_UNSURE = "ragu"
REASON_OUTSIDE = "di_luar_cakupan"
_QUANTILES = np.linspace(0.0, 1.0, 101)
_CLIP = (0.005, 0.995)  # the neighbour part is clipped to these quantiles of what fitting saw
_BATCH = 512  # rows per similarity block: bounds the dense (rows x reference) matrix


def top_decision(decision: np.ndarray) -> np.ndarray:
    """The largest decision value per row; a binary model's one column ``d`` stands for ``[-d, d]``."""
    decision = np.asarray(decision, dtype=float)
    if decision.ndim == 1 or decision.shape[1] == 1:
        return np.abs(decision.reshape(len(decision), -1)[:, 0])
    if decision.shape[1] == 0:
        return np.zeros(len(decision))
    return np.asarray(decision.max(axis=1))


def neighbour_similarity(Z: sp.spmatrix, reference_t: sp.csr_matrix, k: int) -> np.ndarray:
    """Mean of the ``k`` largest dot products of each row of ``Z`` with the columns of ``reference_t``
    (features x reference rows; with L2-normalised blocks, a cosine similarity up to a constant)."""
    Z = Z if sp.isspmatrix_csr(Z) else sp.csr_matrix(Z)
    n_ref = reference_t.shape[1]
    out = np.zeros(Z.shape[0])
    if n_ref == 0 or Z.shape[0] == 0:
        return out
    k = max(1, min(k, n_ref))
    if Z.shape[0] == 1:  # one complaint (the API): sum the reference rows of its features where they lie
        S1 = gathered_sum(reference_t, Z.indices, Z.data)  # the same sums, in the same order, as ``Z @ reference_t``
        return _mean_of_largest(S1[np.newaxis, :], k)
    for start in range(0, Z.shape[0], _BATCH):
        block = Z if Z.shape[0] <= _BATCH else Z[start : start + _BATCH]
        S = (block @ reference_t).toarray()
        out[start : start + _BATCH] = _mean_of_largest(S, k)
    return out


def _mean_of_largest(S: np.ndarray, k: int) -> np.ndarray:
    """Mean of the ``k`` largest values of each row of ``S``."""
    n = S.shape[1]
    return np.partition(S, n - k, axis=1)[:, n - k :].mean(axis=1)


def _scale(values: np.ndarray) -> tuple[float, float]:
    """Median and interquartile range (1.0 when the range is empty) of ``values``."""
    low, mid, high = np.quantile(values, [0.25, 0.5, 0.75])
    return float(mid), float(high - low) if high > low else 1.0


class OutsideScore(BaseEstimator):
    """Score below which a complaint probably belongs to no known unit (see the module docstring).

    Parameters
    ----------
    outside_target : float
        Share of simulated outsiders (units held out of a fold) to flag, in (0, 1).
    n_folds : int
        Groups the units are split into; each group is held out once. At most one group per unit, and
        more than asked when needed so that every fold keeps at least two units to learn from.
    C, class_weight :
        Of the fold SVMs (the OPD head's values).
    neighbours : int
        How many nearest training complaints the similarity part averages; 0: the top decision value alone.
    reference_rows : int
        Size of the random sample of training rows the neighbours are searched in (prediction cost grows
        with it).
    random_state : int
        Seed of the shuffle of units into groups, of the neighbour samples and of the SVMs.

    Attributes
    ----------
    threshold_ : float
        Scores below it are flagged.
    target_ : float
        The share of simulated outsiders ``threshold_`` flags: ``outside_target``, or less after
        :meth:`use_target` (:func:`training.fit.train_router` lowers it when known complaints would be flagged).
    quantiles_ : ndarray of shape (101,)
        Quantiles 0, 0.01, ..., 1 of the simulated outsiders' scores.
    n_outside_ : int
        How many simulated outsider rows the quantiles come from.
    decision_scale_, neighbour_scale_ : tuple of float
        Median and interquartile range of the simulated outsiders' top decision values and neighbour
        similarities.
    neighbour_range_ : tuple of float
        The clip of the scaled neighbour part.
    reference_ : scipy.sparse.csr_matrix or None
        The neighbour sample, transposed (features x rows); None with ``neighbours=0``.
    """

    def __init__(
        self,
        *,
        outside_target: float = 0.875,
        n_folds: int = 5,
        C: float = 1.0,
        class_weight: str | None = "balanced",
        neighbours: int = 20,
        reference_rows: int = 2000,
        random_state: int = 0,
    ) -> None:
        self.outside_target = outside_target
        self.n_folds = n_folds
        self.C = C
        self.class_weight = class_weight
        self.neighbours = neighbours
        self.reference_rows = reference_rows
        self.random_state = random_state

    def _check_params(self) -> None:
        if not 0.0 < self.outside_target < 1.0:
            raise ValueError(f"outside_target must be between 0 and 1, got {self.outside_target}")
        if self.n_folds < 2:
            raise ValueError(f"n_folds must be at least 2, got {self.n_folds}")
        if self.neighbours < 0:
            raise ValueError(f"neighbours must be 0 or more, got {self.neighbours}")
        if self.neighbours and self.reference_rows < self.neighbours:
            raise ValueError(
                f"reference_rows must be at least neighbours ({self.neighbours}), got {self.reference_rows}"
            )

    def fit(self, Z: sp.spmatrix, y: Any) -> OutsideScore:
        """Learn the scales and the threshold from features ``Z`` (the router's) and OPD labels ``y``."""
        self._check_params()
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
        Z = sp.csr_matrix(Z)
        tops, sims = [], []
        for group in np.array_split(shuffled, n_groups):
            held = np.isin(labels, group)
            svm = LinearSVC(C=self.C, class_weight=self.class_weight, random_state=self.random_state)
            svm.fit(Z[~held], labels[~held])
            tops.append(top_decision(svm.decision_function(Z[held])))
            if self.neighbours:
                reference = self._sample(np.flatnonzero(~held), rng)
                sims.append(neighbour_similarity(Z[held], sp.csr_matrix(Z[reference].T), self.neighbours))
        top = np.concatenate(tops)
        self.decision_scale_ = _scale(top)
        self.reference_: sp.csr_matrix | None = None
        if self.neighbours:
            sim = np.concatenate(sims)
            self.neighbour_scale_ = _scale(sim)
            self.reference_ = sp.csr_matrix(Z[self._sample(np.arange(Z.shape[0]), rng)].T, dtype=np.float32)
            known = self._known_similarity()
            low = float(np.quantile(self._scaled_neighbours(sim), _CLIP[0]))
            high = float(np.quantile(self._scaled_neighbours(known), _CLIP[1])) if len(known) else low
            self.neighbour_range_ = (low, max(low, high))
            outside = self._combine(top, sim)
        else:
            outside = top
        self.quantiles_ = np.quantile(outside, _QUANTILES)
        self.n_outside_ = len(outside)
        self.use_target(self.outside_target)
        return self

    def _sample(self, rows: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        if len(rows) <= self.reference_rows:
            return rows
        return np.sort(rng.choice(rows, size=self.reference_rows, replace=False))

    def _known_similarity(self) -> np.ndarray:
        """Each reference row's similarity to the other reference rows (itself left out): known complaints."""
        assert self.reference_ is not None
        rows = sp.csr_matrix(self.reference_.T)
        n_ref = rows.shape[0]
        if n_ref < 2:
            return np.zeros(0)
        k = max(1, min(self.neighbours, n_ref - 1))
        out = np.zeros(n_ref)
        for start in range(0, n_ref, _BATCH):
            S = (rows[start : start + _BATCH] @ self.reference_).toarray()
            S[np.arange(len(S)), np.arange(start, start + len(S))] = -np.inf
            out[start : start + _BATCH] = np.partition(S, n_ref - k, axis=1)[:, n_ref - k :].mean(axis=1)
        return out

    def _scaled_decision(self, top: np.ndarray) -> np.ndarray:
        mid, spread = self.decision_scale_
        return (np.asarray(top, dtype=float) - mid) / spread

    def _scaled_neighbours(self, sim: np.ndarray) -> np.ndarray:
        mid, spread = self.neighbour_scale_
        return (np.asarray(sim, dtype=float) - mid) / spread

    def _combine(self, top: np.ndarray, sim: np.ndarray) -> np.ndarray:
        low, high = self.neighbour_range_
        return self._scaled_decision(top) + np.clip(self._scaled_neighbours(sim), low, high)

    def _uses_neighbours(self) -> bool:
        return getattr(self, "reference_", None) is not None  # None: neighbours=0, or saved before them

    def threshold_for(self, outside_target: float) -> float:
        """The threshold that flags ``outside_target`` of the simulated outsiders (read from the quantiles)."""
        check_is_fitted(self, "quantiles_")
        if not 0.0 <= outside_target <= 1.0:
            raise ValueError(f"outside_target must be between 0 and 1, got {outside_target}")
        return float(np.interp(outside_target, _QUANTILES, self.quantiles_))

    def target_for_known(self, known_scores: np.ndarray, share: float) -> float:
        """The outside target (at most this signal's own) at which no more than ``share`` of ``known_scores``, the
        scores of known complaints kept out of fitting, fall below the threshold: where the simulated outsiders
        look like the known units' complaints (national agencies with overlapping programmes), the target's
        threshold would otherwise call many complaints of known units outside."""
        check_is_fitted(self, "quantiles_")
        if not 0.0 < share < 1.0:
            raise ValueError(f"share must be between 0 and 1, got {share}")
        known = np.asarray(known_scores, dtype=float)
        if not len(known):
            return float(self.outside_target)
        limit = float(np.quantile(known, share))
        return min(float(self.outside_target), float(np.interp(limit, self.quantiles_, _QUANTILES)))

    def use_target(self, outside_target: float) -> None:
        """Flag ``outside_target`` of the simulated outsiders from now on (``threshold_`` read from the quantiles;
        the parameter ``outside_target`` keeps what was asked, ``target_`` what is used)."""
        self.threshold_ = self.threshold_for(outside_target)
        self.target_ = float(outside_target)

    def score(self, decision: np.ndarray, Z: sp.spmatrix | None = None) -> np.ndarray:
        """The score of each row: ``decision`` holds the OPD head's decision values (n_texts, n_columns),
        ``Z`` the router's features of the same texts (needed unless ``neighbours=0``)."""
        check_is_fitted(self, "threshold_")
        top = top_decision(decision)
        if not self._uses_neighbours():
            return top
        if Z is None:
            raise ValueError("this open-set signal reads the features too: pass Z")
        assert self.reference_ is not None
        return self._combine(top, neighbour_similarity(Z, self.reference_, self.neighbours))

    def is_outside(
        self, decision: np.ndarray, Z: sp.spmatrix | None = None, threshold: float | None = None
    ) -> np.ndarray:
        """Whether each row's score is below the threshold (``threshold_`` unless given). The neighbours are
        searched only for rows whose decision value alone does not settle it (same answers as :meth:`score`)."""
        check_is_fitted(self, "threshold_")
        limit = self.threshold_ if threshold is None else threshold
        top = top_decision(decision)
        if not self._uses_neighbours():
            return top < limit
        if Z is None:
            raise ValueError("this open-set signal reads the features too: pass Z")
        assert self.reference_ is not None
        base = self._scaled_decision(top)
        low, high = self.neighbour_range_
        outside = base + high < limit  # even the most similar neighbours could not lift it to the threshold
        open_rows = np.flatnonzero(~outside & (base + low < limit))
        if len(open_rows):
            rows = Z if len(open_rows) == Z.shape[0] else sp.csr_matrix(Z)[open_rows]
            sim = neighbour_similarity(rows, self.reference_, self.neighbours)
            outside[open_rows] = self._combine(top[open_rows], sim) < limit
        return outside


def review_reasons(unsure: np.ndarray, outside: np.ndarray) -> np.ndarray:
    """``di_luar_cakupan`` where ``outside``, else ``ragu`` where ``unsure``, else ``""`` (one per row).

    Outside wins: a complaint for none of the known units is also an unsure one, and the admin's action
    differs (find the right office, not choose between the suggested ones).
    """
    reasons = np.full(len(unsure), "", dtype=object)
    reasons[np.asarray(unsure, dtype=bool)] = REASON_UNSURE
    reasons[np.asarray(outside, dtype=bool)] = REASON_OUTSIDE
    return reasons
