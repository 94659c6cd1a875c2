"""How ``disposisi serve`` runs uvicorn so that a slow or greedy client cannot hold the server.

uvicorn's own settings cover some of it: ``timeout_keep_alive`` closes an idle connection between requests,
``limit_concurrency`` answers 503 past that many connections or requests in progress, and
``h11_max_incomplete_event_size`` caps the request line plus headers, but only for its pure-Python h11
parser. What uvicorn lacks is a deadline for *receiving* a request (its keep-alive timer starts only after a
response and stops at the first byte received, so a client that connects and sends nothing, part of the
headers, a byte now and then, or part of a body keeps its connection open for ever) and, with its fast
httptools parser, any cap on the headers it buffers.

:class:`DeadlineHttpToolsProtocol` is uvicorn's httptools protocol with both:

- from the moment a connection opens (or its previous response is complete) the client has
  ``client_timeout_seconds`` to send the whole request, headers and body; otherwise the connection is
  closed. Time the app takes to answer does not count.
- a request line plus headers still incomplete past ``h11_max_incomplete_event_size`` bytes (uvicorn's
  name for the limit; ``disposisi serve`` sets it to ``max_header_bytes``) is answered 400 and the
  connection closed, as h11 does. A header block that arrives whole is parsed and then held to the same
  size, and to ``max_header_count`` fields, by :class:`serving.limits.RequestLimits` (431).

httptools rather than h11: h11 parses in Python and cost about a tenth of the server's CPU per request
under load (BENCHMARKS.md, "HTTP parser"). A reverse proxy in front does the same job with its own
settings (nginx: ``client_header_timeout``, ``client_body_timeout``, ``large_client_header_buffers``);
see README "Operating it safely".
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from serving.settings import Settings, get_settings

__all__ = ["DeadlineHttpToolsProtocol", "uvicorn_options"]

logger = logging.getLogger(__name__)


def uvicorn_options(settings: Settings) -> dict[str, Any]:
    """Keyword arguments of ``uvicorn.run`` that put ``settings``' limits on every connection."""
    return {
        "http": f"{DeadlineHttpToolsProtocol.__module__}:{DeadlineHttpToolsProtocol.__qualname__}",
        "h11_max_incomplete_event_size": settings.max_header_bytes,
        "timeout_keep_alive": settings.keep_alive_seconds,
        "limit_concurrency": settings.max_connections or None,
    }


class DeadlineHttpToolsProtocol(HttpToolsProtocol):
    """uvicorn's httptools protocol with a deadline to receive each request whole
    (``client_timeout_seconds``, from :func:`get_settings`, that is the ``DISPOSISI_*`` environment each
    worker process reads) and a cap on the bytes of a request head still being received."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        settings = get_settings()
        self.receive_timeout = settings.client_timeout_seconds
        self.max_head_bytes = self.config.h11_max_incomplete_event_size or settings.max_header_bytes
        self._deadline: asyncio.TimerHandle | None = None
        self._receiving = True  # a request (or the first byte of one) is awaited or arriving
        self._in_head = True  # the bytes that arrive now belong to a request line or headers
        self._head_bytes = 0

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._arm()

    def data_received(self, data: bytes) -> None:
        if self._in_head:
            self._head_bytes += len(data)
        super().data_received(data)
        if self._in_head and self._head_bytes > self.max_head_bytes and not self.transport.is_closing():
            logger.warning("refused a request head of more than %d bytes", self.max_head_bytes)
            self.send_400_response("Request line and headers too large.")

    def on_headers_complete(self) -> None:
        self._in_head = False
        self._head_bytes = 0
        super().on_headers_complete()

    def on_message_complete(self) -> None:
        super().on_message_complete()
        self._receiving = False
        self._in_head = True  # what arrives next is the next request
        self._disarm()

    def on_response_complete(self) -> None:
        super().on_response_complete()
        if self.transport.is_closing():
            return
        cycle = self.cycle
        # Arm unless the request now being answered (pipelined) has already arrived whole.
        if cycle is None or cycle.response_complete or cycle.more_body:
            self._receiving = True
            self._arm()

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        super().connection_lost(exc)

    def _arm(self) -> None:
        self._disarm()
        self._deadline = self.loop.call_later(self.receive_timeout, self._deadline_passed)

    def _disarm(self) -> None:
        if self._deadline is not None:
            self._deadline.cancel()
            self._deadline = None

    def _deadline_passed(self) -> None:
        self._deadline = None
        if self.transport.is_closing() or self.transport.get_protocol() is not self or not self._receiving:
            return
        client = f"{self.client[0]}:{self.client[1]}" if self.client else "a client"
        logger.warning("closed the connection of %s: no whole request within %gs", client, self.receive_timeout)
        self.transport.close()
