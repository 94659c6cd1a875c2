"""Units with few examples, or only a catalogue line: naming one of the units a label pools.

A pooled label (surabaya: ``Lainnya``, every OPD with fewer than 30 complaints a year) hides units that have a
handful of training complaints, or none at all but a line in the OPD catalogue saying what they handle.
:class:`FewShotUnits` names one of them from two sources, both rows of the router's own feature matrix:

- **prototypes**: each unit's mean direction, the sum of its l2-normalised training rows plus its catalogue
  description (encoded by the router's encoder) counted as ``description_weight`` rows; with ``center``, the mean
  of the label's training rows is taken off prototypes and complaints first (what every complaint of the label
  shares, "mohon", "pak", says nothing about which unit; SimpleShot's centring), so that a unit known only from a
  short description is not outscored by prototypes that are merely complaint-like. A complaint's cosine
  similarity to each prototype, through a softmax of temperature ``temperature``, gives one distribution;
- **a classifier**: the class-balanced logistic regression the resolver uses for pooled labels, trained on the
  rows and on the descriptions as pseudo-examples, so that a unit with only a catalogue line is one of its classes.

The two distributions are mixed (``prototype_weight`` of the prototypes'); the best unit is named when its
probability reaches ``min_score``, else the pooled label stands. :func:`pooled_units` decides which catalogue lines
belong to which label and fits one scorer per label; :class:`models.unit.UnitResolver` calls it when it is given
a :class:`Catalogue`. The defaults were chosen on surabaya's train alone (cross-validation over the pooled rows
and units left out in turn; ``benchmarks/fewshot_units.py``, BENCHMARKS.md ``## Few-example units``): centred
prototypes alone (``prototype_weight=1``, so no classifier is fitted), a description counting as one row,
temperature 0.02, ``min_score`` 0.2. On surabaya dev that names a unit for nearly every ``Lainnya`` complaint, right
for about half of them (0.26 of them right before, 0.47 now); raise ``min_score`` to name fewer, more surely.
"""

from __future__ import annotations

import logging
from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import scipy.sparse as sp
from scipy.special import softmax
from sklearn.base import BaseEstimator
from sklearn.linear_model import LogisticRegression
from sklearn.preprocessing import normalize
from sklearn.utils.validation import check_is_fitted

__all__ = ["Catalogue", "FewShotUnits", "pooled_units"]

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Catalogue:
    """Catalogue lines: a unit's name, what it handles and, optionally, the OPD label that groups it ("": the
    label its training complaints carry, else the only pooled label).

    A plain value without ``__len__``: it travels through fit parameters as one object, not one value per row.
    """

    units: tuple[str, ...]
    descriptions: tuple[str, ...]
    labels: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if len(self.units) != len(self.descriptions):
            raise ValueError(f"units has {len(self.units)} names for {len(self.descriptions)} descriptions")
        if self.labels and len(self.labels) != len(self.units):
            raise ValueError(f"labels has {len(self.labels)} values for {len(self.units)} units")
        if len(set(self.units)) != len(self.units):
            doubled = sorted({u for u in self.units if self.units.count(u) > 1})
            raise ValueError(f"units named twice in the catalogue: {doubled}")

    @classmethod
    def from_mapping(cls, described: Mapping[str, str], labels: Mapping[str, str] | None = None) -> Catalogue:
        """From unit name -> description (and unit name -> grouping label)."""
        names = tuple(str(n).strip() for n in described)
        return cls(
            names,
            tuple(str(described[n]).strip() for n in described),
            tuple((labels or {}).get(n, "") for n in names) if labels else (),
        )

    def label_of(self, index: int) -> str:
        return self.labels[index] if self.labels else ""


