"""CSRF tokens of the /admin forms, bound to the admin's session.

A token is ``HMAC-SHA256(session id, purpose)``: only a page served to that session knows it (the session id
travels in the HttpOnly cookie, which another site can make the browser send but cannot read), it changes with
every login, and it is checked in constant time. A form without it, or with another session's, is refused (403).
"""

from __future__ import annotations

import hashlib
import hmac

from serving.errors import ForbiddenError

__all__ = ["check_csrf", "csrf_token"]

_CONTEXT = b"disposisi-admin-csrf-v1:"


def csrf_token(session_id: str, purpose: str = "form") -> str:
    return hmac.new(session_id.encode("ascii"), _CONTEXT + purpose.encode("utf-8"), hashlib.sha256).hexdigest()


def check_csrf(session_id: str, token: str | None, purpose: str = "form") -> None:
    """Raise :class:`ForbiddenError` unless ``token`` is this session's token for ``purpose``."""
    if not token or not hmac.compare_digest(token.encode("utf-8"), csrf_token(session_id, purpose).encode("ascii")):
        raise ForbiddenError("this form has no valid CSRF token; reload /admin and send it again")
