"""Complaints on the admin's desk: kept once per id, listed in the order an admin works, decided with a trail.

:class:`ComplaintStore` works on the store's engine (migrated by :func:`store.migrate.upgrade`). A complaint is
stored once: an id already stored is skipped, also when two workers receive it at the same moment (an
``INSERT ... ON CONFLICT DO NOTHING`` on SQLite and PostgreSQL), so re-sending a day's export never doubles it.
A page lists them by urgency (tinggi, sedang, rendah, none), then the earliest due date, then arrival; its
filters and paging run in SQL, and a page of one status is read in order from the ``ix_complaints_desk_order``
index. Every decision is one transaction that updates the complaint and appends a
:class:`~store.schema.DecisionRow`; :meth:`ComplaintStore.undo` restores the state before the last decision,
itself recorded in the trail.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Engine, Select, func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session, sessionmaker

from models.similarity import Complaint
from store.decisions import follow_undo
from store.duplicates import SimilarComplaint, match_and_index, most_similar
from store.schema import ComplaintRow, DecisionRow
from store.stats import DeskStats, desk_stats
from store.trail import Decision, apply_decision, top_unit, undo_last

__all__ = [
    "DESK_ORDER",
    "STATUSES",
    "URGENCY_RANK",
    "ComplaintPage",
    "ComplaintStore",
    "Decision",
    "NewComplaint",
    "UnknownComplaintError",
]

STATUSES = ("baru", "didisposisikan", "otomatis", "di_luar_kewenangan")
URGENCY_RANK = {"tinggi": 0, "sedang": 1, "rendah": 2}
_NO_URGENCY_RANK = 3
# Urgency, then the earliest due date (none last), then arrival: the ix_complaints_desk_order index, term by term.
DESK_ORDER = (
    ComplaintRow.urgency_rank,
    ComplaintRow.due_at.is_(None),
    ComplaintRow.due_at,
    ComplaintRow.received_at,
    ComplaintRow.id,
)


class UnknownComplaintError(LookupError):
    """No complaint is stored under that id."""


@dataclass(frozen=True)
class NewComplaint:
    """A routed complaint to keep; ``text`` must already be masked."""

    id: str
    text: str
    suggestion: dict[str, Any]
    top_opd: str | None
    top_score: float | None
    urgency: str | None
    needs_review: bool
    model_version: str | None
    status: str = "baru"
    due_at: datetime | None = None
    tanggal: datetime | None = None
    kecamatan: str | None = None
    kelurahan: str | None = None
    kanal: str | None = None


@dataclass
class ComplaintPage:
    total: int
    items: list[ComplaintRow]
    counts: dict[str, int] = field(default_factory=dict)


class ComplaintStore:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._sessions = sessionmaker(engine, expire_on_commit=False)

    def add(self, items: Sequence[NewComplaint], *, now: datetime | None = None) -> list[bool]:
        """Store each complaint whose id is new, in one transaction; per item, whether it was stored."""
        now = now or datetime.now(UTC)
        stored: list[bool] = []
        seen: set[str] = set()
        with self.engine.begin() as connection:
            for item in items:
                if item.id in seen:
                    stored.append(False)
                    continue
                seen.add(item.id)
                values = _row_values(item, now)
                result = connection.execute(self._insert_new().values(**values))
                stored.append(result.rowcount == 1)
                if result.rowcount == 1:  # the earlier complaint it repeats, in the same transaction
                    match_and_index(connection, ComplaintRow(**values))
        return stored

    def duplicates(self, ids: Sequence[str]) -> dict[str, ComplaintRow]:
        """The stored complaints among ``ids`` that repeat an earlier one (``duplicate_of`` set)."""
        with self._sessions() as session:
            query = select(ComplaintRow).where(ComplaintRow.id.in_(list(ids)), ComplaintRow.duplicate_of.is_not(None))
            return {row.id: row for row in session.scalars(query)}

    def group_sizes(self, ids: Sequence[str]) -> dict[str, int]:
        """Per id, how many stored complaints repeat it (``duplicate_of`` is that id)."""
        if not ids:
            return {}
        with self._sessions() as session:
            query = (
                select(ComplaintRow.duplicate_of, func.count())
                .where(ComplaintRow.duplicate_of.in_(list(ids)))
                .group_by(ComplaintRow.duplicate_of)
            )
            return {str(key): int(count) for key, count in session.execute(query)}

    def similar_counts(self, rows: Sequence[ComplaintRow]) -> dict[str, int]:
        """Per row, how many other stored complaints are in its group (the first complaint of the group and the
        ones that repeat it): the desk's "N laporan serupa"."""
        roots = {row.id: row.duplicate_of or row.id for row in rows}
        sizes = self.group_sizes(sorted(set(roots.values())))
        return {cid: sizes.get(root, 0) for cid, root in roots.items()}  # (1 + members) - itself

    def similar(self, query: Complaint, k: int) -> list[SimilarComplaint]:
        """The ``k`` stored complaints most like ``query`` (:func:`store.duplicates.most_similar`)."""
        with self.engine.connect() as connection:
            return most_similar(connection, query, k)

    def _insert_new(self) -> Any:
        dialect = self.engine.dialect.name
        if dialect == "sqlite":
            return sqlite.insert(ComplaintRow).on_conflict_do_nothing(index_elements=["id"])
        if dialect == "postgresql":
            return postgresql.insert(ComplaintRow).on_conflict_do_nothing(index_elements=["id"])
        raise ValueError(f"the complaint store supports SQLite and PostgreSQL, not {dialect}")

    def known_ids(self, ids: Sequence[str]) -> set[str]:
        """Which of ``ids`` are stored already (asked in slices of 500, under any database's parameter limit)."""
        wanted = list(dict.fromkeys(ids))
        found: set[str] = set()
        with self._sessions() as session:
            for start in range(0, len(wanted), 500):
                chunk = wanted[start : start + 500]
                found.update(session.scalars(select(ComplaintRow.id).where(ComplaintRow.id.in_(chunk))))
        return found

    def get(self, complaint_id: str) -> ComplaintRow:
        with self._sessions() as session:
            row = session.get(ComplaintRow, complaint_id)
        if row is None:
            raise UnknownComplaintError(f'no complaint with id "{complaint_id}" is stored')
        return row

    def page(
        self,
        *,
        status: str | None = None,
        opd: str | None = None,
        urgency: str | None = None,
        needs_review: bool | None = None,
        q: str | None = None,
        limit: int = 50,
        offset: int = 0,
    ) -> ComplaintPage:
        """One page of complaints in desk order, the number that match, and the count per status."""
        query = _filtered(select(ComplaintRow.id), status, opd, urgency, needs_review, q)
        counted = _filtered(select(func.count()).select_from(ComplaintRow), status, opd, urgency, needs_review, q)
        # With a filter on an unindexed column that may match few rows (needs_review, OPD), walking
        # ix_complaints_order would look up every row of the table to find none; ``+ 0`` (same order) keeps the
        # planner on a scan of the matching rows instead.
        rank: Any = ComplaintRow.urgency_rank + 0 if (opd or needs_review is not None) else ComplaintRow.urgency_rank
        ordered = query.order_by(rank, *DESK_ORDER[1:])
        with self._sessions() as session:
            # Two steps: the page's ids in desk order (from ix_complaints_order, without reading the rows' texts
            # and suggestions), then those rows by primary key; sorting whole rows made a deep offset take seconds.
            ids = list(session.scalars(ordered.limit(limit).offset(offset)))
            found = {row.id: row for row in session.scalars(select(ComplaintRow).where(ComplaintRow.id.in_(ids)))}
            items = [found[i] for i in ids if i in found]
            total = int(session.scalar(counted) or 0)
            counts = dict(
                session.execute(select(ComplaintRow.status, func.count()).group_by(ComplaintRow.status)).all()
            )
        return ComplaintPage(total=total, items=items, counts={s: int(counts.get(s, 0)) for s in STATUSES})

    def decide(self, complaint_id: str, decision: Decision, *, now: datetime | None = None) -> ComplaintRow:
        """Record ``decision`` (overwriting an earlier one; the trail keeps both)."""
        now = now or datetime.now(UTC)
        with self._sessions.begin() as session:
            return apply_decision(session, _locked(session, complaint_id), decision, now)

    def decide_group(self, complaint_id: str, decision: Decision, *, now: datetime | None = None) -> list[ComplaintRow]:
        """Record ``decision`` on the complaint and its group in one transaction: the first complaint of the group
        (the one it repeats, or itself) and every complaint that repeats that one, still ``baru``, each with its
        own entry in the trail. The complaint asked for comes first."""
        now = now or datetime.now(UTC)
        with self._sessions.begin() as session:
            row = _locked(session, complaint_id)
            root = row.duplicate_of or row.id
            members = select(ComplaintRow.id).where(
                ComplaintRow.duplicate_of == root, ComplaintRow.status == "baru", ComplaintRow.id != row.id
            )
            others = sorted(set(session.scalars(members)) | ({root} if root != row.id else set()))
            decided = [apply_decision(session, row, decision, now)]
            for other_id in others:
                other = _locked(session, other_id)
                if other.status == "baru":
                    decided.append(apply_decision(session, other, decision, now))
            return decided

    def undo(self, complaint_id: str, *, decided_by: str, now: datetime | None = None) -> ComplaintRow:
        """Put the complaint back as it was before its last decision. The undo is itself an entry of the trail, so
        a second undo undoes the undo."""
        now = now or datetime.now(UTC)
        with self._sessions.begin() as session:
            row = _locked(session, complaint_id)
            trail = list(
                session.scalars(
                    select(DecisionRow).where(DecisionRow.complaint_id == complaint_id).order_by(DecisionRow.id.desc())
                )
            )
            if not trail:
                raise UnknownComplaintError(f'complaint "{complaint_id}" has no decision to undo')
            undo_last(session, row, trail, decided_by, now)
            follow_undo(session, row, now)  # the feedback rows follow, in the same transaction
        return row

    def trail(self, complaint_id: str) -> list[DecisionRow]:
        with self._sessions() as session:
            query = select(DecisionRow).where(DecisionRow.complaint_id == complaint_id).order_by(DecisionRow.id)
            return list(session.scalars(query))

    def routed(self, *, status: str | None = None, batch: int = 500) -> Iterator[ComplaintRow]:
        """Decided complaints (status given, or every status but ``baru``) in the order they were decided."""
        query = select(ComplaintRow).where(ComplaintRow.status != "baru")
        if status:
            query = select(ComplaintRow).where(ComplaintRow.status == status)
        query = query.order_by(ComplaintRow.decided_at, ComplaintRow.received_at, ComplaintRow.id)
        with self._sessions() as session:
            yield from session.scalars(query.execution_options(yield_per=batch))

    def stats(self, days: int = 30, *, now: datetime | None = None) -> DeskStats:
        """Complaints per day, the share routed automatically and how often admins kept the top suggestion, overall
        and per OPD, over the last ``days`` days (see :mod:`store.stats`)."""
        return desk_stats(self.engine, days=days, now=now)

    def count(self) -> int:
        with self._sessions() as session:
            return int(session.scalar(select(func.count()).select_from(ComplaintRow)) or 0)


