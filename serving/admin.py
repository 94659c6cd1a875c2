"""The admin's inbox at /admin: server-rendered (Jinja2), Indonesian, keyboard first, works without JavaScript.

An admin logs in once with an API key (a signed session cookie, see :mod:`serving.auth`, whose session the
store holds until logout or expiry, see :mod:`serving.sessions`). The inbox lists the stored complaints in desk
order (:meth:`store.complaints.ComplaintStore.page`: urgency, then the earliest due date) with counts per status,
filters and SQL paging. Opening one shows the masked text with the words that drove the suggestion marked as the
citizen typed them, the top-3 OPDs with scores and what each handles (:mod:`serving.catalogue`), urgency and
whether it needs review. A decision (an OPD, or outside the Pemda's authority) goes through the same
:func:`serving.inbox.record_decision` as the API (trail and feedback row included), then the next waiting
complaint opens. ``z`` undoes the last decision; bulk accept routes every confident waiting complaint of the
current filter after one confirmation. Every form is a plain POST with a CSRF token (see
:mod:`serving.admin_web`); the page's script only adds the keyboard shortcuts.
"""

from __future__ import annotations

import logging
from dataclasses import asdict, replace
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from models.router import URGENCY_LEVELS
from serving.admin_filters import ALL, REVIEW_REASON_NAMES, STATUS_NAMES, Filters, bounded_int
from serving.admin_units import known_units, posted_unit, proposed_unit
from serving.admin_web import (
    admin_name,
    check_csrf,
    csrf_token,
    logged_in_session,
    login_page,
    page,
    refused,
    same_origin,
)
from serving.auth import SESSION_COOKIE, FailureThrottle, client_address, make_session, matches_any
from serving.catalogue import load_catalogue
from serving.deps import HolderDep, SettingsDep, StoreDep
from serving.highlight import highlight
from serving.inbox import desk_view, due_policy, masked_field, record_decision
from store.complaints import ComplaintStore, Decision, UnknownComplaintError

__all__ = ["root", "router"]

logger = logging.getLogger(__name__)

router = APIRouter(prefix="/admin", include_in_schema=False)
root = APIRouter(include_in_schema=False)

_OTHER = "__lain__"
_PAGE_SIZES = (20, 50, 100, 200)
_BULK_SLICE = 200


def _base(request: Request, holder: HolderDep, session_id: str, **context: Any) -> dict[str, Any]:
    loaded = holder.current
    return {
        "model_version": loaded.version if loaded else None,
        "model_error": None if loaded else holder.last_error or "model belum dimuat",
        "opd_labels": loaded.meta.opd_labels if loaded else [],
        "urgency_levels": URGENCY_LEVELS,
        "status_names": STATUS_NAMES,
        "reason_names": REVIEW_REASON_NAMES,
        "csrf": csrf_token(session_id),
        "other": _OTHER,
        "notice": None,
        "error": None,
        **context,
    }


@root.get("/", response_model=None)
def home() -> Response:
    """The service's front door is the inbox."""
    return RedirectResponse("/admin", status_code=307)


@router.get("", response_model=None)
def inbox(request: Request, settings: SettingsDep, holder: HolderDep, store: StoreDep) -> Response:
    session_id = logged_in_session(request, settings, store)
    if session_id is None:
        return login_page(request, settings)
    filters, problems = Filters.of(request.query_params)
    limit = bounded_int(request.query_params.get("limit"), 50, 1, max(_PAGE_SIZES))
    offset = bounded_int(request.query_params.get("offset"), 0, 0, 10_000_000)
    found = store.complaints.page(**filters.store_args(), limit=limit, offset=offset)
    policy = due_policy(settings)
    items = [desk_view(row, policy) for row in found.items]
    similar = store.complaints.similar_counts(found.items)
    notice = _notice(request, store.complaints)
    tabs = [
        {"status": key, "name": name, "count": found.counts.get(key, 0), "query": replace(filters, status=key).query()}
        for key, name in STATUS_NAMES.items()
    ]
    everything = replace(filters, status=ALL).query()
    tabs.append({"status": ALL, "name": "Semua", "count": sum(found.counts.values()), "query": everything})
    context = _base(
        request,
        holder,
        session_id,
        filters=filters,
        items=items,
        similar=similar,
        total=found.total,
        tabs=tabs,
        offset=offset,
        limit=limit,
        notice=notice,
        last=request.query_params.get("terakhir", "")[:200],
        error=" ".join(problems) or None,
    )
    return page(request, "admin.html", context, 422 if problems else 200)


