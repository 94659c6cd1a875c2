"""What the router answers: one :class:`Suggestion` per complaint (API, inbox) or a :class:`Routing` of arrays
for many (batch, evaluation), and the texts it accepts (:func:`as_texts`)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from models.encoder import EncodedChunk

__all__ = ["URGENCY_LEVELS", "Routing", "Suggestion", "as_texts"]

URGENCY_LEVELS = ("tinggi", "sedang", "rendah")


def _no_reasons() -> np.ndarray:
    return np.zeros(0, dtype=object)


@dataclass(frozen=True)
class Suggestion:
    """What the router says about one complaint."""

    opd: list[tuple[str, float]]
    urgency: str | None
    urgency_score: float | None
    needs_review: bool
    opd_terms: list[str] = field(default_factory=list)
    urgency_cues: list[str] = field(default_factory=list)
    review_reason: str = ""
    unit: str | None = None

    @property
    def top_opd(self) -> str:
        return self.opd[0][0]

    @property
    def top_score(self) -> float:
        return self.opd[0][1]


@dataclass(frozen=True)
class Routing:
    """What the router says about many complaints, as arrays (the batch job's form of a suggestion).

    ``top`` holds class indices into ``classes``, best first, with their probabilities in
    ``top_scores``; ``urgency`` and ``urgency_scores`` are None for a model without an urgency head.
    ``review_reason`` holds ``"ragu"``, ``"di_luar_cakupan"`` or ``""`` per text (:mod:`models.openset`).
    ``unit`` is the specific unit of the top OPD (:mod:`models.unit`; the OPD itself for a model trained
    without a unit column).
    """

    classes: np.ndarray
    top: np.ndarray
    top_scores: np.ndarray
    urgency: np.ndarray | None
    urgency_scores: np.ndarray | None
    needs_review: np.ndarray
    review_reason: np.ndarray = field(default_factory=_no_reasons)
    unit: np.ndarray | None = None
    encoded: EncodedChunk | None = None  # what it was routed from (with the tokens as read, EncodedChunk.read)

    def __len__(self) -> int:
        return len(self.top)


def as_texts(X: Any) -> list[str]:
    """Accept a list, array, Series or one-column DataFrame of texts (MLflow passes DataFrames)."""
    if hasattr(X, "columns"):
        column = "teks" if "teks" in X.columns else X.columns[0]
        X = X[column]
    if isinstance(X, str):
        raise TypeError("X must be a sequence of texts, not a single string")
    return ["" if x is None else str(x) for x in X]
