"""Due dates of complaints on the desk, in working days (Monday to Friday, minus the holidays set).

``due_at`` is the complaint's own date (``tanggal``, else its arrival) moved forward by the working days its
urgency allows: by default 1 for ``tinggi``, 3 for ``sedang``, 5 for ``rendah`` and for a complaint without an
urgency, at the same time of day. These are deadlines for the *disposition* (forwarding to the OPD), chosen by
the team to sit well inside the resolution deadlines Pemda publish in their service standards on SIPPN
(sippn.menpan.go.id; e.g. light complaints within 2 working days, normative ones within 5, those needing
investigation within 14 or 60). ``DISPOSISI_DUE_WORKING_DAYS`` and ``DISPOSISI_HOLIDAYS`` change them.
Working days are counted by :func:`numpy.busday_offset`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time

import numpy as np

__all__ = ["DEFAULT_WORKING_DAYS", "DuePolicy", "parse_working_days"]

DEFAULT_WORKING_DAYS: Mapping[str, int] = {"tinggi": 1, "sedang": 3, "rendah": 5, "": 5}


@dataclass(frozen=True)
class DuePolicy:
    working_days: Mapping[str, int] = field(default_factory=lambda: dict(DEFAULT_WORKING_DAYS))
    holidays: Sequence[date] = ()

    def due_at(self, start: datetime, urgency: str | None) -> datetime:
        """``start`` plus the working days ``urgency`` allows; a start outside working days counts from the next
        working day's beginning."""
        start = start if start.tzinfo else start.replace(tzinfo=UTC)
        days = self.working_days.get(urgency or "", self.working_days.get("", 5))
        holidays = np.asarray(sorted(self.holidays), dtype="datetime64[D]")
        day: date = start.date()
        if not np.is_busday(day, holidays=holidays):
            day = np.busday_offset(day, 0, roll="forward", holidays=holidays).astype(date)
            start = datetime.combine(day, time(0, 0), tzinfo=start.tzinfo)
        due_day: date = np.busday_offset(day, days, roll="forward", holidays=holidays).astype(date)
        return datetime.combine(due_day, start.timetz())

    def is_overdue(self, due_at: datetime | None, now: datetime | None = None) -> bool:
        if due_at is None:
            return False
        due = due_at if due_at.tzinfo else due_at.replace(tzinfo=UTC)
        return due < (now or datetime.now(UTC))


def parse_working_days(text: str) -> dict[str, int]:
    """``"tinggi:1,sedang:3,rendah:5"`` as a mapping (``lain`` or ``-`` names the days of no urgency)."""
    table = dict(DEFAULT_WORKING_DAYS)
    for part in filter(None, (p.strip() for p in text.split(","))):
        level, sep, number = part.partition(":")
        level = level.strip().lower()
        if not sep or not number.strip().isdigit() or level not in ("tinggi", "sedang", "rendah", "lain", "-"):
            raise ValueError(f'"{part}" is not LEVEL:DAYS with LEVEL tinggi, sedang, rendah or lain')
        table["" if level in ("lain", "-") else level] = int(number)
    return table