def _notice(request: Request, complaints: ComplaintStore) -> str | None:
    accepted = request.query_params.get("diterima")
    if accepted and accepted.isdigit():
        return f"{int(accepted)} pengaduan diterima sesuai saran."
    if request.query_params.get("habis"):
        return "Tidak ada lagi pengaduan yang menunggu pada filter ini."
    return None


@router.get("/buka", response_model=None)
def open_at(request: Request, settings: SettingsDep, store: StoreDep) -> Response:
    """The complaint at position ``pos`` of the filtered list (the next waiting one after a decision)."""
    if logged_in_session(request, settings, store) is None:
        return login_page(request, settings)
    filters, _ = Filters.of(request.query_params)
    pos = bounded_int(request.query_params.get("pos"), 0, 0, 10_000_000)
    last = request.query_params.get("terakhir", "")[:200]
    found = store.complaints.page(**filters.store_args(), limit=1, offset=pos)
    if not found.items and pos > 0:
        pos = 0
        found = store.complaints.page(**filters.store_args(), limit=1, offset=0)
    if not found.items:
        return RedirectResponse(f"/admin?{filters.query(habis=1, terakhir=last or None)}", status_code=303)
    target = found.items[0].id
    return RedirectResponse(_detail_url(target, filters, pos, last), status_code=303)


def _detail_url(complaint_id: str, filters: Filters, pos: int, last: str = "") -> str:
    return f"/admin/aduan/{_quoted(complaint_id)}?{filters.query(pos=pos, terakhir=last or None)}"


def _quoted(complaint_id: str) -> str:
    return quote(complaint_id, safe="")


@router.get("/aduan/{complaint_id:path}", response_model=None)
def detail(complaint_id: str, request: Request, settings: SettingsDep, holder: HolderDep, store: StoreDep) -> Response:
    session_id = logged_in_session(request, settings, store)
    if session_id is None:
        return login_page(request, settings)
    filters, _ = Filters.of(request.query_params)
    pos = bounded_int(request.query_params.get("pos"), 0, 0, 10_000_000)
    last = request.query_params.get("terakhir", "")[:200]
    try:
        row = store.complaints.get(complaint_id)
    except UnknownComplaintError:
        context = _base(request, holder, session_id, filters=filters, error="Pengaduan itu tidak ada.")
        return page(request, "aduan.html", {**context, "complaint": None}, 404)
    view = desk_view(row, due_policy(settings))
    suggestion = view.suggestion
    explanation = suggestion.get("explanation") or {}
    catalogue = load_catalogue(settings.opd_catalogue)
    options = [
        {"opd": s["opd"], "percent": round(100 * s["score"]), "score": s["score"], "menangani": catalogue.get(s["opd"])}
        for s in suggestion.get("suggestions", [])
    ]
    urgency = suggestion.get("urgency") or {}
    context = _base(
        request,
        holder,
        session_id,
        filters=filters,
        complaint=view,
        segments=highlight(row.text, explanation.get("opd_terms", []), explanation.get("urgency_cues", [])),
        options=options,
        unit=proposed_unit(row),
        units=known_units(holder.current),
        urgency=urgency.get("level"),
        urgency_percent=round(100 * urgency["score"]) if urgency.get("score") is not None else None,
        opd_terms=explanation.get("opd_terms", []),
        urgency_cues=explanation.get("urgency_cues", []),
        trail=store.complaints.trail(row.id),
        similar=store.complaints.similar_counts([row]).get(row.id, 0),
        duplicate_of=row.duplicate_of,
        duplicate_kind=row.duplicate_kind,
        pos=pos,
        last=last,
        prev_url=f"/admin/buka?{filters.query(pos=pos - 1, terakhir=last or None)}" if pos > 0 else None,
        next_url=f"/admin/buka?{filters.query(pos=pos + 1, terakhir=last or None)}",
        list_url=f"/admin?{filters.query()}",
    )
    return page(request, "aduan.html", context)


