"""The territorial breakdown of the unit section: every row counted once, the ceiling above the accuracy."""

from __future__ import annotations

import math
from dataclasses import replace
from pathlib import Path

import pytest

from benchmarks.report import CorpusResult, SystemResult
from benchmarks.unit_review import territorial_breakdown, unit_section, worst_month
from models.router import ComplaintRouter
from training.data import Dataset, load_dataset
from training.evaluate import unit_metrics

UNITS_CSV = Path(__file__).resolve().parents[2] / "data" / "samples" / "units.csv"


@pytest.fixture(scope="module")
def units_data() -> Dataset:
    return load_dataset([UNITS_CSV], unit_column="instansi")


@pytest.fixture(scope="module")
def unit_router(units_data: Dataset) -> ComplaintRouter:
    return ComplaintRouter(calibration_cv=3).fit(
        units_data.texts, units_data.opd, units=units_data.units, places=units_data.places
    )


def test_breakdown_counts_each_territorial_row_once(unit_router: ComplaintRouter, units_data: Dataset) -> None:
    assert units_data.units is not None
    found = territorial_breakdown(unit_router, units_data)
    accuracy = unit_metrics(unit_router, units_data.texts, units_data.opd, units_data.units, units_data.places)[
        "unit_accuracy_territorial_given_opd"
    ]
    wrong = found["unit_territorial_wrong_level"] + found["unit_territorial_wrong_place"]
    assert accuracy + wrong + found["unit_territorial_no_place"] == pytest.approx(1.0)
    assert accuracy <= found["unit_territorial_level_ceiling"] <= 1.0
    assert 0.0 < found["unit_territorial_kecamatan_share"] < 1.0


def test_breakdown_without_places_counts_rows_with_no_place(unit_router: ComplaintRouter, units_data: Dataset) -> None:
    # the texts alone: rows whose text names no place have no place, and fields are not used
    found = territorial_breakdown(unit_router, replace(units_data, places=None))
    with_fields = territorial_breakdown(unit_router, units_data)
    assert found["unit_territorial_no_place"] >= with_fields["unit_territorial_no_place"]
    assert found["unit_territorial_level_ceiling"] <= with_fields["unit_territorial_level_ceiling"]


def test_breakdown_is_empty_without_units(sample_router: ComplaintRouter, units_data: Dataset) -> None:
    assert territorial_breakdown(sample_router, units_data) == {}
    assert territorial_breakdown(ComplaintRouter(), replace(units_data, units=None)) == {}


def test_unit_section_shows_the_breakdown_rows() -> None:
    metrics = {
        "unit_accuracy": 0.8,
        "unit_rows_territorial": 10,
        "unit_territorial_wrong_level": 0.2,
        "unit_territorial_level_ceiling": 0.9,
    }
    result = CorpusResult("surabaya", 1, 1, 0, 0, 2, [SystemResult("disposisi", "disposisi", metrics)])
    text = unit_section([result], "cmd")
    assert "| territorial rows wrong by the level only, given the true OPD (share) | 0.200 |" in text
    assert "| territorial rows, ceiling: a perfect level choice on the resolver's place | 0.900 |" in text
    assert "wrong by the place" not in text  # a figure the run did not give is left out


def _months(*figures: tuple[float, float, int]) -> list[dict[str, object]]:
    periods = {"all": (0.5, 0.96, 30), **{f"2023-0{i}": f for i, f in enumerate(figures, start=1)}}
    other = {p: (0.1, 1.0, 10) for p in periods}  # a later variant must not count: only the shipped row does
    return [{"variant": "shipped", "threshold": 0.8, "figures": periods}, {"variant": "x", "figures": other}]


def test_worst_month_is_the_lowest_month_of_the_shipped_threshold() -> None:
    rows = _months((0.5, 0.97, 10), (0.6, 0.949, 10), (0.4, 0.99, 10))
    assert worst_month(rows) == pytest.approx(0.949)


def test_worst_month_is_not_a_number_when_a_month_flags_everything() -> None:
    rows = _months((0.5, 0.97, 10), (0.0, float("nan"), 10))
    assert math.isnan(worst_month(rows))
