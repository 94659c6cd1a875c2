"""Monitoring of the served model: ``GET /v1/monitoring``, and the report the admin page /admin/pantauan draws.

:func:`monitoring_report` turns the store's counts (:func:`store.monitoring.monitoring_figures`) and the drift
reference the model carries (``ModelMetadata.reference``, :mod:`models.drift`) into the figures of a window:
volume, ``needs_review_rate``, ``top1_acceptance_rate`` and ``oov_rate``, overall, per day and per OPD; the
confidence histogram against the training hold-out's with its population stability index; the label mix of
the admins' decisions against training's; and ``alerts``, plain warnings in Indonesian and English where a
figure crosses its threshold (``DISPOSISI_MONITOR_*`` settings). Acceptance and needs_review are compared with
the window before, or with the training hold-out when that window holds too few complaints; a PSI alert needs
at least 10 rows per bin (PSI of a small sample is biased upwards), so a week of a busy desk or a month of a
quiet one.

Only counts are read from the store; no complaint text leaves it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query
from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError

from models.artifact import ModelMetadata
from models.drift import CONFIDENCE_EDGES, population_stability_index
from serving.deps import HolderDep, SettingsDep, StoreDep, require_key
from serving.errors import FeedbackUnavailableError, database_reason
from serving.monitoring_schemas import (
    Alert,
    ConfidenceOut,
    DayOut,
    Figures,
    LabelsOut,
    MonitoringOut,
    OovOut,
    OpdOut,
)
from serving.openapi import error_responses
from serving.settings import Settings
from store.monitoring import MonitoringCounts, MonitoringFigures, monitoring_figures

__all__ = ["MAX_WINDOW_DAYS", "AlertThresholds", "monitoring_report", "read_report", "router"]

MAX_WINDOW_DAYS = 90
# PSI of a small sample is biased upwards (every empty bin counts): a PSI alert needs this many rows per bin.
_PSI_ROWS_PER_BIN = 10
_NO_REFERENCE = "the model carries no drift reference (trained before monitoring existed): retrain it"

router = APIRouter(tags=["monitoring"])


@dataclass(frozen=True)
class AlertThresholds:
    psi: float = 0.25
    acceptance_drop: float = 0.10
    review_rise: float = 0.10
    oov_rise: float = 0.05
    min_rows: int = 20

    @classmethod
    def from_settings(cls, settings: Settings) -> AlertThresholds:
        return cls(
            psi=settings.monitor_psi_alert,
            acceptance_drop=settings.monitor_acceptance_drop,
            review_rise=settings.monitor_review_rise,
            oov_rise=settings.monitor_oov_rise,
            min_rows=settings.monitor_min_rows,
        )


@router.get("/v1/monitoring", dependencies=[Depends(require_key)], responses=error_responses(401, 422, 503))
def monitoring(
    store: StoreDep,
    holder: HolderDep,
    settings: SettingsDep,
    window_days: Annotated[int, Query(ge=1, le=MAX_WINDOW_DAYS, description="Days in the window, today included.")] = 7,
    opd: Annotated[str | None, Query(min_length=1, max_length=200, description="Only this OPD's complaints.")] = None,
) -> MonitoringOut:
    """Volume, needs_review, top-1 acceptance, confidence drift (PSI), unseen words and label mix of the served
    complaints over a window, per day and per OPD, with alerts where a figure crosses its threshold."""
    loaded = holder.current
    return read_report(store.engine, loaded.meta if loaded else None, settings, window_days=window_days, opd=opd)


def read_report(
    engine: Engine,
    meta: ModelMetadata | None,
    settings: Settings,
    *,
    window_days: int = 7,
    opd: str | None = None,
    now: datetime | None = None,
) -> MonitoringOut:
    """The report of the window ending ``now`` (503 if the store cannot be read)."""
    reference = meta.reference if meta else {}
    edges = reference.get("confidence_edges") or CONFIDENCE_EDGES
    try:
        figures = monitoring_figures(engine, days=window_days, now=now, opd=opd, edges=edges)
    except SQLAlchemyError as exc:
        raise FeedbackUnavailableError(f"cannot read the store: {database_reason(exc)}") from exc
    return monitoring_report(figures, meta, AlertThresholds.from_settings(settings), opd=opd)


def monitoring_report(
    figures: MonitoringFigures,
    meta: ModelMetadata | None,
    thresholds: AlertThresholds = AlertThresholds(),
    *,
    opd: str | None = None,
) -> MonitoringOut:
    """The answer of ``GET /v1/monitoring`` from the store's counts and the model's reference."""
    reference: Mapping[str, Any] = meta.reference if meta else {}
    days = {day: counts for day, counts in figures.per_day}
    per_day = [
        DayOut(day=day, **_figures(days.get(day, MonitoringCounts())).model_dump())
        for day in (figures.since + timedelta(days=i) for i in range(figures.days))
    ]
    confidence = _confidence(figures, reference)
    oov = OovOut(rate=figures.total.oov_rate, reference=reference.get("oov_rate"))
    labels = _labels(figures.decided_labels, reference, meta)
    report = MonitoringOut(
        window_days=figures.days,
        since=figures.since,
        until=figures.until,
        opd=opd,
        model_version=meta.version if meta else None,
        figures=_figures(figures.total),
        previous=_figures(figures.previous),
        per_day=per_day,
        per_opd=[OpdOut(opd=name, **_figures(counts).model_dump()) for name, counts in figures.per_opd],
        confidence=confidence,
        oov=oov,
        labels=labels,
        alerts=[],
    )
    report.alerts = _alerts(figures, report, reference, thresholds)
    return report


def _figures(counts: MonitoringCounts) -> Figures:
    return Figures(
        volume=counts.volume,
        needs_review_rate=counts.needs_review_rate,
        decided=counts.decided,
        top1_acceptance_rate=counts.top1_acceptance_rate,
        oov_rate=counts.oov_rate,
    )


def _shares(counts: list[int] | list[float]) -> list[float] | None:
    total = float(sum(counts))
    return [c / total for c in counts] if total > 0 else None


def _confidence(figures: MonitoringFigures, reference: Mapping[str, Any]) -> ConfidenceOut:
    edges = list(reference.get("confidence_edges") or CONFIDENCE_EDGES)
    expected = reference.get("confidence_counts")
    current = _shares(figures.confidence_counts)
    psi: float | None = None
    reason: str | None = None
    if not expected:
        reason = _NO_REFERENCE
    elif current is None:
        reason = "no routed complaint in the window"
    else:
        psi = population_stability_index(expected, figures.confidence_counts)
    return ConfidenceOut(
        edges=edges,
        reference=_shares(expected) if expected else None,
        current=current,
        counts=figures.confidence_counts,
        psi=psi,
        reason=reason,
    )


def _labels(decided: dict[str, int], reference: Mapping[str, Any], meta: ModelMetadata | None) -> LabelsOut:
    training: dict[str, int] = dict(reference.get("label_counts") or {})
    known = set(meta.opd_labels) if meta else set(training)
    names = sorted(set(decided) | set(training))
    psi: float | None = None
    if training and decided:
        psi = population_stability_index([training.get(n, 0) for n in names], [decided.get(n, 0) for n in names])
    total_decided = sum(decided.values())
    total_training = sum(training.values())
    return LabelsOut(
        decided={name: n / total_decided for name, n in decided.items()},
        training={name: n / total_training for name, n in training.items()} if training else None,
        psi=psi,
        unknown={name: n for name, n in decided.items() if known and name not in known},
    )


def _percent(share: float) -> str:
    return f"{100 * share:.0f}%"


def _alerts(
    figures: MonitoringFigures, report: MonitoringOut, reference: Mapping[str, Any], limits: AlertThresholds
) -> list[Alert]:
    alerts: list[Alert] = []
    total, previous = figures.total, figures.previous
    n = figures.days
    # acceptance and needs_review: against the window before, or the training hold-out when it is too thin
    changes = (
        (
            "acceptance_drop",
            -1,
            limits.acceptance_drop,
            total.decided,
            total.top1_acceptance_rate,
            previous.decided,
            previous.top1_acceptance_rate,
            reference.get("top1_accuracy"),
            "Saran teratas yang diterima admin turun dari {before} ({id_where}) ke {now} dalam {n} hari terakhir: "
            "latih ulang model (disposisi retrain).",
            "Top-1 acceptance fell from {before} ({en_where}) to {now} in the last {n} days: "
            "retrain (disposisi retrain).",
        ),
        (
            "needs_review_rise",
            1,
            limits.review_rise,
            total.volume,
            total.needs_review_rate,
            previous.volume,
            previous.needs_review_rate,
            reference.get("needs_review_rate"),
            "Aduan yang perlu ditinjau naik dari {before} ({id_where}) ke {now} dalam {n} hari terakhir: model makin "
            "ragu.",
            "Complaints needing review rose from {before} ({en_where}) to {now} in the last {n} days: the model is "
            "less sure.",
        ),
    )
    for kind, sign, limit, rows, now_rate, before_rows, before_rate, trained, text_id, text_en in changes:
        before, id_where, en_where = _baseline(before_rate, before_rows, trained, n, limits)
        if rows < limits.min_rows or now_rate is None or before is None or sign * (now_rate - before) < limit:
            continue
        words = {"before": _percent(before), "now": _percent(now_rate), "n": n}
        alerts.append(
            Alert(
                kind=kind,
                message_id=text_id.format(id_where=id_where, **words),
                message_en=text_en.format(en_where=en_where, **words),
                value=sign * (now_rate - before),
                threshold=limit,
            )
        )
    if total.volume >= limits.min_rows:
        psi = report.confidence.psi
        if psi is not None and psi > limits.psi and total.volume >= _PSI_ROWS_PER_BIN * len(figures.confidence_counts):
            alerts.append(
                Alert(
                    kind="confidence_psi",
                    message_id=f"Sebaran keyakinan model bergeser dari data latih (PSI {psi:.2f} > {limits.psi:.2f}):"
                    " pola aduan berubah, latih ulang model.",
                    message_en=f"The model's confidence distribution moved away from training's (PSI {psi:.2f} > "
                    f"{limits.psi:.2f}): complaints have changed, retrain.",
                    value=psi,
                    threshold=limits.psi,
                )
            )
    oov, oov_reference = report.oov.rate, report.oov.reference
    if (
        total.oov_rows >= limits.min_rows
        and oov is not None
        and oov_reference is not None
        and oov - oov_reference >= limits.oov_rise
    ):
        alerts.append(
            Alert(
                kind="oov_rise",
                message_id=f"Kata yang tidak dikenal model naik dari {_percent(oov_reference)} (data latih) ke "
                f"{_percent(oov)}: ada kosakata baru, latih ulang model.",
                message_en=f"Words the model never saw rose from {_percent(oov_reference)} (training) to "
                f"{_percent(oov)}: new vocabulary, retrain.",
                value=oov - oov_reference,
                threshold=limits.oov_rise,
            )
        )
    label_psi = report.labels.psi
    enough_decided = total.decided >= max(
        limits.min_rows, _PSI_ROWS_PER_BIN * len(report.labels.decided | (report.labels.training or {}))
    )
    if enough_decided and label_psi is not None and label_psi > limits.psi:
        alerts.append(
            Alert(
                kind="label_psi",
                message_id=f"Sebaran OPD pilihan admin berbeda dari data latih (PSI {label_psi:.2f}).",
                message_en=f"The admins' OPD mix differs from training's (PSI {label_psi:.2f}).",
                value=label_psi,
                threshold=limits.psi,
            )
        )
    for name, count in sorted(report.labels.unknown.items()):
        alerts.append(
            Alert(
                kind="unknown_opd",
                message_id=f'Admin memilih "{name}" untuk {count} aduan, OPD yang tidak dikenal model: '
                "latih ulang model dengan keputusan ini.",
                message_en=f'Admins chose "{name}" for {count} complaints, an OPD the model does not know: '
                "retrain on these decisions.",
                value=float(count),
                threshold=1.0,
            )
        )
    return alerts


def _baseline(
    previous: float | None, previous_rows: int, reference: Any, days: int, limits: AlertThresholds
) -> tuple[float | None, str, str]:
    """The rate to compare with: the window before when it holds enough rows, else the training hold-out's."""
    if previous is not None and previous_rows >= limits.min_rows:
        return previous, f"{days} hari sebelumnya", f"the {days} days before"
    if isinstance(reference, (int, float)):
        return float(reference), "data latih", "training hold-out"
    return None, "", ""
