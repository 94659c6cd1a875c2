"""models.logs: records are masked before any handler sees them, and go to the current sys.stderr."""

from __future__ import annotations

import io
import logging
import sys
from collections.abc import Iterator

import pytest

from models.logs import MaskingFilter, StderrHandler, configure_logging


@pytest.fixture
def root_handlers() -> Iterator[None]:
    """Restore the root logger after a test that configures it."""
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    for handler in handlers:
        root.removeHandler(handler)
    yield
    for handler in list(root.handlers):
        root.removeHandler(handler)
    for handler in handlers:
        root.addHandler(handler)
    root.setLevel(level)


def test_records_go_to_the_stderr_of_the_moment(root_handlers: None, monkeypatch: pytest.MonkeyPatch) -> None:
    configure_logging()
    first, second = io.StringIO(), io.StringIO()
    monkeypatch.setattr(sys, "stderr", first)
    logging.getLogger("disposisi.test").info("pertama")
    monkeypatch.setattr(sys, "stderr", second)
    logging.getLogger("disposisi.test").info("kedua")
    assert "pertama" in first.getvalue() and "kedua" not in first.getvalue()
    assert "kedua" in second.getvalue()


def test_personal_data_is_masked_in_records(root_handlers: None, monkeypatch: pytest.MonkeyPatch) -> None:
    configure_logging()
    sink = io.StringIO()
    monkeypatch.setattr(sys, "stderr", sink)
    logging.getLogger("disposisi.test").warning("warga %s hp %s", "NIK 3578012345678901", "081234567890")
    text = sink.getvalue()
    assert "3578012345678901" not in text and "081234567890" not in text
    assert "[NIK]" in text and "[TELEPON]" in text


def test_configuring_twice_adds_one_handler(root_handlers: None) -> None:
    configure_logging()
    configure_logging(logging.DEBUG)
    handlers = [h for h in logging.getLogger().handlers if any(isinstance(f, MaskingFilter) for f in h.filters)]
    assert len(handlers) == 1 and isinstance(handlers[0], StderrHandler)
    assert logging.getLogger().level == logging.DEBUG
