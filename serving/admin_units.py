"""The unit on the admin's page: the units the loaded model knows (the page's ``<datalist>``), the unit the page
proposes for a complaint, and the unit a posted form decides.

The page proposes the suggested unit with the suggested OPD (:func:`store.trail.top_unit`) and sends what
the admin left in the field: the admin's word, blank for unknown. Its script clears the proposed unit when the
admin picks another OPD; without the script, a proposed unit posted with another OPD is dropped here, since it
belongs to the suggested OPD.
"""

from __future__ import annotations

from models.unit import UnitResolver
from serving.inbox import masked_field
from serving.model_state import LoadedModel
from store.complaints import ComplaintStore, UnknownComplaintError
from store.schema import ComplaintRow
from store.trail import suggestion_of, top_unit

__all__ = ["known_units", "posted_unit", "proposed_unit"]


def known_units(loaded: LoadedModel | None) -> list[str]:
    """The unit names the loaded model can answer; none for a model without units."""
    resolver: UnitResolver | None = getattr(loaded.router, "unit_", None) if loaded else None
    return resolver.known_units() if resolver is not None else []


def proposed_unit(row: ComplaintRow) -> str:
    """The unit the page puts in the field: the suggested unit of the suggested OPD ("" when none is finer)."""
    return top_unit(suggestion_of(row), row.top_opd) or ""


def posted_unit(complaints: ComplaintStore, complaint_id: str, opd: str, unit: str) -> str | None:
    """The unit a posted decision for ``opd`` gives (masked; None: unknown). The proposed unit posted with
    another OPD than the suggested one is the page's, not the admin's: dropped."""
    unit = unit.strip()
    if not unit:
        return None
    try:
        row = complaints.get(complaint_id)
    except UnknownComplaintError:
        return None  # the decision itself says the complaint is gone
    if opd != row.top_opd and unit == proposed_unit(row):
        return None
    return masked_field(unit)
