"""How ``disposisi serve`` runs uvicorn so that a slow or greedy client cannot hold the server.

uvicorn's own settings cover some of it: ``h11_max_incomplete_event_size`` caps the request line plus
headers (h11 answers 400 past it; the faster httptools parser has no such setting, so the server uses
h11), ``timeout_keep_alive`` closes an idle connection between requests, ``limit_concurrency`` answers 503
past that many connections or requests in progress. What uvicorn lacks is a deadline for *receiving* a
request: its keep-alive timer starts only after a response and stops at the first byte received, so a
client that connects and sends nothing, part of the headers, a byte now and then, or part of a body,
keeps its connection open for ever. :class:`DeadlineH11Protocol` is uvicorn's h11 protocol with that
deadline: from the moment a connection opens (or its previous response is complete) the client has
``client_timeout_seconds`` to send the whole request, headers and body; otherwise the connection is
closed. Time the app takes to answer does not count.

A reverse proxy in front does the same job with its own settings (nginx: ``client_header_timeout``,
``client_body_timeout``, ``large_client_header_buffers``); see README "Operating it safely".
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import h11
from uvicorn.protocols.http.h11_impl import H11Protocol

from serving.settings import Settings, get_settings

__all__ = ["DeadlineH11Protocol", "uvicorn_options"]

logger = logging.getLogger(__name__)

# The client's h11 states in which a request is still being received.
_RECEIVING = (h11.IDLE, h11.SEND_BODY)


def uvicorn_options(settings: Settings) -> dict[str, Any]:
    """Keyword arguments of ``uvicorn.run`` that put ``settings``' limits on every connection."""
    return {
        "http": f"{DeadlineH11Protocol.__module__}:{DeadlineH11Protocol.__qualname__}",
        "h11_max_incomplete_event_size": settings.max_header_bytes,
        "timeout_keep_alive": settings.keep_alive_seconds,
        "limit_concurrency": settings.max_connections or None,
    }


class DeadlineH11Protocol(H11Protocol):
    """uvicorn's h11 protocol, with ``client_timeout_seconds`` (from :func:`get_settings`, that is the
    ``DISPOSISI_*`` environment each worker process reads) to receive each request whole."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.receive_timeout = get_settings().client_timeout_seconds
        self._deadline: asyncio.TimerHandle | None = None

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._arm()

    def data_received(self, data: bytes) -> None:
        super().data_received(data)
        if self.conn.their_state not in _RECEIVING:  # the request is in (or the connection is over)
            self._disarm()

    def on_response_complete(self) -> None:
        super().on_response_complete()
        if not self.transport.is_closing():  # the next request on this connection gets as long
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
        if self.transport.is_closing() or self.transport.get_protocol() is not self:
            return
        if self.conn.their_state not in _RECEIVING:  # the request arrived; answering it takes what it takes
            return
        client = f"{self.client[0]}:{self.client[1]}" if self.client else "a client"
        logger.warning("closed the connection of %s: no whole request within %gs", client, self.receive_timeout)
        self.transport.close()
