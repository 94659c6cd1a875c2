"""The few-shot unit scorer (models/fewshot.py): constructed feature rows, and the router on data/samples/units.csv
with the team-written data/samples/opd_catalogue_units.csv (Dinas Perikanan has a catalogue line and no complaint)."""

from __future__ import annotations

import pickle
from pathlib import Path

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.base import clone
from sklearn.linear_model import LogisticRegression

from models.fewshot import Catalogue, FewShotUnits, pooled_units
from models.router import ComplaintRouter
from training.data import DataError, Dataset, load_catalogue, load_dataset

SAMPLES = Path(__file__).resolve().parents[2] / "data" / "samples"
UNITS_CSV = SAMPLES / "units.csv"
CATALOGUE_CSV = SAMPLES / "opd_catalogue_units.csv"
FISH_TEXT = "Ikan di tambak warga mati mendadak, nelayan minta bantuan benih ikan"

# Four features; units A and B have rows, C only a description, D only a description too.
ROWS = np.array([[1.0, 0.1, 0, 0], [0.9, 0.0, 0.1, 0], [0.1, 1.0, 0, 0], [0.0, 0.8, 0.1, 0]])
ROW_UNITS = ["A", "A", "B", "B"]
DESCRIPTIONS = np.array([[0.2, 0.0, 1.0, 0.0], [0.0, 0.0, 0.1, 1.0]])
DESCRIBED = ["C", "D"]


@pytest.fixture(scope="module")
def units_data() -> Dataset:
    return load_dataset([UNITS_CSV], unit_column="instansi")


@pytest.fixture(scope="module")
def catalogue() -> Catalogue:
    return load_catalogue(CATALOGUE_CSV)


@pytest.fixture(scope="module")
def described_router(units_data: Dataset, catalogue: Catalogue) -> ComplaintRouter:
    return ComplaintRouter(calibration_cv=3).fit(
        units_data.texts, units_data.opd, units=units_data.units, places=units_data.places, catalogue=catalogue
    )


def _fitted(**params: float) -> FewShotUnits:
    return FewShotUnits(**params).fit(ROWS, ROW_UNITS, DESCRIPTIONS, DESCRIBED)


@pytest.mark.parametrize("prototype_weight", [0.0, 0.5, 1.0])
def test_each_unit_is_named_for_rows_like_its_examples_or_its_description(prototype_weight: float) -> None:
    scorer = _fitted(prototype_weight=prototype_weight, min_score=0.0)
    queries = np.array([[1.0, 0.0, 0, 0], [0.0, 1.0, 0, 0], [0.0, 0.0, 1.0, 0], [0.0, 0.0, 0.0, 1.0]])
    assert scorer.classes_.tolist() == ["A", "B", "C", "D"]
    assert scorer.name(queries, fallback="Lainnya").tolist() == ["A", "B", "C", "D"]
    proba = scorer.predict_proba(queries)
    assert proba.shape == (4, 4)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)


def test_prototypes_are_normalised_means_with_the_description_as_weighted_rows() -> None:
    scorer = FewShotUnits(description_weight=2.0, center=False).fit(ROWS[:2], ["A", "A"], DESCRIPTIONS, ["A", "D"])
    rows = ROWS[:2] / np.linalg.norm(ROWS[:2], axis=1, keepdims=True)
    description = DESCRIPTIONS[0] / np.linalg.norm(DESCRIPTIONS[0])
    mean = rows.sum(axis=0) + 2.0 * description
    np.testing.assert_allclose(scorer.prototypes_[0].toarray().ravel(), mean / np.linalg.norm(mean))
    # D has only its description: its prototype is that direction, and cosine of a row with itself is 1
    np.testing.assert_allclose(scorer.similarities(DESCRIPTIONS[1:])[0, 1], 1.0)


def test_centred_similarities_are_cosines_after_taking_the_mean_row_off() -> None:
    scorer = FewShotUnits(center=True).fit(ROWS, ROW_UNITS, DESCRIPTIONS, DESCRIBED)
    unit_rows = ROWS / np.linalg.norm(ROWS, axis=1, keepdims=True)
    mean = unit_rows.mean(axis=0)
    query = np.array([[0.3, 0.2, 0.9, 0.1], [0.9, 0.1, 0.0, 0.3]])
    shifted = query / np.linalg.norm(query, axis=1, keepdims=True) - mean
    prototypes = scorer.prototypes_.toarray()
    expected = (shifted @ prototypes.T) / np.linalg.norm(shifted, axis=1, keepdims=True)
    np.testing.assert_allclose(scorer.similarities(query), expected, atol=1e-12)
    np.testing.assert_allclose(np.linalg.norm(prototypes, axis=1), 1.0)
    # without centring the prototypes keep the mean row in them
    plain = FewShotUnits(center=False).fit(ROWS, ROW_UNITS, DESCRIPTIONS, DESCRIBED)
    assert not np.allclose(plain.prototypes_.toarray(), prototypes)


def test_one_unit_is_not_a_choice() -> None:
    with pytest.raises(ValueError, match=r"need at least 2 units to choose from, got \['A'\]"):
        FewShotUnits().fit(ROWS[:2], ["A", "A"], DESCRIPTIONS[:1], ["A"])


