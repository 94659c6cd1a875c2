"""How fast the /admin inbox answers with 100,000 stored complaints (one client, p50/p95 per page).

Not a test: run it by hand::

    python benchmarks/inbox.py            # --complaints 100000 --requests 200

In one run it
1. trains a model from data/samples into a temporary folder and routes the team-written sample complaints
   once, to have real suggestions;
2. stores ``--complaints`` complaints (those samples over and over, each with its own id, arrival date spread
   over 60 days, every tenth already decided) straight through :class:`store.complaints.ComplaintStore` in an
   SQLite file, as ``POST /v1/complaints`` would have stored them;
3. starts ``disposisi serve`` (one worker) on that database, logs in to /admin, and times, one request at a
   time over one keep-alive connection, each page in the table (the first page of waiting complaints, a page
   deep in the list, a filter by OPD, a text search, one complaint, and the same list from ``GET
   /v1/complaints``);
and writes the table to ``BENCHMARKS.md`` under ``## Inbox`` (other sections are kept).
"""

from __future__ import annotations

import argparse
import csv
import platform
import shlex
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import numpy as np

from benchmarks.load import LOAD_KEY, feedback_db, free_port, start_server, stop_server, train_model, wait_ready
from benchmarks.report import replace_section
from models.artifact import load_model
from serving.due import DuePolicy
from serving.feedback import FeedbackStore
from serving.schemas import RouteOut
from store.complaints import NewComplaint

REPO = Path(__file__).resolve().parents[1]
SAMPLES = REPO / "data" / "samples" / "complaints.csv"
SECTION = "## Inbox"
HOST = "127.0.0.1"


def _fill(url: str, model_dir: Path, count: int) -> None:
    router, _ = load_model(model_dir)
    with SAMPLES.open(encoding="utf-8") as handle:
        texts = [row["teks"] for row in csv.DictReader(handle)]
    suggestions = router.suggest(texts, explain=True)
    answers = [RouteOut.from_suggestion(None, s, "bench").model_dump(mode="json") for s in suggestions]
    policy = DuePolicy(working_days={"tinggi": 1, "sedang": 3, "rendah": 5, "lain": 5}, holidays=[])
    start = datetime(2026, 10, 1, 8, tzinfo=UTC)
    store = FeedbackStore(url)
    try:
        for first in range(0, count, 5_000):
            batch = []
            for n in range(first, min(first + 5_000, count)):
                s = suggestions[n % len(texts)]
                arrived = start + timedelta(minutes=(n * 53) % (60 * 24 * 60))
                batch.append(
                    NewComplaint(
                        id=f"B{n:07d}",
                        text=texts[n % len(texts)],
                        suggestion=answers[n % len(texts)],
                        top_opd=s.top_opd,
                        top_score=s.top_score,
                        urgency=s.urgency,
                        needs_review=s.needs_review,
                        model_version="bench",
                        status="otomatis" if n % 10 == 0 else "baru",
                        due_at=policy.due_at(arrived, s.urgency),
                        tanggal=arrived,
                    )
                )
            store.complaints.add(batch)
    finally:
        store.close()


def _time(client: httpx.Client, path: str, requests: int) -> tuple[float, float]:
    client.get(path).raise_for_status()  # warm
    times = []
    for _ in range(requests):
        began = time.perf_counter()
        response = client.get(path)
        times.append(time.perf_counter() - began)
        response.raise_for_status()
    p50, p95 = np.percentile(np.asarray(times) * 1000, [50, 95])
    return float(p50), float(p95)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--complaints", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--output", type=Path, default=REPO / "BENCHMARKS.md")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="disposisi-inbox-") as name:
        folder = Path(name)
        model_dir = train_model(folder)
        began = time.perf_counter()
        _fill(f"sqlite:///{feedback_db(folder)}", model_dir, args.complaints)
        fill_seconds = time.perf_counter() - began
        port = free_port()
        process = start_server(model_dir, folder, port, workers=1)
        base = f"http://{HOST}:{port}"
        try:
            wait_ready(base, process, workers=1, log=folder / "server.log")
            with httpx.Client(base_url=base, timeout=30) as client:
                login = client.post("/admin/login", data={"key": LOAD_KEY}, follow_redirects=False)
                if login.status_code != 303:
                    raise RuntimeError(f"/admin login answered {login.status_code}, not 303")
                client.cookies = login.cookies
                opd = client.get("/v1/complaints?limit=1", headers={"X-API-Key": LOAD_KEY}).json()["items"][0]
                top = opd["suggestion"]["suggestions"][0]["opd"]
                pages = [
                    ("`/admin` (first 50 waiting)", "/admin"),
                    ("`/admin?offset=45000` (a page deep in the list)", "/admin?offset=45000"),
                    ("`/admin?opd=...` (one OPD's waiting)", f"/admin?opd={top}"),
                    ("`/admin?q=banjir` (text search, all statuses)", "/admin?status=semua&q=banjir"),
                    ("`/admin/aduan/{id}` (one complaint)", f"/admin/aduan/{opd['id']}"),
                ]
                rows = [(label, *_time(client, path, args.requests)) for label, path in pages]
                client.headers["X-API-Key"] = LOAD_KEY
                rows.append(
                    (
                        "`GET /v1/complaints` (first 50 waiting)",
                        *_time(client, "/v1/complaints?status=baru", args.requests),
                    )
                )
        finally:
            stop_server(process)
    table = "\n".join(f"| {label} | {p50:.1f} | {p95:.1f} |" for label, p50, p95 in rows)
    stamp = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    command = shlex.join(["python", "benchmarks/inbox.py", *(argv if argv is not None else sys.argv[1:])])
    body = f"""Run {stamp}, Python {platform.python_version()}, {platform.machine()}, shared 2-core machine.
Command: `{command}`.

{args.complaints:,} complaints (the team-written data/samples texts repeated, each its own id; 90% waiting, 10%
auto-routed) stored in SQLite through `ComplaintStore.add` in {fill_seconds:.1f} s; `disposisi serve` with one
worker; one client, {args.requests} requests per page over one keep-alive connection, after one warm-up request;
latency at the client in ms. Target: the inbox list under 200 ms at p95.

| page | p50 ms | p95 ms |
|---|---:|---:|
{table}
"""
    document = args.output.read_text(encoding="utf-8") if args.output.exists() else ""
    args.output.write_text(replace_section(document, SECTION, body), encoding="utf-8")
    print(body)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
