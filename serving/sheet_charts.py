"""The geometry of the statistics page's charts, drawn by the template as inline SVG.

Sizes and colours are SVG presentation attributes (``width``, ``fill``), which the page's Content-Security-Policy
(``style-src 'self'``, no inline styles) allows; no script and no chart library is involved.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from store.stats import OpdStats

__all__ = ["Bar", "BarChart", "OpdBar", "OpdChart", "bar_chart", "daily", "opd_chart"]

_HEIGHT = 160
_BAR_SPACE = 24
_LABEL_SPACE = 34
_OPD_ROW = 26
_OPD_WIDTH = 360
_MAX_LABELS = 31


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    label: str
    value: int


@dataclass(frozen=True)
class BarChart:
    width: int
    height: int
    base: int
    bars: list[Bar]
    peak: int


@dataclass(frozen=True)
class OpdBar:
    y: int
    opd: str
    total: int
    total_width: float
    accepted_width: float
    accepted_percent: int | None
    automatic: int


@dataclass(frozen=True)
class OpdChart:
    width: int
    height: int
    rows: list[OpdBar]


def bar_chart(points: Sequence[tuple[str, int]]) -> BarChart:
    """Vertical bars, one per point, scaled so that the largest fills the chart's height; with many points only
    every n-th is labelled, so that labels never overlap once the chart is shrunk to the screen."""
    peak = max((n for _, n in points), default=0)
    base = _HEIGHT
    every = max(1, math.ceil(len(points) / _MAX_LABELS))
    bars = []
    for index, (label, value) in enumerate(points):
        height = (base - 20) * value / peak if peak else 0.0
        shown = label if index % every == 0 else ""
        bars.append(Bar(x=index * _BAR_SPACE + 4, y=base - height, width=_BAR_SPACE - 6, height=height,
                        label=shown, value=value))  # fmt: skip
    return BarChart(width=max(len(points), 1) * _BAR_SPACE + 8, height=base + _LABEL_SPACE, base=base, bars=bars,
                    peak=peak)  # fmt: skip


def daily(counts: Sequence[tuple[date, int]], since: date, days: int) -> list[tuple[str, int]]:
    """Every day of the window as ``("d/m", count)``, days without complaints included as 0."""
    known = dict(counts)
    return [(f"{d.day}/{d.month}", known.get(d, 0)) for d in (since + timedelta(days=i) for i in range(days))]


def opd_chart(per_opd: Sequence[OpdStats]) -> OpdChart:
    """Horizontal bars per OPD: its complaints, and inside them the share routed to it as the model suggested."""
    peak = max((row.total for row in per_opd), default=0)
    rows = []
    for index, row in enumerate(per_opd):
        total_width = _OPD_WIDTH * row.total / peak if peak else 0.0
        accepted_width = total_width * row.accepted / row.total if row.total else 0.0
        share = row.accepted_share
        rows.append(
            OpdBar(
                y=index * _OPD_ROW,
                opd=row.opd,
                total=row.total,
                total_width=total_width,
                accepted_width=accepted_width,
                accepted_percent=None if share is None else round(100 * share),
                automatic=row.automatic,
            )
        )
    return OpdChart(width=_OPD_WIDTH + 60, height=max(len(rows), 1) * _OPD_ROW, rows=rows)
