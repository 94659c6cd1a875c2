"""The admins' decisions, kept through SQLAlchemy: an SQLite file by default, any SQLAlchemy URL
(PostgreSQL: ``postgresql+psycopg2://...``) by setting ``DISPOSISI_FEEDBACK_URL``.

Each row is one decision: the complaint id and text, the OPD and urgency the admin chose (and, when known, the
specific unit of that OPD, and the complaint's place: kecamatan, kelurahan), the OPD the model suggested and
whether the admin kept it. The text is training
data, so it is stored, but with NIK/KK numbers, phone numbers, e-mail addresses and URLs masked (:func:`mask_text`)
before it reaches the database; the model masks them anyway, so nothing useful is lost. The OPD names,
which an admin may type freely, are masked the same way (and again when stats or exports show them,
for rows stored before they were).

:meth:`FeedbackStore.export_csv` yields the latest decision per complaint as CSV in the training
format (``id,teks,opd,urgensi``, opt-in ``unit`` and ``kecamatan,kelurahan`` after them), so
``disposisi train export.csv`` retrains on it as it is; a cell
that a spreadsheet would run as a formula gets a leading ``'`` (:func:`spreadsheet_safe`).
The store is safe to share between threads (one engine, one short transaction per call); SQLite runs
in WAL mode with a busy timeout so concurrent writers wait instead of failing.
"""

from __future__ import annotations

import csv
import io
import logging
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import (
    Engine,
    case,
    create_engine,
    event,
    func,
    select,
)
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import StaticPool

from models.text import mask_personal_data, repair
from serving.errors import FeedbackUnavailableError, database_reason
from serving.sessions import AdminSessions
from store.complaints import ComplaintStore
from store.decisions import IN_FORCE, latest_in_force
from store.migrate import upgrade
from store.schema import FeedbackRow

__all__ = [
    "EXPORT_COLUMNS",
    "PLACE_COLUMNS",
    "UNIT_COLUMN",
    "FeedbackRow",
    "FeedbackStore",
    "StoredFeedback",
    "mask_text",
    "spreadsheet_safe",
]

logger = logging.getLogger(__name__)

EXPORT_COLUMNS = ("id", "teks", "opd", "urgensi")
UNIT_COLUMN = "unit"  # the column after EXPORT_COLUMNS of an export asked for with its units
PLACE_COLUMNS = ("kecamatan", "kelurahan")  # the last columns of an export asked for with the places
_SQLITE_BUSY_MS = 30_000
_EXPORT_BATCH = 500
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True)
class StoredFeedback:
    feedback_id: int
    complaint_id: str | None
    accepted: bool | None


