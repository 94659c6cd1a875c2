"""The specific unit behind an OPD label: which kelurahan or kecamatan, which of the pooled small OPDs.

An OPD label can be a grouping of units (surabaya: ``Kecamatan/Kelurahan`` groups every "Kelurahan X" and
"Kecamatan Y"; ``Lainnya`` pools the OPDs with few complaints). :class:`UnitResolver` learns, from the unit
column of the training data, what each label groups, and names the unit of a routed complaint:

- **territorial** labels (units named "Kelurahan X"/"Kecamatan Y"): the place comes from the complaint's
  location fields when given, else from place names in the text (:class:`Gazetteer`, built from the training
  data's kecamatan, kelurahan and unit values); whether the kelurahan or its kecamatan handles it is a learned
  choice (a logistic regression on the complaint's features, trained on the territorial rows).
- **pooled** labels (several units, not territorial): a classifier among the pooled units answers the unit when
  its probability reaches ``pooled_min_score``, else the label itself. Given an OPD catalogue (what each unit
  handles), :mod:`models.fewshot` scores them instead, from the few rows and the descriptions, and a unit with
  only a catalogue line can be named too.
- any other label: its only (or most common) unit.

The resolver works on the router's feature matrix, so it adds no text pipeline of its own.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import numpy as np
import scipy.sparse as sp
from Sastrawi.Stemmer.StemmerFactory import StemmerFactory
from sklearn.base import BaseEstimator
from sklearn.linear_model import LogisticRegression
from sklearn.utils.validation import check_is_fitted

from models.fewshot import Catalogue, FewShotUnits, pooled_units

__all__ = ["KECAMATAN", "KELURAHAN", "Gazetteer", "Place", "UnitResolver", "normalise_place"]

KELURAHAN = "kelurahan"
KECAMATAN = "kecamatan"
_LEVEL_PREFIX = {KELURAHAN: "Kelurahan", KECAMATAN: "Kecamatan"}
_PREFIXES_RE = re.compile(r"^(?:kelurahan|kecamatan|kel|kec|desa)\b\.?\s*")
_NOT_NAME_RE = re.compile(r"[^a-z0-9]+")
# Words that, right before a place name that is also a common word ("pakis", "gading"), make it a place.
_PLACE_CUES = frozenset({"kelurahan", "kel", "kecamatan", "kec", "desa", "kampung", "wilayah", "daerah", "kawasan"})


@dataclass(frozen=True)
class Place:
    """The location fields a citizen gave with a complaint (either may be missing)."""

    kecamatan: str | None = None
    kelurahan: str | None = None


def normalise_place(name: str | None) -> str:
    """A place name as the gazetteer compares it: lower case, ASCII letters and digits, single spaces,
    without a leading "Kelurahan"/"Kecamatan"/"Kel."/"Kec." (``"Kel. Pucang-Sewu "`` -> ``"pucang sewu"``)."""
    if not name:
        return ""
    folded = unicodedata.normalize("NFKD", str(name)).encode("ascii", "ignore").decode("ascii").lower()
    spaced = _NOT_NAME_RE.sub(" ", folded).strip()
    return _PREFIXES_RE.sub("", spaced).strip()


@lru_cache(maxsize=1)
def _common_words() -> frozenset[str]:
    """Indonesian root words (the Sastrawi dictionary): a one-word place name among these needs a cue."""
    return frozenset(StemmerFactory().get_words())


def level_of(unit: str) -> str | None:
    """``kelurahan``/``kecamatan`` for a unit named "Kelurahan X"/"Kecamatan Y", else None."""
    first = unit.strip().split(" ", 1)[0].lower()
    return first if first in _LEVEL_PREFIX and " " in unit.strip() else None


class Gazetteer:
    """Kelurahan and kecamatan names seen in training, and how each kelurahan lies in a kecamatan.

    ``find`` reads place names in a text: longest names first, whole words only, and a one-word name that is
    also a common word ("Pakis", a fern) counts only right after a cue ("kelurahan pakis", "kel. pakis").
    """

    def __init__(self, kelurahan_of: dict[str, str], kecamatan_of: dict[str, str], parent: dict[str, str]) -> None:
        self.kelurahan_of = kelurahan_of  # normalised name -> display name
        self.kecamatan_of = kecamatan_of
        self.parent = parent  # normalised kelurahan -> normalised kecamatan
        names = {(n, KELURAHAN) for n in kelurahan_of} | {(n, KECAMATAN) for n in kecamatan_of}
        common = _common_words()
        ambiguous = {n for n, _ in names if " " not in n and n in common}
        self._plain = sorted(((n, lv) for n, lv in names if n not in ambiguous), key=lambda p: -len(p[0]))
        self._cued = sorted(((n, lv) for n, lv in names if n in ambiguous), key=lambda p: -len(p[0]))

    @classmethod
    def build(cls, kecamatan: Sequence[str | None], kelurahan: Sequence[str | None], units: Sequence[str]) -> Gazetteer:
        """From the location columns (row by row) and the territorial unit names of the training data."""
        kel_names: dict[str, Counter[str]] = defaultdict(Counter)
        kec_names: dict[str, Counter[str]] = defaultdict(Counter)
        parents: dict[str, Counter[str]] = defaultdict(Counter)
        for kec, kel in zip(kecamatan, kelurahan, strict=True):
            nkec, nkel = normalise_place(kec), normalise_place(kel)
            if nkec:
                kec_names[nkec][str(kec).strip()] += 1
            if nkel:
                kel_names[nkel][str(kel).strip()] += 1
                if nkec:
                    parents[nkel][nkec] += 1
        for unit in units:
            level = level_of(unit)
            if level is not None:
                table = kel_names if level == KELURAHAN else kec_names
                table[normalise_place(unit)][unit.strip().split(" ", 1)[1]] += 1
        return cls(
            {n: c.most_common(1)[0][0] for n, c in kel_names.items()},
            {n: c.most_common(1)[0][0] for n, c in kec_names.items()},
            {n: c.most_common(1)[0][0] for n, c in parents.items()},
        )

    def find(self, text: str) -> list[tuple[str, str]]:
        """``(level, normalised name)`` of each place named in ``text``, in order of appearance."""
        spaced = f" {normalise_place_text(text)} "
        found: list[tuple[int, str, str]] = []
        taken = np.zeros(len(spaced), dtype=bool)
        for name, level in self._plain:
            self._mark(spaced, name, level, found, taken, cued=False)
        for name, level in self._cued:
            self._mark(spaced, name, level, found, taken, cued=True)
        return [(level, name) for _, level, name in sorted(found)]

    @staticmethod
    def _mark(
        spaced: str, name: str, level: str, found: list[tuple[int, str, str]], taken: np.ndarray, *, cued: bool
    ) -> None:
        needle = f" {name} "
        start = spaced.find(needle)
        while start >= 0:
            end = start + len(needle)
            before = spaced[:start].split()[-1:] or [""]
            if not taken[start + 1 : end - 1].any() and (not cued or before[0] in _PLACE_CUES):
                taken[start + 1 : end - 1] = True
                found.append((start, level, name))
            start = spaced.find(needle, start + 1)

    def resolve(self, place: Place | None, text: str) -> tuple[str, str]:
        """Normalised ``(kelurahan, kecamatan)`` of a complaint ("" where unknown): the fields when the
        gazetteer knows them, else the places its text names; a kelurahan implies its kecamatan."""
        kel = normalise_place(place.kelurahan) if place else ""
        kec = normalise_place(place.kecamatan) if place else ""
        kel = kel if kel in self.kelurahan_of else ""
        kec = kec if kec in self.kecamatan_of else ""
        if not kel and not kec:
            for level, name in self.find(text):
                if level == KELURAHAN and not kel:
                    kel = name
                elif level == KECAMATAN and not kec:
                    kec = name
        if kel and not kec:
            kec = self.parent.get(kel, "")
        return kel, kec


def normalise_place_text(text: str) -> str:
    """A whole text folded like :func:`normalise_place` but keeping every word (no prefix removed)."""
    folded = unicodedata.normalize("NFKD", text or "").encode("ascii", "ignore").decode("ascii").lower()
    return _NOT_NAME_RE.sub(" ", folded).strip()


class UnitResolver(BaseEstimator):
    """Name the specific unit of routed complaints; see the module docstring.

    Parameters
    ----------
    pooled_min_score : float
        Probability the pooled-unit classifier needs to name a unit instead of the pooled label.
    level_C, pooled_C : float
        Inverse regularisation of the (class-balanced) level and pooled-unit classifiers.
    min_territorial_share : float
        Share of a label's units named "Kelurahan X"/"Kecamatan Y" that makes the label territorial.
    random_state : int
        Seed of the solvers.
    """

    def __init__(
        self,
        *,
        pooled_min_score: float = 0.4,
        level_C: float = 0.1,
        pooled_C: float = 10.0,
        min_territorial_share: float = 0.9,
        random_state: int = 0,
    ) -> None:
        self.pooled_min_score = pooled_min_score
        self.level_C = level_C
        self.pooled_C = pooled_C
        self.min_territorial_share = min_territorial_share
        self.random_state = random_state

    def fit(
        self,
        Z: Any,
        labels: Sequence[str] | np.ndarray,
        units: Sequence[Any],
        texts: Sequence[str],
        places: Sequence[Place | None] | None = None,
        catalogue: Catalogue | None = None,
        catalogue_features: Any = None,
    ) -> UnitResolver:
        """Learn from feature rows ``Z``, their OPD ``labels`` and ``units``; rows without a unit are ignored.
        ``catalogue_features`` are the ``catalogue``'s descriptions encoded like ``Z`` (:mod:`models.fewshot`)."""
        if not 0.0 <= self.pooled_min_score <= 1.0:
            raise ValueError(f"pooled_min_score must be in [0, 1], got {self.pooled_min_score}")
        Z = Z if sp.isspmatrix_csr(Z) else sp.csr_matrix(Z)
        names = np.asarray(["" if _missing(u) else str(u).strip() for u in units], dtype=object)
        labels_ = np.asarray([str(v) for v in labels], dtype=object)
        if not (len(names) == len(labels_) == Z.shape[0] == len(texts)):
            raise ValueError(f"units has {len(names)} values for {Z.shape[0]} rows")
        if not (names != "").any():
            raise ValueError("units is empty on every row: give the unit column (e.g. instansi)")
        rows = places if places is not None else [None] * len(names)
        self.gazetteer_ = Gazetteer.build(
            [p.kecamatan if p else None for p in rows], [p.kelurahan if p else None for p in rows], list(names)
        )
        self.unit_of_label_: dict[str, str] = {}
        self.territorial_: list[str] = []
        self.pooled_: dict[str, LogisticRegression | FewShotUnits] = {}
        for label in sorted(set(labels_)):
            mine = (labels_ == label) & (names != "")
            counts = Counter(names[mine])
            self.unit_of_label_[label] = counts.most_common(1)[0][0] if counts else label
            if not counts:
                continue
            territorial = sum(n for u, n in counts.items() if level_of(u) is not None)
            if territorial >= self.min_territorial_share * sum(counts.values()):
                self.territorial_.append(label)
            elif len(counts) >= 2 and catalogue is None:
                self.pooled_[label] = self._classifier(self.pooled_C).fit(Z[mine], names[mine])
        self.catalogue_ = catalogue
        if catalogue is not None:
            if catalogue_features is None:
                raise ValueError("catalogue_features is missing: encode the catalogue's descriptions like Z")
            self.pooled_.update(
                pooled_units(
                    Z,
                    labels_,
                    names,
                    catalogue,
                    catalogue_features,
                    exclude=self.territorial_,
                    random_state=self.random_state,
                )
            )
        self.level_ = None
        self.constant_level_ = KELURAHAN
        territorial_rows = np.isin(labels_, self.territorial_) & (names != "")
        levels = np.asarray([level_of(u) or "" for u in names], dtype=object)
        territorial_rows &= levels != ""
        seen = sorted(set(levels[territorial_rows]))
        if len(seen) == 2:
            self.level_ = self._classifier(self.level_C).fit(Z[territorial_rows], levels[territorial_rows])
        elif seen:
            self.constant_level_ = seen[0]
        self.display_: dict[tuple[str, str], str] = {}
        for unit in Counter(names[names != ""]):
            level = level_of(unit)
            if level is not None:
                self.display_.setdefault((level, normalise_place(unit)), unit)
        return self

    def known_units(self) -> list[str]:
        """Every unit name the resolver can answer, sorted: each label's unit, the pooled units, and for
        territorial labels every kelurahan and kecamatan of the gazetteer (an admin's list to choose from)."""
        check_is_fitted(self)
        names = set(self.unit_of_label_.values()) | set(self.display_.values())
        for model in self.pooled_.values():
            names.update(str(c) for c in model.classes_)
        if self.territorial_:
            names.update(self._display(KELURAHAN, n) for n in self.gazetteer_.kelurahan_of)
            names.update(self._display(KECAMATAN, n) for n in self.gazetteer_.kecamatan_of)
        return sorted(n for n in names if n.strip())

    def _classifier(self, C: float) -> LogisticRegression:
        # Balanced: kecamatan-level complaints are a quarter of the territorial ones, and each pooled unit a
        # handful; unweighted, the level model says "kelurahan" and the pooled one is never sure (surabaya dev:
        # territorial 0.69 -> 0.74, pooled units named at 0.79 precision; BENCHMARKS.md). level_C 0.1 was
        # chosen on train alone (fit on its oldest 75%, best unit accuracy on its most recent 25%).
        return LogisticRegression(C=C, class_weight="balanced", max_iter=3000, random_state=self.random_state)

    def predict(
        self,
        Z: Any,
        labels: Sequence[str] | np.ndarray,
        texts: Sequence[str],
        places: Sequence[Place | None] | None = None,
    ) -> np.ndarray:
        """The unit of each row, given its routed OPD label (the label itself where nothing finer is known)."""
        check_is_fitted(self)
        Z = Z if sp.isspmatrix_csr(Z) else sp.csr_matrix(Z)
        labels_ = [str(v) for v in labels]
        out = np.asarray([self.unit_of_label_.get(label, label) for label in labels_], dtype=object)
        rows = places if places is not None else [None] * len(labels_)
        territorial = np.flatnonzero(np.isin(labels_, self.territorial_))
        if territorial.size:
            levels = self._levels(Z[territorial])
            for i, level in zip(territorial.tolist(), levels, strict=True):
                out[i] = self._territorial_unit(labels_[i], str(level), rows[i], texts[i])
        for label, model in self.pooled_.items():
            mine = np.flatnonzero(np.asarray(labels_, dtype=object) == label)
            if mine.size and isinstance(model, FewShotUnits):
                out[mine] = model.name(Z[mine], fallback=label)
            elif mine.size:
                proba = model.predict_proba(Z[mine])
                best = np.argmax(proba, axis=1)
                sure = proba[np.arange(len(mine)), best] >= self.pooled_min_score
                out[mine] = np.where(sure, model.classes_[best], label)
        return out

    def _levels(self, Z: sp.csr_matrix) -> np.ndarray:
        if self.level_ is None:
            return np.full(Z.shape[0], self.constant_level_, dtype=object)
        return np.asarray(self.level_.predict(Z), dtype=object)

    def place_units(self, texts: Sequence[str], places: Sequence[Place | None] | None = None) -> list[tuple[str, str]]:
        """The two territorial units each complaint's place allows, ``(kelurahan unit, kecamatan unit)``
        ("" where the place is unknown): what the level choice picks from (and the ceiling of any choice)."""
        check_is_fitted(self)
        rows = places if places is not None else [None] * len(texts)
        if len(rows) != len(texts):
            raise ValueError(f"places has {len(rows)} entries for {len(texts)} texts")
        out = []
        for place, text in zip(rows, texts, strict=True):
            kel, kec = self.gazetteer_.resolve(place, text)
            out.append((self._display(KELURAHAN, kel) if kel else "", self._display(KECAMATAN, kec) if kec else ""))
        return out

    def _territorial_unit(self, label: str, level: str, place: Place | None, text: str) -> str:
        kel, kec = self.gazetteer_.resolve(place, text)
        if level == KECAMATAN and kec:
            return self._display(KECAMATAN, kec)
        if kel:
            return self._display(KELURAHAN, kel)
        if kec:
            return self._display(KECAMATAN, kec)
        return label

    def _display(self, level: str, name: str) -> str:
        known = self.display_.get((level, name))
        if known is not None:
            return known
        table = self.gazetteer_.kelurahan_of if level == KELURAHAN else self.gazetteer_.kecamatan_of
        return f"{_LEVEL_PREFIX[level]} {table.get(name, name.title())}"


def _missing(value: Any) -> bool:
    return value is None or (isinstance(value, float) and np.isnan(value)) or not str(value).strip()
