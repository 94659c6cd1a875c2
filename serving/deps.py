"""Typed dependencies: what a route needs from the app (settings, model, feedback store, a key check).

A leaf under the routes: it reads what :mod:`serving.api` put on ``app.state`` and never imports the app.
Those that only read app state or headers are ``async def``: FastAPI runs a plain ``def`` dependency in
its thread pool, a hand-over that cost more than the routing of a short complaint. The store stays
``def``: opening it may reach the database.
"""

from __future__ import annotations

import logging
import threading
from typing import Annotated

from fastapi import Depends, FastAPI, Request

from serving.auth import FailureThrottle, check_request_key
from serving.feedback import FeedbackStore
from serving.model_state import LoadedModel, ModelHolder
from serving.settings import Settings

__all__ = [
    "HolderDep",
    "ModelDep",
    "SettingsDep",
    "StoreDep",
    "get_holder",
    "get_model",
    "get_settings_dep",
    "get_store",
    "open_feedback_store",
    "require_key",
    "routing_key",
]

logger = logging.getLogger(__name__)

_store_lock = threading.Lock()


async def get_settings_dep(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


SettingsDep = Annotated[Settings, Depends(get_settings_dep)]


async def get_holder(request: Request) -> ModelHolder:
    holder: ModelHolder = request.app.state.models
    return holder


HolderDep = Annotated[ModelHolder, Depends(get_holder)]


async def get_model(holder: HolderDep) -> LoadedModel:
    """The serving model (503 when there is none); one read, so a reload cannot split a request."""
    return holder.require()


ModelDep = Annotated[LoadedModel, Depends(get_model)]


def open_feedback_store(app: FastAPI) -> FeedbackStore:
    """The app's feedback store, opened now if start-up could not reach the database."""
    store: FeedbackStore | None = app.state.feedback
    if store is not None:
        return store
    with _store_lock:
        if app.state.feedback is None:
            app.state.feedback = FeedbackStore(app.state.settings.feedback_url)
            logger.info("feedback store %s is reachable again", app.state.feedback.safe_url)
        opened: FeedbackStore = app.state.feedback
    return opened


def get_store(request: Request) -> FeedbackStore:
    """The feedback store (503 while its database cannot be reached)."""
    return open_feedback_store(request.app)


StoreDep = Annotated[FeedbackStore, Depends(get_store)]


def require_key(request: Request, settings: SettingsDep) -> None:
    """401 unless the request carries one of the configured API keys; 429 once its address has sent
    ``api_key_max_failures`` wrong keys within 15 minutes."""
    throttle: FailureThrottle = request.app.state.key_throttle
    check_request_key(request, settings.secret_keys, throttle)


async def routing_key(request: Request, settings: SettingsDep) -> None:
    """Like :func:`require_key`, but only when ``require_key_for_routing`` is set."""
    if settings.require_key_for_routing:
        require_key(request, settings)