class FewShotUnits(BaseEstimator):
    """Name one of a pooled label's units from its few rows and its catalogue description; see the module docstring.

    Parameters
    ----------
    description_weight : float
        How many training rows a unit's description counts as in its prototype (and in the classifier).
    temperature : float
        Softmax temperature of the cosine similarities to the prototypes.
    prototype_weight : float
        Share of the prototype distribution in the mix with the classifier's (0: the classifier alone).
    center : bool
        Take the mean of the training rows off prototypes and complaints before the cosine.
    min_score : float
        Mixed probability the best unit needs to be named instead of the pooled label.
    C : float
        Inverse regularisation of the (class-balanced) logistic regression.
    random_state : int
        Seed of the solver.
    """

    def __init__(
        self,
        *,
        description_weight: float = 1.0,
        temperature: float = 0.02,
        prototype_weight: float = 1.0,
        min_score: float = 0.2,
        center: bool = True,
        C: float = 10.0,
        random_state: int = 0,
    ) -> None:
        self.description_weight = description_weight
        self.temperature = temperature
        self.prototype_weight = prototype_weight
        self.min_score = min_score
        self.center = center
        self.C = C
        self.random_state = random_state

    def fit(self, Z: Any, units: Sequence[str], D: Any = None, described: Sequence[str] = ()) -> FewShotUnits:
        """Learn from feature rows ``Z`` with their ``units`` and description rows ``D`` of the units ``described``
        (either may be empty, not both; together they must name at least two units)."""
        self._check_params()
        Z = _csr(Z)
        D = _csr(D) if D is not None else sp.csr_matrix((0, Z.shape[1]))
        names = np.asarray([str(u) for u in units], dtype=object)
        described_ = np.asarray([str(u) for u in described], dtype=object)
        if Z.shape[0] != len(names):
            raise ValueError(f"units has {len(names)} values for {Z.shape[0]} rows")
        if D.shape[0] != len(described_):
            raise ValueError(f"described has {len(described_)} names for {D.shape[0]} description rows")
        if D.shape[1] != Z.shape[1]:
            raise ValueError(f"D has {D.shape[1]} features, Z has {Z.shape[1]}")
        self.classes_ = np.asarray(sorted(set(names) | set(described_)), dtype=object)
        if len(self.classes_) < 2:
            raise ValueError(f"need at least 2 units to choose from, got {list(self.classes_)}")
        index = {c: i for i, c in enumerate(self.classes_)}
        rows = np.concatenate([[index[n] for n in names], [index[n] for n in described_]]).astype(int)
        weights = np.concatenate([np.ones(len(names)), np.full(len(described_), self.description_weight)])
        stacked = sp.vstack([M for M in (Z, D) if M.shape[0]], format="csr")
        members = sp.csr_matrix((weights, (rows, np.arange(len(rows)))), shape=(len(self.classes_), len(rows)))
        unit_rows = normalize(stacked)
        self.center_ = sp.csr_matrix((1, Z.shape[1]))
        if self.center and Z.shape[0]:
            self.center_ = sp.csr_matrix(unit_rows[: Z.shape[0]].mean(axis=0))
        weight_of = sp.csr_matrix(np.asarray(members.sum(axis=1)))
        self.prototypes_ = normalize(members @ unit_rows - weight_of @ self.center_)
        self.classifier_: LogisticRegression | None = None
        if self.prototype_weight < 1.0:
            self.classifier_ = LogisticRegression(
                C=self.C, class_weight="balanced", max_iter=3000, random_state=self.random_state
            ).fit(stacked, self.classes_[rows], sample_weight=weights)
        return self

    def _check_params(self) -> None:
        for name in ("prototype_weight", "min_score"):
            value = getattr(self, name)
            if not 0.0 <= value <= 1.0:
                raise ValueError(f"{name} must be in [0, 1], got {value}")
        if self.temperature <= 0:
            raise ValueError(f"temperature must be positive, got {self.temperature}")
        if self.description_weight <= 0:
            raise ValueError(f"description_weight must be positive, got {self.description_weight}")

    def similarities(self, Z: Any) -> np.ndarray:
        """Cosine similarity of each (centred) row to each unit's prototype, columns in ``classes_`` order."""
        check_is_fitted(self)
        rows = normalize(_csr(Z))
        shift = np.asarray((self.center_ @ self.prototypes_.T).toarray())
        dot = np.asarray((self.prototypes_ @ rows.T).T.toarray()) - shift
        # |row - center|^2 = 1 - 2 row.center + |center|^2, without making the centred rows dense
        square = 1.0 - 2.0 * np.asarray((rows @ self.center_.T).toarray()) + self.center_.multiply(self.center_).sum()
        return np.asarray(dot / np.sqrt(np.maximum(square, 1e-12)))

    def predict_proba(self, Z: Any) -> np.ndarray:
        """The mixed distribution over ``classes_`` of each row."""
        check_is_fitted(self)
        Z = _csr(Z)
        proto = softmax(self.similarities(Z) / self.temperature, axis=1)
        if self.classifier_ is None:
            return proto
        learned = np.zeros_like(proto)
        columns = np.searchsorted(self.classes_, self.classifier_.classes_)
        learned[:, columns] = self.classifier_.predict_proba(Z)
        weight = self.prototype_weight
        return weight * proto + (1.0 - weight) * learned

    def name(self, Z: Any, fallback: str) -> np.ndarray:
        """The unit of each row where the best one reaches ``min_score``, else ``fallback`` (the pooled label)."""
        proba = self.predict_proba(Z)
        best = np.argmax(proba, axis=1)
        sure = proba[np.arange(len(best)), best] >= self.min_score
        return np.where(sure, self.classes_[best], fallback).astype(object)


