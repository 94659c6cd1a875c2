"""OpenAPI descriptions of the error answers, shared by every router of the API."""

from __future__ import annotations

from typing import Any

from serving.schemas import ErrorOut

__all__ = ["ERROR_DESCRIPTIONS", "error_responses"]

ERROR_DESCRIPTIONS: dict[int, str] = {
    400: "The request is malformed (e.g. a Content-Length that is not a number).",
    401: "An API key is missing or wrong, or none is configured on the server.",
    403: "The key is fine but the act is not (a model folder outside the trusted ones).",
    413: "The request body is over max_body_bytes.",
    429: "Too many wrong API keys from this address: wait Retry-After seconds (DISPOSISI_API_KEY_MAX_FAILURES).",
    422: (
        "The input cannot be used: the answer names each problem (also texts whose analysis would pass the "
        "request's CPU budget). A failed reload also answers 422."
    ),
    404: "No complaint is stored under that id.",
    503: "No model is loaded, or the feedback database cannot be reached.",
}


def error_responses(*codes: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI descriptions of the error answers of a route: all are :class:`ErrorOut` JSON (a keyed route,
    one that may answer 401, may also answer 429)."""
    throttled = (429,) if 401 in codes else ()
    return {
        code: {"model": ErrorOut, "description": ERROR_DESCRIPTIONS[code]} for code in (400, 413, *codes, *throttled)
    }
