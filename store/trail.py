"""A decision on a complaint, and the trail it leaves: what an admin decided, how it is written on the complaint
and appended to the trail (:class:`~store.schema.DecisionRow`), and the state an undo goes back to.

A decision that routes to an OPD carries the specific unit of that OPD when known (a kelurahan, the real OPD
behind a pooled label): the unit the admin gave, else, when the decision forwards to the OPD the model suggested,
the unit the model suggested with it (:func:`suggested_unit`); the unit belongs to that OPD, so a decision for
another OPD without a unit of its own has none (unknown, never ""). The complaint keeps it as ``decided_unit``,
every trail entry as ``unit``, so an undo restores it with the OPD.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from store.schema import ComplaintRow, DecisionRow

__all__ = ["Decision", "apply_decision", "state_before", "suggested_unit", "suggestion_of", "top_unit", "undo_last"]


@dataclass(frozen=True)
class Decision:
    """What an admin decided: an OPD (with an optional urgency and unit), or that the complaint is outside
    authority. ``unit`` must already be masked; without it, ``unit_from_suggestion`` keeps the suggested unit of
    a decision for the suggested OPD (the page, which shows the suggested unit, says ``False``: what it sends is
    the admin's word, blank for unknown)."""

    decided_by: str
    opd: str | None = None
    urgency: str | None = None
    outside_authority: str | None = None
    note: str | None = None
    unit: str | None = None
    unit_from_suggestion: bool = True

    def __post_init__(self) -> None:
        if self.unit is not None and not self.opd:
            raise ValueError("unit goes with opd, not with outside_authority")

    @property
    def status(self) -> str:
        return "di_luar_kewenangan" if self.outside_authority else "didisposisikan"

    def unit_for(self, row: ComplaintRow) -> str | None:
        """The unit this decision gives ``row``: its own, else the suggested one when it may and applies."""
        if not self.opd:
            return None
        if self.unit and self.unit.strip():
            return self.unit.strip()
        return suggested_unit(suggestion_of(row), row.top_opd, self.opd) if self.unit_from_suggestion else None


def suggested_unit(suggestion: Mapping[str, Any], suggested_opd: str | None, opd: str) -> str | None:
    """The unit the model suggested (``suggestion["unit"]``), kept with a decision that forwards to the suggested
    OPD: the unit belongs to that OPD, so a decision for another OPD has no known unit. A unit equal to the OPD
    label is the model saying it knows nothing finer (or a model without units), so it is not kept either."""
    unit = suggestion.get("unit")
    if opd != suggested_opd or not isinstance(unit, str) or not unit.strip() or unit.strip() == opd:
        return None
    return unit.strip()


def top_unit(suggestion: Mapping[str, Any], top_opd: str | None) -> str | None:
    """The unit the model suggested with its own top OPD (None when it names nothing finer): what an automatic
    routing decides and what the admin's page proposes."""
    return suggested_unit(suggestion, top_opd, top_opd) if top_opd else None


def apply_decision(session: Session, row: ComplaintRow, decision: Decision, now: datetime) -> ComplaintRow:
    """Write ``decision`` on ``row`` and append it to the trail (in the caller's transaction)."""
    urgency = decision.urgency or (row.urgency if decision.opd else None)
    unit = decision.unit_for(row)
    session.add(
        DecisionRow(
            complaint_id=row.id,
            status=decision.status,
            previous_status=row.status,
            opd=decision.opd,
            urgency=urgency,
            unit=unit,
            outside_authority=decision.outside_authority,
            note=decision.note,
            decided_by=decision.decided_by,
            decided_at=now,
        )
    )
    row.status = decision.status
    row.decided_opd = decision.opd
    row.decided_urgency = urgency
    row.decided_unit = unit
    row.outside_authority = decision.outside_authority
    row.note = decision.note
    row.decided_by = decision.decided_by
    row.decided_at = now
    return row


def undo_last(session: Session, row: ComplaintRow, trail: list[DecisionRow], decided_by: str, now: datetime) -> None:
    """Put ``row`` back as it was before the newest entry of ``trail`` (newest first), recording the undo as an
    entry of its own (so a second undo undoes the undo)."""
    before = state_before(row, trail)
    session.add(
        DecisionRow(
            complaint_id=row.id,
            status=before["status"],
            previous_status=row.status,
            opd=before["opd"],
            urgency=before["urgency"],
            unit=before["unit"],
            outside_authority=before["outside_authority"],
            note="dibatalkan",
            decided_by=decided_by,
            decided_at=now,
        )
    )
    row.status = before["status"]
    row.decided_opd = before["opd"]
    row.decided_urgency = before["urgency"]
    row.decided_unit = before["unit"]
    row.outside_authority = before["outside_authority"]
    row.decided_by = before["decided_by"]
    row.decided_at = before["decided_at"]


def state_before(row: ComplaintRow, trail: list[DecisionRow]) -> dict[str, Any]:
    """The complaint's decision state before the newest entry of ``trail`` (newest first): what the entry before
    it left (each entry records the state it left), or the state the complaint arrived in."""
    if len(trail) > 1:
        previous = trail[1]
        return {
            "status": previous.status,
            "opd": previous.opd,
            "urgency": previous.urgency,
            "unit": previous.unit,
            "outside_authority": previous.outside_authority,
            "decided_by": previous.decided_by,
            "decided_at": previous.decided_at,
        }
    arrived = trail[0].previous_status or "baru"
    automatic = arrived == "otomatis"
    return {
        "status": arrived,
        "opd": row.top_opd if automatic else None,
        "urgency": row.urgency if automatic else None,
        "unit": top_unit(suggestion_of(row), row.top_opd) if automatic else None,
        "outside_authority": None,
        "decided_by": "otomatis" if automatic else None,
        "decided_at": row.received_at if automatic else None,
    }


def suggestion_of(row: ComplaintRow) -> dict[str, Any]:
    """The suggestion a complaint was stored with (the answer of ``/v1/route``, as JSON in the row)."""
    loaded: dict[str, Any] = json.loads(row.suggestion)
    return loaded
