"""Limits of one request: its headers and body (ASGI middleware), and how long a client may take to send
it (uvicorn's HTTP protocol, :mod:`serving.server_limits`).

:class:`RequestLimits` refuses a request with more than ``max_headers`` header fields or more than
``max_header_bytes`` of them (431: the server's protocol, :mod:`serving.server_limits`, refuses headers
past that size only while they are still arriving, so a block that comes in one read can be larger), and a
body whose ``Content-Length`` is over the limit before it is read; a body without one (chunked) is read up to
the limit and refused as soon as it passes it. Either way the answer is 413 with a JSON message. Bodies
within the limit are buffered (they are small by definition) and replayed to the app unchanged.
"""

from __future__ import annotations

import json

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from serving.errors import BodyTooLargeError, InvalidInputError, error_body

__all__ = ["RequestLimits"]

_HEADERS_TOO_LARGE = 431  # Request Header Fields Too Large


class RequestLimits:
    def __init__(self, app: ASGIApp, *, max_bytes: int, max_headers: int, max_header_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.max_headers = max_headers
        self.max_header_bytes = max_header_bytes

    def _headers_over_limits(self, scope: Scope) -> str | None:
        headers = scope.get("headers", ())
        if len(headers) > self.max_headers:
            return f"the request has more than {self.max_headers} header fields: send fewer"
        size = sum(len(name) + len(value) for name, value in headers)
        if size > self.max_header_bytes:
            return f"the request's headers are {size:,} bytes; the limit is {self.max_header_bytes:,}"
        return None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if refusal := self._headers_over_limits(scope):
            await _refuse(send, _HEADERS_TOO_LARGE, InvalidInputError.code, refusal)
            return
        declared = _content_length(scope)
        if declared == -1:
            await _refuse(send, 400, InvalidInputError.code, "the Content-Length header is not a number")
            return
        if declared is not None and declared > self.max_bytes:
            await self._too_large(send, declared)
            return
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] != "http.request":  # the client went away: let the app see it
                await self.app(scope, _replay([], message, receive), send)
                return
            body = message.get("body", b"")
            size += len(body)
            if size > self.max_bytes:
                await self._too_large(send, None)
                return
            chunks.append(body)
            if not message.get("more_body", False):
                break
        await self.app(scope, _replay(chunks, None, receive), send)

    async def _too_large(self, send: Send, declared: int | None) -> None:
        size = f" of {declared:,} bytes" if declared is not None else ""
        await _refuse(
            send,
            BodyTooLargeError.status,
            BodyTooLargeError.code,
            f"request body{size} is over the limit of {self.max_bytes:,} bytes: send fewer or shorter complaints",
        )


def _content_length(scope: Scope) -> int | None:
    """The declared body length, None when absent, -1 when it is not a number."""
    for name, value in scope.get("headers", []):
        if name == b"content-length":
            text = value.decode("latin-1").strip()
            return int(text) if text.isdigit() else -1
    return None


def _replay(chunks: list[bytes], pending: Message | None, receive: Receive) -> Receive:
    sent = False

    async def replayed() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            if pending is not None:
                return pending
            return {"type": "http.request", "body": b"".join(chunks), "more_body": False}
        return await receive()

    return replayed


async def _refuse(send: Send, status: int, code: str, message: str) -> None:
    body = json.dumps(error_body(code, message)).encode("utf-8")
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())],
        }
    )
    await send({"type": "http.response.body", "body": body})
