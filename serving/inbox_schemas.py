"""Request and answer bodies of the desk API (``/v1/complaints``)."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, Field, StrictBool, StrictStr, field_validator, model_validator

from serving.schemas import UrgencyLevel, _Input, _not_blank, known_name

__all__ = ["ComplaintsIn", "ComplaintsOut", "DecisionIn", "DeskComplaint", "DeskPage", "StoredResult"]

Status = Literal["baru", "didisposisikan", "otomatis", "di_luar_kewenangan"]
_MAX_ID = 200
_MAX_NAME = 200


class NewComplaintIn(_Input):
    id: StrictStr = Field(min_length=1, max_length=_MAX_ID, description="The complaint's id in the portal (kept once).")
    text: StrictStr = Field(description="The complaint as the citizen wrote it (stored masked).")
    tanggal: datetime | None = Field(default=None, strict=False, description="When the citizen sent it (ISO 8601).")
    kecamatan: StrictStr | None = Field(default=None, max_length=_MAX_NAME)
    kelurahan: StrictStr | None = Field(default=None, max_length=_MAX_NAME)
    kanal: StrictStr | None = Field(default=None, max_length=_MAX_NAME, description="Channel: portal, WhatsApp, ...")

    @field_validator("text")
    @classmethod
    def _text_not_blank(cls, value: str) -> str:
        return _not_blank(value)

    @field_validator("id")
    @classmethod
    def _id_not_blank(cls, value: str) -> str:
        return _not_blank(value).strip()


class ComplaintsIn(_Input):
    items: list[NewComplaintIn] = Field(min_length=1, description="Complaints to keep; known ids are skipped.")


class StoredResult(BaseModel):
    id: str
    status: Status | Literal["sudah_ada"]
    stored: bool
    duplicate_of: str | None = None  # the earlier stored complaint this one repeats
    duplicate_score: float | None = None
    duplicate_kind: Literal["ulang", "terkait"] | None = None


class ComplaintsOut(BaseModel):
    stored: int
    skipped: int
    results: list[StoredResult]


class DecisionIn(_Input):
    """``{"opd": ..., "urgency"?: ..., "unit"?: ..., "note"?: ...}`` or ``{"outside_authority": ..., "note"?: ...}``."""

    opd: StrictStr | None = Field(default=None, max_length=_MAX_NAME)
    urgency: UrgencyLevel | None = None
    unit: StrictStr | None = Field(
        default=None,
        max_length=_MAX_NAME,
        description="The specific unit of the OPD (a kelurahan or kecamatan, the real OPD behind a pooled label), "
        "if known; without it a decision for the suggested OPD keeps the suggested unit.",
    )
    outside_authority: StrictStr | None = Field(
        default=None, max_length=_MAX_NAME, description="Who must handle it instead (PLN, Polri, BPN, ...)."
    )
    note: StrictStr | None = Field(default=None, max_length=2_000)
    group: StrictBool = Field(
        default=False, description="Also decide the waiting complaints of its group of similar ones (duplicate_of)."
    )

    @field_validator("unit")
    @classmethod
    def _unit_name(cls, value: str | None) -> str | None:
        return known_name(value, "unit")

    @model_validator(mode="after")
    def _one_kind(self) -> DecisionIn:
        opd = (self.opd or "").strip()
        outside = (self.outside_authority or "").strip()
        if bool(opd) == bool(outside):
            raise ValueError("give either opd (route it) or outside_authority (not ours), exactly one of them")
        if outside and self.urgency is not None:
            raise ValueError("urgency goes with opd, not with outside_authority")
        if outside and self.unit is not None:
            raise ValueError("unit goes with opd, not with outside_authority")
        self.opd, self.outside_authority = opd or None, outside or None
        return self


class DecisionOut(BaseModel):
    opd: str | None
    urgency: str | None
    unit: str | None = Field(default=None, description="The unit of the OPD decided, when known.")
    outside_authority: str | None
    note: str | None
    decided_by: str | None
    decided_at: datetime | None


class DeskComplaint(BaseModel):
    id: str
    text: str = Field(description="Masked text.")
    tanggal: datetime | None
    kecamatan: str | None
    kelurahan: str | None
    kanal: str | None
    status: Status
    due_at: datetime | None
    overdue: bool
    suggestion: dict[str, Any] = Field(description="The /v1/route answer it got on arrival.")
    decision: DecisionOut | None


class DeskPage(BaseModel):
    total: int
    counts: dict[str, int]
    items: list[DeskComplaint]
