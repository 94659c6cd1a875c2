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
import shlex
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
if str(REPO) not in sys.path:  # run as a script: make the benchmarks package importable
    sys.path.insert(0, str(REPO))

from benchmarks.load import HOST, free_port, start_server, stop_server, wait_ready  # noqa: E402
from benchmarks.report import write_section  # noqa: E402


def sample_texts(path: Path, n: int, seed: int, max_chars: int) -> list[str]:
    frame = pd.read_csv(path, usecols=["teks"], dtype=str, keep_default_na=False)
    texts = [t for t in frame["teks"] if t.strip() and len(t) <= max_chars]
    rng = random.Random(seed)
    return rng.sample(texts, min(n, len(texts)))


def train_model(folder: Path) -> Path:
    model_dir = folder / "model"
    command = [sys.executable, "-m", "disposisi", "-q", "train", str(CORPUS / "train.csv"), "--model-dir"]
    command += [str(model_dir), "--urgency-labels", str(CORPUS / "urgensi_train.csv"), "--no-tracking"]
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL)
    return model_dir


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
        server = start_server(model_dir, folder, port, workers=1)
        try:
            wait_ready(base, server, workers=1, log=folder / "server.log")
            http, local, version = time_both(base, model_dir, warm + timed, len(warm), args.max_seconds)
        finally:
            stop_server(server)

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
        write_section(args.output, SECTION, body)
        print(f"\nwrote the {SECTION!r} section of {args.output}")


if __name__ == "__main__":
    main()
