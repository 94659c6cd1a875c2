"""Logging that never carries personal data: every record is masked before any handler sees it."""

from __future__ import annotations

import logging
import sys
from typing import TextIO

from models.text import mask_personal_data

__all__ = ["MaskingFilter", "StderrHandler", "configure_logging"]


class MaskingFilter(logging.Filter):
    """Replaces NIK/KK, phone numbers, e-mail addresses and URLs in the formatted message."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        masked = mask_personal_data(message)
        if masked != message:
            record.msg = masked
            record.args = None
        return True


class StderrHandler(logging.StreamHandler):
    """A stream handler that writes to whatever ``sys.stderr`` is when a record comes (test runners and
    CLI wrappers swap it), not to the stream of the moment it was created."""

    @property
    def stream(self) -> TextIO:
        return sys.stderr

    @stream.setter
    def stream(self, value: TextIO) -> None:
        del value  # always sys.stderr


def configure_logging(level: int = logging.INFO) -> None:
    """Root logging to stderr with masking on the handler (so third-party records are masked too)."""
    root = logging.getLogger()
    if any(isinstance(f, MaskingFilter) for h in root.handlers for f in h.filters):
        root.setLevel(level)
        return
    handler = StderrHandler()
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s", "%H:%M:%S"))
    handler.addFilter(MaskingFilter())
    root.addHandler(handler)
    root.setLevel(level)
    for noisy in ("alembic", "mlflow.store", "urllib3", "httpx"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
