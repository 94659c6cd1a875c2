"""The territorial breakdown of the unit section: every row counted once, the ceiling above the accuracy."""

from __future__ import annotations

import copy
import math
from dataclasses import replace
from pathlib import Path

import pytest

from benchmarks.report import CorpusResult, SystemResult
from benchmarks.unit_review import review_by_month, territorial_breakdown, unit_section, worst_month
from models.router import ComplaintRouter
from training.data import Dataset, load_dataset
from training.evaluate import evaluate_router, unit_metrics
from training.fit import train_router

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


def test_the_shipped_row_by_month_counts_what_the_router_flags(units_data: Dataset) -> None:
    """The review by month flags what the router flags (``ragu`` or ``di_luar_cakupan``), so its shipped row over
    all of dev is the coverage and accuracy of ``evaluate_router``; months split the same rows. The review
    threshold is set to 0 so that only the open-set check flags, on complaints for no unit of the city."""
    result = train_router(units_data, params={"calibration_cv": 3})
    assert result.review is not None
    router = copy.deepcopy(result.router)
    router.review_threshold_ = 0.0
    outsiders = [
        "Paspor saya hilang di bandara, bagaimana mengurus ke imigrasi",
        "Pesawat delay lima jam tanpa kompensasi dari maskapai",
        "Kapal nelayan asing mencuri ikan di laut lepas",
    ]
    dev = replace(
        units_data,
        texts=[*units_data.texts, *outsiders],
        opd=[*units_data.opd, *[units_data.opd[0]] * len(outsiders)],
        dates=[*(units_data.dates or []), *["2023-03-01"] * len(outsiders)],
        units=None,
        places=None,
    )
    metrics = evaluate_router(router, dev.texts, dev.opd)
    assert metrics["opd_outside_share"] > 0  # the open-set check flags some: the case this test is about
    rows = review_by_month(router, result.review, dev)
    coverage, accuracy, n = rows[0]["figures"]["all"]
    assert n == len(dev)
    assert coverage == pytest.approx(metrics["opd_coverage"]) and coverage < 1.0
    assert accuracy == pytest.approx(metrics["opd_auto_accuracy"])
    months = [f for period, f in rows[0]["figures"].items() if period != "all"]
    assert sum(m[2] for m in months) == n
    assert sum(m[0] * m[2] for m in months) == pytest.approx(coverage * n)
