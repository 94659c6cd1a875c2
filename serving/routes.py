"""The JSON API: routing, feedback, model information, reload and health.

Routes stay thin: parse (schemas), call the router or the feedback store, return. Routes that wait on
the database are plain ``def`` so FastAPI runs them in its thread pool. The routing routes are ``async``:
single complaints that arrive together are routed together (:mod:`serving.coalesce`), short input on the
event loop (about a millisecond, less than the hand-over to a thread costs), long input in the thread pool
so that the event loop keeps answering /healthz meanwhile.
"""

from __future__ import annotations

import logging
import time
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import StreamingResponse

from models.similarity import Complaint
from serving.coalesce import SuggestQueue, suggest_now
from serving.deps import HolderDep, ModelDep, SettingsDep, StoreDep, open_feedback_store, require_key, routing_key
from serving.errors import ModelLoadError
from serving.feedback import mask_text
from serving.model_state import reload_source
from serving.openapi import error_responses as _errors
from serving.schemas import (
    BatchIn,
    BatchOut,
    FeedbackIn,
    FeedbackOut,
    ModelOut,
    ReloadIn,
    ReloadOut,
    RouteIn,
    RouteOut,
    SimilarOut,
    check_limits,
)

__all__ = ["router"]

logger = logging.getLogger(__name__)

router = APIRouter()


async def get_suggest_queue(request: Request) -> SuggestQueue:
    """The app's queue of single complaints waiting to be routed (made on first use)."""
    queue: SuggestQueue | None = getattr(request.app.state, "suggest_queue", None)
    if queue is None:
        queue = request.app.state.suggest_queue = SuggestQueue()
    return queue


QueueDep = Annotated[SuggestQueue, Depends(get_suggest_queue)]


@router.get("/healthz", tags=["health"], responses=_errors())
def healthz() -> dict[str, str]:
    """The process is alive (it says nothing about the model)."""
    return {"status": "ok"}


@router.get("/readyz", tags=["health"], responses=_errors(503))
def readyz(holder: HolderDep) -> dict[str, str]:
    """200 when a model is loaded and requests can be routed, else 503 with the reason."""
    loaded = holder.require()
    return {"status": "ready", "model_version": loaded.version}


@router.post("/v1/route", dependencies=[Depends(routing_key)], tags=["routing"], responses=_errors(401, 422, 503))
async def route(body: RouteIn, request: Request, loaded: ModelDep, settings: SettingsDep, queue: QueueDep) -> RouteOut:
    """Top-3 OPDs with calibrated scores, urgency, needs_review, the reasons and the unit, for one complaint
    (``kecamatan`` and ``kelurahan``, when given, name the place of its unit); with ``"similar": k`` also the
    k stored complaints most like it (id, score, kind). Only then is the store opened: routing works while
    the store is down."""
    check_limits([body.text], max_text_chars=settings.max_text_chars)
    suggestion = await queue.suggest(loaded.router, body.text, settings, body.place)
    answer = RouteOut.from_suggestion(body.id, suggestion, loaded.version)
    if body.similar:
        query = Complaint(
            body.id or "",
            mask_text(body.text),
            kelurahan=body.kelurahan,
            kecamatan=body.kecamatan,
            opd=suggestion.top_opd if suggestion.opd else None,
        )
        store = await run_in_threadpool(open_feedback_store, request.app)
        found = await run_in_threadpool(store.complaints.similar, query, body.similar)
        answer.similar = [SimilarOut(id=s.id, score=s.score, kind=s.kind) for s in found]
    return answer


@router.post("/v1/route/batch", dependencies=[Depends(routing_key)], tags=["routing"], responses=_errors(401, 422, 503))
async def route_batch(body: BatchIn, loaded: ModelDep, settings: SettingsDep) -> BatchOut:
    """Like /v1/route for up to ``max_batch_items`` complaints, answered in input order."""
    texts = [item.text for item in body.items]
    check_limits(texts, max_text_chars=settings.max_text_chars, max_items=settings.max_batch_items)
    started = time.perf_counter()
    suggestions = await suggest_now(loaded.router, texts, settings, [item.place for item in body.items])
    logger.info("routed a batch of %d in %.3fs", len(texts), time.perf_counter() - started)
    pairs = zip(body.items, suggestions, strict=True)
    return BatchOut(results=[RouteOut.from_suggestion(item.id, s, loaded.version) for item, s in pairs])


