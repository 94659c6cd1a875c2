"""Load on ``disposisi serve`` with several workers: many concurrent clients mixing single routing, batch
routing and feedback, with every acknowledged feedback row checked in the database afterwards.

Not a test (``tests/serving/test_load_short.py`` runs a short version of the same functions)::

    python benchmarks/load.py                      # 64 clients for 60 s against 2 workers
    python benchmarks/load.py --clients 8 --duration 5 --no-write

In one run it
1. trains a model from data/samples (unless ``--model-dir`` is given) and starts ``disposisi serve
   --workers N`` on a free port of 127.0.0.1, with an API key and a fresh SQLite feedback database
   (WAL) in a temporary folder;
2. runs ``--clients`` concurrent clients (one ``aiohttp.ClientSession``, one connection per client) for
   ``--duration`` seconds or until ``--max-requests`` requests have been sent, whichever comes first;
   each client picks, per request, ``POST /v1/route`` (one complaint), ``POST /v1/route/batch``
   (``--batch-min`` to ``--batch-max`` complaints) or ``POST /v1/feedback`` with a unique complaint id;
3. stops the server (its whole process group), then reads the database: every feedback whose POST
   answered 2xx must be there;
4. prints requests/s, errors (any non-2xx answer or exception) and p50/p90/p99 per kind, and writes
   them under ``## Load`` in BENCHMARKS.md (other sections are kept).

Complaint texts are the team-written ones of data/samples/complaints.csv; nothing of ../shared/data is
read. Everything stays on the loopback interface.
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import os
import platform
import random
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
import httpx
import numpy as np

REPO = Path(__file__).resolve().parents[1]
SAMPLES = REPO / "data" / "samples" / "complaints.csv"
SECTION = "## Load"
HOST = "127.0.0.1"
LOAD_KEY = "load-benchmark-key-0123"
KINDS = ("route", "batch", "feedback")
URGENCY = ("tinggi", "sedang", "rendah")


@dataclass(frozen=True)
class LoadConfig:
    clients: int = 64
    duration: float = 60.0
    max_requests: int = 200_000
    batch_min: int = 10
    batch_max: int = 50
    weights: tuple[float, float, float] = (0.5, 0.15, 0.35)  # route, batch, feedback
    request_timeout: float = 120.0
    seed: int = 0


@dataclass
class LoadResult:
    """What the clients saw: latencies per kind, errors, and the feedback ids acknowledged with a 2xx."""

    latencies: dict[str, list[float]] = field(default_factory=lambda: {k: [] for k in KINDS})
    errors: Counter[str] = field(default_factory=Counter)
    acknowledged: set[str] = field(default_factory=set)
    unacknowledged: set[str] = field(default_factory=set)
    complaints_routed: int = 0
    seconds: float = 0.0

    @property
    def requests(self) -> int:
        return sum(len(v) for v in self.latencies.values())

    @property
    def error_count(self) -> int:
        return sum(self.errors.values())


def sample_texts(path: Path = SAMPLES) -> list[str]:
    """The team-written demo complaints (fictional)."""
    with open(path, newline="", encoding="utf-8") as fh:
        return [row["teks"] for row in csv.DictReader(fh) if row["teks"].strip()]


def sample_opds(path: Path = SAMPLES) -> list[str]:
    with open(path, newline="", encoding="utf-8") as fh:
        return sorted({row["opd"] for row in csv.DictReader(fh)})


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


def train_model(folder: Path) -> Path:
    """A model trained from data/samples into ``folder/model`` (no MLflow)."""
    model_dir = folder / "model"
    command = [sys.executable, "-m", "disposisi", "-q", "train", str(SAMPLES), "--model-dir", str(model_dir)]
    subprocess.run([*command, "--no-tracking"], check=True, stdout=subprocess.DEVNULL)
    return model_dir


def start_server(model_dir: Path, folder: Path, port: int, *, workers: int) -> subprocess.Popen[bytes]:
    """``disposisi serve`` in its own process group (so that every worker can be stopped), logging to a file."""
    env = {
        **os.environ,
        "DISPOSISI_API_KEYS": LOAD_KEY,
        "DISPOSISI_FEEDBACK_URL": f"sqlite:///{feedback_db(folder)}",
        "DISPOSISI_REQUIRE_KEY_FOR_ROUTING": "false",
        "DISPOSISI_MODEL_URI": "",
    }
    command = [sys.executable, "-m", "disposisi", "-q", "serve", "--model-dir", str(model_dir)]
    command += ["--host", HOST, "--port", str(port), "--workers", str(workers)]
    return start_process(command, env, folder / "server.log")


def start_process(command: Sequence[str], env: dict[str, str], log_path: Path) -> subprocess.Popen[bytes]:
    """``command`` in its own process group (:func:`stop_server` stops it whole), output to ``log_path``."""
    log = open(log_path, "wb")  # noqa: SIM115 - the server process owns it until it ends
    try:
        return subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    finally:
        log.close()


def feedback_db(folder: Path) -> Path:
    return folder / "feedback.db"


def wait_ready(
    base: str, process: subprocess.Popen[bytes], *, workers: int, timeout: float = 180.0, log: Path | None = None
) -> None:
    """Until /readyz answers 200 on ``2 * workers`` fresh connections in a row (each worker has its model)."""
    deadline = time.monotonic() + timeout
    in_a_row = 0
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the server exited with {process.returncode} before it was ready{_tail(log)}")
        try:
            ready = httpx.get(f"{base}/readyz", timeout=5).status_code == 200
        except httpx.TransportError:
            ready = False
        in_a_row = in_a_row + 1 if ready else 0
        if in_a_row >= 2 * workers:
            return
        time.sleep(0.1 if ready else 0.3)
    raise RuntimeError(f"the server was not ready within {timeout:.0f} s{_tail(log)}")


def _tail(log: Path | None, lines: int = 20) -> str:
    if log is None or not log.is_file():
        return ""
    return "; its log ends with:\n" + "\n".join(log.read_text(encoding="utf-8", errors="replace").splitlines()[-lines:])


def stop_server(process: subprocess.Popen[bytes], *, grace: float = 30.0) -> None:
    """SIGTERM to the server's process group (the supervisor and its workers), SIGKILL if it lingers."""
    if process.poll() is not None:
        return
    try:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=grace)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=grace)
    except ProcessLookupError:
        process.wait(timeout=grace)


