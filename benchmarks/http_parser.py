"""What the slow-client protection of ``disposisi serve`` costs: uvicorn's httptools protocol with the
receive deadline and header cap (:class:`serving.server_limits.DeadlineHttpToolsProtocol`, what
``disposisi serve`` runs) beside plain httptools (uvicorn's default: no header cap, no deadline) and
uvicorn's h11 parser with its header cap (no deadline).

Not a test: run it by hand, ``python benchmarks/http_parser.py [--requests 400]``. For each parser it starts
uvicorn in this process (a thread) on a free loopback port, with the demo model trained from data/samples,
and times, over one keep-alive connection, ``GET /healthz`` (almost only HTTP) and ``POST /v1/route`` of
the sample complaints (HTTP plus routing). It prints p50/p90/p99 in milliseconds; nothing is written.
"""

from __future__ import annotations

import argparse
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import httpx
import uvicorn

from benchmarks.load import free_port, percentiles, sample_texts
from disposisi.defaults import ensure_model
from serving.api import create_app
from serving.server_limits import uvicorn_options
from serving.settings import Settings


def _timed(client: httpx.Client, requests: int, texts: list[str]) -> dict[str, dict[str, float]]:
    healthz, route = [], []
    for n in range(requests):
        started = time.perf_counter()
        assert client.get("/healthz").status_code == 200
        healthz.append(time.perf_counter() - started)
        started = time.perf_counter()
        assert client.post("/v1/route", json={"text": texts[n % len(texts)]}).status_code == 200
        route.append(time.perf_counter() - started)
    return {"GET /healthz": percentiles(healthz), "POST /v1/route": percentiles(route)}


def measure(settings: Settings, options: dict[str, Any], requests: int) -> dict[str, dict[str, float]]:
    port = free_port()
    config = uvicorn.Config(create_app(settings), host="127.0.0.1", port=port, log_level="warning", **options)
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.05)
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=60) as client:
            _timed(client, 20, sample_texts())  # warm-up
            return _timed(client, requests, sample_texts())
    finally:
        server.should_exit = True
        thread.join(timeout=30)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=400, help="Requests of each kind per parser.")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        model_dir = Path(tmp) / "model"
        ensure_model(model_dir, tracking=False)
        settings = Settings(model_dir=model_dir, feedback_url=f"sqlite:///{Path(tmp) / 'feedback.db'}")
        runs = {
            "httptools (uvicorn's default)": {"http": "httptools"},
            "h11 with its header cap": {"http": "h11", "h11_max_incomplete_event_size": settings.max_header_bytes},
            "httptools + deadline + header cap (disposisi serve)": uvicorn_options(settings),
        }
        print("| parser | path | p50 ms | p90 ms | p99 ms |\n| --- | --- | --- | --- | --- |")
        for name, options in runs.items():
            for path, p in measure(settings, options, args.requests).items():
                print(f"| {name} | {path} | {p['p50']:.2f} | {p['p90']:.2f} | {p['p99']:.2f} |", flush=True)


if __name__ == "__main__":
    main()
