"""The FastAPI app: :func:`create_app` builds it from :class:`~serving.settings.Settings`.

The model is loaded in the lifespan, never at import. If that load fails the app still starts: /healthz
answers, /readyz and routing answer 503 with the reason, and ``POST /v1/admin/reload`` can bring a
model in later. The feedback store is opened in the lifespan too; a malformed ``feedback_url`` stops
start-up, while an unreachable database only makes the feedback endpoints 503 until it is back.

``uvicorn serving.api:app_from_env --factory`` (what ``disposisi serve`` runs) reads the settings from
the environment and masks personal data in the process's logs.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from importlib import metadata
from pathlib import Path

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware
from fastapi.staticfiles import StaticFiles
from starlette.concurrency import run_in_threadpool

from models.logs import configure_logging
from serving import admin, admin_monitoring, admin_sheets, inbox, monitoring, routes
from serving.auth import FailureThrottle
from serving.docs import install_docs
from serving.errors import FeedbackUnavailableError, ModelLoadError, install_error_handlers
from serving.feedback import FeedbackStore
from serving.follow import AliasFollower
from serving.limits import RequestLimits
from serving.model_state import ModelHolder, ModelSource
from serving.settings import Settings, get_settings

__all__ = ["app_from_env", "create_app"]

logger = logging.getLogger(__name__)

STATIC_DIR = Path(__file__).parent / "static"


@asynccontextmanager
async def _lifespan(app: FastAPI) -> AsyncIterator[None]:
    settings: Settings = app.state.settings
    holder: ModelHolder = app.state.models
    source = ModelSource.from_settings(settings)
    try:
        await run_in_threadpool(holder.load, source)
    except ModelLoadError as exc:
        logger.error("starting without a model (routing answers 503): %s", exc.message)
    try:
        app.state.feedback = await run_in_threadpool(FeedbackStore, settings.feedback_url)
    except FeedbackUnavailableError as exc:
        logger.error("feedback store unavailable at start-up (feedback answers 503): %s", exc.message)
    follower = None
    if source.model_uri and settings.model_poll_seconds > 0:
        follower = AliasFollower(holder, source, settings.model_poll_seconds)
        follower.start()
    try:
        yield
    finally:
        if follower is not None:
            follower.stop()
        store: FeedbackStore | None = app.state.feedback
        if store is not None:
            store.close()


def create_app(settings: Settings | None = None) -> FastAPI:
    """A new app; ``settings`` default to :func:`~serving.settings.get_settings` (the environment)."""
    settings = settings or get_settings()
    app = FastAPI(
        title="disposisi",
        summary="Suggests which OPD must handle a citizen's complaint, how urgent it is, and how sure it is.",
        version=metadata.version("disposisi"),
        lifespan=_lifespan,
        docs_url=None,
        redoc_url=None,
    )
    app.state.settings = settings
    app.state.models = ModelHolder()
    app.state.feedback = None
    app.state.login_throttle = FailureThrottle(settings.admin_login_max_failures)
    app.state.key_throttle = FailureThrottle(settings.api_key_max_failures)
    install_error_handlers(app)
    app.include_router(routes.router)
    app.include_router(inbox.router)
    app.include_router(monitoring.router)
    app.include_router(admin_sheets.router)  # before admin's /aduan/{id:path}, which would take .../lembar
    app.include_router(admin_monitoring.router)
    app.include_router(admin.router)
    app.include_router(admin.root)
    install_docs(app)
    app.mount("/admin/static", StaticFiles(directory=STATIC_DIR), name="admin-static")
    if settings.cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.cors_origins,
            allow_methods=["GET", "POST"],
            allow_headers=["Content-Type", "X-API-Key", "Authorization"],
        )
    app.add_middleware(
        RequestLimits,
        max_bytes=settings.max_body_bytes,
        max_headers=settings.max_header_count,
        max_header_bytes=settings.max_header_bytes,
    )
    return app


def app_from_env() -> FastAPI:
    """Factory for uvicorn: settings from ``DISPOSISI_*``, logging masked."""
    configure_logging()
    return create_app()
