"""store.monitoring on SQLite and PostgreSQL: the figures of a window, computed in SQL from known complaints."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine

from models.drift import CONFIDENCE_EDGES, confidence_counts
from store.complaints import ComplaintStore, Decision, NewComplaint
from store.monitoring import MonitoringCounts, monitoring_figures

NOW = datetime(2026, 11, 30, 15, 0, tzinfo=UTC)

# (day offset from NOW's day, top OPD, score, needs_review, oov_rate, decided OPD or None)
ROWS = [
    (0, "Dinas PUPR", 0.95, False, 0.10, "Dinas PUPR"),
    (0, "Dinas PUPR", 0.42, True, 0.30, "DLH"),
    (0, "DLH", 0.81, False, None, "DLH"),
    (-1, "DLH", 0.55, False, 0.00, None),
    (-1, "PDAM", 0.30, True, 0.50, "Satpol PP"),
    (-3, "PDAM", 1.00, False, 0.20, "PDAM"),
    (-6, "Dinas PUPR", 0.05, True, 0.40, "Dinas PUPR"),
    # the window before (7 days earlier), and one complaint outside both
    (-7, "DLH", 0.90, False, 0.05, "DLH"),
    (-9, "DLH", 0.20, True, 0.60, "Dinas PUPR"),
    (-20, "PDAM", 0.50, False, 0.10, "PDAM"),
]


def _fill(engine: Engine) -> ComplaintStore:
    store = ComplaintStore(engine)
    items = []
    for i, (offset, top, score, review, oov, _) in enumerate(ROWS):
        suggestion = {"suggestions": [{"opd": top, "score": score}], "oov_rate": oov}
        items.append(
            NewComplaint(
                id=f"K{i}",
                text="teks aduan yang sudah disamarkan",
                suggestion=suggestion,
                top_opd=top,
                top_score=score,
                urgency="sedang",
                needs_review=review,
                model_version="v1",
                tanggal=NOW.replace(hour=9) + timedelta(days=offset),
            )
        )
    store.add(items, now=NOW)
    for i, row in enumerate(ROWS):
        if row[5] is not None:
            store.decide(f"K{i}", Decision(decided_by="budi", opd=row[5]), now=NOW)
    return store


def _expected(rows: list[tuple]) -> MonitoringCounts:  # type: ignore[type-arg]
    oov = [r[4] for r in rows if r[4] is not None]
    decided = [r for r in rows if r[5] is not None]
    return MonitoringCounts(
        volume=len(rows),
        needs_review=sum(r[3] for r in rows),
        decided=len(decided),
        accepted=sum(r[5] == r[1] for r in decided),
        oov_sum=sum(oov),
        oov_rows=len(oov),
    )


def _in(rows: list[tuple], low: int, high: int) -> list[tuple]:  # type: ignore[type-arg]
    return [r for r in rows if low <= r[0] <= high]


def test_window_figures_per_day_and_per_opd_match_the_stored_complaints(migrated: Engine) -> None:
    _fill(migrated)
    figures = monitoring_figures(migrated, days=7, now=NOW, edges=CONFIDENCE_EDGES)
    window = _in(ROWS, -6, 0)
    assert (figures.since, figures.until) == ((NOW - timedelta(days=6)).date(), NOW.date())
    expected = _expected(window)
    assert figures.total.volume == expected.volume
    assert figures.total.needs_review == expected.needs_review
    assert (figures.total.decided, figures.total.accepted) == (expected.decided, expected.accepted)
    assert figures.total.oov_rate == pytest.approx(expected.oov_rate)
    assert figures.total.top1_acceptance_rate == pytest.approx(expected.accepted / expected.decided)
    previous = _expected(_in(ROWS, -13, -7))
    assert figures.previous.volume == previous.volume == 2
    assert figures.previous.top1_acceptance_rate == pytest.approx(previous.accepted / previous.decided)
    assert figures.previous.oov_rate == pytest.approx(previous.oov_rate)

    days = dict(figures.per_day)
    for offset in {r[0] for r in window}:
        day = (NOW + timedelta(days=offset)).date()
        wanted = _expected(_in(ROWS, offset, offset))
        assert (days[day].volume, days[day].needs_review, days[day].decided, days[day].accepted) == (
            wanted.volume,
            wanted.needs_review,
            wanted.decided,
            wanted.accepted,
        )
    assert sum(c.volume for c in days.values()) == len(window)

    per_opd = dict(figures.per_opd)
    for name in {r[5] or r[1] for r in window}:
        mine = [r for r in window if (r[5] or r[1]) == name]
        assert per_opd[name].volume == len(mine)
        assert per_opd[name].accepted == _expected(mine).accepted

    assert figures.confidence_counts == confidence_counts([r[2] for r in window])
    decided = [r[5] for r in window if r[5] is not None]
    assert figures.decided_labels == {name: decided.count(name) for name in set(decided)}


def test_opd_filter_and_an_empty_window(migrated: Engine) -> None:
    _fill(migrated)
    only = monitoring_figures(migrated, days=7, now=NOW, opd="DLH")
    mine = [r for r in _in(ROWS, -6, 0) if (r[5] or r[1]) == "DLH"]
    assert only.total.volume == len(mine)
    assert [name for name, _ in only.per_opd] == ["DLH"]
    empty = monitoring_figures(migrated, days=3, now=NOW + timedelta(days=100))
    assert empty.total == MonitoringCounts()
    assert empty.total.needs_review_rate is None and empty.total.top1_acceptance_rate is None
    assert empty.confidence_counts == [0]


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [({"days": 0}, "days must be at least 1, got 0"), ({"edges": [0.5, 0.1]}, "edges must be at least two")],
)
def test_bad_arguments_are_refused(migrated: Engine, kwargs: dict, message: str) -> None:  # type: ignore[type-arg]
    with pytest.raises(ValueError, match=message):
        monitoring_figures(migrated, **kwargs)
