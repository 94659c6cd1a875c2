"""uvicorn's own logging with personal data masked.

:func:`models.logs.configure_logging` masks every record that reaches the root handler, but uvicorn's
loggers (``uvicorn.error``, ``uvicorn.access``) have handlers of their own and do not propagate there.
An access log line carries the request's path and query string, where a careless client can put an
e-mail address, a phone or a NIK number (``GET /v1/route?email=...``), or a key (``?api_key=...``: the
API never reads a key from the query string, but a client may still send one). :func:`uvicorn_log_config`
is uvicorn's default logging configuration with :class:`UvicornMasking` on both of its handlers.
"""

from __future__ import annotations

import copy
import logging
import re
from typing import Any
from urllib.parse import unquote_plus

from models.text import mask_personal_data

__all__ = ["SECRET_PLACEHOLDER", "UvicornMasking", "mask_log_value", "mask_secret_parameters", "uvicorn_log_config"]

SECRET_PLACEHOLDER = "[RAHASIA]"
# A query parameter whose (decoded, lower-case) name holds one of these is a secret: api_key, apikey,
# x-api-key, key, token, access_token, password, passwd, secret, auth, authorization, session...
_SECRET_NAME_PARTS = ("key", "token", "secret", "passw", "pwd", "auth", "session", "signature", "credential")
# One parameter of a query string: name=value up to the next separator (linear: no nested quantifiers).
_PARAMETER_RE = re.compile(r"(?<=[?&;])([^=&;#\s]+)=([^&;#\s]*)")


def _is_secret_name(name: str) -> bool:
    lowered = unquote_plus(name).lower()
    return any(part in lowered for part in _SECRET_NAME_PARTS)


def mask_secret_parameters(value: str) -> str:
    """``value`` (a path with its query string, or a message holding one) with the value of every query
    parameter whose name says it is a secret replaced by ``[RAHASIA]``: ``/v1/model?api_key=...``."""
    if "?" not in value or "=" not in value:
        return value
    return _PARAMETER_RE.sub(
        lambda m: f"{m[1]}={SECRET_PLACEHOLDER}" if _is_secret_name(m[1]) and m[2] else m[0],
        value,
    )


def mask_log_value(value: str) -> str:
    """``value`` with secret query parameters masked, then personal data, looked for in its URL-decoded
    form (``budi%40example.com``). The value is returned decoded only when personal data had to be masked."""
    value = mask_secret_parameters(value)  # before decoding: a decoded %26 would end the value early
    decoded = unquote_plus(value)
    masked = mask_personal_data(decoded)
    return masked if masked != decoded else value


class UvicornMasking(logging.Filter):
    """Masks personal data in each string argument of a record, keeping the argument tuple whole (uvicorn's
    access formatter unpacks it), or in the message itself when it has no arguments."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple) and record.args:
            record.args = tuple(mask_log_value(a) if isinstance(a, str) else a for a in record.args)
        elif not record.args and isinstance(record.msg, str):
            record.msg = mask_log_value(record.msg)
        record.__dict__.pop("color_message", None)  # an unmasked copy of the message, used on terminals
        return True


def uvicorn_log_config() -> dict[str, Any]:
    """uvicorn's default ``log_config`` with :class:`UvicornMasking` on its handlers."""
    from uvicorn.config import LOGGING_CONFIG

    config = copy.deepcopy(LOGGING_CONFIG)
    config.setdefault("filters", {})["mask"] = {"()": f"{__name__}.UvicornMasking"}
    for handler in config["handlers"].values():
        handler["filters"] = [*handler.get("filters", []), "mask"]
    return config
