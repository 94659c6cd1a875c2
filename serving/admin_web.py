"""What every /admin page shares: templates, security headers, the login check, CSRF tokens, the admin's name.

Pages are sent with a strict Content-Security-Policy (no inline script or style; the page's script and style are
files under ``/admin/static``). A form that changes something carries a CSRF token bound to the admin's session
(an HMAC of the session id, which only the HttpOnly cookie holds) and is refused with 403 without it; forms posted
from another origin are refused as well. Who decided is the name of the key that signed the session cookie
(``DISPOSISI_API_KEYS=name:key``).
"""

from __future__ import annotations

import hmac
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from fastapi import Request
from fastapi.responses import Response
from fastapi.templating import Jinja2Templates

from serving.auth import SESSION_COOKIE, make_session, session_id_of
from serving.csrf import check_csrf, csrf_token
from serving.errors import ForbiddenError
from serving.feedback import FeedbackStore
from serving.settings import Settings

__all__ = [
    "CSRF_FIELD",
    "admin_name",
    "check_csrf",
    "csrf_token",
    "logged_in_session",
    "login_page",
    "page",
    "refused",
    "same_origin",
    "templates",
]

templates = Jinja2Templates(directory=Path(__file__).parent / "templates")

CSRF_FIELD = "csrf"
_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
)


def same_origin(request: Request) -> None:
    """Refuse a form posted from another site (the SameSite cookie already should; this is the second lock)."""
    origin = request.headers.get("origin")
    if origin is None:
        return
    if origin == "null" or urlsplit(origin).netloc != request.headers.get("host", ""):
        raise ForbiddenError("this form was posted from another site; open /admin directly")


def logged_in_session(request: Request, settings: Settings, store: FeedbackStore) -> str | None:
    """The session id of a cookie signed by a configured key whose session the store still holds open."""
    session_id = session_id_of(request.cookies.get(SESSION_COOKIE), settings.secret_keys)
    if session_id is None or not store.sessions.is_active(session_id):
        return None
    return session_id


def admin_name(request: Request, settings: Settings) -> str:
    """The name of the key that signed the session cookie (``kunci-N`` for a plain key)."""
    cookie = request.cookies.get(SESSION_COOKIE) or ""
    session_id = cookie.split(".", 1)[0]
    for key in settings.secret_keys:
        if hmac.compare_digest(cookie.encode("utf-8"), make_session(key, session_id).encode("utf-8")):
            return settings.key_name(key) or "admin"
    return "admin"


def page(request: Request, name: str, context: dict[str, Any], status: int = 200) -> Response:
    response = templates.TemplateResponse(request, name, context, status_code=status)
    response.headers["Content-Security-Policy"] = _CSP
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "same-origin"
    response.headers["Cache-Control"] = "no-store"
    return response


def login_page(request: Request, settings: Settings, error: str | None = None, status: int = 200) -> Response:
    if not settings.secret_keys:
        error = "Server belum punya kunci API: atur DISPOSISI_API_KEYS lalu jalankan ulang."
    return page(request, "login.html", {"error": error}, status)


def refused(request: Request, settings: Settings, store: FeedbackStore, token: str) -> tuple[Response | None, str]:
    """For a form post: (the login page with 401, "") when the session is over; (None, session id) when the admin
    may go on. Raises 403 for another origin or a missing or wrong CSRF token."""
    same_origin(request)
    session_id = logged_in_session(request, settings, store)
    if session_id is None:
        return login_page(request, settings, "Sesi sudah berakhir; masukkan kunci API lagi.", status=401), ""
    check_csrf(session_id, token)
    return None, session_id
