"""API keys and /admin logins.

An API call presents a key as ``X-API-Key: KEY`` or ``Authorization: Bearer KEY``; it is compared with
every configured key by :func:`secrets.compare_digest`. The /admin page asks for a key once and keeps
a signed session token in an HttpOnly, SameSite=Strict cookie: ``SESSION_ID.HMAC-SHA256(key, SESSION_ID)``,
where the session id is random and its row lives on the server (:mod:`serving.sessions`), so that logout
ends it everywhere. The cookie never holds the key itself; the signature makes every login end when its
key is removed from the settings; the row makes it end at logout and after ``admin_session_hours``.
Anything in the cookie that is not exactly such a token is simply no session.

:class:`FailureThrottle` makes a client that keeps failing (to log in, or with a wrong API key) wait, so
that keys cannot be guessed at speed; :func:`check_request_key` applies it to every keyed endpoint.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import math
import re
import secrets
import threading
import time
from collections import deque
from collections.abc import Sequence

from starlette.requests import Request

from serving.errors import TooManyAttemptsError, UnauthorizedError

__all__ = [
    "SESSION_COOKIE",
    "FailureThrottle",
    "check_key",
    "check_request_key",
    "client_address",
    "key_from_request",
    "make_session",
    "new_session_id",
    "session_id_of",
]

logger = logging.getLogger(__name__)

SESSION_COOKIE = "disposisi_admin"
_SESSION_CONTEXT = b"disposisi-admin-session-v2:"
_SESSION_ID_BYTES = 32
# secrets.token_urlsafe(32) is 43 characters of [A-Za-z0-9_-]; the signature is 64 lower-case hex digits.
_TOKEN_RE = re.compile(r"([A-Za-z0-9_-]{43})\.([0-9a-f]{64})")


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


def check_request_key(request: Request, keys: Sequence[str], throttle: FailureThrottle) -> None:
    """:func:`check_key` for a request, with wrong keys counted per client address: once ``throttle`` says
    that address must wait, :class:`TooManyAttemptsError` (429 with ``Retry-After``), whatever it sends."""
    address = client_address(request)
    wait = throttle.retry_after(address)
    if wait:
        raise TooManyAttemptsError(
            f"too many requests with a wrong API key from this address; try again in {wait} seconds",
            retry_after=wait,
        )
    candidate = key_from_request(request)
    try:
        check_key(candidate, keys)
    except UnauthorizedError:
        if candidate and keys:  # a guess; a missing key or a server without keys is no guess
            throttle.failed(address)
            logger.warning("wrong API key from %s for %s", address, request.url.path)
        raise
    throttle.succeeded(address)


def client_address(request: Request) -> str:
    """The address a throttle counts by: the peer uvicorn sees (a proxy's, unless it trusts forwarded headers)."""
    return request.client.host if request.client else "?"


def _signature(key: str, session_id: str) -> str:
    return hmac.new(key.encode("utf-8"), _SESSION_CONTEXT + session_id.encode("ascii"), hashlib.sha256).hexdigest()


def new_session_id() -> str:
    """A random session id (256 bits), for :class:`serving.sessions.AdminSessions`."""
    return secrets.token_urlsafe(_SESSION_ID_BYTES)


def make_session(key: str, session_id: str) -> str:
    """The cookie value for a session started with a key that has already been checked."""
    return f"{session_id}.{_signature(key, session_id)}"


def session_id_of(token: str | None, keys: Sequence[str]) -> str | None:
    """The session id of ``token`` when one of ``keys`` signed it; None for anything else, however malformed.

    The signature is compared with every key in constant time; whether the session is still open is for
    the store to say.
    """
    if not token or not keys:
        return None
    match = _TOKEN_RE.fullmatch(token)
    if match is None:
        return None
    session_id, signature = match.groups()
    valid = False
    for key in keys:
        valid |= hmac.compare_digest(signature, _signature(key, session_id))
    return session_id if valid else None


class FailureThrottle:
    """Failed attempts (logins, API keys) per client address: after ``max_failures`` within ``window_seconds``,
    that address waits until the oldest of them leaves the window. ``max_failures=0`` turns it off.

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
