"""The reference systems R1 and R2 of the quality benchmark, on the team's sample complaints."""

from __future__ import annotations

import pickle
from pathlib import Path
from typing import Any

import joblib
import numpy as np
import pytest
from sklearn.base import clone

from benchmarks.reference import (
    ReferenceSystem,
    decision_scores,
    evaluate_reference,
    reference_pipeline,
    sastrawi_stem_texts,
)
from training.data import Dataset, load_dataset

# Team-written texts; two OPDs, an urgency level on all but one.
TINY = [
    ("Jalan berlubang besar di depan sekolah, motor jatuh", "Dinas PUPR", "tinggi"),
    ("Aspal jalan kampung rusak parah mohon diperbaiki", "Dinas PUPR", "sedang"),
    ("Mohon pavingisasi gang kami tahun depan", "Dinas PUPR", "rendah"),
    ("Jembatan kecil retak dan jalan amblas", "Dinas PUPR", "tinggi"),
    ("Jalan makadam becek kalau hujan", "Dinas PUPR", ""),
    ("Sampah di TPS belum diangkut seminggu, bau", "Dinas Lingkungan Hidup", "sedang"),
    ("Truk sampah tidak datang ke RT kami", "Dinas Lingkungan Hidup", "sedang"),
    ("Usul tempat sampah terpilah di taman kota", "Dinas Lingkungan Hidup", "rendah"),
    ("Pembakaran sampah liar asapnya masuk rumah", "Dinas Lingkungan Hidup", "sedang"),
    ("Sampah menumpuk di sungai dekat pasar", "Dinas Lingkungan Hidup", "rendah"),
]


@pytest.fixture(scope="module")
def samples(samples_csv: Path) -> Dataset:
    return load_dataset([samples_csv])


@pytest.fixture(scope="module", params=[False, True], ids=["R1", "R2"])
def fitted(request: pytest.FixtureRequest, samples: Dataset) -> ReferenceSystem:
    return ReferenceSystem(stem=request.param).fit(samples.texts, samples.opd, samples.urgency)


def test_sastrawi_stem_texts() -> None:
    assert sastrawi_stem_texts(["Jalannya berlubang, mohon diperbaiki!", "Pengaduan: sampah menumpuk"]) == [
        "jalan lubang mohon baik",
        "adu sampah tumpuk",
    ]


@pytest.mark.parametrize(("stem", "steps"), [(False, ["tfidf", "svm"]), (True, ["stem", "tfidf", "svm"])])
def test_reference_pipeline_is_the_plain_recipe(stem: bool, steps: list[str]) -> None:
    pipeline = reference_pipeline(stem=stem)
    assert [name for name, _ in pipeline.steps] == steps
    tfidf = pipeline.named_steps["tfidf"]
    assert tfidf.get_params() == type(tfidf)().get_params()  # TfidfVectorizer() with its defaults
    svm_params = pipeline.named_steps["svm"].get_params()
    assert {k: v for k, v in svm_params.items() if k != "random_state"} == {
        k: v for k, v in type(pipeline.named_steps["svm"])().get_params().items() if k != "random_state"
    }


def test_fitted_reference_on_the_samples(fitted: ReferenceSystem, samples: Dataset) -> None:
    assert sorted(fitted.classes_) == sorted(set(samples.opd))
    scores = fitted.decision_function(samples.texts[:5])
    assert scores.shape == (5, len(fitted.classes_))
    assert list(fitted.predict(samples.texts[:5])) == list(fitted.classes_[np.argmax(scores, axis=1)])
    assert np.isfinite(fitted.review_threshold_)
    assert set(fitted.predict_urgency(samples.texts[:20])) <= {"tinggi", "sedang", "rendah"}


def test_evaluate_reference_on_its_training_rows(fitted: ReferenceSystem, samples: Dataset) -> None:
    metrics = evaluate_reference(fitted, samples.texts, samples.opd, samples.urgency)
    # a linear SVM on TF-IDF separates its own 420 training texts almost perfectly
    assert metrics["opd_accuracy"] > 0.95
    assert metrics["opd_top3_accuracy"] >= metrics["opd_accuracy"]
    assert 0.0 <= metrics["opd_coverage"] <= 1.0
    assert metrics["rows"] == len(samples)
    assert metrics["urgency_rows"] == len(samples)
    assert metrics["urgency_tinggi_recall"] > 0.9


def test_reference_round_trips_through_joblib(fitted: ReferenceSystem, samples: Dataset, tmp_path: Path) -> None:
    joblib.dump(fitted, tmp_path / "reference.joblib", compress=3)
    loaded = joblib.load(tmp_path / "reference.joblib")
    np.testing.assert_allclose(
        loaded.decision_function(samples.texts[:10]), fitted.decision_function(samples.texts[:10])
    )
    assert loaded.review_threshold_ == fitted.review_threshold_
    # the Sastrawi dictionary is not pickled into the model
    assert len(pickle.dumps(fitted)) < 5_000_000


