"""The tables of the store, as SQLAlchemy metadata: what the migrations in ``store/migrations`` build.

A test compares this metadata with the database the migrations make (Alembic's autogenerate comparison),
so a table changed here without a migration fails there.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import BigInteger, Boolean, DateTime, Float, Index, Integer, String, Text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

__all__ = ["AdminSessionRow", "Base", "ComplaintBandRow", "ComplaintRow", "DecisionRow", "FeedbackRow"]


class Base(DeclarativeBase):
    pass


def _now() -> datetime:
    return datetime.now(UTC)


class FeedbackRow(Base):
    """One admin decision in the training format (text masked before it is stored)."""

    __tablename__ = "feedback"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    complaint_id: Mapped[str | None] = mapped_column(String(200), index=True)
    text: Mapped[str] = mapped_column(Text)
    opd: Mapped[str] = mapped_column(String(200))
    urgency: Mapped[str | None] = mapped_column(String(16))
    # the specific unit of the OPD the admin decided (a kelurahan, a pooled OPD), when known. Migration 0007.
    unit: Mapped[str | None] = mapped_column(String(200))
    # the place of the complaint decided (masked, as the citizen gave it), when known. Migration 0009.
    kecamatan: Mapped[str | None] = mapped_column(String(200))
    kelurahan: Mapped[str | None] = mapped_column(String(200))
    suggested_opd: Mapped[str | None] = mapped_column(String(200))
    accepted: Mapped[bool | None] = mapped_column(Boolean)
    model_version: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=_now)
    # set when an undo on the desk took the decision back (no longer training data; kept for the record). 0010.
    withdrawn_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class AdminSessionRow(Base):
    """An open /admin session, keyed by the SHA-256 of its random id (integer times: seconds since the epoch)."""

    __tablename__ = "admin_sessions"

    id_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    created_at: Mapped[int] = mapped_column(BigInteger)
    expires_at: Mapped[int] = mapped_column(BigInteger, index=True)


class ComplaintRow(Base):
    """A complaint kept for the admin's desk, with the suggestion it got on arrival and its latest decision.

    ``text`` is masked before it is stored. ``suggestion`` is the routing answer as JSON (top-3 with scores,
    urgency, needs_review, explanation, model version); the columns beside it repeat what the inbox filters
    and sorts on. ``urgency_rank`` orders tinggi, sedang, rendah, then none.
    """

    __tablename__ = "complaints"

    id: Mapped[str] = mapped_column(String(200), primary_key=True)
    text: Mapped[str] = mapped_column(Text)
    tanggal: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    kecamatan: Mapped[str | None] = mapped_column(String(200))
    kelurahan: Mapped[str | None] = mapped_column(String(200))
    kanal: Mapped[str | None] = mapped_column(String(200))
    received_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=_now)
    status: Mapped[str] = mapped_column(String(32))
    due_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    suggestion: Mapped[str] = mapped_column(Text)
    top_opd: Mapped[str | None] = mapped_column(String(200), index=True)
    top_score: Mapped[float | None] = mapped_column(Float)
    urgency: Mapped[str | None] = mapped_column(String(16))
    urgency_rank: Mapped[int] = mapped_column(Integer)
    needs_review: Mapped[bool] = mapped_column(Boolean)
    model_version: Mapped[str | None] = mapped_column(String(64))
    decided_opd: Mapped[str | None] = mapped_column(String(200))
    decided_urgency: Mapped[str | None] = mapped_column(String(16))
    decided_unit: Mapped[str | None] = mapped_column(String(200))  # the unit of decided_opd, when known (0008)
    outside_authority: Mapped[str | None] = mapped_column(String(200))
    note: Mapped[str | None] = mapped_column(Text)
    decided_by: Mapped[str | None] = mapped_column(String(200))
    decided_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # the earlier complaint this one repeats (store.duplicates), how strongly, and how (ulang / terkait)
    duplicate_of: Mapped[str | None] = mapped_column(String(200), index=True)
    duplicate_score: Mapped[float | None] = mapped_column(Float)
    duplicate_kind: Mapped[str | None] = mapped_column(String(16))

    __table_args__ = (
        Index("ix_complaints_queue", "status", "urgency_rank", "due_at"),
        # the desk order with the id: a page's ids are read from this index alone, however deep the offset
        Index("ix_complaints_order", "urgency_rank", "due_at", "received_at", "id"),
        # what the statistics read, so that they scan this index rather than the rows with their texts
        Index("ix_complaints_stats", "tanggal", "received_at", "status", "top_opd", "decided_opd"),
    )


# The desk order of ComplaintStore.page, as an index: a page of one status is read in order, no sort
# (the ``due_at IS NULL`` term is part of it, so SQLite and PostgreSQL both put complaints without a due date
# last). Migration 0005.
Index(
    "ix_complaints_desk_order",
    ComplaintRow.status,
    ComplaintRow.urgency_rank,
    ComplaintRow.due_at.is_(None),
    ComplaintRow.due_at,
    ComplaintRow.received_at,
    ComplaintRow.id,
)


class ComplaintBandRow(Base):
    """The MinHash band keys of a stored complaint (models.minhash), so that any worker finds the complaints
    that may repeat a new one with one indexed look-up. Migration 0006."""

    __tablename__ = "complaint_bands"

    band_key: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    complaint_id: Mapped[str] = mapped_column(String(200), primary_key=True)


class DecisionRow(Base):
    """The audit trail: every decision on a complaint, in order (an undo or a second decision adds a row)."""

    __tablename__ = "decisions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    complaint_id: Mapped[str] = mapped_column(String(200), index=True)
    status: Mapped[str] = mapped_column(String(32))
    previous_status: Mapped[str | None] = mapped_column(String(32))
    opd: Mapped[str | None] = mapped_column(String(200))
    urgency: Mapped[str | None] = mapped_column(String(16))
    unit: Mapped[str | None] = mapped_column(String(200))  # the unit of ``opd``, when known (migration 0008)
    outside_authority: Mapped[str | None] = mapped_column(String(200))
    note: Mapped[str | None] = mapped_column(Text)
    decided_by: Mapped[str | None] = mapped_column(String(200))
    decided_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=_now)
