"""Throughput of ``disposisi serve`` beside the plainest FastAPI + scikit-learn service, in one run.

Not a test: run it by hand on the dev machine, where the real corpus sits beside the checkout::

    python benchmarks/api_throughput.py --model-dir var/surabaya
    python benchmarks/api_throughput.py --model-dir var/surabaya --duration 5 --no-write   # a quick look

In one run it
1. fits the plain reference, PySastrawi ``stem()`` + ``TfidfVectorizer`` + ``LinearSVC`` with default
   settings (:func:`benchmarks.reference.reference_pipeline`, the R2 of the quality benchmark), on the same
   surabaya train.csv the disposisi model was trained on, and saves it in a temporary folder;
2. samples complaint texts from surabaya dev.csv (read at run time, kept in memory only: never written,
   printed or logged);
3. for each of ``--rounds`` rounds, one app after the other: starts it (uvicorn, one worker, on a free
   loopback port), sends ``--warmup`` seconds of untimed load, then drives it with ``--clients``
   concurrent clients for ``--duration`` seconds (:func:`benchmarks.load.run_load`: one
   ``aiohttp.ClientSession`` in this process, one keep-alive connection per client, ``POST /v1/route`` with
   ``{"id", "text"}``, the same texts in the same order for both apps), and stops it;
4. writes requests/s, p50, p99 and errors of both, and their ratio, under ``## API throughput`` in
   BENCHMARKS.md (other sections are kept).

The plain app (:func:`plain_app`) is what the issue measured: a ``def`` route with a pydantic body that
returns ``{"id", "opd"}`` of ``pipeline.predict([text])``; disposisi answers top-3 OPDs with calibrated
scores, urgency, ``needs_review`` and the explanation. Both run with uvicorn's access log on, as they
would in production. The load client shares the machine's CPUs with the server, identically for both.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shlex
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import joblib
import numpy as np
import pandas as pd
from fastapi import FastAPI
from pydantic import BaseModel

REPO = Path(__file__).resolve().parents[1]
CORPUS = REPO.parent / "shared" / "data" / "surabaya"
SECTION = "## API throughput"
PLAIN_MODEL_ENV = "DISPOSISI_PLAIN_MODEL"
APPS = ("disposisi", "plain")
if str(REPO) not in sys.path:  # run as a script: make the benchmarks package importable
    sys.path.insert(0, str(REPO))

from benchmarks.latency import sample_texts  # noqa: E402
from benchmarks.load import (  # noqa: E402
    HOST,
    LoadConfig,
    LoadResult,
    free_port,
    machine,
    percentiles,
    run_load,
    start_process,
    start_server,
    stop_server,
    wait_ready,
)
from benchmarks.report import write_section  # noqa: E402


class Complaint(BaseModel):
    """The plain app's request body."""

    id: str | None = None
    text: str


def plain_app() -> FastAPI:
    """The reference service (uvicorn factory): the pipeline saved at ``$DISPOSISI_PLAIN_MODEL``."""
    model = joblib.load(os.environ[PLAIN_MODEL_ENV])
    app = FastAPI(title="plain reference")

    @app.post("/v1/route")
    def route(complaint: Complaint) -> dict[str, str | None]:
        return {"id": complaint.id, "opd": str(model.predict([complaint.text])[0])}

    @app.get("/readyz")
    def readyz() -> dict[str, str]:
        return {"status": "ready"}

    return app


def fit_plain(train_csv: Path, path: Path) -> Path:
    """R2 of the quality benchmark fitted on ``train_csv`` (teks, opd), saved with joblib at ``path``."""
    from benchmarks.reference import reference_pipeline

    frame = pd.read_csv(train_csv, usecols=["teks", "opd"], dtype=str, keep_default_na=False)
    pipeline = reference_pipeline(stem=True).fit(frame["teks"].tolist(), frame["opd"].tolist())
    joblib.dump(pipeline, path)
    return path


def start_plain(model: Path, folder: Path, port: int) -> Any:
    command = [sys.executable, "-m", "uvicorn", "benchmarks.api_throughput:plain_app", "--factory"]
    command += ["--host", HOST, "--port", str(port), "--workers", "1"]
    env = {**os.environ, PLAIN_MODEL_ENV: str(model), "PYTHONPATH": str(REPO)}
    return start_process(command, env, folder / "plain.log")


@dataclass(frozen=True)
class Run:
    app: str
    round: int
    result: LoadResult

    @property
    def rate(self) -> float:
        return self.result.requests / self.result.seconds if self.result.seconds else 0.0


def drive(base: str, texts: list[str], *, clients: int, seconds: float, seed: int) -> LoadResult:
    config = LoadConfig(clients=clients, duration=seconds, weights=(1.0, 0.0, 0.0), seed=seed, request_timeout=60.0)
    return asyncio.run(run_load(base, texts, ["-"], config))


def run_pair(
    *,
    folder: Path,
    model_dir: Path,
    plain_model: Path,
    texts: list[str],
    clients: int = 16,
    duration: float = 30.0,
    warmup: float = 5.0,
    rounds: int = 2,
    seed: int = 0,
) -> list[Run]:
    """``rounds`` x (disposisi, then plain): start, warm up, drive for ``duration`` s, stop."""
    runs = []
    for number in range(1, rounds + 1):
        for app in APPS:
            port = free_port()
            base = f"http://{HOST}:{port}"
            log = folder / ("server.log" if app == "disposisi" else "plain.log")
            server = (
                start_server(model_dir, folder, port, workers=1)
                if app == "disposisi"
                else start_plain(plain_model, folder, port)
            )
            try:
                wait_ready(base, server, workers=1, log=log)
                drive(base, texts, clients=clients, seconds=warmup, seed=seed + 1)
                result = drive(base, texts, clients=clients, seconds=duration, seed=seed)
            finally:
                stop_server(server)
            runs.append(Run(app, number, result))
    return runs


