"""Figures of the admin's desk over the last days, computed in SQL: complaints per day, the share routed
automatically, and how often an admin kept the top suggestion, overall and per OPD.

A complaint counts on the day the citizen sent it (``tanggal``), or the day it arrived when that is unknown.
"Accepted" means an admin routed it (status ``didisposisikan``) to the OPD the model had put first.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import Engine, case, func, select

from store.schema import ComplaintRow

__all__ = ["DeskStats", "OpdStats", "desk_stats"]


@dataclass(frozen=True)
class OpdStats:
    opd: str
    total: int
    decided: int
    accepted: int
    automatic: int

    @property
    def accepted_share(self) -> float | None:
        return self.accepted / self.decided if self.decided else None


@dataclass(frozen=True)
class DeskStats:
    since: date
    days: int
    per_day: list[tuple[date, int]]
    total: int
    automatic: int
    decided: int
    accepted: int
    outside_authority: int
    waiting: int
    per_opd: list[OpdStats]

    @property
    def automatic_share(self) -> float | None:
        return self.automatic / self.total if self.total else None

    @property
    def accepted_share(self) -> float | None:
        return self.accepted / self.decided if self.decided else None


def desk_stats(engine: Engine, *, days: int = 30, now: datetime | None = None) -> DeskStats:
    """The desk's figures for the complaints of the last ``days`` days (today included)."""
    if days < 1:
        raise ValueError(f"days must be at least 1, got {days}")
    now = now or datetime.now(UTC)
    since = (now - timedelta(days=days - 1)).date()
    start = datetime(since.year, since.month, since.day, tzinfo=now.tzinfo or UTC)
    when = func.coalesce(ComplaintRow.tanggal, ComplaintRow.received_at)
    day = func.date(when)
    in_window = when >= start
    decided = ComplaintRow.status == "didisposisikan"
    accepted = decided & (ComplaintRow.decided_opd == ComplaintRow.top_opd)
    opd = func.coalesce(ComplaintRow.decided_opd, ComplaintRow.top_opd)
    sums = (
        func.count(),
        _count_if(ComplaintRow.status == "otomatis"),
        _count_if(decided),
        _count_if(accepted),
    )
    with engine.connect() as connection:
        per_day = connection.execute(select(day, func.count()).where(in_window).group_by(day).order_by(day)).all()
        totals = connection.execute(
            select(
                *sums, _count_if(ComplaintRow.status == "di_luar_kewenangan"), _count_if(ComplaintRow.status == "baru")
            ).where(in_window)
        ).one()
        per_opd = connection.execute(
            select(opd, *sums).where(in_window, opd.is_not(None)).group_by(opd).order_by(func.count().desc(), opd)
        ).all()
    return DeskStats(
        since=since,
        days=days,
        per_day=[(_as_date(d), int(n)) for d, n in per_day],
        total=int(totals[0]),
        automatic=int(totals[1]),
        decided=int(totals[2]),
        accepted=int(totals[3]),
        outside_authority=int(totals[4]),
        waiting=int(totals[5]),
        per_opd=[
            OpdStats(opd=name, total=int(n), automatic=int(auto), decided=int(dec), accepted=int(acc))
            for name, n, auto, dec, acc in per_opd
        ],
    )


def _count_if(condition: Any) -> Any:
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


def _as_date(value: Any) -> date:
    """SQLite answers ``date()`` with text, PostgreSQL with a date."""
    return value if isinstance(value, date) else date.fromisoformat(str(value)[:10])
