"""The geometry of the statistics page's SVG charts (serving/sheet_charts.py)."""

from __future__ import annotations

from datetime import date

import pytest

from serving.sheet_charts import bar_chart, daily, opd_chart
from store.stats import OpdStats


def test_every_day_of_the_window_is_a_bar_even_without_complaints() -> None:
    series = daily([(date(2026, 12, 2), 4), (date(2026, 12, 4), 1)], since=date(2026, 11, 30), days=5)
    assert series == [("30/11", 0), ("1/12", 0), ("2/12", 4), ("3/12", 0), ("4/12", 1)]


def test_the_tallest_bar_fills_the_chart_and_the_others_scale_with_it() -> None:
    chart = bar_chart([("1/12", 2), ("2/12", 4), ("3/12", 0)])
    half, tallest, empty = chart.bars
    assert chart.peak == 4
    assert tallest.height == pytest.approx(2 * half.height)
    assert empty.height == 0
    assert tallest.y + tallest.height == chart.base == half.y + half.height
    assert all(bar.x + bar.width <= chart.width for bar in chart.bars)


def test_a_long_window_labels_only_some_days_so_labels_never_overlap() -> None:
    chart = bar_chart([(f"d{n}", n) for n in range(365)])
    labelled = [bar for bar in chart.bars if bar.label]
    assert 12 <= len(labelled) <= 31
    assert chart.bars[0].label == "d0"


def test_opd_bars_show_the_accepted_part_inside_the_total() -> None:
    chart = opd_chart(
        [
            OpdStats(opd="Dinas PUPR", total=10, decided=4, accepted=3, automatic=2),
            OpdStats(opd="Dinas Kesehatan", total=5, decided=0, accepted=0, automatic=0),
        ]
    )
    pupr, kesehatan = chart.rows
    assert pupr.total_width == pytest.approx(2 * kesehatan.total_width)
    assert pupr.accepted_width == pytest.approx(pupr.total_width * 3 / 10)
    assert (pupr.accepted_percent, kesehatan.accepted_percent) == (75, None)
    assert kesehatan.y > pupr.y