async def _client(
    number: int,
    client: aiohttp.ClientSession,
    texts: Sequence[str],
    opds: Sequence[str],
    config: LoadConfig,
    deadline: float,
    budget: list[int],
    result: LoadResult,
) -> None:
    rng = random.Random(config.seed * 10_007 + number)
    sent = 0
    while time.monotonic() < deadline and budget[0] > 0:
        budget[0] -= 1
        sent += 1
        kind = rng.choices(KINDS, weights=config.weights)[0]
        complaint_id = f"load-{number}-{sent}"
        if kind == "route":
            request: dict[str, Any] = {"url": "/v1/route", "json": {"id": complaint_id, "text": rng.choice(texts)}}
        elif kind == "batch":
            size = rng.randint(config.batch_min, config.batch_max)
            items = [{"id": f"{complaint_id}-{i}", "text": rng.choice(texts)} for i in range(size)]
            request = {"url": "/v1/route/batch", "json": {"items": items}}
        else:
            opd, suggested = rng.choice(opds), rng.choice(opds)
            body = {"id": complaint_id, "text": rng.choice(texts), "opd": opd, "suggested_opd": suggested}
            body["urgency"] = rng.choice(URGENCY)
            request = {"url": "/v1/feedback", "json": body, "headers": {"X-API-Key": LOAD_KEY}}
        started = time.perf_counter()
        try:
            async with client.post(**request) as response:
                await response.read()
                status = response.status
        except (aiohttp.ClientError, TimeoutError) as exc:
            result.latencies[kind].append(time.perf_counter() - started)
            result.errors[f"{kind}: {type(exc).__name__}"] += 1
            if kind == "feedback":
                result.unacknowledged.add(complaint_id)
            continue
        result.latencies[kind].append(time.perf_counter() - started)
        if not 200 <= status < 300:
            result.errors[f"{kind}: HTTP {status}"] += 1
            if kind == "feedback":
                result.unacknowledged.add(complaint_id)
        elif kind == "feedback":
            result.acknowledged.add(complaint_id)
        else:
            result.complaints_routed += len(request["json"].get("items", [None]))


