"""The admin triage page at /admin: server-rendered (Jinja2), Indonesian, a little JavaScript.

An admin logs in once with an API key (kept as a signed session cookie, see :mod:`serving.auth`, whose
session is held in the store's database until logout or expiry, see :mod:`serving.sessions`),
pastes a complaint or imports a CSV as a queue, sees the top-3 OPDs with scores, the urgency and the
words that drove them marked in the masked text, and accepts the suggestion or picks another OPD and
urgency. The decision goes to the feedback store like ``POST /v1/feedback``.

The queue lives in the browser (sessionStorage), so the server keeps no queue: the import answers
with the masked texts, and the page's script fills the form with the next one. Templates escape
everything; pages are sent with a strict Content-Security-Policy, and forms posted from another
origin are refused.
"""

from __future__ import annotations

import csv
import io
import logging
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import urlsplit

from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.responses import RedirectResponse, Response
from fastapi.templating import Jinja2Templates
from starlette.concurrency import run_in_threadpool

from models.router import URGENCY_LEVELS
from serving.auth import (
    SESSION_COOKIE,
    FailureThrottle,
    client_address,
    make_session,
    matches_any,
    session_id_of,
)
from serving.deps import HolderDep, SettingsDep, StoreDep
from serving.errors import ForbiddenError
from serving.feedback import FeedbackStore, mask_text
from serving.highlight import highlight
from serving.model_state import LoadedModel
from serving.settings import Settings

__all__ = ["router"]

logger = logging.getLogger(__name__)

router = APIRouter(prefix="/admin", include_in_schema=False)
templates = Jinja2Templates(directory=Path(__file__).parent / "templates")

_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
)
_OTHER = "__lain__"
_MAX_QUEUE_MESSAGES = 3


def _same_origin(request: Request) -> None:
    """Refuse a form posted from another site (the SameSite cookie already should; this is the second lock)."""
    origin = request.headers.get("origin")
    if origin is None:
        return
    if origin == "null" or urlsplit(origin).netloc != request.headers.get("host", ""):
        raise ForbiddenError("this form was posted from another site; open /admin directly")


def _logged_in(request: Request, settings: Settings, store: FeedbackStore) -> bool:
    """A cookie signed by a configured key, whose session the store still holds open."""
    session_id = session_id_of(request.cookies.get(SESSION_COOKIE), settings.secret_keys)
    return session_id is not None and store.sessions.is_active(session_id)


def _page(request: Request, name: str, context: dict[str, Any], status: int = 200) -> Response:
    response = templates.TemplateResponse(request, name, context, status_code=status)
    response.headers["Content-Security-Policy"] = _CSP
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "same-origin"
    response.headers["Cache-Control"] = "no-store"
    return response


def _login_page(request: Request, settings: Settings, error: str | None = None, status: int = 200) -> Response:
    if not settings.secret_keys:
        error = "Server belum punya kunci API: atur DISPOSISI_API_KEYS lalu jalankan ulang."
    return _page(request, "login.html", {"error": error}, status)


def _admin_page(request: Request, holder: HolderDep, status: int = 200, **context: Any) -> Response:
    loaded = holder.current
    base = {
        "model_version": loaded.version if loaded else None,
        "model_error": None if loaded else holder.last_error or "model belum dimuat",
        "opd_labels": loaded.meta.opd_labels if loaded else [],
        "urgency_levels": URGENCY_LEVELS,
        "other": _OTHER,
        "result": None,
        "error": None,
        "notice": None,
        "queue": None,
        "form": {"teks": "", "id": ""},
    }
    return _page(request, "admin.html", {**base, **context}, status)


def _refused(request: Request, settings: Settings, store: FeedbackStore) -> Response | None:
    """The login page (401) when the session is missing or over; None when the admin may go on."""
    _same_origin(request)
    if _logged_in(request, settings, store):
        return None
    return _login_page(request, settings, "Sesi sudah berakhir; masukkan kunci API lagi.", status=401)


