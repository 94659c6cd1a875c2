"""What the served model has seen and how admins answered it, over a window of days, computed in SQL.

:func:`monitoring_figures` counts, for the complaints of a window (and of the window before it, for
comparison): the volume, how many needed review, how many admins decided and how many of those kept the top
suggestion, the unseen-word share the router stored with each suggestion (``oov_rate`` in the suggestion JSON),
the histogram of top confidences over given bin edges, and the OPDs admins chose. Per day and per OPD too.
Only counts leave the database; no text is read.

As in :mod:`store.stats`, a complaint counts on the day the citizen sent it (``tanggal``), or the day it arrived
when that is unknown, and "accepted" means routed (``didisposisikan``) to the OPD the model had put first.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import Engine, Float, case, cast, func, select
from sqlalchemy.dialects import postgresql

from store.schema import ComplaintRow
from store.stats import _as_date, _count_if

__all__ = ["MonitoringCounts", "MonitoringFigures", "monitoring_figures"]


@dataclass(frozen=True)
class MonitoringCounts:
    volume: int = 0
    needs_review: int = 0
    decided: int = 0
    accepted: int = 0
    oov_sum: float = 0.0
    oov_rows: int = 0  # complaints whose suggestion carries an unseen-word share

    @property
    def needs_review_rate(self) -> float | None:
        return self.needs_review / self.volume if self.volume else None

    @property
    def top1_acceptance_rate(self) -> float | None:
        return self.accepted / self.decided if self.decided else None

    @property
    def oov_rate(self) -> float | None:
        return self.oov_sum / self.oov_rows if self.oov_rows else None

    def __add__(self, other: MonitoringCounts) -> MonitoringCounts:
        return MonitoringCounts(
            self.volume + other.volume,
            self.needs_review + other.needs_review,
            self.decided + other.decided,
            self.accepted + other.accepted,
            self.oov_sum + other.oov_sum,
            self.oov_rows + other.oov_rows,
        )


@dataclass(frozen=True)
class MonitoringFigures:
    since: date  # first day of the window
    until: date  # last day of the window (included)
    days: int
    total: MonitoringCounts
    previous: MonitoringCounts  # the same number of days just before ``since``
    per_day: list[tuple[date, MonitoringCounts]]
    per_opd: list[tuple[str, MonitoringCounts]]
    confidence_counts: list[int]  # one count per bin between consecutive edges
    decided_labels: dict[str, int]  # OPD chosen by admins -> complaints


def monitoring_figures(
    engine: Engine,
    *,
    days: int = 7,
    now: datetime | None = None,
    opd: str | None = None,
    edges: Sequence[float] = (0.0, 1.0),
) -> MonitoringFigures:
    """The figures of the ``days`` days up to ``now`` (today included), for one OPD if ``opd`` is given (the
    OPD an admin chose, else the model's first)."""
    if days < 1:
        raise ValueError(f"days must be at least 1, got {days}")
    if len(edges) < 2 or list(edges) != sorted(edges):
        raise ValueError(f"edges must be at least two increasing bin edges, got {list(edges)}")
    now = now or datetime.now(UTC)
    tz = now.tzinfo or UTC
    since = (now - timedelta(days=days - 1)).date()
    start = datetime(since.year, since.month, since.day, tzinfo=tz)
    end = start + timedelta(days=days)
    when = func.coalesce(ComplaintRow.tanggal, ComplaintRow.received_at)
    day = func.date(when)
    the_opd = func.coalesce(ComplaintRow.decided_opd, ComplaintRow.top_opd)
    in_window = [when >= start, when < end] + ([the_opd == opd] if opd is not None else [])
    in_previous = [when >= start - timedelta(days=days), when < start] + ([the_opd == opd] if opd is not None else [])
    decided = ComplaintRow.status == "didisposisikan"
    oov = _oov_rate(engine)
    sums = (
        func.count(),
        _count_if(ComplaintRow.needs_review.is_(True)),
        _count_if(decided),
        _count_if(decided & (ComplaintRow.decided_opd == ComplaintRow.top_opd)),
        func.coalesce(func.sum(oov), 0.0),
        func.count(oov),
    )
    bucket = _bucket(ComplaintRow.top_score, edges)
    with engine.connect() as connection:
        per_day = connection.execute(select(day, *sums).where(*in_window).group_by(day).order_by(day)).all()
        previous = connection.execute(select(*sums).where(*in_previous)).one()
        per_opd = connection.execute(
            select(the_opd, *sums)
            .where(*in_window, the_opd.is_not(None))
            .group_by(the_opd)
            .order_by(func.count().desc(), the_opd)
        ).all()
        buckets = connection.execute(
            select(bucket, func.count()).where(*in_window, ComplaintRow.top_score.is_not(None)).group_by(bucket)
        ).all()
        labels = connection.execute(
            select(ComplaintRow.decided_opd, func.count())
            .where(*in_window, decided, ComplaintRow.decided_opd.is_not(None))
            .group_by(ComplaintRow.decided_opd)
            .order_by(ComplaintRow.decided_opd)
        ).all()
    daily = [(_as_date(d), _counts(row)) for d, *row in per_day]
    histogram = [0] * (len(edges) - 1)
    for index, n in buckets:
        histogram[int(index)] += int(n)
    return MonitoringFigures(
        since=since,
        until=since + timedelta(days=days - 1),
        days=days,
        total=sum((c for _, c in daily), MonitoringCounts()),
        previous=_counts(previous),
        per_day=daily,
        per_opd=[(name, _counts(row)) for name, *row in per_opd],
        confidence_counts=histogram,
        decided_labels={str(name): int(n) for name, n in labels},
    )


def _counts(row: Sequence[Any]) -> MonitoringCounts:
    volume, review, decided, accepted, oov_sum, oov_rows = row
    return MonitoringCounts(int(volume), int(review), int(decided), int(accepted), float(oov_sum), int(oov_rows))


def _oov_rate(engine: Engine) -> Any:
    """The ``oov_rate`` of the stored suggestion JSON (NULL where absent) in this database's JSON functions."""
    if engine.dialect.name == "postgresql":
        return cast(cast(ComplaintRow.suggestion, postgresql.JSONB)["oov_rate"].astext, Float)
    return func.json_extract(ComplaintRow.suggestion, "$.oov_rate")


def _bucket(score: Any, edges: Sequence[float]) -> Any:
    """The bin of ``score``: i where edges[i] <= score < edges[i + 1]; below the first bin is 0, the last bin
    holds everything from its lower edge up (as :func:`models.drift.confidence_counts` counts)."""
    inner = [(score < edge, i) for i, edge in enumerate(edges[1:-1])]
    return case(*inner, else_=len(edges) - 2) if inner else case((score.is_not(None), 0), else_=0)