@router.post(
    "/v1/feedback",
    status_code=201,
    dependencies=[Depends(require_key)],
    tags=["feedback"],
    responses=_errors(401, 422, 503),
)
def feedback(body: FeedbackIn, store: StoreDep, holder: HolderDep, settings: SettingsDep) -> FeedbackOut:
    """Store an admin's decision (text masked); ``accepted`` says whether the suggestion was kept."""
    check_limits([body.text], max_text_chars=settings.max_text_chars)
    loaded = holder.current
    stored = store.add(
        text=body.text,
        opd=body.opd,
        complaint_id=body.id,
        urgency=body.urgency,
        suggested_opd=body.suggested_opd,
        model_version=loaded.version if loaded else None,
        unit=body.unit,
        kecamatan=body.kecamatan,
        kelurahan=body.kelurahan,
    )
    return FeedbackOut(
        feedback_id=stored.feedback_id,
        id=stored.complaint_id,
        accepted=stored.accepted,
        known_opd=bool(loaded and body.opd in loaded.meta.opd_labels),
    )


@router.get(
    "/v1/feedback/export",
    dependencies=[Depends(require_key)],
    tags=["feedback"],
    response_class=StreamingResponse,
    responses={
        200: {
            "content": {"text/csv": {}},
            "description": "CSV: id,teks,opd,urgensi (+ unit with with_unit, + kecamatan,kelurahan with with_place)",
        },
        **_errors(401, 422, 503),
    },
)
def export_feedback(
    store: StoreDep,
    latest_only: bool = Query(default=True, description="Only the latest decision per complaint id."),
    with_unit: bool = Query(
        default=False,
        description="Add a last column `unit`: the decided unit, empty when unknown "
        "(`disposisi train --unit-column unit` learns it).",
    ),
    with_place: bool = Query(
        default=False,
        description="Add last columns `kecamatan`, `kelurahan`: the complaint's place, empty when unknown "
        "(the location columns `disposisi train` reads).",
    ),
) -> StreamingResponse:
    """All decisions as CSV in the training format (id,teks,opd,urgensi; with ``with_unit``, also unit; with
    ``with_place``, also kecamatan,kelurahan): ``disposisi train`` reads it as is."""
    store.count()  # reach the database before the 200 is sent, so an outage is a 503
    stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
    return StreamingResponse(
        store.export_csv(latest_only=latest_only, with_unit=with_unit, with_place=with_place),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="feedback-{stamp}.csv"'},
    )


@router.get("/v1/model", dependencies=[Depends(routing_key)], tags=["model"], responses=_errors(401, 503))
def model_info(loaded: ModelDep) -> ModelOut:
    """Version, labels, metrics, review threshold and training time of the serving model."""
    meta = loaded.meta
    return ModelOut(
        version=meta.version,
        opd_labels=meta.opd_labels,
        urgency_labels=meta.urgency_labels,
        metrics=meta.metrics,
        review_threshold=meta.review_threshold,
        trained_at=meta.created_at,
        source=str(loaded.source),
        registry_version=loaded.registry_version,
    )


@router.get("/v1/stats", dependencies=[Depends(require_key)], tags=["feedback"], responses=_errors(401, 503))
def stats(store: StoreDep, holder: HolderDep) -> dict[str, Any]:
    """Feedback counts and how often admins accepted the top suggestion (keyed: it names the OPDs admins typed)."""
    loaded = holder.current
    return {"model_version": loaded.version if loaded else None, "feedback": store.stats()}


@router.post(
    "/v1/admin/reload",
    dependencies=[Depends(require_key)],
    tags=["model"],
    responses=_errors(401, 403, 422, 503),
)
def reload(holder: HolderDep, settings: SettingsDep, body: ReloadIn | None = None) -> ReloadOut:
    """Load a model (the configured source, or ``model_dir``/``model_uri``) and swap it in atomically.

    On failure the serving model stays and the answer is 422 with the reason and ``serving_version``.
    With several workers, each process holds its own model: reload each, or restart them.
    """
    source = reload_source(settings, body.model_dir if body else None, body.model_uri if body else None)
    started = time.perf_counter()
    try:
        loaded, previous = holder.load(source)
    except ModelLoadError as exc:
        current = holder.current
        logger.warning("reload from %s failed, still serving %s: %s", source, current and current.version, exc)
        raise ModelLoadError(exc.message, serving_version=current.version if current else None) from exc
    return ReloadOut(
        reloaded=True,
        model_version=loaded.version,
        previous_version=previous.version if previous else None,
        source=str(source),
        seconds=round(time.perf_counter() - started, 3),
    )
