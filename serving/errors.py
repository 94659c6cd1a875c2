"""Errors of the serving layer, and the one place that turns them into HTTP responses.

Our exception classes::

    ServingError                       base: carries a message a person can act on
    ├── InvalidInputError        422   content the API cannot use: empty or too long text, too many items
    ├── UnauthorizedError        401   missing or wrong API key
    ├── ForbiddenError           403   a key is fine but the act is not: reloading from an untrusted
    │                                  folder, an /admin form posted from another site
    ├── NotFoundError            404   no complaint is stored under that id
    ├── BodyTooLargeError        413   a request body over ``max_body_bytes``
    ├── TooManyAttemptsError     429   too many wrong API keys from one address: it must wait
    │                                  ``retry_after`` seconds (also sent as ``Retry-After``)
    ├── ModelLoadError           422   a reload could not load the model it was pointed at; the model
    │                                  that was serving keeps serving (the answer names the reason and
    │                                  that version as ``serving_version``)
    ├── ModelUnavailableError    503   no model is loaded (the start-up load failed, no reload fixed it)
    └── FeedbackUnavailableError 503   the feedback database cannot be reached

Every error answer is JSON ``{"error": <code>, "detail": <message>}``; request validation failures
(wrong types, missing fields, bad JSON) are 422 with the same shape plus ``errors``, one entry per
problem. Low confidence is not an error: it is ``needs_review: true`` in a 200 answer.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any, ClassVar

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

__all__ = [
    "BodyTooLargeError",
    "FeedbackUnavailableError",
    "ForbiddenError",
    "InvalidInputError",
    "ModelLoadError",
    "ModelUnavailableError",
    "NotFoundError",
    "ServingError",
    "TooManyAttemptsError",
    "UnauthorizedError",
    "database_reason",
    "describe_validation_errors",
    "install_error_handlers",
]

logger = logging.getLogger(__name__)


class ServingError(Exception):
    """Base class: ``status`` and ``code`` say how the error reaches the client."""

    status: ClassVar[int] = 400
    code: ClassVar[str] = "bad_request"

    def __init__(self, message: str, **extra: Any) -> None:
        super().__init__(message)
        self.message = message
        self.extra = extra


class InvalidInputError(ServingError):
    status = 422
    code = "invalid_input"


class UnauthorizedError(ServingError):
    status = 401
    code = "unauthorized"


class ForbiddenError(ServingError):
    status = 403
    code = "forbidden"


class NotFoundError(ServingError):
    status = 404
    code = "not_found"


class BodyTooLargeError(ServingError):
    status = 413
    code = "body_too_large"


class TooManyAttemptsError(ServingError):
    status = 429
    code = "too_many_attempts"


class ModelLoadError(ServingError):
    status = 422
    code = "model_load_failed"


class ModelUnavailableError(ServingError):
    status = 503
    code = "model_unavailable"


class FeedbackUnavailableError(ServingError):
    status = 503
    code = "feedback_unavailable"


def error_body(code: str, message: str, **extra: Any) -> dict[str, Any]:
    return {"error": code, "detail": message, **extra}


def database_reason(exc: Exception) -> str:
    """The first line of what the database driver said (SQLAlchemy keeps it as ``orig``), for messages."""
    return str(getattr(exc, "orig", None) or exc).splitlines()[0]


_JSON_TYPES = {
    bool: "a boolean",
    int: "a number",
    float: "a number",
    str: "a string",
    list: "an array",
    dict: "an object",
    type(None): "null",
}


def _location(loc: Sequence[int | str]) -> str:
    parts = list(loc[1:] if loc and loc[0] == "body" else loc)
    text = ""
    for part in parts:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text or "body"


def _message(error: dict[str, Any]) -> str:
    kind = error.get("type", "")
    given = _JSON_TYPES.get(type(error.get("input")), "another type")
    if kind == "missing":
        return "is required"
    if kind == "string_type":
        return f"must be a string, not {given}"
    if kind in ("model_attributes_type", "dict_type", "model_type") and isinstance(error.get("input"), bytes):
        return "must be a JSON object sent with the header Content-Type: application/json"
    if kind in ("model_attributes_type", "dict_type", "model_type"):
        return f"must be a JSON object, not {given}"
    if kind == "list_type":
        return f"must be an array, not {given}"
    if kind == "json_invalid":
        reason = (error.get("ctx") or {}).get("error", "")
        return f"is not valid JSON ({reason})" if reason else "is not valid JSON"
    message = str(error.get("msg", "is invalid"))
    return message.removeprefix("Value error, ")


def describe_validation_errors(errors: Sequence[Any]) -> list[dict[str, str]]:
    """``[{"field": "items[3].text", "message": "must not be empty"}]`` from pydantic's errors."""
    described = []
    for error in errors:
        if error.get("type") == "json_invalid":
            described.append({"field": "body", "message": _message(error)})
        else:
            described.append({"field": _location(error.get("loc", ())), "message": _message(error)})
    return described


async def _serving_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, ServingError)
    headers: dict[str, str] | None = None
    if isinstance(exc, UnauthorizedError):
        headers = {"WWW-Authenticate": 'Bearer realm="disposisi"'}
    elif isinstance(exc, TooManyAttemptsError):
        headers = {"Retry-After": str(exc.extra["retry_after"])}
    if exc.status >= 500:
        logger.warning("%s %s: %s", request.method, request.url.path, exc.message)
    return JSONResponse(error_body(exc.code, exc.message, **exc.extra), status_code=exc.status, headers=headers)


async def _validation_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    described = describe_validation_errors(exc.errors())
    summary = "; ".join(f"{e['field']}: {e['message']}" for e in described[:5])
    if len(described) > 5:
        summary += f"; and {len(described) - 5} more"
    return JSONResponse(error_body("invalid_input", summary, errors=described), status_code=422)


async def _http_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    code = {404: "not_found", 405: "method_not_allowed"}.get(exc.status_code, "http_error")
    return JSONResponse(
        error_body(code, str(exc.detail)), status_code=exc.status_code, headers=getattr(exc, "headers", None)
    )


def install_error_handlers(app: FastAPI) -> None:
    """Map every error of this module, request validation and HTTP errors to JSON answers."""
    app.add_exception_handler(ServingError, _serving_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
