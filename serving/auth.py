"""API keys and /admin logins.

An API call presents a key as ``X-API-Key: KEY`` or ``Authorization: Bearer KEY``; it is compared with
every configured key by :func:`secrets.compare_digest`. The /admin page asks for a key once and keeps
a signed session token in an HttpOnly, SameSite=Strict cookie: ``ISSUED.HMAC-SHA256(key, ISSUED)``.
The cookie never holds the key itself, expires after ``admin_session_hours``, and every login ends
when its key is removed from the settings.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from collections.abc import Sequence

from starlette.requests import Request

from serving.errors import UnauthorizedError

__all__ = ["SESSION_COOKIE", "check_key", "key_from_request", "make_session", "session_is_valid"]

SESSION_COOKIE = "disposisi_admin"
_SESSION_CONTEXT = b"disposisi-admin-session-v1:"


def key_from_request(request: Request) -> str | None:
    """The key a request carries, from ``X-API-Key`` or a Bearer ``Authorization`` header."""
    key = request.headers.get("x-api-key")
    if key:
        return key.strip()
    scheme, _, credentials = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() == "bearer" and credentials.strip():
        return credentials.strip()
    return None


def matches_any(candidate: str, keys: Sequence[str]) -> bool:
    """Constant-time comparison against every key (no early exit)."""
    given = candidate.encode("utf-8")
    found = False
    for key in keys:
        found |= secrets.compare_digest(given, key.encode("utf-8"))
    return found


def check_key(candidate: str | None, keys: Sequence[str]) -> None:
    """Raise :class:`UnauthorizedError` unless ``candidate`` is one of ``keys``."""
    if not keys:
        raise UnauthorizedError(
            "this server has no API keys configured: set DISPOSISI_API_KEYS to enable this endpoint"
        )
    if not candidate:
        raise UnauthorizedError(
            "an API key is required: send it as the X-API-Key header or as Authorization: Bearer KEY"
        )
    if not matches_any(candidate, keys):
        raise UnauthorizedError("the API key is not valid")


def _signature(key: str, issued: int) -> str:
    return hmac.new(key.encode("utf-8"), _SESSION_CONTEXT + str(issued).encode(), hashlib.sha256).hexdigest()


def make_session(key: str, *, now: float | None = None) -> str:
    """A session token for a key that has already been checked."""
    issued = int(time.time() if now is None else now)
    return f"{issued}.{_signature(key, issued)}"


def session_is_valid(
    token: str | None, keys: Sequence[str], *, max_age_seconds: float, now: float | None = None
) -> bool:
    """Whether ``token`` was made from one of ``keys`` less than ``max_age_seconds`` ago."""
    if not token or not keys:
        return False
    issued_text, _, signature = token.partition(".")
    if not issued_text.isdigit() or not signature:
        return False
    issued = int(issued_text)
    age = (time.time() if now is None else now) - issued
    if age < 0 or age > max_age_seconds:
        return False
    valid = False
    for key in keys:
        valid |= hmac.compare_digest(signature.encode("ascii", "replace"), _signature(key, issued).encode("ascii"))
    return valid
