"""The answer of ``GET /v1/monitoring`` (built by :mod:`serving.monitoring`)."""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel, Field

__all__ = ["Alert", "ConfidenceOut", "DayOut", "Figures", "LabelsOut", "MonitoringOut", "OovOut", "OpdOut"]


class Figures(BaseModel):
    volume: int = Field(description="Complaints of the period.")
    needs_review_rate: float | None = Field(description="Share flagged needs_review (null without complaints).")
    decided: int = Field(description="Complaints an admin routed to an OPD.")
    top1_acceptance_rate: float | None = Field(
        description="Share of the decided ones routed to the model's first OPD (null without decisions)."
    )
    oov_rate: float | None = Field(
        description="Mean share of a complaint's words that no training text held (null where not recorded)."
    )


class DayOut(Figures):
    day: date


class OpdOut(Figures):
    opd: str = Field(description="The OPD an admin chose, else the model's first.")


class ConfidenceOut(BaseModel):
    edges: list[float] = Field(description="Bin edges of the top-OPD confidence.")
    reference: list[float] | None = Field(description="Share per bin on the training hold-out (null: no reference).")
    current: list[float] | None = Field(description="Share per bin in the window (null: no complaints).")
    counts: list[int] = Field(description="Complaints per bin in the window.")
    psi: float | None = Field(description="Population stability index of current against reference.")
    reason: str | None = Field(description="Why psi is null, when it is.")


class OovOut(BaseModel):
    rate: float | None
    reference: float | None = Field(description="The same share on the training hold-out (null: no reference).")


class LabelsOut(BaseModel):
    decided: dict[str, float] = Field(description="Share of each OPD among the admins' decisions in the window.")
    training: dict[str, float] | None = Field(description="Share of each OPD among the training rows.")
    psi: float | None = Field(description="PSI of the decisions' label mix against training's.")
    unknown: dict[str, int] = Field(description="OPDs admins chose that the model cannot suggest, with counts.")


class Alert(BaseModel):
    kind: str = Field(
        description="acceptance_drop, needs_review_rise, confidence_psi, oov_rise, label_psi, unknown_opd"
    )
    message_id: str = Field(description="The warning in Indonesian.")
    message_en: str = Field(description="The warning in English.")
    value: float
    threshold: float


class MonitoringOut(BaseModel):
    window_days: int
    since: date
    until: date
    opd: str | None
    model_version: str | None
    figures: Figures = Field(description="The window as a whole.")
    previous: Figures = Field(description="The window of the same length just before.")
    per_day: list[DayOut]
    per_opd: list[OpdOut]
    confidence: ConfidenceOut
    oov: OovOut
    labels: LabelsOut
    alerts: list[Alert]