def _row_values(item: NewComplaint, now: datetime) -> dict[str, Any]:
    if item.status not in STATUSES:
        raise ValueError(f"status must be one of {', '.join(STATUSES)}, got {item.status!r}")
    return {
        "id": item.id,
        "text": item.text,
        "tanggal": item.tanggal,
        "kecamatan": item.kecamatan,
        "kelurahan": item.kelurahan,
        "kanal": item.kanal,
        "received_at": now,
        "status": item.status,
        "due_at": item.due_at,
        "suggestion": json.dumps(item.suggestion, ensure_ascii=False, sort_keys=True),
        "top_opd": item.top_opd,
        "top_score": item.top_score,
        "urgency": item.urgency,
        "urgency_rank": URGENCY_RANK.get(item.urgency or "", _NO_URGENCY_RANK),
        "needs_review": item.needs_review,
        "model_version": item.model_version,
        "decided_opd": item.top_opd if item.status == "otomatis" else None,
        "decided_urgency": item.urgency if item.status == "otomatis" else None,
        "decided_unit": top_unit(item.suggestion, item.top_opd) if item.status == "otomatis" else None,
        "decided_by": "otomatis" if item.status == "otomatis" else None,
        "decided_at": now if item.status == "otomatis" else None,
    }


def _filtered(
    query: Select[Any],
    status: str | None,
    opd: str | None,
    urgency: str | None,
    needs_review: bool | None,
    q: str | None,
) -> Select[Any]:
    if status:
        query = query.where(ComplaintRow.status == status)
    if opd:
        query = query.where(func.coalesce(ComplaintRow.decided_opd, ComplaintRow.top_opd) == opd)
    if urgency in URGENCY_RANK:  # the rank stands for the level, and leads ix_complaints_queue after the status
        query = query.where(ComplaintRow.urgency_rank == URGENCY_RANK[urgency])
    elif urgency:
        query = query.where(ComplaintRow.urgency == urgency)
    if needs_review is not None:
        query = query.where(ComplaintRow.needs_review.is_(needs_review))
    if q:
        escaped = q.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        query = query.where(ComplaintRow.text.ilike(f"%{escaped}%", escape="\\"))
    return query


def _locked(session: Session, complaint_id: str) -> ComplaintRow:
    row = session.get(ComplaintRow, complaint_id, with_for_update=True)
    if row is None:
        raise UnknownComplaintError(f'no complaint with id "{complaint_id}" is stored')
    return row
