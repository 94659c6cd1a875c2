"""The router's two heads as plain arrays, folded from the fitted scikit-learn estimators.

scikit-learn validates its input on every call (``check_array``, and for a calibrated classifier one
``column_or_1d`` per class): for one complaint that was most of the time of
``CalibratedClassifierCV.predict_proba``, while the arithmetic is one sparse row times a dense matrix.
:class:`CalibratedLinearHead` (the OPD head: a linear SVM with sigmoid calibration) and
:class:`LogisticHead` (the urgency head) keep references to the fitted estimators' own arrays (no
copies) and do the arithmetic of their ``predict_proba`` with the library's own functions, in the
same order, without the per-call checks. Tests hold them equal to ``predict_proba`` of the estimators
they were folded from: the library is the reference.

The folded heads are built once per process from the unpickled router and never pickled themselves.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from scipy.special import expit
from sklearn.calibration import CalibratedClassifierCV
from sklearn.linear_model import LogisticRegression
from sklearn.preprocessing import LabelEncoder
from sklearn.utils.extmath import safe_sparse_dot, softmax

__all__ = ["CalibratedLinearHead", "LogisticHead"]


def _decision(X: sp.csr_matrix, coef: np.ndarray, intercept: np.ndarray) -> np.ndarray:
    """``decision_function`` of a fitted linear model: always 2-D, one column per row of ``coef``."""
    return np.asarray(safe_sparse_dot(X, coef.T, dense_output=True) + intercept)


@dataclass(frozen=True)
class _SigmoidLinear:
    """One calibrated copy: a linear model's scores, then one sigmoid per score column."""

    coef: np.ndarray  # (n_columns, n_features): n_columns is 1 for a binary problem
    intercept: np.ndarray
    a: np.ndarray  # (n_columns,) sigmoid slopes and offsets: p = expit(-(a * score + b))
    b: np.ndarray
    columns: np.ndarray  # (n_columns,) the class each score column is the probability of


@dataclass(frozen=True)
class CalibratedLinearHead:
    """``CalibratedClassifierCV(LinearSVC(...), method="sigmoid").predict_proba`` as arrays."""

    parts: tuple[_SigmoidLinear, ...]
    n_classes: int

    @classmethod
    def fold(cls, model: CalibratedClassifierCV) -> CalibratedLinearHead:
        """The arrays of a fitted sigmoid-calibrated linear classifier (``ensemble`` True or False)."""
        if model.method != "sigmoid":
            raise ValueError(f'only method="sigmoid" calibration can be folded, got method={model.method!r}')
        n_classes = len(model.classes_)
        parts = []
        for calibrated in model.calibrated_classifiers_:
            estimator = calibrated.estimator
            if not hasattr(estimator, "coef_") or not hasattr(estimator, "intercept_"):
                raise ValueError(f"only a linear estimator can be folded, got {type(estimator).__name__}")
            # As _CalibratedClassifier.predict_proba: calibrator i gives the class of estimator.classes_[i]
            # (for two classes, the one calibrator gives classes[1]).
            columns = LabelEncoder().fit(calibrated.classes).transform(estimator.classes_)
            if n_classes == 2:
                columns = columns[:1] + 1
            parts.append(
                _SigmoidLinear(
                    coef=np.atleast_2d(estimator.coef_),
                    intercept=np.atleast_1d(estimator.intercept_),
                    a=np.asarray([c.a_ for c in calibrated.calibrators], dtype=np.float64),
                    b=np.asarray([c.b_ for c in calibrated.calibrators], dtype=np.float64),
                    columns=np.asarray(columns, dtype=np.int64),
                )
            )
        return cls(parts=tuple(parts), n_classes=n_classes)

    def decision_function(self, X: sp.csr_matrix) -> np.ndarray:
        """The linear models' scores before calibration, the mean over the calibrated copies: one column
        per class, or a binary model's one column (the score of ``classes_[1]``)."""
        return self._mean_decision(X.shape[0], self._scores(X))

    def predict_proba(self, X: sp.csr_matrix) -> np.ndarray:
        """Calibrated probabilities (n_texts, n_classes), the mean over the calibrated copies."""
        return self._mean_proba(X.shape[0], self._scores(X))

    def decision_and_proba(self, X: sp.csr_matrix) -> tuple[np.ndarray, np.ndarray]:
        """``decision_function`` and ``predict_proba`` of ``X``, each copy's linear scores computed once."""
        scores = self._scores(X)
        return self._mean_decision(X.shape[0], scores), self._mean_proba(X.shape[0], scores)

    def _scores(self, X: sp.csr_matrix) -> list[np.ndarray]:
        return [_decision(X, part.coef, part.intercept) for part in self.parts]

    def _mean_decision(self, n_rows: int, scores: list[np.ndarray]) -> np.ndarray:
        n_columns = 1 if self.n_classes == 2 else self.n_classes
        mean = np.zeros((n_rows, n_columns))
        for part, part_scores in zip(self.parts, scores, strict=True):
            if n_columns == 1:
                mean += part_scores
            else:
                mean[:, part.columns] += part_scores
        mean /= len(self.parts)
        return mean

    def _mean_proba(self, n_rows: int, scores: list[np.ndarray]) -> np.ndarray:
        mean = np.zeros((n_rows, self.n_classes))
        for part, part_scores in zip(self.parts, scores, strict=True):
            proba = np.zeros((n_rows, self.n_classes))
            proba[:, part.columns] = expit(-(part.a * part_scores + part.b))
            if self.n_classes == 2:
                proba[:, 0] = 1.0 - proba[:, 1]
            else:
                denominator = np.sum(proba, axis=1)[:, np.newaxis]
                uniform = np.full_like(proba, 1 / self.n_classes)  # every calibrator said 0: uniform
                proba = np.divide(proba, denominator, out=uniform, where=denominator != 0)
            mean += proba
        mean /= len(self.parts)
        return mean


@dataclass(frozen=True)
class LogisticHead:
    """``LogisticRegression.predict_proba`` (multinomial for 3+ classes) as arrays."""

    coef: np.ndarray
    intercept: np.ndarray

    @classmethod
    def fold(cls, model: LogisticRegression) -> LogisticHead:
        return cls(coef=model.coef_, intercept=model.intercept_)

    def predict_proba(self, X: sp.csr_matrix) -> np.ndarray:
        scores = _decision(X, self.coef, self.intercept)
        if scores.shape[1] == 1:  # binary: the score of classes_[1]
            positive = expit(scores[:, 0])
            return np.stack([1 - positive, positive], axis=1)
        return np.asarray(softmax(scores, copy=False))
