"""Latency of ``POST /v1/route`` over HTTP beside in-process ``router.suggest`` of the same texts.

Not a test: run it by hand on the dev machine, where the real corpus sits beside the checkout::

    python benchmarks/latency.py --model-dir var/model-surabaya   # or without: trains one first

In one run it
1. samples ``--requests`` complaint texts (seeded) from ../shared/data/surabaya/dev.csv, read at run time
   and kept in memory only (never written, printed or logged);
2. starts ``disposisi serve`` (uvicorn, one worker) on a free loopback port with that model, and a
   feedback store in a temporary folder;
3. loads the same model in this process; then, text by text (after ``--warmup`` untimed ones), sends
   ``POST /v1/route`` over one keep-alive HTTP connection and times it at the client (JSON encoding,
   HTTP, validation, routing with explanations, the JSON answer), and times
   ``router.suggest([text], explain=True)`` in process right after it, so that both see the same load
   of a shared machine;
and writes p50/p90/p99 of both to ``BENCHMARKS.md`` under ``## API latency`` (other sections are kept).
It stops after ``--requests`` texts or ``--max-seconds``, whichever comes first.
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import re
import shlex
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
import numpy as np
import pandas as pd

REPO = Path(__file__).resolve().parents[1]
CORPUS = REPO.parent / "shared" / "data" / "surabaya"
SECTION = "## API latency"
HOST = "127.0.0.1"
BENCH_KEY = "latency-benchmark-key"


def sample_texts(path: Path, n: int, seed: int, max_chars: int) -> list[str]:
    frame = pd.read_csv(path, usecols=["teks"], dtype=str, keep_default_na=False)
    texts = [t for t in frame["teks"] if t.strip() and len(t) <= max_chars]
    rng = random.Random(seed)
    return rng.sample(texts, min(n, len(texts)))


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


def train_model(folder: Path) -> Path:
    model_dir = folder / "model"
    command = [sys.executable, "-m", "disposisi", "-q", "train", str(CORPUS / "train.csv"), "--model-dir"]
    command += [str(model_dir), "--urgency-labels", str(CORPUS / "urgensi_train.csv"), "--no-tracking"]
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL)
    return model_dir


def start_server(model_dir: Path, folder: Path, port: int) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "DISPOSISI_API_KEYS": BENCH_KEY,
        "DISPOSISI_FEEDBACK_URL": f"sqlite:///{folder / 'feedback.db'}",
        "DISPOSISI_REQUIRE_KEY_FOR_ROUTING": "false",
    }
    command = [sys.executable, "-m", "disposisi", "-q", "serve", "--model-dir", str(model_dir)]
    command += ["--host", HOST, "--port", str(port)]
    log = open(folder / "server.log", "wb")  # noqa: SIM115 - the server process owns it until it ends
    return subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT)


def wait_ready(base: str, process: subprocess.Popen[bytes], timeout: float = 120.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"the server exited with {process.returncode}; see its log")
        try:
            if httpx.get(f"{base}/readyz", timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.3)
    raise SystemExit(f"the server was not ready within {timeout:.0f} s")


def time_both(
    base: str, model_dir: Path, texts: list[str], warmup: int, max_seconds: float
) -> tuple[list[float], list[float], str]:
    """Per text, one HTTP request then one in-process call, so both see the same machine load."""
    from models.artifact import load_model

    router, meta = load_model(model_dir)
    http: list[float] = []
    local: list[float] = []
    with httpx.Client(base_url=base, timeout=30) as client:
        for text in texts[:warmup]:
            client.post("/v1/route", json={"text": text}).raise_for_status()
            router.suggest([text], explain=True)
        stop = time.monotonic() + max_seconds
        for text in texts[warmup:]:
            started = time.perf_counter()
            response = client.post("/v1/route", json={"text": text})
            http.append(time.perf_counter() - started)
            response.raise_for_status()
            if response.json()["model_version"] != meta.version:
                raise SystemExit("the server answered with another model version")
            started = time.perf_counter()
            router.suggest([text], explain=True)
            local.append(time.perf_counter() - started)
            if time.monotonic() > stop:
                break
    return http, local, meta.version


def summary(timings: list[float]) -> dict[str, float]:
    ms = np.asarray(timings) * 1000
    return {
        "n": float(len(ms)),
        "p50": float(np.percentile(ms, 50)),
        "p90": float(np.percentile(ms, 90)),
        "p99": float(np.percentile(ms, 99)),
        "mean": float(ms.mean()),
        "max": float(ms.max()),
    }


def write_section(body: str, path: Path) -> None:
    """Replace (or append) the ``## API latency`` section of BENCHMARKS.md, keeping the others."""
    text = path.read_text(encoding="utf-8") if path.is_file() else "# Benchmarks\n\n"
    pattern = re.compile(rf"^{re.escape(SECTION)}\n.*?(?=^## |\Z)", re.S | re.M)
    section = f"{SECTION}\n\n{body.strip()}\n\n"
    text = pattern.sub(lambda _: section, text) if pattern.search(text) else text.rstrip("\n") + "\n\n" + section
    path.write_text(text.rstrip("\n") + "\n", encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model-dir", type=Path, help="Trained model directory (default: train one on train.csv).")
    parser.add_argument("--data", type=Path, default=CORPUS / "dev.csv", help="CSV with a teks column.")
    parser.add_argument("--requests", type=int, default=1000, help="Timed requests (and in-process calls).")
    parser.add_argument("--warmup", type=int, default=30, help="Untimed requests first.")
    parser.add_argument("--max-seconds", type=float, default=300.0, help="Time limit of the timed part.")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--output", type=Path, default=REPO / "BENCHMARKS.md")
    parser.add_argument("--no-write", action="store_true", help="Print only; leave BENCHMARKS.md alone.")
    args = parser.parse_args()

    texts = sample_texts(args.data, args.requests + args.warmup, args.seed, max_chars=20_000)
    warm, timed = texts[: args.warmup], texts[args.warmup :]
    with tempfile.TemporaryDirectory(prefix="disposisi-latency-") as tmp:
        folder = Path(tmp)
        model_dir = args.model_dir or train_model(folder)
        port = free_port()
        base = f"http://{HOST}:{port}"
        server = start_server(model_dir, folder, port)
        try:
            wait_ready(base, server)
            http, local, version = time_both(base, model_dir, warm + timed, len(warm), args.max_seconds)
        finally:
            server.terminate()
            server.wait(timeout=30)

    rows = {"HTTP `POST /v1/route`": summary(http), "in-process `router.suggest`": summary(local)}
    lengths = np.asarray([len(t) for t in timed])
    command = "python benchmarks/latency.py" + "".join(
        f" {flag} {shlex.quote(str(value))}"
        for flag, value in (("--model-dir", args.model_dir), ("--requests", args.requests))
        if value is not None
    )
    lines = [
        f"`{command}` ({time.strftime('%Y-%m-%d')}; Python {platform.python_version()}, "
        f"{os.cpu_count()} CPUs shared with other work, model `{version}` trained on surabaya train.csv).",
        "",
        f"{len(timed):,} complaint texts sampled (seed {args.seed}) from surabaya dev.csv, median "
        f"{int(np.median(lengths)):,} characters (max {int(lengths.max()):,}); {len(warm)} warm-up requests first. "
        "HTTP: `disposisi serve` (uvicorn, 1 worker) on loopback, one keep-alive connection, requests one "
        "at a time, timed at the client. In-process: the same model, `suggest([text], explain=True)` on each "
        "text right after its request (interleaved, so both see the same load).",
        "",
        "| path | n | p50 ms | p90 ms | p99 ms | mean ms | max ms |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for name, s in rows.items():
        lines.append(
            f"| {name} | {int(s['n']):,} | {s['p50']:.1f} | {s['p90']:.1f} | {s['p99']:.1f} | "
            f"{s['mean']:.1f} | {s['max']:.1f} |"
        )
    overhead = rows["HTTP `POST /v1/route`"]["p50"] - rows["in-process `router.suggest`"]["p50"]
    lines += ["", f"HTTP overhead at the median: {overhead:.1f} ms per complaint."]
    body = "\n".join(lines)
    print(body)
    if not args.no_write:
        write_section(body, args.output)
        print(f"\nwrote the {SECTION!r} section of {args.output}")


if __name__ == "__main__":
    main()
