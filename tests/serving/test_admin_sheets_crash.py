"""An import survives a killed server: SIGKILL in the middle of ``POST /v1/complaints`` batches loses no
acknowledged complaint, leaves SQLite intact, and re-sending the whole day stores exactly what was missing.

A real ``disposisi serve`` on loopback writes to an SQLite file; two clients post 2,000 complaints in batches of
100 (a 200 is sent only after the batch's transaction committed); once 800 are acknowledged the server's process
group gets SIGKILL while the other client's batch is in flight. The server is started again on the same file.
"""

from __future__ import annotations

import asyncio
import itertools
import os
import signal
import sqlite3
from pathlib import Path

import httpx
import pytest

from benchmarks.load import LOAD_KEY, feedback_db, free_port, sample_texts, start_server, stop_server, wait_ready

TOTAL = 2_000
BATCH = 100
KILL_AFTER = 800
AUTH = {"X-API-Key": LOAD_KEY}

pytestmark = pytest.mark.slow  # about 45 s: two server starts and 3,000 complaints routed


def _day() -> list[dict[str, str]]:
    texts = itertools.cycle(sample_texts())
    return [{"id": f"impor-{n:05d}", "text": next(texts)} for n in range(TOTAL)]


async def _import_until_killed(base: str, pid: int, items: list[dict[str, str]]) -> tuple[set[str], int]:
    batches = [items[i : i + BATCH] for i in range(0, len(items), BATCH)]
    pending = iter(batches)
    acknowledged: set[str] = set()
    cut = 0
    killed = asyncio.Event()

    async def client_loop(client: httpx.AsyncClient) -> None:
        nonlocal cut
        for batch in pending:
            if killed.is_set():
                return
            try:
                response = await client.post("/v1/complaints", json={"items": batch}, headers=AUTH)
            except httpx.TransportError:
                cut += 1
                continue
            assert response.status_code == 200, response.text
            acknowledged.update(r["id"] for r in response.json()["results"])
            if len(acknowledged) >= KILL_AFTER and not killed.is_set():
                os.killpg(pid, signal.SIGKILL)  # the other client's batch is still being routed and stored
                killed.set()

    async with httpx.AsyncClient(base_url=base, timeout=httpx.Timeout(60.0)) as client:
        await asyncio.wait_for(asyncio.gather(client_loop(client), client_loop(client)), timeout=180)
    return acknowledged, cut


def test_sigkill_during_an_import_loses_no_acknowledged_complaint(sample_model_dir: Path, tmp_path: Path) -> None:
    items = _day()
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    server = start_server(sample_model_dir, tmp_path, port, workers=1)
    try:
        wait_ready(base, server, workers=1, log=tmp_path / "server.log")
        acknowledged, cut = asyncio.run(_import_until_killed(base, server.pid, items))
        server.wait(timeout=30)
    finally:
        stop_server(server)
    assert server.returncode == -signal.SIGKILL
    assert KILL_AFTER <= len(acknowledged) < TOTAL
    assert cut > 0, "the kill should have cut a batch short"

    connection = sqlite3.connect(feedback_db(tmp_path))
    try:
        assert connection.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        stored = {row[0] for row in connection.execute("SELECT id FROM complaints")}
    finally:
        connection.close()
    assert acknowledged - stored == set(), "every complaint answered 200 is stored"

    restarted = start_server(sample_model_dir, tmp_path, port, workers=1)
    try:
        wait_ready(base, restarted, workers=1, log=tmp_path / "server.log")
        again = []
        for i in range(0, TOTAL, BATCH):
            response = httpx.post(
                f"{base}/v1/complaints", json={"items": items[i : i + BATCH]}, headers=AUTH, timeout=60
            )
            assert response.status_code == 200, response.text
            again.append(response.json())
        listed = httpx.get(f"{base}/v1/complaints", params={"limit": 1}, headers=AUTH, timeout=60).json()
    finally:
        stop_server(restarted)
    assert sum(answer["stored"] for answer in again) == TOTAL - len(stored)
    assert sum(answer["skipped"] for answer in again) == len(stored)
    assert listed["total"] == TOTAL