@router.get("", response_model=None)
def admin_home(
    request: Request, settings: SettingsDep, holder: HolderDep, store: StoreDep, tersimpan: int | None = None
) -> Response:
    if not _logged_in(request, settings, store):
        return _login_page(request, settings)
    notice = f"Keputusan #{tersimpan} tersimpan." if tersimpan is not None else None
    return _admin_page(request, holder, notice=notice)


@router.post("/login", response_model=None)
def login(request: Request, settings: SettingsDep, store: StoreDep, key: Annotated[str, Form()] = "") -> Response:
    _same_origin(request)
    address = client_address(request)
    throttle: FailureThrottle = request.app.state.login_throttle
    wait = throttle.retry_after(address)
    if wait:
        logger.warning("/admin login from %s refused: too many failed attempts", address)
        message = f"Terlalu banyak percobaan gagal; coba lagi dalam {wait} detik."
        refused = _login_page(request, settings, message, status=429)
        refused.headers["Retry-After"] = str(wait)
        return refused
    if not settings.secret_keys or not key.strip() or not matches_any(key.strip(), settings.secret_keys):
        throttle.failed(address)
        logger.warning("failed /admin login from %s", address)
        return _login_page(request, settings, "Kunci API tidak valid.", status=401)
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
def logout(request: Request, settings: SettingsDep, store: StoreDep) -> Response:
    """End the session on the server (for every worker), then drop the cookie."""
    _same_origin(request)
    session_id = session_id_of(request.cookies.get(SESSION_COOKIE), settings.secret_keys)
    if session_id is not None:
        store.sessions.end(session_id)
    response = RedirectResponse("/admin", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/admin")
    return response


def _suggestion_view(loaded: LoadedModel, text: str, complaint_id: str) -> dict[str, Any]:
    [s] = loaded.router.suggest([text], explain=True)
    masked = mask_text(text)
    return {
        "id": complaint_id,
        "teks": masked,
        "segments": highlight(masked, s.opd_terms, s.urgency_cues),
        "suggestions": [{"opd": name, "score": score, "percent": round(100 * score)} for name, score in s.opd],
        "urgency": s.urgency,
        "urgency_percent": None if s.urgency_score is None else round(100 * s.urgency_score),
        "needs_review": s.needs_review,
        "opd_terms": s.opd_terms,
        "urgency_cues": s.urgency_cues,
    }


@router.post("/suggest", response_model=None)
def suggest(
    request: Request,
    settings: SettingsDep,
    holder: HolderDep,
    store: StoreDep,
    teks: Annotated[str, Form()] = "",
    id: Annotated[str, Form(max_length=200)] = "",
) -> Response:
    if refused := _refused(request, settings, store):
        return refused
    form = {"teks": mask_text(teks), "id": id}
    if not teks.strip():
        return _admin_page(request, holder, 422, form=form, error="Teks pengaduan masih kosong.")
    if len(teks) > settings.max_text_chars:
        error = f"Teks terlalu panjang ({len(teks):,} karakter; batas {settings.max_text_chars:,})."
        return _admin_page(request, holder, 422, form=form, error=error)
    loaded = holder.current
    if loaded is None:
        return _admin_page(request, holder, 503, form=form, error="Model belum dimuat; coba lagi nanti.")
    return _admin_page(request, holder, result=_suggestion_view(loaded, teks, id.strip()), form=form)


@router.post("/feedback", response_model=None)
def save_feedback(
    request: Request,
    settings: SettingsDep,
    holder: HolderDep,
    store: StoreDep,
    teks: Annotated[str, Form()] = "",
    id: Annotated[str, Form(max_length=200)] = "",
    suggested_opd: Annotated[str, Form(max_length=200)] = "",
    suggested_urgency: Annotated[str, Form()] = "",
    action: Annotated[str, Form()] = "terima",
    opd_choice: Annotated[str, Form(max_length=200)] = "",
    opd_other: Annotated[str, Form(max_length=200)] = "",
    urgency: Annotated[str, Form()] = "",
) -> Response:
    if refused := _refused(request, settings, store):
        return refused
    if action == "terima":
        opd, level = suggested_opd.strip(), suggested_urgency.strip()
    else:
        opd = (opd_other if opd_choice == _OTHER else opd_choice).strip()
        level = urgency.strip()
    if not teks.strip() or not opd:
        return _admin_page(request, holder, 422, error="Pilih OPD untuk pengaduan ini, lalu simpan lagi.")
    if level and level not in URGENCY_LEVELS:
        return _admin_page(request, holder, 422, error=f"Urgensi harus salah satu dari: {', '.join(URGENCY_LEVELS)}.")
    loaded = holder.current
    stored = store.add(
        text=teks,
        opd=opd,
        complaint_id=id.strip() or None,
        urgency=level or None,
        suggested_opd=suggested_opd.strip() or None,
        model_version=loaded.version if loaded else None,
    )
    return RedirectResponse(f"/admin?tersimpan={stored.feedback_id}", status_code=303)


@router.post("/queue", response_model=None)
async def import_queue(
    request: Request,
    settings: SettingsDep,
    holder: HolderDep,
    store: StoreDep,
    berkas: Annotated[UploadFile | None, File()] = None,
) -> Response:
    if refused := await run_in_threadpool(_refused, request, settings, store):
        return refused
    if berkas is None:
        return _admin_page(request, holder, 422, error="Pilih berkas CSV untuk diimpor.")
    raw = await berkas.read()
    try:
        queue, notes = read_queue(raw, max_items=settings.max_batch_items, max_chars=settings.max_text_chars)
    except ValueError as exc:
        return _admin_page(request, holder, 422, error=str(exc))
    notice = f"{len(queue)} pengaduan masuk antrean." + "".join(f" {n}" for n in notes[:_MAX_QUEUE_MESSAGES])
    return _admin_page(request, holder, queue=queue, notice=notice)


def read_queue(raw: bytes, *, max_items: int, max_chars: int) -> tuple[list[dict[str, str]], list[str]]:
    """Complaints of an uploaded CSV (column ``teks`` or ``text``, optional ``id``), masked, for the queue."""
    try:
        body = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ValueError("Berkas CSV harus UTF-8; simpan ulang sebagai CSV UTF-8.") from exc
    reader = csv.DictReader(io.StringIO(body))
    columns = [c.strip() for c in reader.fieldnames or []]
    text_column = next((c for c in ("teks", "text") if c in columns), None)
    if text_column is None:
        found = ", ".join(columns) or "tidak ada"
        raise ValueError(f"CSV perlu kolom 'teks' (kolom yang ada: {found}).")
    reader.fieldnames = columns
    queue: list[dict[str, str]] = []
    skipped_empty = skipped_long = over = 0
    try:
        for row in reader:
            text = (row.get(text_column) or "").strip()
            if not text:
                skipped_empty += 1
            elif len(text) > max_chars:
                skipped_long += 1
            elif len(queue) >= max_items:
                over += 1
            else:
                queue.append({"id": (row.get("id") or "").strip()[:200], "teks": mask_text(text)})
    except csv.Error as exc:
        raise ValueError(f"CSV tidak terbaca: {exc}.") from exc
    if not queue:
        raise ValueError("CSV tidak berisi pengaduan yang bisa dipakai.")
    notes = []
    if skipped_empty:
        notes.append(f"{skipped_empty} baris kosong dilewati.")
    if skipped_long:
        notes.append(f"{skipped_long} baris lebih dari {max_chars:,} karakter dilewati.")
    if over:
        notes.append(f"Antrean dibatasi {max_items:,} pengaduan; {over} baris berikutnya tidak dimuat.")
    return queue, notes
