"""Estimator contract of ComplaintRouter: clone, pickle, refit, Pipeline, GridSearchCV, suggestions."""

from __future__ import annotations

import pickle

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import Pipeline

from models.router import ComplaintRouter

TEXTS = [
    "jalan berlubang besar di depan pasar",
    "aspal jalan rusak parah dan berlubang",
    "jalan rusak banyak lubang mohon diperbaiki",
    "perbaikan jalan kampung yang rusak",
    "sampah menumpuk belum diangkut seminggu",
    "tumpukan sampah bau di TPS",
    "truk sampah tidak datang, sampah menumpuk",
    "sampah berserakan di pinggir jalan",
    "air PDAM tidak mengalir sejak pagi",
    "air PDAM keruh dan bau",
    "tagihan air PDAM naik tidak wajar",
    "pipa PDAM bocor air terbuang",
]
OPD = ["PUPR"] * 4 + ["DLH"] * 4 + ["PDAM"] * 4
URGENCY = ["sedang", "tinggi", "", "rendah", "sedang", "", "sedang", "rendah", "tinggi", "sedang", "rendah", ""]


def small_router(**params: object) -> ComplaintRouter:
    return ComplaintRouter(min_df=1, calibration_cv=2, **params)  # type: ignore[arg-type]


@pytest.fixture(scope="module")
def fitted() -> ComplaintRouter:
    return small_router().fit(TEXTS, OPD, urgency=URGENCY)


def test_init_stores_params_unchanged() -> None:
    router = ComplaintRouter(C=0.3, word_ngram_range=(1, 3))
    assert router.get_params()["C"] == 0.3
    assert router.get_params()["word_ngram_range"] == (1, 3)


def test_clone_equals_params() -> None:
    router = small_router(C=0.7)
    assert clone(router).get_params() == router.get_params()


def test_unfitted_router_refuses_to_predict() -> None:
    from sklearn.exceptions import NotFittedError

    with pytest.raises(NotFittedError, match="not fitted"):
        small_router().predict(["jalan rusak"])


def test_pickle_round_trip_predicts_the_same(fitted: ComplaintRouter) -> None:
    again = pickle.loads(pickle.dumps(fitted))
    probe = ["jalan berlubang", "sampah belum diangkut", "air tidak mengalir"]
    np.testing.assert_allclose(again.predict_proba(probe), fitted.predict_proba(probe))


def test_pickle_does_not_carry_the_stemmer_dictionary(fitted: ComplaintRouter) -> None:
    size = len(pickle.dumps(fitted))
    assert b"Sastrawi" not in pickle.dumps(fitted)
    assert size < 2_000_000


def test_fitting_twice_equals_fitting_once() -> None:
    once = small_router().fit(TEXTS, OPD, urgency=URGENCY)
    twice = small_router().fit(TEXTS[::-1], OPD[::-1]).fit(TEXTS, OPD, urgency=URGENCY)
    probe = ["jalan berlubang", "sampah belum diangkut"]
    np.testing.assert_allclose(once.predict_proba(probe), twice.predict_proba(probe))
    assert list(once.urgency_classes_) == list(twice.urgency_classes_)


def test_works_inside_pipeline() -> None:
    pipeline = Pipeline([("router", small_router())]).fit(TEXTS, OPD)
    assert list(pipeline.predict(["sampah menumpuk", "jalan berlubang"])) == ["DLH", "PUPR"]


def test_works_inside_grid_search() -> None:
    search = GridSearchCV(small_router(), {"C": [0.5, 1.0]}, cv=2, scoring="accuracy")
    search.fit(TEXTS, OPD)
    assert search.best_params_["C"] in (0.5, 1.0)


def test_accepts_dataframe_like_mlflow(fitted: ComplaintRouter) -> None:
    frame = pd.DataFrame({"teks": ["air PDAM tidak mengalir", "jalan berlubang"]})
    assert list(fitted.predict(frame)) == ["PDAM", "PUPR"]


def test_suggest_gives_ranked_calibrated_scores(fitted: ComplaintRouter) -> None:
    [suggestion] = fitted.suggest(["air PDAM tidak mengalir sejak pagi"])
    names = [name for name, _ in suggestion.opd]
    scores = [score for _, score in suggestion.opd]
    assert names[0] == "PDAM"
    assert len(names) == 3 and len(set(names)) == 3
    assert scores == sorted(scores, reverse=True)
    assert 0.0 <= scores[-1] <= scores[0] <= 1.0
    assert suggestion.urgency in ("tinggi", "sedang", "rendah")
    assert suggestion.urgency_score is not None and 0.0 <= suggestion.urgency_score <= 1.0


def test_suggest_explains_with_surface_words(fitted: ComplaintRouter) -> None:
    [suggestion] = fitted.suggest(["Sampah menumpuk di TPS belum diangkut"])
    assert suggestion.top_opd == "DLH"
    assert "sampah" in suggestion.opd_terms


def test_suggest_lists_danger_cues(fitted: ComplaintRouter) -> None:
    [suggestion] = fitted.suggest(["pohon tumbang menimpa rumah warga"])
    assert any("pohon" in cue for cue in suggestion.urgency_cues)


def test_text_without_words_needs_review(fitted: ComplaintRouter) -> None:
    [suggestion] = fitted.suggest(["!!! 123"])
    assert suggestion.needs_review


def test_review_threshold_flags_low_scores(fitted: ComplaintRouter) -> None:
    fitted.review_threshold_ = 1.01
    try:
        assert all(s.needs_review for s in fitted.suggest(["jalan berlubang", "sampah"]))
    finally:
        fitted.review_threshold_ = 0.5


def test_without_urgency_labels_there_is_no_urgency_head() -> None:
    router = small_router().fit(TEXTS, OPD)
    [suggestion] = router.suggest(["jalan berlubang"])
    assert suggestion.urgency is None
    with pytest.raises(ValueError, match="no urgency head"):
        router.predict_urgency_proba(["jalan"])


@pytest.mark.parametrize(
    ("texts", "labels", "urgency", "message"),
    [
        (TEXTS, OPD[:-1], None, "12 texts but y has 11"),
        (TEXTS, ["A"] * 12, None, "at least 2 OPD labels"),
        (TEXTS, ["A"] * 11 + ["B"], None, "these have 1"),
        (TEXTS, OPD, ["darurat"] * 12, "urgency values must be one of"),
    ],
)
def test_fit_rejects_bad_labels(texts: list[str], labels: list[str], urgency: list[str] | None, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        small_router().fit(texts, labels, urgency=urgency)


def test_single_string_is_not_a_sequence_of_texts(fitted: ComplaintRouter) -> None:
    with pytest.raises(TypeError, match="not a single string"):
        fitted.predict("jalan rusak")
