"""API keys and /admin logins.

An API call presents a key as ``X-API-Key: KEY`` or ``Authorization: Bearer KEY``; it is compared with
every configured key by :func:`secrets.compare_digest`. The /admin page asks for a key once and keeps
a signed session token in an HttpOnly, SameSite=Strict cookie: ``ISSUED.HMAC-SHA256(key, ISSUED)``.
The cookie never holds the key itself, expires after ``admin_session_hours``, and every login ends
when its key is removed from the settings. :class:`LoginThrottle` makes a client that keeps failing to
log in wait, so that keys cannot be guessed through the login form at speed.
"""

from __future__ import annotations

import hashlib
import hmac
import math
import secrets
import threading
import time
from collections import deque
from collections.abc import Sequence

from starlette.requests import Request

from serving.errors import UnauthorizedError

__all__ = ["SESSION_COOKIE", "LoginThrottle", "check_key", "key_from_request", "make_session", "session_is_valid"]

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


class LoginThrottle:
    """Failed logins per client address: after ``max_failures`` within ``window_seconds``, that address
    waits until the oldest of them leaves the window. ``max_failures=0`` turns it off.

    The count lives in the process (each API worker keeps its own) and is keyed by the address the server
    sees: behind a reverse proxy that is the proxy's, unless uvicorn is told to trust forwarded headers.
    """

    _MAX_ADDRESSES = 10_000

    def __init__(self, max_failures: int, window_seconds: float = 900.0) -> None:
        self.max_failures = max_failures
        self.window_seconds = window_seconds
        self._failures: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def retry_after(self, address: str, *, now: float | None = None) -> int:
        """Seconds ``address`` must wait before its next attempt; 0 when it may try now."""
        if self.max_failures <= 0:
            return 0
        now = time.monotonic() if now is None else now
        with self._lock:
            failures = self._recent(address, now)
            if len(failures) < self.max_failures:
                return 0
            return max(1, math.ceil(failures[0] + self.window_seconds - now))

    def failed(self, address: str, *, now: float | None = None) -> None:
        if self.max_failures <= 0:
            return
        now = time.monotonic() if now is None else now
        with self._lock:
            if len(self._failures) >= self._MAX_ADDRESSES:  # keep memory bounded under a spray of addresses
                for stale in [a for a in self._failures if not self._recent(a, now)]:
                    del self._failures[stale]
            self._failures.setdefault(address, deque(maxlen=self.max_failures)).append(now)

    def succeeded(self, address: str) -> None:
        with self._lock:
            self._failures.pop(address, None)

    def _recent(self, address: str, now: float) -> deque[float]:
        failures = self._failures.get(address, deque())
        while failures and failures[0] <= now - self.window_seconds:
            failures.popleft()
        return failures
