"""The admins' decisions as training data: the latest decision per complaint, in the order they were made.

Both the feedback export of the API and ``disposisi retrain`` read them from here. An OPD decision is a row of
the feedback table (text masked, as stored); a complaint an admin marked outside the Pemda's authority on the
desk has no OPD and is listed only when asked (``outside_label``), under that label. A decision carries the
specific unit of its OPD (``unit``: a kelurahan, a pooled OPD) when the admin or the desk gave one, else None:
unknown, never a unit called "", and the place of its complaint (``kecamatan``, ``kelurahan``, migration 0009)
when known, so that the unit resolver learns which places each unit serves.

An undo on the desk takes a decision back: :func:`follow_undo` withdraws the feedback rows of what was undone
(``withdrawn_at``, migration 0010; the rows stay for the record) and puts back in force the row of the decision
the complaint returns to, so that only decisions in force are training data (:data:`IN_FORCE`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import Engine, Select, String, cast, func, literal, select
from sqlalchemy.orm import Session

from store.schema import ComplaintRow, FeedbackRow

__all__ = ["IN_FORCE", "LabelledDecision", "follow_undo", "latest_decisions", "latest_in_force"]

# The feedback rows that are training data: every row but those an undo withdrew.
IN_FORCE = FeedbackRow.withdrawn_at.is_(None)


@dataclass(frozen=True)
class LabelledDecision:
    complaint_id: str
    text: str
    opd: str
    urgency: str | None
    decided_at: datetime
    feedback_id: int | None  # None for an outside-authority decision of the desk
    unit: str | None = None  # the specific unit of ``opd``, when known
    kecamatan: str | None = None  # the complaint's place, when known
    kelurahan: str | None = None


def latest_in_force() -> Select[int]:
    """The ids of the newest feedback row in force per complaint (a row without a complaint id is its own)."""
    key = func.coalesce(FeedbackRow.complaint_id, literal("#") + cast(FeedbackRow.id, String))
    return select(func.max(FeedbackRow.id)).where(IN_FORCE).group_by(key)


def latest_decisions(engine: Engine, *, outside_label: str | None = None) -> list[LabelledDecision]:
    """The latest decision per complaint id (a row without an id is its own complaint), oldest first."""
    latest = latest_in_force()
    query = (
        select(
            FeedbackRow.id,
            FeedbackRow.complaint_id,
            FeedbackRow.text,
            FeedbackRow.opd,
            FeedbackRow.urgency,
            FeedbackRow.created_at,
            FeedbackRow.unit,
            FeedbackRow.kecamatan,
            FeedbackRow.kelurahan,
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
                unit=_known(unit),
                kecamatan=_known(kecamatan),
                kelurahan=_known(kelurahan),
            )
            for row_id, complaint_id, text, opd, urgency, created_at, unit, kecamatan, kelurahan in connection.execute(
                query
            )
        }
        if outside_label is not None:
            outside = select(
                ComplaintRow.id,
                ComplaintRow.text,
                ComplaintRow.decided_at,
                ComplaintRow.kecamatan,
                ComplaintRow.kelurahan,
            ).where(ComplaintRow.status == "di_luar_kewenangan", ComplaintRow.decided_at.is_not(None))
            for complaint_id, text, decided_at, kecamatan, kelurahan in connection.execute(outside):
                assert decided_at is not None  # the query asks for decided rows only
                previous = found.get(complaint_id)
                if previous is None or previous.decided_at <= decided_at:  # the desk's later word wins
                    found[complaint_id] = LabelledDecision(
                        complaint_id,
                        text,
                        outside_label,
                        None,
                        decided_at,
                        None,
                        kecamatan=_known(kecamatan),
                        kelurahan=_known(kelurahan),
                    )
    return sorted(found.values(), key=lambda d: (_naive(d.decided_at), d.complaint_id))


def follow_undo(session: Session, complaint: ComplaintRow, now: datetime) -> None:
    """After an undo has put ``complaint`` back (in ``session``, the undo's own transaction): its feedback rows
    follow. When it is back at an OPD decision, the newest row of that decision (same OPD, urgency and unit; else
    the same OPD) is in force again (an undo of an undo) and every newer row is withdrawn; otherwise every row
    stored after the decision it is back at (all of them when it is undecided again) is withdrawn."""
    rows = list(
        session.scalars(
            select(FeedbackRow).where(FeedbackRow.complaint_id == complaint.id).order_by(FeedbackRow.id.desc())
        )
    )
    kept: FeedbackRow | None = None
    if complaint.status == "didisposisikan" and complaint.decided_opd:
        same_opd = [r for r in rows if r.opd == complaint.decided_opd]
        same = [r for r in same_opd if (r.urgency, r.unit) == (complaint.decided_urgency, complaint.decided_unit)]
        kept = next(iter(same or same_opd), None)
    for row in rows:
        if row is kept:
            row.withdrawn_at = None
        elif kept is not None:
            if row.id > kept.id and row.withdrawn_at is None:
                row.withdrawn_at = now
        elif row.withdrawn_at is None and (
            complaint.decided_at is None or _naive(row.created_at) > _naive(complaint.decided_at)
        ):
            row.withdrawn_at = now


def _known(value: str | None) -> str | None:
    """A stored name, None when missing or blank (unknown, never "")."""
    return (value or "").strip() or None


def _naive(moment: datetime) -> datetime:
    """SQLite gives naive times, PostgreSQL aware ones: compare them as UTC wall times."""
    return moment if moment.tzinfo is None else moment.astimezone(UTC).replace(tzinfo=None)
