"""Open /admin sessions, kept in the feedback store's database so that every API worker sees a logout.

A session is a row keyed by the SHA-256 of its random id (the id itself, which the signed cookie carries,
is never stored: a copy of the table opens nothing) with the time it ends. Logout deletes the row; an
expired row is refused and purged when the next session starts. Which key opened the session is not
stored: the cookie's HMAC says it (see :mod:`serving.auth`), so removing a key ends its sessions.

The table (:class:`store.schema.AdminSessionRow`) is made by the store's migrations; it has no foreign keys
and only integer times (seconds since the epoch), so that SQLite and PostgreSQL agree.
"""

from __future__ import annotations

import hashlib
import time

from sqlalchemy import Engine, delete, select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import sessionmaker

from serving.auth import new_session_id
from serving.errors import FeedbackUnavailableError, database_reason
from store.schema import AdminSessionRow

__all__ = ["AdminSessionRow", "AdminSessions"]


def _hash(session_id: str) -> str:
    return hashlib.sha256(session_id.encode("ascii")).hexdigest()


class AdminSessions:
    """Start, look up and end /admin sessions in the database of ``engine`` (migrated by the feedback store)."""

    def __init__(self, engine: Engine) -> None:
        self._sessions = sessionmaker(engine, expire_on_commit=False)

    def start(self, *, lifetime_seconds: float, now: float | None = None) -> str:
        """A new session id, open for ``lifetime_seconds``; expired sessions are purged on the way."""
        now = time.time() if now is None else now
        session_id = new_session_id()
        row = AdminSessionRow(id_hash=_hash(session_id), created_at=int(now), expires_at=int(now + lifetime_seconds))
        try:
            with self._sessions.begin() as session:
                session.execute(delete(AdminSessionRow).where(AdminSessionRow.expires_at <= int(now)))
                session.add(row)
        except SQLAlchemyError as exc:
            raise FeedbackUnavailableError(f"could not start the /admin session: {database_reason(exc)}") from exc
        return session_id

    def is_active(self, session_id: str, *, now: float | None = None) -> bool:
        """Whether ``session_id`` was started here, has not ended and has not expired."""
        now = time.time() if now is None else now
        try:
            with self._sessions() as session:
                expires_at = session.scalar(
                    select(AdminSessionRow.expires_at).where(AdminSessionRow.id_hash == _hash(session_id))
                )
        except SQLAlchemyError as exc:
            raise FeedbackUnavailableError(f"cannot check the /admin session: {database_reason(exc)}") from exc
        return expires_at is not None and now < expires_at

    def end(self, session_id: str) -> None:
        """End ``session_id`` for every worker (nothing happens if it is already over)."""
        try:
            with self._sessions.begin() as session:
                session.execute(delete(AdminSessionRow).where(AdminSessionRow.id_hash == _hash(session_id)))
        except SQLAlchemyError as exc:
            raise FeedbackUnavailableError(f"could not end the /admin session: {database_reason(exc)}") from exc
