"""The desk API: complaints kept once, listed in the order an admin works, decided, undone and exported.

``POST /v1/complaints`` routes each complaint whose id is new (known ids are skipped before any routing) and keeps
it with its suggestion and due date; with ``DISPOSISI_AUTO_ROUTE=true`` a complaint that needs no review is
routed at once (status ``otomatis``). ``POST /v1/complaints/{id}/decision`` records who decided what (the name of
the key used), keeps the trail, and stores an OPD decision as a feedback row in the training format, so
``disposisi train`` learns from the desk as it learns from ``/v1/feedback``. A decision may name the unit of its
OPD (``unit``); without one, a decision that forwards to the suggested OPD keeps the suggested unit
(:func:`store.trail.suggested_unit`). The feedback row keeps that unit and the complaint's place (kecamatan,
kelurahan), so that retraining learns where each unit's complaints come from.
"""

from __future__ import annotations

import csv
import io
import logging
from collections.abc import Iterator
from datetime import UTC, date, datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import StreamingResponse

from models.drift import unseen_word_share
from models.text import mask_personal_data
from models.unit import Place
from serving.auth import key_from_request
from serving.budget import request_budget
from serving.deps import ModelDep, SettingsDep, StoreDep, require_key
from serving.due import DuePolicy, parse_working_days
from serving.errors import NotFoundError
from serving.feedback import FeedbackStore, mask_text, spreadsheet_safe
from serving.inbox_schemas import (
    ComplaintsIn,
    ComplaintsOut,
    DecisionIn,
    DecisionOut,
    DeskComplaint,
    DeskPage,
    NewComplaintIn,
    StoredResult,
)
from serving.model_state import LoadedModel
from serving.openapi import error_responses
from serving.schemas import RouteOut, check_limits
from serving.settings import Settings
from store.complaints import ComplaintStore, Decision, NewComplaint, UnknownComplaintError
from store.schema import ComplaintRow
from store.trail import suggestion_of

__all__ = ["keep_complaints", "record_decision", "router"]

logger = logging.getLogger(__name__)

router = APIRouter(prefix="/v1/complaints", tags=["desk"], dependencies=[Depends(require_key)])
EXPORT_COLUMNS = ("id", "teks", "opd", "urgensi", "status", "di_luar_kewenangan", "decided_at", "decided_by", "note")


def due_policy(settings: Settings) -> DuePolicy:
    holidays = [date.fromisoformat(day) for day in settings.holidays]
    return DuePolicy(working_days=parse_working_days(settings.due_working_days), holidays=holidays)


def get_complaints(store: StoreDep) -> ComplaintStore:
    return store.complaints


ComplaintsDep = Annotated[ComplaintStore, Depends(get_complaints)]


@router.post("", responses=error_responses(401, 422, 503))
def receive(
    body: ComplaintsIn, request: Request, loaded: ModelDep, settings: SettingsDep, complaints: ComplaintsDep
) -> ComplaintsOut:
    """Keep complaints for the desk: each new id is routed once and stored; known ids are skipped."""
    return keep_complaints(body.items, loaded, settings, complaints)


