"""The feedback store survives a killed server: SIGKILL mid-write loses no committed row and leaves SQLite intact.

``disposisi serve --workers 2`` writes to an SQLite file in WAL mode while 16 clients post feedback as fast
as they can; the whole process group is killed with SIGKILL while requests are in flight. Afterwards the
database must pass ``PRAGMA integrity_check``, still be in WAL mode, and hold every row whose POST was
answered 201 (a 201 is sent only after the transaction committed).
"""

from __future__ import annotations

import asyncio
import os
import signal
import sqlite3
import time
from pathlib import Path

import httpx

from benchmarks.load import LOAD_KEY, feedback_db, free_port, start_server, stop_server, wait_ready

CLIENTS = 16
KILL_AFTER_ACKS = 150


async def _write_until_killed(base: str, pid: int) -> tuple[set[str], int]:
    """Post feedback from CLIENTS clients; SIGKILL the server's process group once KILL_AFTER_ACKS rows are in."""
    acknowledged: set[str] = set()
    failures = 0
    killed = asyncio.Event()

    async def writer(number: int, client: httpx.AsyncClient) -> None:
        nonlocal failures
        sent = 0
        while not killed.is_set():
            sent += 1
            complaint_id = f"crash-{number}-{sent}"
            body = {"id": complaint_id, "text": f"Lampu jalan mati di gang {sent}, mohon diperbaiki", "opd": "PUPR"}
            try:
                response = await client.post("/v1/feedback", json=body, headers={"X-API-Key": LOAD_KEY})
            except httpx.TransportError:
                failures += 1
                continue
            if response.status_code == 201:
                acknowledged.add(complaint_id)
            else:
                failures += 1
            if len(acknowledged) >= KILL_AFTER_ACKS and not killed.is_set():
                os.killpg(pid, signal.SIGKILL)  # the other clients' requests are still in flight
                killed.set()

    async with httpx.AsyncClient(base_url=base, timeout=httpx.Timeout(30.0)) as client:
        deadline = time.monotonic() + 120
        tasks = [asyncio.create_task(writer(n, client)) for n in range(CLIENTS)]
        while not killed.is_set() and time.monotonic() < deadline:
            await asyncio.sleep(0.05)
        killed.set()
        await asyncio.gather(*tasks)
    return acknowledged, failures


def test_sigkill_mid_write_loses_no_committed_feedback_and_leaves_the_database_intact(
    sample_model_dir: Path, tmp_path: Path
) -> None:
    port = free_port()
    server = start_server(sample_model_dir, tmp_path, port, workers=2)
    try:
        wait_ready(f"http://127.0.0.1:{port}", server, workers=2, log=tmp_path / "server.log")
        acknowledged, failures = asyncio.run(_write_until_killed(f"http://127.0.0.1:{port}", server.pid))
        server.wait(timeout=30)
    finally:
        stop_server(server)
    assert server.returncode == -signal.SIGKILL
    assert len(acknowledged) >= KILL_AFTER_ACKS
    assert failures > 0, "the kill should have cut some requests short"

    connection = sqlite3.connect(feedback_db(tmp_path))
    try:
        assert connection.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert connection.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        stored = {row[0] for row in connection.execute("SELECT complaint_id FROM feedback")}
    finally:
        connection.close()
    assert acknowledged - stored == set()
    assert len(stored) >= len(acknowledged)