def test_the_pooled_label_stands_below_min_score() -> None:
    query = np.array([[0.5, 0.5, 0.5, 0.5]])
    assert _fitted(min_score=0.0).name(query, fallback="Lainnya").tolist() != ["Lainnya"]
    assert _fitted(min_score=0.99).name(query, fallback="Lainnya").tolist() == ["Lainnya"]


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"prototype_weight": 1.5}, "prototype_weight must be in"),
        ({"min_score": -0.1}, "min_score must be in"),
        ({"temperature": 0.0}, "temperature must be positive, got 0.0"),
        ({"description_weight": 0.0}, "description_weight must be positive, got 0.0"),
    ],
)
def test_bad_parameters_are_named(params: dict[str, float], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        _fitted(**params)


def test_rows_and_names_must_agree() -> None:
    with pytest.raises(ValueError, match="units has 3 values for 4 rows"):
        FewShotUnits().fit(ROWS, ROW_UNITS[:3])
    with pytest.raises(ValueError, match="described has 1 names for 2 description rows"):
        FewShotUnits().fit(ROWS, ROW_UNITS, DESCRIPTIONS, ["C"])


def test_estimator_contract_clone_pickle_refit() -> None:
    scorer = _fitted(prototype_weight=0.3, temperature=0.1)
    query = sp.csr_matrix(np.array([[0.3, 0.2, 0.9, 0.1], [0.9, 0.1, 0.0, 0.3]]))
    expected = scorer.predict_proba(query)
    assert clone(scorer).get_params() == scorer.get_params()
    np.testing.assert_allclose(pickle.loads(pickle.dumps(scorer)).predict_proba(query), expected)
    np.testing.assert_allclose(scorer.fit(ROWS, ROW_UNITS, DESCRIPTIONS, DESCRIBED).predict_proba(query), expected)


def test_pooled_units_places_catalogue_lines() -> None:
    Z = np.vstack([ROWS, ROWS[:2]])
    labels = np.asarray(["Lainnya"] * 4 + ["Dinas X", "Kecamatan/Kelurahan"], dtype=object)
    names = np.asarray([*ROW_UNITS, "Dinas X", "Kelurahan Y"], dtype=object)
    lines = Catalogue(("C", "Dinas X", "Kelurahan Y", "D"), ("c", "x", "y", "d"), ("", "", "", "Dinas X"))
    D = np.vstack([DESCRIPTIONS[:1], ROWS[:2], DESCRIPTIONS[1:]])
    scorers = pooled_units(Z, labels, names, lines, D, exclude=["Kecamatan/Kelurahan"])
    # C: unknown, to the only pooled label; D: to the label the catalogue names, which now groups two units
    assert sorted(scorers) == ["Dinas X", "Lainnya"]
    assert scorers["Lainnya"].classes_.tolist() == ["A", "B", "C"]
    assert scorers["Dinas X"].classes_.tolist() == ["D", "Dinas X"]


def test_a_grouping_label_without_known_units_is_scored_from_its_lines_alone() -> None:
    labels = np.asarray(["Lainnya"] * 2 + ["Dinas X"] * 2, dtype=object)
    names = np.asarray(["", "", "Dinas X", "Dinas X"], dtype=object)
    lines = Catalogue(("C", "D"), ("c", "d"))
    scorers = pooled_units(ROWS, labels, names, lines, DESCRIPTIONS)
    assert list(scorers) == ["Lainnya"]
    assert scorers["Lainnya"].classes_.tolist() == ["C", "D"]
    assert scorers["Lainnya"].name(DESCRIPTIONS, fallback="Lainnya").tolist() == ["C", "D"]
    # one line is no choice: nothing to score
    assert pooled_units(ROWS, labels, names, Catalogue(("C",), ("c",)), DESCRIPTIONS[:1]) == {}


def test_catalogue_rejects_doubled_units() -> None:
    with pytest.raises(ValueError, match=r"units named twice in the catalogue: \['A'\]"):
        Catalogue(("A", "A"), ("a", "b"))


def test_load_catalogue_reads_names_descriptions_and_checks_columns(tmp_path: Path, catalogue: Catalogue) -> None:
    assert "Dinas Perikanan" in catalogue.units
    assert all(catalogue.descriptions)
    bad = tmp_path / "bad.csv"
    bad.write_text("kode,nama\nX,Dinas X\n", encoding="utf-8")
    with pytest.raises(DataError, match=r'catalogue column "menangani" not in bad\.csv columns: kode, nama'):
        load_catalogue(bad)
    twice = tmp_path / "twice.csv"
    twice.write_text("nama,menangani\nDinas X,a\nDinas X,b\n", encoding="utf-8")
    with pytest.raises(DataError, match=r"twice\.csv names these units twice: Dinas X"):
        load_catalogue(twice)


def test_router_names_a_catalogue_only_unit(described_router: ComplaintRouter, units_data: Dataset) -> None:
    scorer = described_router.unit_.pooled_["Lainnya"]
    assert isinstance(scorer, FewShotUnits)
    assert "Dinas Perikanan" in scorer.classes_
    assert described_router.units_for([FISH_TEXT], ["Lainnya"]).tolist() == ["Dinas Perikanan"]
    # a unit with training rows is still named, and the other labels answer as before
    assert described_router.units_for(["Hidran mati, mohon pemadam kebakaran"], ["Lainnya"]).tolist() == [
        "Dinas Pemadam Kebakaran"
    ]
    assert described_router.units_for(["Lampu lalu lintas mati"], ["Dinas Perhubungan"]).tolist() == [
        "Dinas Perhubungan"
    ]


def test_router_without_catalogue_keeps_the_pooled_classifier(units_data: Dataset) -> None:
    plain = ComplaintRouter(calibration_cv=3).fit(
        units_data.texts, units_data.opd, units=units_data.units, places=units_data.places
    )
    assert isinstance(plain.unit_.pooled_["Lainnya"], LogisticRegression)
    assert plain.units_for([FISH_TEXT], ["Lainnya"]).tolist() != ["Dinas Perikanan"]


def test_territorial_and_own_label_lines_change_nothing(described_router: ComplaintRouter) -> None:
    assert list(described_router.unit_.pooled_) == ["Lainnya"]
    assert described_router.unit_.territorial_ == ["Kecamatan/Kelurahan"]
