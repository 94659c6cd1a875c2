"""The admins' decisions as training data: the latest decision per complaint, in the order they were made.

Both the feedback export of the API and ``disposisi retrain`` read them from here. An OPD decision is a row of
the feedback table (text masked, as stored); a complaint an admin marked outside the Pemda's authority on the
desk has no OPD and is listed only when asked (``outside_label``), under that label. A decision carries the
specific unit of its OPD (``unit``: a kelurahan, a pooled OPD) when the admin or the desk gave one, else None:
unknown, never a unit called "".
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import Engine, String, cast, func, literal, select

from store.schema import ComplaintRow, FeedbackRow

__all__ = ["LabelledDecision", "latest_decisions"]


@dataclass(frozen=True)
class LabelledDecision:
    complaint_id: str
    text: str
    opd: str
    urgency: str | None
    decided_at: datetime
    feedback_id: int | None  # None for an outside-authority decision of the desk
    unit: str | None = None  # the specific unit of ``opd``, when known


def latest_decisions(engine: Engine, *, outside_label: str | None = None) -> list[LabelledDecision]:
    """The latest decision per complaint id (a row without an id is its own complaint), oldest first."""
    key = func.coalesce(FeedbackRow.complaint_id, literal("#") + cast(FeedbackRow.id, String))
    latest = select(func.max(FeedbackRow.id)).group_by(key)
    query = (
        select(
            FeedbackRow.id,
            FeedbackRow.complaint_id,
            FeedbackRow.text,
            FeedbackRow.opd,
            FeedbackRow.urgency,
            FeedbackRow.created_at,
            FeedbackRow.unit,
        )
        .where(FeedbackRow.id.in_(latest))
        .order_by(FeedbackRow.created_at, FeedbackRow.id)
    )
    with engine.connect() as connection:
        found = {
            complaint_id or f"feedback-{row_id}": LabelledDecision(
                complaint_id=complaint_id or f"feedback-{row_id}",
                text=text,
                opd=opd,
                urgency=urgency,
                decided_at=created_at,
                feedback_id=row_id,
                unit=(unit or "").strip() or None,
            )
            for row_id, complaint_id, text, opd, urgency, created_at, unit in connection.execute(query)
        }
        if outside_label is not None:
            outside = select(ComplaintRow.id, ComplaintRow.text, ComplaintRow.decided_at).where(
                ComplaintRow.status == "di_luar_kewenangan", ComplaintRow.decided_at.is_not(None)
            )
            for complaint_id, text, decided_at in connection.execute(outside):
                assert decided_at is not None  # the query asks for decided rows only
                previous = found.get(complaint_id)
                if previous is None or previous.decided_at <= decided_at:  # the desk's later word wins
                    found[complaint_id] = LabelledDecision(complaint_id, text, outside_label, None, decided_at, None)
    return sorted(found.values(), key=lambda d: (_naive(d.decided_at), d.complaint_id))


def _naive(moment: datetime) -> datetime:
    """SQLite gives naive times, PostgreSQL aware ones: compare them as UTC wall times."""
    return moment if moment.tzinfo is None else moment.astimezone(UTC).replace(tzinfo=None)