def keep_complaints(
    items: list[NewComplaintIn], loaded: LoadedModel, settings: Settings, complaints: ComplaintStore
) -> ComplaintsOut:
    """Route each complaint whose id is new and store it with its suggestion and due date (what
    ``POST /v1/complaints`` and the /admin import both do); known ids are skipped before any routing."""
    check_limits(
        [item.text for item in items], max_text_chars=settings.max_text_chars, max_items=settings.max_batch_items
    )
    known = complaints.known_ids([item.id for item in items])
    fresh = [item for item in items if item.id not in known]
    with request_budget(settings):
        places = [Place(kecamatan=item.kecamatan, kelurahan=item.kelurahan) for item in fresh]
        suggestions = loaded.router.suggest([item.text for item in fresh], explain=True, places=places) if fresh else []
        unseen = unseen_word_share(loaded.router, [item.text for item in fresh])
    policy = due_policy(settings)
    now = datetime.now(UTC)
    new = []
    for item, suggestion, oov_rate in zip(fresh, suggestions, unseen, strict=True):
        answer = RouteOut.from_suggestion(item.id, suggestion, loaded.version).model_dump(mode="json")
        answer["oov_rate"] = oov_rate  # for monitoring (serving.monitoring): kept in the JSON, no column of its own
        automatic = settings.auto_route and not suggestion.needs_review
        new.append(
            NewComplaint(
                id=item.id,
                text=mask_text(item.text),
                suggestion=answer,
                top_opd=suggestion.top_opd if suggestion.opd else None,
                top_score=suggestion.top_score if suggestion.opd else None,
                urgency=suggestion.urgency,
                needs_review=suggestion.needs_review,
                model_version=loaded.version,
                status="otomatis" if automatic else "baru",
                due_at=policy.due_at(item.tanggal or now, suggestion.urgency),
                tanggal=item.tanggal,
                kecamatan=masked_field(item.kecamatan),
                kelurahan=masked_field(item.kelurahan),
                kanal=masked_field(item.kanal),
            )
        )
    stored_flags = dict(zip([n.id for n in new], complaints.add(new, now=now), strict=True))
    repeats = complaints.duplicates([i for i, stored in stored_flags.items() if stored])
    status_of = {n.id: n.status for n in new}
    results = []
    for item in items:
        stored = stored_flags.get(item.id, False)
        stored_flags[item.id] = False  # a second copy of an id in the same request is skipped
        status = status_of[item.id] if stored else "sudah_ada"
        result = StoredResult(id=item.id, status=status, stored=stored)  # type: ignore[arg-type]
        repeat = repeats.get(item.id) if stored else None
        if repeat is not None:
            result.duplicate_of, result.duplicate_score = repeat.duplicate_of, repeat.duplicate_score
            result.duplicate_kind = repeat.duplicate_kind  # type: ignore[assignment]
        results.append(result)
    count = sum(r.stored for r in results)
    logger.info("desk: %d complaints stored, %d skipped as known", count, len(results) - count)
    return ComplaintsOut(stored=count, skipped=len(results) - count, results=results)


@router.get("", responses=error_responses(401, 422, 503))
def page(
    settings: SettingsDep,
    complaints: ComplaintsDep,
    status: Annotated[str | None, Query(pattern="^(baru|didisposisikan|otomatis|di_luar_kewenangan)$")] = None,
    opd: Annotated[str | None, Query(max_length=200)] = None,
    urgency: Annotated[str | None, Query(pattern="^(tinggi|sedang|rendah)$")] = None,
    needs_review: bool | None = None,
    q: Annotated[str | None, Query(max_length=200)] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    offset: Annotated[int, Query(ge=0, le=10_000_000)] = 0,
) -> DeskPage:
    """Complaints in desk order: urgency (tinggi, sedang, rendah), then the earliest due date; counts per status."""
    found = complaints.page(
        status=status, opd=opd, urgency=urgency, needs_review=needs_review, q=q, limit=limit, offset=offset
    )
    policy = due_policy(settings)
    return DeskPage(total=found.total, counts=found.counts, items=[desk_view(row, policy) for row in found.items])


@router.get(
    "/export",
    response_class=StreamingResponse,
    responses={
        200: {"content": {"text/csv": {}}, "description": "CSV of routed complaints"},
        **error_responses(401, 422, 503),
    },
)
def export(
    complaints: ComplaintsDep,
    status: Annotated[str | None, Query(pattern="^(didisposisikan|otomatis|di_luar_kewenangan)$")] = None,
) -> StreamingResponse:
    """Routed complaints as CSV for forwarding to the OPDs (cells a spreadsheet would run are neutralised)."""
    complaints.count()  # reach the database before the 200 is sent
    stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
    return StreamingResponse(
        _export_lines(complaints, status),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="disposisi-{stamp}.csv"'},
    )


@router.get("/{complaint_id}", responses=error_responses(401, 404, 422, 503))
def one(complaint_id: str, settings: SettingsDep, complaints: ComplaintsDep) -> DeskComplaint:
    return desk_view(_get(complaints, complaint_id), due_policy(settings))