def _csr(Z: Any) -> sp.csr_matrix:
    return Z if sp.isspmatrix_csr(Z) else sp.csr_matrix(Z)


def pooled_units(
    Z: Any,
    labels: np.ndarray,
    names: np.ndarray,
    catalogue: Catalogue,
    D: Any,
    *,
    exclude: Sequence[str] = (),
    **params: Any,
) -> dict[str, FewShotUnits]:
    """One :class:`FewShotUnits` per label that, with the catalogue's lines, groups two units or more.

    ``labels`` and ``names`` are the OPD label and unit of each row of ``Z`` ("" where the unit is unknown), ``D``
    the catalogue's descriptions encoded like ``Z``. A catalogue line joins the label its unit's training rows carry
    most, else the label the catalogue names, else the only grouping label (one that is not itself a unit name,
    ``Lainnya``); a line that fits nowhere is logged and left out. Labels in ``exclude`` (territorial) take none."""
    D = _csr(D)
    rows_of = Counter((str(label), str(unit)) for label, unit in zip(labels, names, strict=True) if unit)
    label_of_unit: dict[str, str] = {}
    for (label, unit), _ in rows_of.most_common():
        label_of_unit.setdefault(unit, label)
    skip = set(exclude)
    known = {str(label) for label in labels} - skip
    grouping = sorted(known - set(label_of_unit))
    lines: dict[str, list[int]] = defaultdict(list)
    for i, unit in enumerate(catalogue.units):
        label = label_of_unit.get(unit) or catalogue.label_of(i) or (grouping[0] if len(grouping) == 1 else "")
        if label not in known:
            logger.info("catalogue unit %r: no pooled label takes it (name its label in the opd column)", unit)
            continue
        lines[label].append(i)
    scorers: dict[str, FewShotUnits] = {}
    pooled = {label for label, _ in rows_of} - skip
    for label in sorted(pooled | set(lines)):
        mine = np.flatnonzero((labels == label) & (names != ""))
        described = lines.get(label, [])
        if len(set(names[mine]) | {catalogue.units[i] for i in described}) < 2:
            continue
        scorers[label] = FewShotUnits(**params).fit(
            Z[mine], list(names[mine]), D[described], [catalogue.units[i] for i in described]
        )
    return scorers
