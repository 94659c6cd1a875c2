"""What a model's inputs and answers looked like when it was trained, to see later whether they still do.

- :func:`confidence_counts`: a histogram of top-OPD confidences over fixed bins (:data:`CONFIDENCE_EDGES`),
  the form in which a model keeps its reference and the store counts what it has routed since.
- :func:`population_stability_index`: how far one histogram has moved from another (PSI; the usual reading:
  below 0.1 stable, 0.1-0.25 a shift worth watching, above 0.25 a shift that calls for a retrain).
- :func:`unseen_word_share`: per text, the share of its words (after stopwords, as the model reads them) that
  never occurred in the model's training texts; ``None`` for a text without words.
- :func:`drift_reference`: the reference a model carries in its metadata (``ModelMetadata.reference``):
  the out-of-sample confidences, needs-review share, top-1 accuracy and unseen-word share of the probe of
  :class:`models.review.ReviewThreshold` on its held-out rows, and the label mix of the training rows.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence
from typing import Any

import numpy as np

from models.text import analyse

__all__ = [
    "CONFIDENCE_EDGES",
    "confidence_counts",
    "drift_reference",
    "population_stability_index",
    "unseen_word_share",
]

# Ten equal bins over [0, 1]; a bin holds [low, high), the last one also 1.0 (as numpy.histogram counts).
CONFIDENCE_EDGES: tuple[float, ...] = tuple(round(i / 10, 1) for i in range(11))
# A bin empty on one side would make PSI infinite: empty shares count as this small share instead.
_EMPTY_SHARE = 1e-4


def confidence_counts(scores: Sequence[float] | np.ndarray, edges: Sequence[float] = CONFIDENCE_EDGES) -> list[int]:
    """How many of ``scores`` fall in each bin between consecutive ``edges``."""
    counts, _ = np.histogram(np.clip(np.asarray(scores, dtype=float), edges[0], edges[-1]), bins=np.asarray(edges))
    return [int(c) for c in counts]


def population_stability_index(expected: Sequence[float], actual: Sequence[float]) -> float:
    """PSI of the histogram ``actual`` against ``expected`` (counts or shares, one value per bin).

    ``sum((a - e) * ln(a / e))`` over the bins' shares, an empty bin counted as a share of 1e-4.
    """
    if len(expected) != len(actual):
        raise ValueError(f"expected has {len(expected)} bins but actual has {len(actual)}")
    e_total, a_total = float(sum(expected)), float(sum(actual))
    if e_total <= 0 or a_total <= 0:
        raise ValueError("population_stability_index needs at least one count on each side")
    psi = 0.0
    for e_count, a_count in zip(expected, actual, strict=True):
        e = max(e_count / e_total, _EMPTY_SHARE)
        a = max(a_count / a_total, _EMPTY_SHARE)
        psi += (a - e) * math.log(a / e)
    return psi


def unseen_word_share(router: Any, texts: Sequence[str]) -> list[float | None]:
    """Per text, the share of its words that no training text of ``router`` held (``None``: no words, or a
    router that does not keep its training words)."""
    known = getattr(router, "stem_table_", None)
    if known is None:
        return [None] * len(texts)
    shares: list[float | None] = []
    for text in texts:
        words = analyse(text).tokens
        shares.append(sum(w not in known for w in words) / len(words) if words else None)
    return shares


def drift_reference(
    probe: Any, held_texts: Sequence[str], held_labels: Sequence[str], train_labels: Sequence[str]
) -> dict[str, Any]:
    """The reference a model keeps: ``probe`` (fitted without ``held_texts``, with its ``review_threshold_``)
    scored on them (confidences, share needing review, top-1 accuracy, unseen words), and the label mix of all
    training rows."""
    proba = np.asarray(probe.predict_proba(list(held_texts)), dtype=float)
    scores = proba.max(axis=1)
    top = np.asarray(probe.classes_, dtype=object)[proba.argmax(axis=1)]
    unseen = [s for s in unseen_word_share(probe, held_texts) if s is not None]
    return {
        "source": "holdout",
        "rows": len(held_texts),
        "needs_review_rate": float(np.mean(scores < probe.review_threshold_)),
        "top1_accuracy": float(np.mean(top == np.asarray([str(v) for v in held_labels], dtype=object))),
        "confidence_edges": list(CONFIDENCE_EDGES),
        "confidence_counts": confidence_counts(scores),
        "oov_rate": float(np.mean(unseen)) if unseen else None,
        "label_counts": dict(sorted(Counter(str(label) for label in train_labels).items())),
    }