def pooled(runs: list[Run], app: str) -> dict[str, float]:
    """All runs of one app together: requests/s over their summed time, percentiles over all latencies."""
    mine = [r for r in runs if r.app == app]
    seconds = sum(r.result.seconds for r in mine)
    latencies = [t for r in mine for t in r.result.latencies["route"]]
    summary = percentiles(latencies)
    return {
        "rate": sum(r.result.requests for r in mine) / seconds if seconds else 0.0,
        "p50": summary["p50"],
        "p99": summary["p99"],
        "errors": float(sum(r.result.error_count for r in mine)),
        "requests": float(len(latencies)),
    }


def format_report(runs: list[Run], *, clients: int, duration: float, warmup: float, command: str, version: str) -> str:
    ours, plain = pooled(runs, "disposisi"), pooled(runs, "plain")
    ratio = ours["rate"] / plain["rate"] if plain["rate"] else float("nan")
    lines = [
        f"`{command}` ({time.strftime('%Y-%m-%d %H:%M %Z')}; {machine()}; shared with other work).",
        "",
        f"One worker each on 127.0.0.1, started one after the other ({len(runs) // 2} rounds, alternating): "
        f"`disposisi serve` with model `{version}` (trained on surabaya train.csv) and the plain reference app "
        "(FastAPI `def` route, PySastrawi `stem()` + `TfidfVectorizer` + `LinearSVC` with default settings, "
        f"fitted on the same train.csv). Each is warmed up for {warmup:g} s, then driven for {duration:g} s by "
        f"{clients} concurrent clients (one `aiohttp.ClientSession` in the benchmark process, one keep-alive "
        "connection per client) sending `POST /v1/route` with real complaint texts of surabaya dev.csv, the "
        "same texts in the same order for both. The load client runs on the same CPUs as the server "
        "(identically for both apps); latency is timed at the client and includes queueing. disposisi answers "
        "top-3 OPDs with calibrated scores, urgency, `needs_review` and the explanation; the plain app the top "
        "OPD only.",
        "",
        "| round | app | requests | requests/s | p50 ms | p99 ms | errors |",
        "|---:|---|---:|---:|---:|---:|---:|",
    ]
    for run in runs:
        s = percentiles(run.result.latencies["route"])
        lines.append(
            f"| {run.round} | {run.app} | {run.result.requests:,} | {run.rate:.1f} | {s['p50']:.1f} | "
            f"{s['p99']:.1f} | {run.result.error_count} |"
        )
    for name, s in (("disposisi", ours), ("plain", plain)):
        lines.append(
            f"| all | **{name}** | {int(s['requests']):,} | **{s['rate']:.1f}** | {s['p50']:.1f} | "
            f"**{s['p99']:.1f}** | {int(s['errors'])} |"
        )
    verdict = "no worse than" if ours["p99"] <= plain["p99"] else "worse than"
    lines += [
        "",
        f"**Throughput ratio disposisi / plain: {ratio:.2f}x**; disposisi p99 {ours['p99']:.1f} ms is {verdict} "
        f"the plain app's {plain['p99']:.1f} ms.",
    ]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--model-dir", type=Path, required=True, help="disposisi model trained on --train.")
    parser.add_argument("--train", type=Path, default=CORPUS / "train.csv", help="Training CSV of the plain app.")
    parser.add_argument("--data", type=Path, default=CORPUS / "dev.csv", help="CSV with a teks column to send.")
    parser.add_argument("--texts", type=int, default=2000, help="Complaint texts sampled from --data.")
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--duration", type=float, default=30.0, help="Timed seconds per app and round.")
    parser.add_argument("--warmup", type=float, default=5.0, help="Untimed seconds of load after each start.")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--output", type=Path, default=REPO / "BENCHMARKS.md")
    parser.add_argument("--no-write", action="store_true", help="Print only; leave BENCHMARKS.md alone.")
    args = parser.parse_args()

    from models.artifact import load_metadata

    version = load_metadata(args.model_dir).version
    texts = sample_texts(args.data, args.texts, args.seed, max_chars=20_000)
    with tempfile.TemporaryDirectory(prefix="disposisi-throughput-") as tmp:
        folder = Path(tmp)
        plain_model = fit_plain(args.train, folder / "plain.joblib")
        runs = run_pair(
            folder=folder,
            model_dir=args.model_dir,
            plain_model=plain_model,
            texts=texts,
            clients=args.clients,
            duration=args.duration,
            warmup=args.warmup,
            rounds=args.rounds,
            seed=args.seed,
        )
    defaults = {"--clients": 16, "--duration": 30.0, "--warmup": 5.0, "--rounds": 2}
    given = {"--clients": args.clients, "--duration": args.duration, "--warmup": args.warmup, "--rounds": args.rounds}
    command = f"python benchmarks/api_throughput.py --model-dir {shlex.quote(str(args.model_dir))}" + "".join(
        f" {flag} {value:g}" for flag, value in given.items() if value != defaults[flag]
    )
    body = format_report(
        runs, clients=args.clients, duration=args.duration, warmup=args.warmup, command=command, version=version
    )
    print(body)
    if not args.no_write:
        write_section(args.output, SECTION, body)
        print(f"\nwrote the {SECTION!r} section of {args.output}")
    if any(r.result.error_count for r in runs) or not np.isfinite(pooled(runs, "plain")["rate"]):
        sys.exit(1)


if __name__ == "__main__":
    main()
