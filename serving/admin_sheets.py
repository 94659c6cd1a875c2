"""The desk's other /admin pages: the lembar disposisi of a routed complaint, the import of a day's complaints,
and the statistics.

Each page needs an open /admin session (checked as :mod:`serving.admin` checks it) and is sent with the same
strict Content-Security-Policy. The import form carries a CSRF token bound to the session
(:mod:`serving.csrf`) and is refused without it. An import keeps the good rows and lists the bad ones by row and
column: complaints are stored once per id, so the admin fixes the listed rows and uploads the same file again,
and only what was missing is stored; refusing the whole file would make one typo hold back a day's complaints.
Rows are routed and stored by :func:`serving.inbox.keep_complaints`, the code behind ``POST /v1/complaints``.
"""

from __future__ import annotations

import logging
from datetime import date, datetime
from typing import Annotated, Any

from fastapi import APIRouter, File, Form, Query, Request, UploadFile
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from serving.admin_web import logged_in_session, login_page, same_origin
from serving.admin_web import page as _page
from serving.auth import SESSION_COOKIE, session_id_of
from serving.csrf import check_csrf, csrf_token
from serving.deps import HolderDep, SettingsDep, StoreDep
from serving.errors import ForbiddenError
from serving.feedback import FeedbackStore
from serving.inbox import keep_complaints
from serving.settings import Settings
from serving.sheet_charts import bar_chart, daily, opd_chart
from serving.sheet_import import ImportFileError, parse_upload
from store.complaints import UnknownComplaintError
from store.schema import ComplaintRow

__all__ = ["router"]

logger = logging.getLogger(__name__)

router = APIRouter(prefix="/admin", include_in_schema=False)

_MONTHS = ("Januari", "Februari", "Maret", "April", "Mei", "Juni", "Juli", "Agustus", "September", "Oktober",
           "November", "Desember")  # fmt: skip
_MAX_PROBLEMS_SHOWN = 50
_IMPORT = "impor"
MAX_IMPORT_ROWS = 50_000  # a day's complaints many times over; the request body limit bounds the file too


def _refused(request: Request, settings: Settings, store: FeedbackStore) -> Response | None:
    """The login page (401) when the session is missing or over; None when the admin may go on."""
    same_origin(request)
    if logged_in_session(request, settings, store) is not None:
        return None
    return login_page(request, settings, "Sesi sudah berakhir; masukkan kunci API lagi.", status=401)


def tanggal_id(value: datetime | date | None) -> str:
    """``1 Desember 2026``, as an Indonesian letter writes a date (with ``pukul 09.30`` for a time)."""
    if value is None:
        return "-"
    day = f"{value.day} {_MONTHS[value.month - 1]} {value.year}"
    return f"{day}, pukul {value:%H.%M}" if isinstance(value, datetime) else day


def _session_id(request: Request, settings: Settings) -> str | None:
    return session_id_of(request.cookies.get(SESSION_COOKIE), settings.secret_keys)


@router.get("/aduan/{complaint_id}/lembar", response_model=None)
def lembar(complaint_id: str, request: Request, settings: SettingsDep, store: StoreDep) -> Response:
    """The lembar disposisi of a routed complaint, for printing (409 page while it waits, 404 if unknown)."""
    if refused := _refused(request, settings, store):
        return refused
    try:
        row = store.complaints.get(complaint_id)
    except UnknownComplaintError:
        return _page(request, "sheet_missing.html", {"complaint_id": complaint_id, "waiting": False}, 404)
    if row.status == "baru":
        return _page(request, "sheet_missing.html", {"complaint_id": complaint_id, "waiting": True}, 409)
    return _page(request, "sheet_lembar.html", {"sheet": _sheet(row)})


