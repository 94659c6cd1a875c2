"""The /admin inbox's filters (status, OPD, urgency, needs review, search) as a query string carries them."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any
from urllib.parse import urlencode

from models.router import URGENCY_LEVELS
from models.text import mask_personal_data
from store.complaints import STATUSES

__all__ = ["ALL", "STATUS_NAMES", "Filters", "bounded_int"]

ALL = "semua"
STATUS_NAMES = {
    "baru": "Menunggu",
    "didisposisikan": "Didisposisikan",
    "otomatis": "Otomatis",
    "di_luar_kewenangan": "Di luar kewenangan",
}
# Why a suggestion needs review (``review_reason`` of the answer, models/openset.py), as the admin reads it.
REVIEW_REASON_NAMES = {
    "ragu": "Ragu antar OPD",
    "di_luar_cakupan": "Mungkin di luar kewenangan",
}


@dataclass(frozen=True)
class Filters:
    """The inbox's filters as the query string carries them (``status=semua`` lists every status)."""

    status: str = "baru"
    opd: str = ""
    urgensi: str = ""
    tinjau: str = ""
    q: str = ""

    @classmethod
    def of(cls, values: Any) -> tuple[Filters, list[str]]:
        """Filters from a query or form mapping, and the problems of the values it had to drop."""
        problems = []
        status = (values.get("status") or "baru").strip()
        if status not in (*STATUSES, ALL):
            problems.append(f"Status '{status}' tidak dikenal.")
            status = "baru"
        urgency = (values.get("urgensi") or "").strip()
        if urgency and urgency not in URGENCY_LEVELS:
            problems.append(f"Urgensi harus salah satu dari: {', '.join(URGENCY_LEVELS)}.")
            urgency = ""
        review = (values.get("tinjau") or "").strip()
        if review not in ("", "ya", "tidak"):
            problems.append("Filter 'perlu ditinjau' harus ya atau tidak.")
            review = ""
        opd = (values.get("opd") or "").strip()[:200]
        q = mask_personal_data((values.get("q") or "").strip()[:200])  # stored texts are masked too
        return cls(status=status, opd=opd, urgensi=urgency, tinjau=review, q=q), problems

    def store_args(self) -> dict[str, Any]:
        return {
            "status": None if self.status == ALL else self.status,
            "opd": self.opd or None,
            "urgency": self.urgensi or None,
            "needs_review": {"ya": True, "tidak": False}.get(self.tinjau),
            "q": self.q or None,
        }

    def query(self, **extra: Any) -> str:
        values = {k: v for k, v in {**asdict(self), **extra}.items() if v not in ("", None)}
        return urlencode(values)


def bounded_int(value: str | None, default: int, low: int, high: int) -> int:
    try:
        number = int(value) if value else default
    except ValueError:
        return default
    return min(max(number, low), high)
