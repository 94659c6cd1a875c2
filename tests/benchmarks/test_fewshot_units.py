"""The few-example units benchmark on the team's data/samples/units.csv (``Lainnya`` pools two units) with
data/samples/opd_catalogue_units.csv: folds, the train-side choice, and the section it writes."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from benchmarks.fewshot_cv import Setting, choose, stratified_folds
from benchmarks.fewshot_units import measure, section
from models.fewshot import Catalogue
from models.router import ComplaintRouter
from training.data import Dataset, load_catalogue, load_dataset

SAMPLES = Path(__file__).resolve().parents[2] / "data" / "samples"
SMALL_GRID = {
    "center": (False, True),
    "description_weight": (1.0,),
    "temperature": (0.05,),
    "prototype_weight": (0.0, 0.5, 1.0),
    "min_score": (0.0, 0.4),
}


@pytest.fixture(scope="module")
def units_data() -> Dataset:
    return load_dataset([SAMPLES / "units.csv"], unit_column="instansi")


@pytest.fixture(scope="module")
def catalogue() -> Catalogue:
    return load_catalogue(SAMPLES / "opd_catalogue_units.csv")


@pytest.fixture(scope="module")
def result(units_data: Dataset, catalogue: Catalogue) -> dict[str, object]:
    router = ComplaintRouter(calibration_cv=3).fit(
        units_data.texts, units_data.opd, units=units_data.units, places=units_data.places
    )
    return measure(router, units_data, units_data, catalogue, grid=SMALL_GRID)


def test_folds_deal_each_unit_round_robin() -> None:
    units = ["A"] * 7 + ["B"] * 3 + ["C"]
    folds = stratified_folds(units, 5, seed=0)
    a = folds[:7]
    assert sorted(np.bincount(a, minlength=5).tolist()) == [1, 1, 1, 2, 2]
    assert len(set(folds[7:10].tolist())) == 3
    assert stratified_folds(units, 5, seed=0).tolist() == folds.tolist()


def test_choose_keeps_the_precision_floor() -> None:
    precise = Setting({"min_score": 0.5}, cv_right=0.3, cv_named=0.35, lou_right=0.2)
    loose = Setting({"min_score": 0.1}, cv_right=0.5, cv_named=1.0, lou_right=0.4)
    assert choose([loose, precise], floor=0.75) is precise
    assert choose([loose, precise], floor=0.5) is loose
    with pytest.raises(ValueError, match=r"no setting names units at precision 0\.99"):
        choose([loose, precise], floor=0.99)


def test_measure_scores_the_grid_and_keeps_other_labels(result: dict[str, object]) -> None:
    settings = result["settings"]
    assert isinstance(settings, list) and len(settings) == 12
    assert all(0.0 <= s.cv_right <= s.cv_named <= 1.0 for s in settings)
    assert result["rare_units"] == ["Dinas Ketahanan Pangan", "Dinas Pemadam Kebakaran"]
    assert result["changed_outside"] == 0
    catalogue_only = result["catalogue_only"]
    assert isinstance(catalogue_only, dict) and set(catalogue_only) == set(result["rare_units"])  # type: ignore[arg-type]
    # the fire brigade's catalogue line alone names most of its complaints
    assert catalogue_only["Dinas Pemadam Kebakaran"] > 0.5


def test_section_shows_both_systems_and_every_rare_unit(result: dict[str, object]) -> None:
    body = section(result, command="python benchmarks/fewshot_units.py", run_line="Run now.")
    assert body.startswith("`python benchmarks/fewshot_units.py`")
    assert "| rare units, given the true OPD: share right |" in body
    assert "| Dinas Pemadam Kebakaran | 6 | 6 |" in body
    assert "**(chosen)**" in body or "NOT the chosen setting" in body