def _sheet(row: ComplaintRow) -> dict[str, Any]:
    sender = ", ".join(v for v in (row.kanal, row.kelurahan, row.kecamatan) if v) or "-"
    if row.status == "di_luar_kewenangan":
        to = f"Di luar kewenangan Pemda: {row.outside_authority}"
    else:
        to = row.decided_opd or "-"
    urgency = row.decided_urgency or row.urgency
    return {
        "nomor": row.id,
        "diterima": tanggal_id(row.tanggal or row.received_at),
        "dari": sender,
        "perihal": row.text,
        "kepada": to,
        "urgensi": urgency or "-",
        "batas": tanggal_id(row.due_at.date() if row.due_at else None),
        "instruksi": row.note or ("Mohon ditindaklanjuti sesuai kewenangan." if row.decided_opd else "-"),
        "admin": row.decided_by or "-",
        "diputuskan": tanggal_id(row.decided_at),
        "otomatis": row.status == "otomatis",
    }


@router.get("/impor", response_model=None)
def import_form(request: Request, settings: SettingsDep, store: StoreDep) -> Response:
    if refused := _refused(request, settings, store):
        return refused
    return _import_page(request, settings)


def _import_page(request: Request, settings: Settings, status: int = 200, **context: Any) -> Response:
    session_id = _session_id(request, settings) or ""
    base: dict[str, Any] = {
        "csrf": csrf_token(session_id, _IMPORT),
        "error": None,
        "result": None,
        "problems": [],
        "more": 0,
    }
    return _page(request, "sheet_impor.html", {**base, **context}, status)


@router.post("/impor", response_model=None)
async def import_file(
    request: Request,
    settings: SettingsDep,
    holder: HolderDep,
    store: StoreDep,
    berkas: Annotated[UploadFile | None, File()] = None,
    csrf: Annotated[str, Form(max_length=200)] = "",
) -> Response:
    """Store the complaints of an uploaded CSV or XLSX; list the rows that could not be used."""
    if refused := await run_in_threadpool(_refused, request, settings, store):
        return refused
    try:
        check_csrf(_session_id(request, settings) or "", csrf, _IMPORT)
    except ForbiddenError:
        logger.warning("/admin/impor refused: no valid CSRF token")
        return _import_page(request, settings, 403, error="Formulir ini tidak sah (token CSRF); muat ulang halaman.")
    if berkas is None or not berkas.filename:
        return _import_page(request, settings, 422, error="Pilih berkas CSV atau XLSX untuk diimpor.")
    raw = await berkas.read()
    loaded = holder.current
    if loaded is None:
        return _import_page(request, settings, 503, error="Model belum dimuat; coba lagi nanti.")
    try:
        parsed = parse_upload(raw, berkas.filename, max_text_chars=settings.max_text_chars, max_rows=MAX_IMPORT_ROWS)
    except ImportFileError as exc:
        return _import_page(request, settings, 422, error=str(exc))
    stored = skipped = 0
    step = settings.max_batch_items
    for start in range(0, len(parsed.items), step):
        chunk = parsed.items[start : start + step]
        answer = await run_in_threadpool(keep_complaints, chunk, loaded, settings, store.complaints)
        stored += answer.stored
        skipped += answer.skipped
    logger.info(
        "/admin import: %d rows, %d stored, %d known, %d bad", parsed.rows, stored, skipped, len(parsed.problems)
    )
    result = {"rows": parsed.rows, "stored": stored, "skipped": skipped, "bad": len(parsed.problems),
              "delimiter": parsed.delimiter, "encoding": parsed.encoding}  # fmt: skip
    shown = [str(p) for p in parsed.problems[:_MAX_PROBLEMS_SHOWN]]
    status = 422 if parsed.problems and not parsed.items else 200
    more = len(parsed.problems) - len(shown)
    return _import_page(request, settings, status, result=result, problems=shown, more=more)


@router.get("/statistik", response_model=None)
def statistics(
    request: Request,
    settings: SettingsDep,
    store: StoreDep,
    hari: Annotated[int, Query(ge=1, le=366)] = 30,
) -> Response:
    """Complaints per day, the share auto-routed and how often the top suggestion was kept, per OPD, as SVG."""
    if refused := _refused(request, settings, store):
        return refused
    stats = store.complaints.stats(days=hari)
    return _page(
        request,
        "sheet_statistik.html",
        {
            "stats": stats,
            "hari": hari,
            "since": tanggal_id(stats.since),
            "per_day": bar_chart(daily(stats.per_day, stats.since, stats.days)),
            "per_opd": opd_chart(stats.per_opd),
        },
    )
