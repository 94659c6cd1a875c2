"""The CPU budget of one routing request: a second line of defence behind linear-time text handling.

Every pattern that reads a complaint runs in time linear in its length (tests/models/test_text_linear.py), and
texts are capped at ``max_text_chars``; yet a request of many long texts made of distinct invented words still
costs real CPU, since each unseen word goes through Sastrawi. Within :func:`request_budget` that work stops after
``max_analysis_seconds`` of the request thread's CPU time, answered 422 with the reason, so one unkeyed request
cannot hold a worker for long. Real complaints take about a millisecond each.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from models.stem import AnalysisBudgetError, analysis_budget
from serving.errors import InvalidInputError
from serving.settings import Settings

__all__ = ["request_budget"]


@contextmanager
def request_budget(settings: Settings) -> Iterator[None]:
    """Analysis inside the block is limited to ``settings.max_analysis_seconds`` (0: no limit); past it, 422."""
    try:
        with analysis_budget(settings.max_analysis_seconds):
            yield
    except AnalysisBudgetError as exc:
        raise InvalidInputError(str(exc), limit_seconds=exc.seconds) from exc