def _after_decision(complaint_id: str, filters: Filters, pos: int) -> Response:
    """The next complaint: the same position when the list is of waiting ones (the decided one left it)."""
    following = pos if filters.status == "baru" else pos + 1
    query = filters.query(pos=following, terakhir=complaint_id)
    return RedirectResponse(f"/admin/buka?{query}", status_code=303)


def _decide(
    request: Request,
    store: StoreDep,
    complaint_id: str,
    decision: Decision | None,
    problem: str,
    *,
    group: bool = False,
) -> Response:
    """Record ``decision`` (on the complaint's group too with ``group``) and open the next complaint; without one,
    back to the complaint saying ``problem``."""
    filters, _ = Filters.of(request.query_params)
    pos = bounded_int(request.query_params.get("pos"), 0, 0, 10_000_000)
    if decision is None:
        return RedirectResponse(_detail_url(complaint_id, filters, pos) + f"&salah={problem}", status_code=303)
    try:
        record_decision(store.complaints, store, complaint_id, decision, group=group)
    except UnknownComplaintError:
        return RedirectResponse(f"/admin?{filters.query()}", status_code=303)
    return _after_decision(complaint_id, filters, pos)


@router.post("/aduan/{complaint_id:path}/putuskan", response_model=None)
def decide(
    complaint_id: str,
    request: Request,
    settings: SettingsDep,
    store: StoreDep,
    csrf: Annotated[str, Form()] = "",
    pilihan: Annotated[str, Form(max_length=200)] = "",
    opd_lain: Annotated[str, Form(max_length=200)] = "",
    urgensi: Annotated[str, Form(max_length=20)] = "",
    catatan: Annotated[str, Form(max_length=2_000)] = "",
    kelompok: Annotated[str, Form(max_length=1)] = "",
    unit: Annotated[str, Form(max_length=200)] = "",
) -> Response:
    """Route the complaint to the chosen OPD (a suggestion, or another OPD of the model's labels) and the unit
    in the field (:func:`serving.admin_units.posted_unit`); with ``kelompok`` also the waiting complaints of its
    group of similar ones."""
    answer, _ = refused(request, settings, store, csrf)
    if answer:
        return answer
    opd = (opd_lain if pilihan == _OTHER else pilihan).strip()
    decision = None
    if opd and (not urgensi or urgensi in URGENCY_LEVELS):
        who = admin_name(request, settings)
        decided = posted_unit(store.complaints, complaint_id, opd, unit)
        decision = Decision(
            decided_by=who,
            opd=masked_field(opd),
            urgency=urgensi or None,
            note=masked_field(catatan),
            unit=decided,
            unit_from_suggestion=False,  # the field showed the suggested unit: what it sends is the admin's word
        )
    return _decide(request, store, complaint_id, decision, "opd", group=kelompok == "1")


@router.post("/aduan/{complaint_id:path}/luar", response_model=None)
def outside(
    complaint_id: str,
    request: Request,
    settings: SettingsDep,
    store: StoreDep,
    csrf: Annotated[str, Form()] = "",
    lembaga: Annotated[str, Form(max_length=200)] = "",
    catatan: Annotated[str, Form(max_length=2_000)] = "",
) -> Response:
    """Mark the complaint outside the Pemda's authority (PLN, Polri, BPN, ...)."""
    answer, _ = refused(request, settings, store, csrf)
    if answer:
        return answer
    decision = None
    if lembaga.strip():
        who = admin_name(request, settings)
        decision = Decision(decided_by=who, outside_authority=masked_field(lembaga), note=masked_field(catatan))
    return _decide(request, store, complaint_id, decision, "lembaga")


@router.post("/aduan/{complaint_id:path}/batal", response_model=None)
def undo(
    complaint_id: str,
    request: Request,
    settings: SettingsDep,
    store: StoreDep,
    csrf: Annotated[str, Form()] = "",
) -> Response:
    """Put the complaint back as it was before its last decision, and open it."""
    answer, _ = refused(request, settings, store, csrf)
    if answer:
        return answer
    filters, _ = Filters.of(request.query_params)
    try:
        store.complaints.undo(complaint_id, decided_by=admin_name(request, settings))
    except UnknownComplaintError:
        return RedirectResponse(f"/admin?{filters.query()}", status_code=303)
    return RedirectResponse(f"/admin/aduan/{_quoted(complaint_id)}?{filters.query(dibatalkan=1)}", status_code=303)


