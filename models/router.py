"""The complaint router: one estimator, raw text in, a routing suggestion out.

:class:`ComplaintRouter` holds the whole path (analysis, features, OPD head, urgency head) so that
the API, the batch job and evaluation use the same object. It pickles; the Sastrawi dictionary,
slang table and cue patterns come from module-level caches and are not part of it.

- OPD head: linear SVM on word TF-IDF of the stems and character TF-IDF of the surface tokens,
  with probabilities calibrated by cross-validation
  (:class:`~sklearn.calibration.CalibratedClassifierCV`), so ``score`` is a probability and top-k
  is meaningful.
- Urgency head: logistic regression on the same features plus the danger-cue hits
  (:mod:`models.cues`), learned only from rows that carry an urgency label. ``tinggi`` is
  predicted when its probability reaches ``tinggi_threshold`` (recall matters more than precision
  for emergencies), otherwise the likelier of ``sedang`` and ``rendah``.
- Open-set signal (:mod:`models.openset`): a threshold on the OPD head's top decision value plus the
  text's similarity to its nearest training complaints, calibrated on units held out of training folds,
  below which a complaint probably belongs to none of the known units. ``needs_review`` is then true
  with ``review_reason`` ``di_luar_cakupan``; a top probability below ``review_threshold_`` gives ``ragu``.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import scipy.sparse as sp
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.calibration import CalibratedClassifierCV
from sklearn.linear_model import LogisticRegression
from sklearn.svm import LinearSVC
from sklearn.utils.validation import check_is_fitted

from models.answers import URGENCY_LEVELS, Routing, Suggestion, as_texts
from models.encoder import ChunkEncoder, EncodedChunk
from models.explain import explaining_terms, word_coefficients
from models.fewshot import Catalogue
from models.heads import CalibratedLinearHead, LogisticHead
from models.openset import OutsideScore, review_reasons
from models.packing import pack_state, unpack_state
from models.sparse import side_by_side
from models.unit import Place, UnitResolver

__all__ = ["URGENCY_LEVELS", "ComplaintRouter", "Routing", "Suggestion", "as_texts"]

_PREPARE_LOCK = threading.Lock()


@dataclass(frozen=True)
class _Prepared:
    """What a fitted router builds once per process to predict: the lock that guards the growing
    token table of its encoder and the heads folded into plain arrays (:mod:`models.heads`)."""

    lock: threading.Lock
    opd: CalibratedLinearHead
    urgency: LogisticHead | None


class ComplaintRouter(ClassifierMixin, BaseEstimator):
    """Suggest the OPD and urgency of Indonesian citizen complaints.

    Parameters
    ----------
    word_ngram_range, char_ngram_range : tuple of int
        n-gram ranges of the word (stem) and character TF-IDF features.
    min_df : int
        Minimum document frequency of a feature.
    C : float
        Inverse regularisation of the OPD SVM.
    class_weight : "balanced" or None
        Class weights of the OPD SVM.
    calibration_cv : int
        Folds for probability calibration of the OPD head.
    urgency_C : float
        Inverse regularisation of the urgency model.
    cue_weight : float
        Scale of the danger-cue features next to the TF-IDF features.
    tinggi_threshold : float
        Probability of ``tinggi`` at which it is predicted.
    review_threshold : float
        Top OPD score below which a suggestion needs review; training replaces it with one chosen on
        held-out data (``review_threshold_``).
    top_k : int
        How many OPDs a suggestion lists.
    random_state : int
        Seed of the solvers, so that fitting is repeatable.
    outside_target : float or None
        Share of simulated outsiders (units held out of training folds) that the open-set signal flags
        (:class:`models.openset.OutsideScore`); None: no open-set signal. A model of fewer than three
        OPDs has none either.
    outside_folds : int
        Groups of units held out in turn to calibrate the open-set signal.
    """

    def __init__(
        self,
        *,
        word_ngram_range: tuple[int, int] = (1, 2),
        char_ngram_range: tuple[int, int] = (2, 5),
        min_df: int = 2,
        C: float = 1.0,
        class_weight: str | None = "balanced",
        calibration_cv: int = 5,
        urgency_C: float = 1.0,
        cue_weight: float = 2.0,
        tinggi_threshold: float = 0.25,
        review_threshold: float = 0.5,
        top_k: int = 3,
        random_state: int = 0,
        outside_target: float | None = 0.875,
        outside_folds: int = 5,
    ) -> None:
        self.word_ngram_range = word_ngram_range
        self.char_ngram_range = char_ngram_range
        self.min_df = min_df
        self.C = C
        self.class_weight = class_weight
        self.calibration_cv = calibration_cv
        self.urgency_C = urgency_C
        self.cue_weight = cue_weight
        self.tinggi_threshold = tinggi_threshold
        self.review_threshold = review_threshold
        self.top_k = top_k
        self.random_state = random_state
        self.outside_target = outside_target
        self.outside_folds = outside_folds

    # -- fitting ---------------------------------------------------------------------------------

    def fit(
        self,
        X: Any,
        y: Any,
        urgency: Any = None,
        units: Any = None,
        places: Sequence[Place | None] | None = None,
        catalogue: Catalogue | None = None,
    ) -> ComplaintRouter:
        """Learn both heads. ``urgency`` holds a level or an empty value per row (or is None); ``units`` the
        specific unit of each row (or None: the unit is the OPD), ``places`` its location fields, ``catalogue``
        what units handle (:mod:`models.fewshot`; used with ``units`` only)."""
        texts = as_texts(X)
        labels = np.asarray([str(v) for v in y], dtype=object)
        if len(texts) != len(labels):
            raise ValueError(f"X has {len(texts)} texts but y has {len(labels)} labels")
        classes, counts = np.unique(labels, return_counts=True)
        if len(classes) < 2:
            raise ValueError(f"y needs at least 2 OPD labels, got {len(classes)}: {list(classes)}")
        min_count = int(counts.min())
        if min_count < 2:
            rare = [str(c) for c, n in zip(classes, counts, strict=True) if n < 2]
            raise ValueError(f"every OPD label needs at least 2 examples; these have 1: {rare}")

        self.__dict__.pop("_prepared_cache", None)  # what a previous fit prepared for prediction
        self.features_ = self._make_features()
        encoded = self.features_.fit_encode(texts)
        Z = encoded.features
        n_folds = max(2, min(self.calibration_cv, min_count))
        # ensemble=False: one SVM fitted on all rows, its scores calibrated on out-of-fold predictions.
        # Against one SVM per fold: a quarter of the size and a fifth of the prediction time; on
        # surabaya dev macro-F1 0.621 vs 0.623 and coverage at 95% accuracy 0.50 vs 0.54 (BENCHMARKS.md).
        self.opd_ = CalibratedClassifierCV(
            LinearSVC(C=self.C, class_weight=self.class_weight, random_state=self.random_state),
            cv=n_folds,
            method="sigmoid",
            ensemble=False,
        )
        self.opd_.fit(Z, labels)
        self.classes_ = self.opd_.classes_
        self.openset_ = self._fit_openset(Z, labels, len(classes))
        self.explain_coef_ = word_coefficients(self.opd_, len(self.features_.word_vocabulary_))
        self.word_terms_ = self.features_.get_feature_names_out()[: len(self.features_.word_vocabulary_)]

        self.urgency_ = None
        self.urgency_classes_ = np.asarray([], dtype=object)
        if urgency is not None:
            levels = np.asarray(["" if v is None else str(v).strip().lower() for v in urgency], dtype=object)
            if len(levels) != len(texts):
                raise ValueError(f"urgency has {len(levels)} values but X has {len(texts)} texts")
            bad = sorted({v for v in levels if v and v not in URGENCY_LEVELS and v != "nan"})
            if bad:
                raise ValueError(f"urgency values must be one of {', '.join(URGENCY_LEVELS)} or empty, got {bad}")
            mask = np.isin(levels, URGENCY_LEVELS)
            if len(set(levels[mask])) >= 2:
                U = self._urgency_block(Z[mask], encoded.cues[mask])
                self.urgency_ = LogisticRegression(
                    C=self.urgency_C, class_weight="balanced", max_iter=3000, random_state=self.random_state
                )
                self.urgency_.fit(U, levels[mask])
                self.urgency_classes_ = self.urgency_.classes_
        self.unit_ = None
        if units is not None:
            described = None if catalogue is None else self.features_.encode(list(catalogue.descriptions)).features
            resolver = UnitResolver(random_state=self.random_state)
            self.unit_ = resolver.fit(
                Z, labels, units, texts, places, catalogue=catalogue, catalogue_features=described
            )
        self.review_threshold_ = float(self.review_threshold)
        return self

    def _fit_openset(self, Z: sp.spmatrix, labels: np.ndarray, n_classes: int) -> OutsideScore | None:
        if self.outside_target is None or n_classes < 3:
            return None
        signal = OutsideScore(
            outside_target=self.outside_target,
            n_folds=self.outside_folds,
            C=self.C,
            class_weight=self.class_weight,
            random_state=self.random_state,
        )
        return signal.fit(Z, labels)

    def _make_features(self) -> ChunkEncoder:
        return ChunkEncoder(
            word_ngram_range=self.word_ngram_range, char_ngram_range=self.char_ngram_range, min_df=self.min_df
        )

    @property
    def stem_table_(self) -> dict[str, str]:
        """Token -> stem of the training words, stored with the features (:class:`ChunkEncoder`)."""
        stems: dict[str, str] = self.features_.stem_table_
        return stems

    def _urgency_block(self, Z: sp.spmatrix, cues: sp.spmatrix) -> sp.csr_matrix:
        return side_by_side([Z, cues], scales=(1, self.cue_weight))

    # -- prediction ------------------------------------------------------------------------------

    def _prepared(self) -> _Prepared:
        """The per-process :class:`_Prepared` of this fitted router, made on first use (never pickled)."""
        prepared: _Prepared | None = self.__dict__.get("_prepared_cache")
        if prepared is None:
            with _PREPARE_LOCK:
                prepared = self.__dict__.get("_prepared_cache")
                if prepared is None:
                    prepared = _Prepared(
                        lock=threading.Lock(),
                        opd=CalibratedLinearHead.fold(self.opd_),
                        urgency=None if self.urgency_ is None else LogisticHead.fold(self.urgency_),
                    )
                    self.__dict__["_prepared_cache"] = prepared
        return prepared

    def _encode(self, texts: list[str], *, explain: bool = False) -> EncodedChunk:
        """Features and cue hits of raw texts, through the fitted :class:`ChunkEncoder`."""
        prepared = self._prepared()
        with prepared.lock:  # the encoder's token table is not safe to grow from two threads at once
            features: ChunkEncoder = self.features_
            return features.encode(texts, explain=explain)

    def __getstate__(self) -> dict[str, Any]:
        state = dict(super().__getstate__())
        state.pop("_prepared_cache", None)
        return pack_state(state, ("word_terms_",))

    def __setstate__(self, state: dict[str, Any]) -> None:
        super().__setstate__(unpack_state(state))

    def predict_proba(self, X: Any) -> np.ndarray:
        check_is_fitted(self)
        return self._prepared().opd.predict_proba(self._encode(as_texts(X)).features)

    def decision_function(self, X: Any) -> np.ndarray:
        """The OPD head's scores before calibration (what the open-set signal reads)."""
        check_is_fitted(self)
        return self._prepared().opd.decision_function(self._encode(as_texts(X)).features)

    def outside_score(self, X: Any) -> np.ndarray:
        """The open-set score of each text (:meth:`models.openset.OutsideScore.score`; below the signal's
        threshold is ``di_luar_cakupan``)."""
        check_is_fitted(self)
        openset: OutsideScore | None = getattr(self, "openset_", None)
        if openset is None:
            raise ValueError("this model has no open-set signal")
        Z = self._encode(as_texts(X)).features
        return openset.score(self._prepared().opd.decision_function(Z), Z)

    def predict(self, X: Any) -> np.ndarray:
        """Top OPD per text (what ``mlflow.pyfunc`` serves)."""
        proba = self.predict_proba(X)
        return self.classes_[np.argmax(proba, axis=1)]

    def predict_urgency_proba(self, X: Any) -> np.ndarray:
        check_is_fitted(self)
        if self.urgency_ is None:
            raise ValueError("this model has no urgency head: it was trained without urgency labels")
        head = self._prepared().urgency
        assert head is not None  # folded from urgency_, which is set
        encoded = self._encode(as_texts(X))
        return head.predict_proba(self._urgency_block(encoded.features, encoded.cues))

    def urgency_from_proba(self, P: np.ndarray) -> np.ndarray:
        """Levels from urgency probabilities, with the ``tinggi`` threshold applied."""
        classes = list(self.urgency_classes_)
        best = np.asarray(self.urgency_classes_)[np.argmax(P, axis=1)]
        if "tinggi" in classes:
            t = classes.index("tinggi")
            others = P.copy()
            others[:, t] = -1.0
            best = np.where(
                P[:, t] >= self.tinggi_threshold,
                "tinggi",
                np.asarray(self.urgency_classes_)[np.argmax(others, axis=1)],
            )
        return best

    def route(self, X: Any, *, places: Sequence[Place | None] | None = None) -> Routing:
        """Top-k OPDs, urgency, needs_review and unit of many texts as arrays, without explanations;
        ``places`` holds each text's location fields (or None)."""
        return self._route(as_texts(X), places=places)

    def units_for(self, X: Any, opd: Sequence[str], *, places: Sequence[Place | None] | None = None) -> np.ndarray:
        """The unit of each text were it routed to ``opd`` (an admin's choice, or the true label in evaluation)."""
        check_is_fitted(self)
        texts = as_texts(X)
        if len(opd) != len(texts):
            raise ValueError(f"opd has {len(opd)} labels for {len(texts)} texts")
        return self._units(self._encode(texts).features, np.asarray(opd, dtype=object), texts, places)

    def _units(self, Z: sp.spmatrix, top_opd: np.ndarray, texts: list[str], places: Any) -> np.ndarray:
        """The unit of each text's top OPD: the OPD itself without a unit model (:mod:`models.unit`)."""
        resolver: UnitResolver | None = getattr(self, "unit_", None)  # models saved before units: None
        if places is not None and len(places) != len(texts):
            raise ValueError(f"places has {len(places)} entries for {len(texts)} texts")
        if resolver is None or not texts:
            return np.asarray(top_opd, dtype=object)
        return resolver.predict(Z, top_opd, texts, places)

    def _route(
        self, texts: list[str], *, explain: bool = False, places: Sequence[Place | None] | None = None
    ) -> Routing:
        check_is_fitted(self)
        prepared = self._prepared()
        encoded = self._encode(texts, explain=explain)
        Z = encoded.features
        openset: OutsideScore | None = getattr(self, "openset_", None)  # None in models saved before it
        decision: np.ndarray | None = None
        if not texts:
            P = np.zeros((0, len(self.classes_)))
        elif openset is not None:  # the open-set check reads the scores the probabilities are made of
            decision, P = prepared.opd.decision_and_proba(Z)
        else:
            P = prepared.opd.predict_proba(Z)
        k = min(self.top_k, P.shape[1])
        top = np.argsort(-P, axis=1)[:, :k]
        top_scores = np.take_along_axis(P, top, axis=1)
        levels: np.ndarray | None = None
        level_scores: np.ndarray | None = None
        if prepared.urgency is not None:
            levels = np.asarray([], dtype=object)
            level_scores = np.zeros(0)
            if texts:
                U = prepared.urgency.predict_proba(self._urgency_block(Z, encoded.cues))
                levels = self.urgency_from_proba(U)
                index = {c: i for i, c in enumerate(self.urgency_classes_)}
                level_scores = U[np.arange(len(U)), [index[lv] for lv in levels]]
        unsure = (top_scores[:, 0] < self.review_threshold_) | ~encoded.has_tokens
        outside = np.zeros(len(texts), dtype=bool)
        if openset is not None and decision is not None:
            outside = openset.is_outside(decision, Z) & encoded.has_tokens
        reasons = review_reasons(unsure, outside)
        units = self._units(Z, self.classes_[top[:, 0]] if k else np.asarray([], dtype=object), texts, places)
        flagged = unsure | outside
        return Routing(self.classes_, top, top_scores, levels, level_scores, flagged, reasons, units, encoded)

    def suggest(
        self, X: Any, *, explain: bool = True, places: Sequence[Place | None] | None = None
    ) -> list[Suggestion]:
        """Top-k OPDs with scores, urgency with score, needs_review, the unit and, if asked, the reasons."""
        texts = as_texts(X)
        routing = self._route(texts, explain=explain, places=places)
        encoded = routing.encoded
        assert encoded is not None  # _route always records what it routed from
        suggestions = []
        for i in range(len(routing)):
            opd = [
                (str(self.classes_[j]), float(p)) for j, p in zip(routing.top[i], routing.top_scores[i], strict=True)
            ]
            terms: list[str] = []
            cues: list[str] = []
            if explain:
                terms = explaining_terms(encoded, i, self.explain_coef_[routing.top[i, 0]], self.word_terms_)
                cues = list(encoded.cue_phrases[i])
            suggestions.append(
                Suggestion(
                    opd=opd,
                    urgency=None if routing.urgency is None else str(routing.urgency[i]),
                    urgency_score=None if routing.urgency_scores is None else float(routing.urgency_scores[i]),
                    needs_review=bool(routing.needs_review[i]),
                    opd_terms=terms,
                    urgency_cues=cues,
                    review_reason=str(routing.review_reason[i]),
                    unit=None if routing.unit is None else str(routing.unit[i]),
                )
            )
        return suggestions
