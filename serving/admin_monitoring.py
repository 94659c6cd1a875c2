"""The /admin page of the model's monitoring (/admin/pantauan): the figures of ``GET /v1/monitoring`` as
server-side SVG charts (:mod:`serving.sheet_charts`), with the alerts on top.

Like the other /admin pages it needs an open /admin session and is sent with the strict Content-Security-Policy;
it shows counts and shares only, never a complaint's text.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from serving.admin_sheets import _refused, tanggal_id
from serving.admin_web import page
from serving.deps import HolderDep, SettingsDep, StoreDep
from serving.monitoring import MAX_WINDOW_DAYS, read_report
from serving.sheet_charts import BarChart, bar_chart

__all__ = ["router"]

router = APIRouter(prefix="/admin", include_in_schema=False)
WINDOWS = (7, 14, 30, 90)


def _percent(share: float | None) -> int:
    return 0 if share is None else round(100 * share)


def _percent_chart(labels: Sequence[str], shares: Sequence[float | None]) -> BarChart:
    return bar_chart([(label, _percent(share)) for label, share in zip(labels, shares, strict=True)])


@router.get("/pantauan", response_model=None)
def monitoring_page(
    request: Request,
    settings: SettingsDep,
    store: StoreDep,
    holder: HolderDep,
    hari: Annotated[int, Query(ge=1, le=MAX_WINDOW_DAYS)] = 7,
) -> Response:
    """Volume, needs_review, acceptance and unseen words per day, confidence against training, and the alerts."""
    if refused := _refused(request, settings, store):
        return refused
    loaded = holder.current
    report = read_report(store.engine, loaded.meta if loaded else None, settings, window_days=hari)
    days = [f"{d.day.day}/{d.day.month}" for d in report.per_day]
    edges = report.confidence.edges
    bins = [f"{edges[i]:.1f}" for i in range(len(edges) - 1)]
    zeros: list[float | None] = [None] * len(bins)
    context = {
        "report": report,
        "hari": hari,
        "windows": WINDOWS,
        "since": tanggal_id(report.since),
        "until": tanggal_id(report.until),
        "volume": bar_chart([(label, d.volume) for label, d in zip(days, report.per_day, strict=True)]),
        "review": _percent_chart(days, [d.needs_review_rate for d in report.per_day]),
        "accepted": _percent_chart(days, [d.top1_acceptance_rate for d in report.per_day]),
        "oov": _percent_chart(days, [d.oov_rate for d in report.per_day]),
        "confidence_now": _percent_chart(bins, report.confidence.current or zeros),
        "confidence_then": _percent_chart(bins, report.confidence.reference or zeros),
        "percent": _percent,
    }
    return page(request, "sheet_pantauan.html", context)