def _make_engine(url: str) -> Engine:
    try:
        parsed = make_url(url)
    except ArgumentError as exc:
        raise ValueError(f'feedback_url "{url}" is not an SQLAlchemy URL (e.g. sqlite:///var/feedback.db)') from exc
    if parsed.get_backend_name() != "sqlite":
        return create_engine(parsed, pool_pre_ping=True)
    database = parsed.database or ""
    if database in ("", ":memory:"):
        engine = create_engine(parsed, connect_args={"check_same_thread": False}, poolclass=StaticPool)
    else:
        Path(database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(parsed, connect_args={"check_same_thread": False, "timeout": _SQLITE_BUSY_MS / 1000})

    @event.listens_for(engine, "connect")
    def _sqlite_pragmas(connection: Any, record: Any) -> None:
        del record
        cursor = connection.cursor()
        if database not in ("", ":memory:"):
            cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={_SQLITE_BUSY_MS}")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    return engine


class FeedbackStore:
    """Admins' decisions in an SQL database; tables are created on first use of a new database.

    The same database keeps the open /admin sessions (:attr:`sessions`), so that every API worker
    sharing it knows of a logout."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.engine = _make_engine(url)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)
        try:
            upgrade(self.engine)
            self.sessions = AdminSessions(self.engine)
            self.complaints = ComplaintStore(self.engine)
        except SQLAlchemyError as exc:
            self.engine.dispose()
            reason = database_reason(exc)
            raise FeedbackUnavailableError(f"cannot open the feedback store {self.safe_url}: {reason}") from exc

    @property
    def safe_url(self) -> str:
        """The URL with any password hidden, for messages and logs."""
        return make_url(self.url).render_as_string(hide_password=True)

    def close(self) -> None:
        self.engine.dispose()

    def add(
        self,
        *,
        text: str,
        opd: str,
        complaint_id: str | None = None,
        urgency: str | None = None,
        suggested_opd: str | None = None,
        model_version: str | None = None,
        unit: str | None = None,
        kecamatan: str | None = None,
        kelurahan: str | None = None,
    ) -> StoredFeedback:
        """Store one decision; ``accepted`` is ``opd == suggested_opd`` when a suggestion is known.

        ``unit`` is the specific unit of ``opd`` when known, ``kecamatan``/``kelurahan`` the complaint's place
        (None, or blank: unknown). The text and the free-text OPD, unit and place names are masked like a
        complaint (an admin may type a phone number into "another OPD"); the complaint id is stored as given (it
        is the caller's key, see the README)."""
        opd, complaint_id = mask_text(opd), _no_nul(complaint_id)
        suggested_opd = None if suggested_opd is None else mask_text(suggested_opd)
        accepted = None if suggested_opd is None else opd == suggested_opd
        unit, kecamatan, kelurahan = (_masked_name(v) for v in (unit, kecamatan, kelurahan))
        row = FeedbackRow(
            complaint_id=complaint_id,
            text=mask_text(text),
            opd=opd,
            urgency=urgency,
            unit=unit,
            kecamatan=kecamatan,
            kelurahan=kelurahan,
            suggested_opd=suggested_opd,
            accepted=accepted,
            model_version=model_version,
        )
        try:
            with self._sessions.begin() as session:
                session.add(row)
                session.flush()
                feedback_id = row.id
        except SQLAlchemyError as exc:
            raise FeedbackUnavailableError(f"could not store the feedback: {database_reason(exc)}") from exc
        return StoredFeedback(feedback_id=feedback_id, complaint_id=complaint_id, accepted=accepted)

    def count(self) -> int:
        with self._read() as session:
            return int(session.scalar(select(func.count(FeedbackRow.id))) or 0)

    def rows(self) -> list[FeedbackRow]:
        """Every stored row, oldest first (for tests and small exports)."""
        with self._read() as session:
            return list(session.scalars(select(FeedbackRow).order_by(FeedbackRow.id)))

    def export_csv(
        self, *, latest_only: bool = True, with_unit: bool = False, with_place: bool = False
    ) -> Iterator[str]:
        """CSV text in chunks: a header, then one row per decision (per complaint if ``latest_only``). With
        ``with_unit`` a column ``unit`` holds the decided unit (empty when unknown), which
        ``disposisi train --unit-column unit`` learns from; with ``with_place`` the last columns ``kecamatan``,
        ``kelurahan`` hold the complaint's place (empty when unknown), the location columns train reads."""
        query = select(
            FeedbackRow.id,
            FeedbackRow.complaint_id,
            FeedbackRow.text,
            FeedbackRow.opd,
            FeedbackRow.urgency,
            FeedbackRow.unit,
            FeedbackRow.kecamatan,
            FeedbackRow.kelurahan,
        )
        query = query.where(IN_FORCE)  # a decision an undo took back is not training data
        if latest_only:
            query = query.where(FeedbackRow.id.in_(latest_in_force()))
        query = query.order_by(FeedbackRow.id).execution_options(yield_per=_EXPORT_BATCH)
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow(
            (*EXPORT_COLUMNS, *((UNIT_COLUMN,) if with_unit else ()), *(PLACE_COLUMNS if with_place else ()))
        )
        with self._read() as session:
            for n, (row_id, complaint_id, text, opd, urgency, unit, kec, kel) in enumerate(
                session.execute(query), start=1
            ):
                cells = [complaint_id or f"feedback-{row_id}", text, mask_text(opd), urgency or ""]
                if with_unit:
                    cells.append(unit or "")  # masked when stored (units were masked from the start)
                if with_place:
                    cells.extend((kec or "", kel or ""))  # masked when stored, like the units
                writer.writerow([spreadsheet_safe(cell) for cell in cells])
                if n % _EXPORT_BATCH == 0:
                    yield buffer.getvalue()
                    buffer.seek(0)
                    buffer.truncate()
        yield buffer.getvalue()

    def stats(self) -> dict[str, Any]:
        """Counts, and how often admins kept the suggested OPD (overall and per suggested OPD)."""
        accepted_sum = func.sum(case((FeedbackRow.accepted.is_(True), 1), else_=0))
        with self._read() as session:
            total, judged, accepted, first, last = session.execute(
                select(
                    func.count(FeedbackRow.id),
                    func.count(FeedbackRow.accepted),
                    accepted_sum,
                    func.min(FeedbackRow.created_at),
                    func.max(FeedbackRow.created_at),
                ).where(IN_FORCE)
            ).one()
            per_opd = session.execute(
                select(FeedbackRow.suggested_opd, func.count(FeedbackRow.id), accepted_sum)
                .where(FeedbackRow.accepted.is_not(None), IN_FORCE)
                .group_by(FeedbackRow.suggested_opd)
                .order_by(FeedbackRow.suggested_opd)
            ).all()
            corrections = session.execute(
                select(FeedbackRow.suggested_opd, FeedbackRow.opd, func.count(FeedbackRow.id).label("n"))
                .where(FeedbackRow.accepted.is_(False), IN_FORCE)
                .group_by(FeedbackRow.suggested_opd, FeedbackRow.opd)
                .order_by(func.count(FeedbackRow.id).desc(), FeedbackRow.suggested_opd, FeedbackRow.opd)
                .limit(10)
            ).all()
            levels = session.execute(
                select(FeedbackRow.urgency, func.count(FeedbackRow.id)).where(IN_FORCE).group_by(FeedbackRow.urgency)
            ).all()
            withdrawn = session.scalar(select(func.count(FeedbackRow.id)).where(FeedbackRow.withdrawn_at.is_not(None)))
        judged, accepted = int(judged or 0), int(accepted or 0)
        return {
            "total": int(total or 0),
            "withdrawn": int(withdrawn or 0),
            "with_suggestion": judged,
            "accepted": accepted,
            "acceptance_rate": round(accepted / judged, 4) if judged else None,
            "by_suggested_opd": _acceptance_by_opd(per_opd),
            "top_corrections": [
                {"suggested": _shown(s), "chosen": _shown(c), "count": int(n)} for s, c, n in corrections
            ],
            "by_urgency": {str(level or "none"): int(n) for level, n in levels},
            "first_at": _iso(first),
            "last_at": _iso(last),
        }

    @contextmanager
    def _read(self) -> Iterator[Session]:
        try:
            with self._sessions() as session:
                yield session
        except SQLAlchemyError as exc:
            raise FeedbackUnavailableError(f"cannot read the feedback store: {database_reason(exc)}") from exc


def mask_text(text: str) -> str:
    """The text as it is stored: NUL characters dropped (PostgreSQL refuses them), repaired like the model
    repairs it (zero-width marks hidden inside a number would otherwise keep it from being masked), and masked."""
    return mask_personal_data(repair(text.replace("\x00", "")))


def _shown(opd: str | None) -> str | None:
    """An OPD name as stats and exports show it: masked again, for rows stored before names were masked."""
    return None if opd is None else mask_text(opd)


def _acceptance_by_opd(per_opd: Sequence[Any]) -> dict[str, dict[str, Any]]:
    """Suggested and accepted counts per suggested OPD (names that mask alike are counted together)."""
    tallies: dict[str, list[int]] = {}
    for opd, suggested, accepted in per_opd:
        tally = tallies.setdefault(mask_text(str(opd)), [0, 0])
        tally[0] += int(suggested)
        tally[1] += int(accepted or 0)
    return {opd: {"suggested": n, "accepted": k, "acceptance_rate": round(k / n, 4)} for opd, (n, k) in tallies.items()}


def spreadsheet_safe(cell: str) -> str:
    """``cell`` with a leading ``'`` when a spreadsheet would read it as a formula (OWASP "CSV injection":
    a cell starting with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return), and its line breaks
    written as ``\n`` (the csv module does not quote a lone ``\r``, which readers take for the end of the
    row). Training reads the ``'`` as one more character of the text, which changes nothing that matters."""
    if cell.startswith(_FORMULA_STARTS):
        cell = "'" + cell
    return cell.replace("\r\n", "\n").replace("\r", "\n") if "\r" in cell else cell


def _masked_name(value: str | None) -> str | None:
    """A free-text name as stored: masked, stripped, None when blank (unknown, never "")."""
    return None if value is None else mask_text(value).strip() or None


def _no_nul(value: str | None) -> str | None:
    return None if value is None else value.replace("\x00", "")


def _iso(value: datetime | None) -> str | None:
    if value is None:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.isoformat(timespec="seconds")