def _confident(filters: Filters) -> Filters:
    return replace(filters, status="baru", tinjau="tidak")


@router.get("/terima-massal", response_model=None)
def bulk_confirm(request: Request, settings: SettingsDep, holder: HolderDep, store: StoreDep) -> Response:
    """How many confident waiting complaints the current filter holds, and one button to accept them all."""
    session_id = logged_in_session(request, settings, store)
    if session_id is None:
        return login_page(request, settings)
    filters, _ = Filters.of(request.query_params)
    count = store.complaints.page(**_confident(filters).store_args(), limit=1).total
    context = _base(request, holder, session_id, filters=filters, count=count, hidden=asdict(filters))
    return page(request, "massal.html", context)


@router.post("/terima-massal", response_model=None)
def bulk_accept(
    request: Request,
    settings: SettingsDep,
    store: StoreDep,
    csrf: Annotated[str, Form()] = "",
    status: Annotated[str, Form()] = "baru",
    opd: Annotated[str, Form(max_length=200)] = "",
    urgensi: Annotated[str, Form()] = "",
    tinjau: Annotated[str, Form()] = "",
    q: Annotated[str, Form(max_length=200)] = "",
) -> Response:
    """Accept the top suggestion of every waiting complaint that needs no review under the filter, one
    transaction (and feedback row) per complaint, as if each were accepted by hand."""
    answer, _ = refused(request, settings, store, csrf)
    if answer:
        return answer
    values = {"status": status, "opd": opd, "urgensi": urgensi, "tinjau": tinjau, "q": q}
    filters, _ = Filters.of(values)
    who = admin_name(request, settings)
    accepted = skipped = 0
    while True:
        batch = store.complaints.page(**_confident(filters).store_args(), limit=_BULK_SLICE, offset=skipped).items
        if not batch:
            break
        for row in batch:
            if row.top_opd is None:
                skipped += 1
                continue
            record_decision(store.complaints, store, row.id, Decision(decided_by=who, opd=row.top_opd))
            accepted += 1
    logger.info("/admin bulk accept: %d complaints routed as suggested by %s", accepted, who)
    return RedirectResponse(f"/admin?{filters.query(diterima=accepted)}", status_code=303)


@router.post("/login", response_model=None)
def login(request: Request, settings: SettingsDep, store: StoreDep, key: Annotated[str, Form()] = "") -> Response:
    same_origin(request)
    address = client_address(request)
    throttle: FailureThrottle = request.app.state.login_throttle
    wait = throttle.retry_after(address)
    if wait:
        logger.warning("/admin login from %s refused: too many failed attempts", address)
        message = f"Terlalu banyak percobaan gagal; coba lagi dalam {wait} detik."
        throttled = login_page(request, settings, message, status=429)
        throttled.headers["Retry-After"] = str(wait)
        return throttled
    if not settings.secret_keys or not key.strip() or not matches_any(key.strip(), settings.secret_keys):
        throttle.failed(address)
        logger.warning("failed /admin login from %s", address)
        return login_page(request, settings, "Kunci API tidak valid.", status=401)
    throttle.succeeded(address)
    lifetime = settings.admin_session_hours * 3600
    session_id = store.sessions.start(lifetime_seconds=lifetime)
    response = RedirectResponse("/admin", status_code=303)
    response.set_cookie(
        SESSION_COOKIE,
        make_session(key.strip(), session_id),
        max_age=int(lifetime),
        httponly=True,
        samesite="strict",
        secure=request.url.scheme == "https" or settings.admin_cookie_secure,
        path="/admin",
    )
    return response


@router.post("/logout", response_model=None)
def logout(request: Request, settings: SettingsDep, store: StoreDep, csrf: Annotated[str, Form()] = "") -> Response:
    """End the session on the server (for every worker; the form needs its CSRF token), then drop the cookie."""
    same_origin(request)
    session_id = logged_in_session(request, settings, store)
    if session_id is not None:
        check_csrf(session_id, csrf)
        store.sessions.end(session_id)
    response = RedirectResponse("/admin", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/admin")
    return response
