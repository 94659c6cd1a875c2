"""A real uvicorn on loopback, run as ``disposisi serve`` runs it (:func:`serving.server_limits.uvicorn_options`),
probed with raw sockets: silent, half-sent and trickled requests are closed at the deadline, huge or
too many headers are refused, and ordinary clients (keep-alive, slow answers) are not disturbed.

The deadline is 1 s here (20 s by default); every probe gives up by itself after a few seconds.
"""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from typing import Any

import pytest
import uvicorn

from benchmarks.load import free_port
from serving.api import create_app
from serving.server_limits import DeadlineHttpToolsProtocol, uvicorn_options
from serving.settings import Settings, get_settings
from tests.serving.conftest import make_settings

DEADLINE = 1.0
GIVE_UP = 8.0  # a probe that sees no close by then fails instead of hanging
HEALTHZ = b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"

Serve = Callable[..., AbstractContextManager[int]]


async def _slow_app(scope: dict[str, Any], receive: Any, send: Any) -> None:
    """Answers after twice the deadline: the time an app takes must not count against the client."""
    if scope["type"] != "http":
        return
    await asyncio.sleep(2 * DEADLINE)
    await send({"type": "http.response.start", "status": 200, "headers": [(b"content-length", b"4")]})
    await send({"type": "http.response.body", "body": b"done"})


@pytest.fixture
def serve(monkeypatch: pytest.MonkeyPatch) -> Iterator[Serve]:
    """``with serve() as port``: uvicorn in a thread with the limits of ``disposisi serve``, stopped on exit."""
    monkeypatch.setenv("DISPOSISI_CLIENT_TIMEOUT_SECONDS", str(DEADLINE))  # what each worker reads
    get_settings.cache_clear()

    @contextmanager
    def _serve(app: Any = None, **overrides: Any) -> Iterator[int]:
        settings: Settings = make_settings(client_timeout_seconds=DEADLINE, keep_alive_seconds=5, **overrides)
        port = free_port()
        options = uvicorn_options(settings)
        config = uvicorn.Config(
            app or create_app(settings), host="127.0.0.1", port=port, log_level="warning", lifespan="off", **options
        )
        server = uvicorn.Server(config)
        thread = threading.Thread(target=server.run, daemon=True)
        thread.start()
        started = time.monotonic()
        while not server.started:
            assert thread.is_alive() and time.monotonic() - started < 30, "uvicorn did not start"
            time.sleep(0.02)
        try:
            yield port
        finally:
            server.should_exit = True
            thread.join(timeout=15)
            assert not thread.is_alive(), "uvicorn did not stop"

    yield _serve
    get_settings.cache_clear()


def _connect(port: int) -> socket.socket:
    sock = socket.create_connection(("127.0.0.1", port), timeout=GIVE_UP)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return sock


def _seconds_until_closed(sock: socket.socket) -> tuple[float, bytes]:
    """Read until the server closes the connection; how long that took and what it sent."""
    started, received = time.monotonic(), b""
    try:
        while chunk := sock.recv(65_536):
            received += chunk
    except ConnectionResetError:
        pass
    except TimeoutError:
        pytest.fail(f"the server kept the connection open for more than {GIVE_UP}s")
    return time.monotonic() - started, received


def _response(sock: socket.socket) -> bytes:
    """One whole response (headers and a Content-Length body) from ``sock``."""
    data = b""
    while b"\r\n\r\n" not in data:
        data += sock.recv(65_536) or pytest.fail(f"connection closed before a response: {data!r}")
    head, _, body = data.partition(b"\r\n\r\n")
    length = next(
        int(line.split(b":")[1]) for line in head.split(b"\r\n") if line.lower().startswith(b"content-length")
    )
    while len(body) < length:
        body += sock.recv(65_536)
    return head + b"\r\n\r\n" + body


def test_uvicorn_runs_the_httptools_protocol_with_the_deadline_and_the_limits() -> None:
    options = uvicorn_options(make_settings(max_header_bytes=8_192, keep_alive_seconds=7, max_connections=0))
    assert uvicorn.importer.import_from_string(options["http"]) is DeadlineHttpToolsProtocol
    assert (options["h11_max_incomplete_event_size"], options["timeout_keep_alive"]) == (8_192, 7)
    assert options["limit_concurrency"] is None  # 0 means no limit
    assert uvicorn_options(make_settings())["limit_concurrency"] == 1_000


@pytest.mark.parametrize(
    "sent",
    [
        b"",
        b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n",
        b'POST /v1/route HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{"te',
    ],
    ids=["nothing", "part of the headers", "part of the body"],
)
def test_a_client_that_goes_silent_is_closed_at_the_deadline(serve: Serve, sent: bytes) -> None:
    with serve() as port, _connect(port) as sock:
        sock.sendall(sent)
        seconds, _ = _seconds_until_closed(sock)
    assert 0.8 * DEADLINE <= seconds <= 4 * DEADLINE