def test_clone_and_refit_are_repeatable(samples: Dataset) -> None:
    first = ReferenceSystem(random_state=3)
    assert clone(first).get_params() == first.get_params()
    a = clone(first).fit(samples.texts, samples.opd)
    b = clone(first).fit(samples.texts, samples.opd)
    np.testing.assert_array_equal(a.decision_function(samples.texts[:10]), b.decision_function(samples.texts[:10]))
    assert a.review_threshold_ == b.review_threshold_
    assert a.urgency_ is None


def test_two_opds_give_two_score_columns() -> None:
    texts, opd, urgency = (list(column) for column in zip(*TINY, strict=True))
    system = ReferenceSystem(holdout=0.2).fit(texts, opd, urgency)
    scores = system.decision_function(texts)
    assert scores.shape == (len(TINY), 2)
    np.testing.assert_allclose(scores[:, 0], -scores[:, 1])
    assert list(system.predict(["sampah belum diangkut"])) == ["Dinas Lingkungan Hidup"]
    # urgency learned from the nine labeled rows only
    assert system.urgency_ is not None
    assert set(system.urgency_.classes_) == {"tinggi", "sedang", "rendah"}


def test_decision_scores_of_a_binary_model() -> None:
    class Binary:
        def decision_function(self, X: Any) -> np.ndarray:
            return np.array([1.5, -0.25])

    np.testing.assert_array_equal(decision_scores(Binary(), ["a", "b"]), [[-1.5, 1.5], [0.25, -0.25]])


@pytest.mark.parametrize(
    ("kwargs", "args", "message"),
    [
        ({"holdout": 0.5}, (["a"] * 4, ["x", "x", "y", "y"]), "holdout must be between 0 and 0.5, got 0.5"),
        ({}, (["a", "b"], ["x", "y", "y"]), "X has 2 texts but y has 3 labels"),
    ],
)
def test_fit_rejects_bad_input(kwargs: dict[str, Any], args: tuple[Any, ...], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        ReferenceSystem(**kwargs).fit(*args)


def test_fit_rejects_urgency_of_another_length() -> None:
    texts, opd, urgency = (list(column) for column in zip(*TINY, strict=True))
    with pytest.raises(ValueError, match="urgency has 9 values but X has 10 texts"):
        ReferenceSystem().fit(texts, opd, urgency[:9])


def test_predict_urgency_needs_an_urgency_head() -> None:
    texts, opd, _ = (list(column) for column in zip(*TINY, strict=True))
    with pytest.raises(ValueError, match="no urgency head"):
        ReferenceSystem().fit(texts, opd).predict_urgency(texts)


class _FixedSystem(ReferenceSystem):
    """Fixed decision values and urgency levels, so the figures can be worked out by hand."""

    def __init__(self) -> None:
        super().__init__()
        self.classes_ = np.array(["A", "B", "C"], dtype=object)
        self.review_threshold_ = 0.5
        self.urgency_ = reference_pipeline(stem=False)  # present, never called: predict_urgency is fixed
        self.opd_ = None

    def decision_function(self, X: Any) -> np.ndarray:
        return np.array([[0.9, -0.2, -0.7], [0.1, 0.3, -0.5], [-0.4, 0.6, 0.2], [-0.1, -0.3, 0.2]])[: len(X)]

    def predict_urgency(self, X: Any) -> np.ndarray:
        by_text = {"t1": "tinggi", "t2": "sedang", "t4": "rendah"}
        return np.array([by_text[x] for x in X], dtype=object)


def test_evaluate_reference_by_hand() -> None:
    # predictions A, B, B, C for truths A, C, B, C: accuracy 3/4
    # F1: A = 1, B = 2*(1/2*1)/(1/2+1) = 2/3, C = 2*(1*1/2)/(1+1/2) = 2/3 -> macro 7/9
    # top-3 of three classes is always right; margins 0.9, 0.3, 0.6, 0.2 -> rows 0 and 2 reach 0.5,
    # both right: coverage 1/2, accuracy among them 1
    # urgency only on rows with a level (rows 0, 1, 3): truths tinggi, tinggi, rendah; predicted
    # tinggi, sedang, rendah -> tinggi recall 1/2; F1 tinggi 2/3, rendah 1 (sedang not in the truth)
    metrics = evaluate_reference(
        _FixedSystem(), ["t1", "t2", "t3", "t4"], ["A", "C", "B", "C"], ["tinggi", "tinggi", "", "rendah"]
    )
    assert metrics["opd_accuracy"] == pytest.approx(0.75)
    assert metrics["opd_macro_f1"] == pytest.approx(7 / 9)
    assert metrics["opd_top3_accuracy"] == pytest.approx(1.0)
    assert metrics["opd_coverage"] == pytest.approx(0.5)
    assert metrics["opd_auto_accuracy"] == pytest.approx(1.0)
    assert metrics["rows"] == 4
    assert metrics["urgency_rows"] == 3
    assert metrics["urgency_tinggi_recall"] == pytest.approx(0.5)
    assert metrics["urgency_macro_f1"] == pytest.approx((2 / 3 + 1.0) / 2)
