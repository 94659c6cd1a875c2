"""The plain reference systems of the quality benchmark (R1, R2), built the way a user would build them.

- R1: ``TfidfVectorizer()`` + ``LinearSVC()`` on the raw text, all scikit-learn defaults.
- R2: the same on PySastrawi-stemmed text (``StemmerFactory().create_stemmer().stem(text)``).

Each is held by a :class:`ReferenceSystem` that answers the same questions as the disposisi router,
so the benchmark can put them side by side:

- top-k OPDs: the ranking of ``decision_function``;
- needs review: the top decision value is below ``review_threshold_``, chosen by the same
  :class:`models.review.ReviewThreshold` as the router's (the most recent slice of the training rows held
  out when they are dated, else a stratified one, a probe fitted on the rest, the threshold at
  ``review_target``), then fitted on all rows;
- urgency: the same TF-IDF + LinearSVC recipe fitted on the rows that carry an urgency label (the
  "plain linear model" of issue 5).

Metrics come from :mod:`training.evaluate`; nothing here computes a metric of its own.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache
from typing import Any

import numpy as np
from sklearn.base import BaseEstimator, clone
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import FunctionTransformer
from sklearn.svm import LinearSVC
from sklearn.utils.validation import check_is_fitted

from models.review import ReviewThreshold
from models.router import URGENCY_LEVELS, as_texts
from training.evaluate import opd_metrics, urgency_metrics

__all__ = [
    "ReferenceSystem",
    "decision_scores",
    "evaluate_reference",
    "reference_pipeline",
    "sastrawi_stem_texts",
    "sastrawi_text_stemmer",
]


@lru_cache(maxsize=1)
def sastrawi_text_stemmer() -> Any:
    """PySastrawi's own stemmer, as its README builds it (with its per-word cache), once per process."""
    from Sastrawi.Stemmer.StemmerFactory import StemmerFactory

    return StemmerFactory().create_stemmer()


def sastrawi_stem_texts(texts: Any) -> list[str]:
    """``stem(text)`` of every text (a module-level function, so a pipeline holding it pickles)."""
    stemmer = sastrawi_text_stemmer()
    return [str(stemmer.stem(text)) for text in as_texts(texts)]


def reference_pipeline(*, stem: bool, random_state: int | None = 0) -> Pipeline:
    """TF-IDF + LinearSVC with default settings, on raw (R1) or Sastrawi-stemmed (R2) text.

    ``random_state`` only fixes liblinear's coordinate order, so that a run can be repeated.
    """
    steps: list[tuple[str, Any]] = []
    if stem:
        steps.append(("stem", FunctionTransformer(sastrawi_stem_texts)))
    steps += [("tfidf", TfidfVectorizer()), ("svm", LinearSVC(random_state=random_state))]
    return Pipeline(steps)


def decision_scores(model: Any, X: Any) -> np.ndarray:
    """``decision_function`` as an (n_texts, n_classes) array, also for two classes."""
    scores = np.asarray(model.decision_function(X), dtype=float)
    if scores.ndim == 1:  # binary: one column of scores for classes_[1]
        scores = np.column_stack([-scores, scores])
    return scores


class ReferenceSystem(BaseEstimator):
    """A reference baseline with an OPD head, an optional urgency head and a review threshold.

    Parameters
    ----------
    stem : bool
        Stem the texts with PySastrawi before TF-IDF (R2) or not (R1).
    review_target : float
        Accuracy the complaints not flagged for review should reach on the held-out slice.
    holdout : float
        Share of the training rows held out (stratified by OPD) to choose the review threshold.
    random_state : int
        Seed of the held-out split and of liblinear.
    """

    def __init__(
        self, *, stem: bool = False, review_target: float = 0.95, holdout: float = 0.2, random_state: int = 0
    ) -> None:
        self.stem = stem
        self.review_target = review_target
        self.holdout = holdout
        self.random_state = random_state

    def fit(
        self, X: Any, y: Any, urgency: Sequence[str] | None = None, dates: Sequence[object] | None = None
    ) -> ReferenceSystem:
        """Choose the review threshold on a held-out slice (the most recent rows when ``dates`` are given), then
        fit both heads on all rows."""
        texts = np.asarray(as_texts(X), dtype=object)
        labels = np.asarray([str(v) for v in y], dtype=object)
        if len(texts) != len(labels):
            raise ValueError(f"X has {len(texts)} texts but y has {len(labels)} labels")
        template = reference_pipeline(stem=self.stem, random_state=self.random_state)
        search = ReviewThreshold(
            template,
            review_target=self.review_target,
            holdout=self.holdout,
            score_method="decision_function",
            random_state=self.random_state,
        ).fit(list(texts), labels, dates=dates)
        self.review_threshold_ = search.review_threshold_
        self.opd_ = search.estimator_
        self.classes_ = self.opd_.classes_

        self.urgency_: Pipeline | None = None
        if urgency is not None:
            levels = np.asarray(["" if v is None else str(v).strip().lower() for v in urgency], dtype=object)
            if len(levels) != len(texts):
                raise ValueError(f"urgency has {len(levels)} values but X has {len(texts)} texts")
            labeled = np.isin(levels, URGENCY_LEVELS)
            if len(set(levels[labeled])) >= 2:
                self.urgency_ = clone(template).fit(list(texts[labeled]), levels[labeled])
        return self

    def decision_function(self, X: Any) -> np.ndarray:
        """OPD decision values, one column per class of ``classes_``."""
        check_is_fitted(self)
        return decision_scores(self.opd_, as_texts(X))

    def predict(self, X: Any) -> np.ndarray:
        return np.asarray(self.classes_[np.argmax(self.decision_function(X), axis=1)])

    def predict_urgency(self, X: Any) -> np.ndarray:
        check_is_fitted(self)
        if self.urgency_ is None:
            raise ValueError("this reference system has no urgency head: it was fitted without urgency labels")
        return np.asarray(self.urgency_.predict(as_texts(X)))


def evaluate_reference(
    system: ReferenceSystem, texts: Sequence[str], opd: Sequence[str], urgency: Sequence[str] | None = None
) -> dict[str, Any]:
    """The metrics of :func:`training.evaluate.evaluate_router`, for a reference system.

    :func:`~training.evaluate.opd_metrics` reads only the ranking of each row (prediction, top-3) and
    its maximum (the confidence compared with the threshold), so decision values take the place of
    probabilities unchanged.
    """
    scores = system.decision_function(list(texts))
    metrics = opd_metrics(opd, scores, system.classes_, system.review_threshold_)
    metrics["rows"] = len(texts)
    if urgency is not None and system.urgency_ is not None:
        rows = [i for i, level in enumerate(urgency) if level]
        if rows:
            predicted = system.predict_urgency([texts[i] for i in rows])
            metrics.update(urgency_metrics([urgency[i] for i in rows], predicted))
    return metrics