async def run_load(base: str, texts: Sequence[str], opds: Sequence[str], config: LoadConfig) -> LoadResult:
    """``config.clients`` concurrent clients against ``base`` until the duration or the request budget runs out.

    The clients share one aiohttp session with a connection per client: on loopback it spends about 0.3 ms
    of CPU per request, httpx's AsyncClient about 1.7 ms, as much as the server it measures (the load
    client runs on the server's CPUs)."""
    result = LoadResult()
    connector = aiohttp.TCPConnector(limit=config.clients)
    timeout = aiohttp.ClientTimeout(total=config.request_timeout, connect=30.0)
    budget = [config.max_requests]
    async with aiohttp.ClientSession(base, connector=connector, timeout=timeout) as client:
        started = time.monotonic()
        deadline = started + config.duration
        await asyncio.gather(
            *(_client(n, client, texts, opds, config, deadline, budget, result) for n in range(config.clients))
        )
        result.seconds = time.monotonic() - started
    return result


def stored_feedback_ids(db: Path) -> set[str]:
    """Complaint ids in the feedback table (read after the server is stopped)."""
    with sqlite3.connect(db) as connection:
        rows = connection.execute("SELECT complaint_id FROM feedback WHERE complaint_id LIKE 'load-%'").fetchall()
    connection.close()
    return {row[0] for row in rows}


def percentiles(seconds: Sequence[float]) -> dict[str, float]:
    if not seconds:
        return {"n": 0, "p50": float("nan"), "p90": float("nan"), "p99": float("nan"), "max": float("nan")}
    ms = np.asarray(seconds) * 1000
    return {
        "n": len(ms),
        "p50": float(np.percentile(ms, 50)),
        "p90": float(np.percentile(ms, 90)),
        "p99": float(np.percentile(ms, 99)),
        "max": float(ms.max()),
    }


def run(
    *,
    folder: Path,
    model_dir: Path | None = None,
    workers: int = 2,
    config: LoadConfig | None = None,
) -> dict[str, Any]:
    """Start the server in ``folder``, load it, stop it, check the feedback rows; a report as a dict."""
    config = config or LoadConfig()
    texts, opds = sample_texts(), sample_opds()
    model_dir = model_dir or train_model(folder)
    port = free_port()
    base = f"http://{HOST}:{port}"
    server = start_server(model_dir, folder, port, workers=workers)
    try:
        wait_ready(base, server, workers=workers, log=folder / "server.log")
        result = asyncio.run(run_load(base, texts, opds, config))
    finally:
        stop_server(server)
    stored = stored_feedback_ids(feedback_db(folder))
    with sqlite3.connect(feedback_db(folder)) as connection:
        integrity = connection.execute("PRAGMA integrity_check").fetchone()[0]
        journal = connection.execute("PRAGMA journal_mode").fetchone()[0]
    connection.close()
    return {
        "config": config,
        "workers": workers,
        "seconds": result.seconds,
        "requests": result.requests,
        "requests_per_second": result.requests / result.seconds if result.seconds else 0.0,
        "complaints_routed": result.complaints_routed,
        "errors": result.error_count,
        "error_kinds": dict(result.errors),
        "per_kind": {kind: percentiles(result.latencies[kind]) for kind in KINDS},
        "feedback_acknowledged": len(result.acknowledged),
        "feedback_stored": len(stored & result.acknowledged),
        "feedback_missing": sorted(result.acknowledged - stored),
        "feedback_unacknowledged_but_stored": len(result.unacknowledged & stored),
        "integrity_check": integrity,
        "journal_mode": journal,
    }


def machine() -> str:
    cpu = platform.processor() or "unknown CPU"
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.is_file():
        for line in cpuinfo.read_text(encoding="utf-8", errors="replace").splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    return f"{os.cpu_count()} CPUs ({cpu}), {platform.platform()}, Python {platform.python_version()}"