def test_a_client_that_trickles_its_headers_is_closed_at_the_deadline(serve: Serve) -> None:
    """A byte every 0.2 s used to keep the connection open for ever: each byte reset uvicorn's only timer."""
    with serve() as port, _connect(port) as sock:
        started, closed = time.monotonic(), False
        for byte in HEALTHZ[:-4]:  # 40 bytes: 8 s at this pace, never the end of the headers
            try:
                sock.sendall(bytes([byte]))
            except (BrokenPipeError, ConnectionResetError):
                closed = True
                break
            time.sleep(0.2)
            sock.settimeout(0.0)
            try:
                if sock.recv(1) == b"":
                    closed = True
                    break
            except BlockingIOError:
                pass
            finally:
                sock.settimeout(GIVE_UP)
        seconds = time.monotonic() - started
    assert closed, "the connection stayed open while the client trickled"
    assert seconds <= 4 * DEADLINE


def test_the_deadline_holds_for_every_request_of_a_kept_alive_connection(serve: Serve) -> None:
    with serve() as port, _connect(port) as sock:
        for _ in range(3):  # quick whole requests on one connection are all answered
            sock.sendall(HEALTHZ)
            assert _response(sock).startswith(b"HTTP/1.1 200")
        sock.sendall(HEALTHZ[:20])  # then half a request
        seconds, _ = _seconds_until_closed(sock)
    assert seconds <= 4 * DEADLINE


def test_the_time_the_app_takes_to_answer_does_not_count(serve: Serve) -> None:
    with serve(_slow_app) as port, _connect(port) as sock:
        sock.sendall(HEALTHZ)
        answer = _response(sock)
    assert answer.startswith(b"HTTP/1.1 200")
    assert answer.endswith(b"done")


def test_a_32_mb_header_is_refused_without_being_read(serve: Serve) -> None:
    chunk = b"a" * 65_536
    with serve() as port, _connect(port) as sock:
        sent = 0
        try:
            sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Big: ")
            while sent < 32 * 2**20:
                sock.sendall(chunk)
                sent += len(chunk)
        except (BrokenPipeError, ConnectionResetError):
            pass
        _, answer = _seconds_until_closed(sock)
    assert sent < 32 * 2**20, "the server read a 32 MB header"
    assert answer == b"" or answer.startswith(b"HTTP/1.1 400"), answer[:200]


def test_headers_over_the_size_limit_are_refused_and_within_it_are_fine(serve: Serve) -> None:
    """Sent in one write, a header block over the limit reaches the app (the protocol limits only what it must buffer);
    the app refuses it there. Arriving in parts, the protocol refuses it once it has buffered more than the limit."""
    over = b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 5_000 + b"\r\n\r\n"
    with serve(max_header_bytes=4_096) as port:
        with _connect(port) as sock:
            sock.sendall(over)
            at_once = _response(sock)
        with _connect(port) as sock:
            sock.sendall(over[:4_500])  # past the limit and not yet whole: the protocol stops buffering
            _, in_parts = _seconds_until_closed(sock)
        with _connect(port) as sock:
            sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 3_000 + b"\r\n\r\n")
            accepted = _response(sock)
    assert at_once.startswith(b"HTTP/1.1 431")
    assert b"the limit is 4,096" in at_once
    assert in_parts.startswith(b"HTTP/1.1 400")
    assert accepted.startswith(b"HTTP/1.1 200")


def test_too_many_header_fields_are_a_431(serve: Serve) -> None:
    many = b"".join(b"X-H%d: 1\r\n" % n for n in range(101))
    with serve() as port, _connect(port) as sock:
        sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n" + many + b"\r\n")
        answer = _response(sock)
    assert answer.startswith(b"HTTP/1.1 431")
    assert b"more than 100 header fields" in answer


def test_pipelined_requests_are_answered_and_not_cut_by_the_deadline(serve: Serve) -> None:
    """Two requests in one write: the second has arrived whole while the first is answered (twice the
    deadline), so no deadline may run for it; both are answered and the connection then gets a fresh one."""
    with serve(_slow_app) as port, _connect(port) as sock:
        sock.sendall(HEALTHZ + HEALTHZ)
        first, second = _response(sock), _response(sock)
        sock.sendall(HEALTHZ[:20])
        seconds, _ = _seconds_until_closed(sock)
    assert first.startswith(b"HTTP/1.1 200") and first.endswith(b"done")
    assert second.startswith(b"HTTP/1.1 200") and second.endswith(b"done")
    assert seconds <= 4 * DEADLINE
