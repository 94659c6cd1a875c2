"""uvicorn's own logging with personal data masked.

:func:`models.logs.configure_logging` masks every record that reaches the root handler, but uvicorn's
loggers (``uvicorn.error``, ``uvicorn.access``) have handlers of their own and do not propagate there.
An access log line carries the request's path and query string, where a careless client can put an
e-mail address, a phone or a NIK number (``GET /v1/route?email=...``). :func:`uvicorn_log_config` is
uvicorn's default logging configuration with :class:`UvicornMasking` on both of its handlers.
"""

from __future__ import annotations

import copy
import logging
from typing import Any
from urllib.parse import unquote_plus

from models.text import mask_personal_data

__all__ = ["UvicornMasking", "mask_log_value", "uvicorn_log_config"]


def mask_log_value(value: str) -> str:
    """``value`` with personal data masked, looked for in its URL-decoded form (``budi%40example.com``).

    The value is returned decoded only when something had to be masked."""
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