def format_report(report: dict[str, Any], command: str) -> str:
    config: LoadConfig = report["config"]
    lines = [
        f"`{command}` ({time.strftime('%Y-%m-%d %H:%M %Z')}; {machine()}; the load client runs on the same "
        "machine, which is shared with other work).",
        "",
        f"`disposisi serve --workers {report['workers']}` (uvicorn) on 127.0.0.1 with the model trained from "
        "data/samples and feedback in SQLite (WAL); "
        f"{config.clients} concurrent clients (one aiohttp.ClientSession, one keep-alive connection each) for "
        f"{report['seconds']:.1f} s, each request drawn at random: single `POST /v1/route` "
        f"({config.weights[0]:.0%}), `POST /v1/route/batch` of {config.batch_min}-{config.batch_max} complaints "
        f"({config.weights[1]:.0%}), `POST /v1/feedback` ({config.weights[2]:.0%}). Texts are the team-written "
        "data/samples complaints. Latency is timed at the client, so it includes queueing behind the other "
        "clients.",
        "",
        "| kind | requests | p50 ms | p90 ms | p99 ms | max ms |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for kind, name in zip(KINDS, ("`POST /v1/route`", "`POST /v1/route/batch`", "`POST /v1/feedback`"), strict=True):
        s = report["per_kind"][kind]
        lines.append(f"| {name} | {s['n']:,} | {s['p50']:.0f} | {s['p90']:.0f} | {s['p99']:.0f} | {s['max']:.0f} |")
    errors = ", ".join(f"{k} x{v}" for k, v in report["error_kinds"].items()) or "none"
    lines += [
        "",
        f"- **{report['requests']:,} requests in {report['seconds']:.1f} s: {report['requests_per_second']:.1f} "
        f"requests/s** ({report['complaints_routed'] / report['seconds']:.1f} complaints routed/s counting "
        "batch items).",
        f"- **Errors (non-2xx or exception): {report['errors']}** ({errors}).",
        f"- **Feedback: {report['feedback_acknowledged']:,} acknowledged with 201, {report['feedback_stored']:,} "
        f"of them in the database after the server stopped, {len(report['feedback_missing'])} missing**; "
        f"`PRAGMA integrity_check`: {report['integrity_check']}, journal mode {report['journal_mode']}.",
    ]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--model-dir", type=Path, help="Trained model directory (default: train one on data/samples).")
    parser.add_argument("--workers", type=int, default=2, help="uvicorn worker processes.")
    parser.add_argument("--clients", type=int, default=64, help="Concurrent clients.")
    parser.add_argument("--duration", type=float, default=60.0, help="Seconds of load.")
    parser.add_argument("--max-requests", type=int, default=200_000, help="Stop after this many requests.")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--output", type=Path, default=REPO / "BENCHMARKS.md")
    parser.add_argument("--no-write", action="store_true", help="Print only; leave BENCHMARKS.md alone.")
    args = parser.parse_args()

    config = LoadConfig(clients=args.clients, duration=args.duration, max_requests=args.max_requests, seed=args.seed)
    with tempfile.TemporaryDirectory(prefix="disposisi-load-") as tmp:
        report = run(folder=Path(tmp), model_dir=args.model_dir, workers=args.workers, config=config)
    command = "python benchmarks/load.py" + "".join(
        f" {flag} {value:g}"
        for flag, value, default in (
            ("--workers", args.workers, 2),
            ("--clients", args.clients, 64),
            ("--duration", args.duration, 60.0),
        )
        if value != default
    )
    body = format_report(report, command)
    print(body)
    if not args.no_write:
        if str(REPO) not in sys.path:  # run as a script: make the benchmarks package importable
            sys.path.insert(0, str(REPO))
        from benchmarks.report import write_section

        write_section(args.output, SECTION, body)
        print(f"\nwrote the {SECTION!r} section of {args.output}")
    if report["errors"] or report["feedback_missing"]:
        sys.exit(1)


if __name__ == "__main__":
    main()
