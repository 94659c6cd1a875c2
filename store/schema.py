"""The tables of the store, as SQLAlchemy metadata: what the migrations in ``store/migrations`` build.

A test compares this metadata with the database the migrations make (Alembic's autogenerate comparison),
so a table changed here without a migration fails there.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import BigInteger, Boolean, DateTime, Integer, String, Text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

__all__ = ["AdminSessionRow", "Base", "FeedbackRow"]


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
    suggested_opd: Mapped[str | None] = mapped_column(String(200))
    accepted: Mapped[bool | None] = mapped_column(Boolean)
    model_version: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=_now)


class AdminSessionRow(Base):
    """An open /admin session, keyed by the SHA-256 of its random id (integer times: seconds since the epoch)."""

    __tablename__ = "admin_sessions"

    id_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    created_at: Mapped[int] = mapped_column(BigInteger)
    expires_at: Mapped[int] = mapped_column(BigInteger, index=True)