@router.post("/{complaint_id}/decision", responses=error_responses(401, 404, 422, 503))
def decide(
    complaint_id: str,
    body: DecisionIn,
    request: Request,
    settings: SettingsDep,
    store: StoreDep,
    complaints: ComplaintsDep,
) -> DeskComplaint:
    """Route the complaint to an OPD, or mark it outside the Pemda's authority; a second decision overwrites the
    first and both stay in the trail."""
    decision = Decision(
        decided_by=key_owner(request, settings),
        opd=masked_field(body.opd),
        urgency=body.urgency,
        outside_authority=masked_field(body.outside_authority),
        note=masked_field(body.note),
        unit=masked_field(body.unit),
    )
    try:
        row = record_decision(complaints, store, complaint_id, decision, group=body.group)
    except UnknownComplaintError as exc:
        raise NotFoundError(str(exc)) from exc
    return desk_view(row, due_policy(settings))


@router.post("/{complaint_id}/undo", responses=error_responses(401, 404, 422, 503))
def undo(complaint_id: str, request: Request, settings: SettingsDep, complaints: ComplaintsDep) -> DeskComplaint:
    """Put the complaint back as it was before its last decision."""
    try:
        row = complaints.undo(complaint_id, decided_by=key_owner(request, settings))
    except UnknownComplaintError as exc:
        raise NotFoundError(str(exc)) from exc
    return desk_view(row, due_policy(settings))


def record_decision(
    complaints: ComplaintStore, store: FeedbackStore, complaint_id: str, decision: Decision, *, group: bool = False
) -> ComplaintRow:
    """Record ``decision`` on the complaint (trail kept) and, when it routes to an OPD, store it as a feedback row
    in the training format, with the unit decided (:class:`store.trail.Decision`) and the complaint's place; the
    API and the /admin page both decide through here. With ``group`` the waiting complaints of its group of
    similar ones get the same decision (a trail entry and a feedback row each)."""
    rows = complaints.decide_group(complaint_id, decision) if group else [complaints.decide(complaint_id, decision)]
    if decision.opd:
        for row in rows:
            store.add(
                text=row.text,
                opd=decision.opd,
                complaint_id=row.id,
                urgency=row.decided_urgency,
                suggested_opd=row.top_opd,
                model_version=row.model_version or suggestion_of(row).get("model_version"),
                unit=row.decided_unit,
                kecamatan=row.kecamatan,
                kelurahan=row.kelurahan,
            )
    return rows[0]


def desk_view(row: ComplaintRow, policy: DuePolicy) -> DeskComplaint:
    decision = None
    if row.status in ("didisposisikan", "di_luar_kewenangan", "otomatis"):
        decision = DecisionOut(
            opd=row.decided_opd,
            urgency=row.decided_urgency,
            unit=row.decided_unit,
            outside_authority=row.outside_authority,
            note=row.note,
            decided_by=row.decided_by,
            decided_at=row.decided_at,
        )
    return DeskComplaint(
        id=row.id,
        text=row.text,
        tanggal=row.tanggal,
        kecamatan=row.kecamatan,
        kelurahan=row.kelurahan,
        kanal=row.kanal,
        status=row.status,  # type: ignore[arg-type]
        due_at=row.due_at,
        overdue=row.status == "baru" and policy.is_overdue(row.due_at),
        suggestion=suggestion_of(row),
        decision=decision,
    )


def key_owner(request: Request, settings: Settings) -> str:
    """The name of the key the request was made with (``DISPOSISI_API_KEYS=name:key,...``)."""
    return settings.key_name(key_from_request(request)) or "admin"


def _get(complaints: ComplaintStore, complaint_id: str) -> ComplaintRow:
    try:
        return complaints.get(complaint_id)
    except UnknownComplaintError as exc:
        raise NotFoundError(str(exc)) from exc


def masked_field(value: str | None) -> str | None:
    return mask_personal_data(value.strip()) if value and value.strip() else None


def _export_lines(complaints: ComplaintStore, status: str | None) -> Iterator[str]:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(EXPORT_COLUMNS)
    yield _drain(buffer)
    for row in complaints.routed(status=status):
        writer.writerow(
            [
                spreadsheet_safe(v)
                for v in (
                    row.id,
                    row.text,
                    row.decided_opd or "",
                    row.decided_urgency or "",
                    row.status,
                    row.outside_authority or "",
                    row.decided_at.isoformat() if row.decided_at else "",
                    row.decided_by or "",
                    row.note or "",
                )
            ]
        )
        yield _drain(buffer)


def _drain(buffer: io.StringIO) -> str:
    text = buffer.getvalue()
    buffer.seek(0)
    buffer.truncate()
    return text
