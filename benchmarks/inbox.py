"""The desk at scale: the inbox list with 100,000 stored complaints, and importing 10,000 through the API.

Not a test (the desk's tests check correctness; this measures speed)::

    python -m benchmarks.inbox                     # 100,000 stored, 50 timed requests per kind, 10,000 imported
    python -m benchmarks.inbox --stored 20000 --requests 20 --imported 2000 --no-write

In one run it
1. trains a model from data/samples (unless ``--model-dir`` is given), routes the team-written sample
   complaints once, and fills a fresh SQLite store (migrated, WAL) with ``--stored`` complaints made from them
   with new ids, dates spread over 60 days and about a third routed automatically, written straight through
   :meth:`store.complaints.ComplaintStore.add` in transactions of 5,000;
2. starts ``disposisi serve`` (one worker) on that store, logs in to /admin, and times with one client (one
   keep-alive connection, requests one after another) ``--requests`` requests of each kind: ``GET /admin``,
   ``GET /admin/statistik`` and ``GET /v1/complaints`` on its first page, a filtered page, a text search and a
   deep offset; p50/p95 per kind (target p95 < 200 ms);
3. imports ``--imported`` new complaints through ``POST /v1/complaints`` in batches of 1,000 from that client
   and reports the seconds (target < 30 s);
4. writes the tables under ``## Inbox`` in BENCHMARKS.md (other sections are kept).

Nothing of ../shared/data is read; everything stays on 127.0.0.1.
"""

from __future__ import annotations

import argparse
import random
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import numpy as np

from benchmarks.load import (
    LOAD_KEY,
    REPO,
    feedback_db,
    free_port,
    machine,
    sample_texts,
    start_server,
    stop_server,
    train_model,
    wait_ready,
)
from benchmarks.report import write_section
from models.artifact import load_model
from serving.due import DuePolicy
from serving.feedback import FeedbackStore
from serving.schemas import RouteOut
from store.complaints import ComplaintStore, NewComplaint

SECTION = "## Inbox"
AUTH = {"X-API-Key": LOAD_KEY}
TARGET_P95_MS = 200.0
TARGET_IMPORT_SECONDS = 30.0
IMPORT_BATCH = 1_000
_FILL_CHUNK = 5_000
SEARCH_NOTE = (
    "The text search counts its matches with `ILIKE '%q%'` over every stored text, which no B-tree index can "
    "serve, so it reads the whole table on each request; a full-text index (SQLite FTS5, PostgreSQL pg_trgm) "
    "is what would bring it under the target. The other kinds read their page's ids from `ix_complaints_order` "
    "or `ix_complaints_queue` and the statistics from `ix_complaints_stats` (migration 0004); the inbox page "
    "reads its page in order from `ix_complaints_desk_order` (migration 0005)."
)


@dataclass(frozen=True)
class Kind:
    name: str
    path: str
    params: dict[str, Any]


def kinds(stored: int, top_opd: str) -> list[Kind]:
    return [
        Kind("`GET /admin` (the page, logged in)", "/admin", {}),
        Kind("`GET /admin/statistik` (30 days)", "/admin/statistik", {}),
        Kind("`GET /v1/complaints` first page", "/v1/complaints", {}),
        Kind(
            "`GET /v1/complaints` filtered (baru, tinggi, one OPD)",
            "/v1/complaints",
            {"status": "baru", "urgency": "tinggi", "opd": top_opd},
        ),
        Kind("`GET /v1/complaints?needs_review=true`", "/v1/complaints", {"needs_review": "true"}),
        Kind("`GET /v1/complaints?q=lampu` (text search)", "/v1/complaints", {"q": "lampu"}),
        Kind(f"`GET /v1/complaints?offset={stored - 100}` (deep page)", "/v1/complaints", {"offset": stored - 100}),
    ]


def fill(store_url: str, model_dir: Path, count: int, *, seed: int = 0) -> tuple[float, str]:
    """Store ``count`` complaints made from the routed samples; seconds taken and the most suggested OPD."""
    router, meta = load_model(model_dir)
    texts = sample_texts()
    suggestions = router.suggest(texts, explain=True)
    answers = [RouteOut.from_suggestion(None, s, meta.version).model_dump(mode="json") for s in suggestions]
    rng = random.Random(seed)
    policy = DuePolicy()
    now = datetime.now(UTC)
    opd_counts: dict[str, int] = {}
    feedback = FeedbackStore(store_url)  # migrates the new database
    complaints = ComplaintStore(feedback.engine)
    started = time.perf_counter()
    try:
        for start in range(0, count, _FILL_CHUNK):
            batch = []
            for number in range(start, min(start + _FILL_CHUNK, count)):
                index = rng.randrange(len(texts))
                s = suggestions[index]
                tanggal = now - timedelta(days=rng.uniform(0, 60))
                automatic = not s.needs_review and rng.random() < 0.35
                top = s.top_opd if s.opd else None
                if top:
                    opd_counts[top] = opd_counts.get(top, 0) + 1
                batch.append(
                    NewComplaint(
                        id=f"bench-{number:07d}",
                        text=f"{texts[index]} (laporan {number})",
                        suggestion={**answers[index], "id": f"bench-{number:07d}"},
                        top_opd=top,
                        top_score=s.top_score if s.opd else None,
                        urgency=s.urgency,
                        needs_review=s.needs_review,
                        model_version=meta.version,
                        status="otomatis" if automatic else "baru",
                        due_at=policy.due_at(tanggal, s.urgency),
                        tanggal=tanggal,
                        kanal=rng.choice(("portal", "WhatsApp", "SP4N-LAPOR!")),
                    )
                )
            complaints.add(batch, now=now)
    finally:
        feedback.close()
    return time.perf_counter() - started, max(opd_counts, key=lambda k: opd_counts[k])


def time_requests(client: httpx.Client, kind: Kind, requests: int) -> dict[str, float]:
    headers = {} if kind.path.startswith("/admin") else AUTH
    for _ in range(3):  # warm-up: caches, first connection
        client.get(kind.path, params=kind.params, headers=headers).raise_for_status()
    seconds = []
    for _ in range(requests):
        started = time.perf_counter()
        response = client.get(kind.path, params=kind.params, headers=headers)
        seconds.append(time.perf_counter() - started)
        response.raise_for_status()
    ms = np.asarray(seconds) * 1000
    return {"n": len(ms), "p50": float(np.percentile(ms, 50)), "p95": float(np.percentile(ms, 95)),
            "max": float(ms.max())}  # fmt: skip


def import_through_api(client: httpx.Client, count: int) -> tuple[float, int]:
    texts = sample_texts()
    items = [{"id": f"impor-{n:06d}", "text": texts[n % len(texts)], "kanal": "portal"} for n in range(count)]
    stored = 0
    started = time.perf_counter()
    for start in range(0, count, IMPORT_BATCH):
        response = client.post(
            "/v1/complaints", json={"items": items[start : start + IMPORT_BATCH]}, headers=AUTH, timeout=300
        )
        response.raise_for_status()
        stored += int(response.json()["stored"])
    return time.perf_counter() - started, stored


def run(*, folder: Path, model_dir: Path | None, stored: int, requests: int, imported: int) -> dict[str, Any]:
    model_dir = model_dir or train_model(folder)
    fill_seconds, top_opd = fill(f"sqlite:///{feedback_db(folder)}", model_dir, stored)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    server = start_server(model_dir, folder, port, workers=1)
    try:
        wait_ready(base, server, workers=1, log=folder / "server.log")
        with httpx.Client(base_url=base, timeout=60) as client:
            login = client.post("/admin/login", data={"key": LOAD_KEY})
            assert login.status_code == 303 and "disposisi_admin" in client.cookies, "logged in to /admin"
            total = client.get("/v1/complaints", params={"limit": 1}, headers=AUTH).json()["total"]
            assert total == stored, f"{total} complaints listed, {stored} stored"
            timings = [(kind, time_requests(client, kind, requests)) for kind in kinds(stored, top_opd)]
            import_seconds, import_stored = import_through_api(client, imported)
    finally:
        stop_server(server)
    return {
        "stored": stored,
        "fill_seconds": fill_seconds,
        "requests": requests,
        "timings": timings,
        "imported": imported,
        "import_seconds": import_seconds,
        "import_stored": import_stored,
    }


def format_report(report: dict[str, Any], command: str) -> str:
    lines = [
        f"`{command}` ({time.strftime('%Y-%m-%d %H:%M %Z')}; {machine()}; client and server on the same machine, "
        "which is shared with other work).",
        "",
        f"`disposisi serve` (one uvicorn worker) on 127.0.0.1 with the model trained from data/samples and an SQLite "
        f"store (WAL) holding **{report['stored']:,} complaints** (made from the team-written samples with new ids, "
        f"dates over 60 days, about a third routed automatically; filled through `ComplaintStore.add` in "
        f"{report['fill_seconds']:.1f} s). One client, one keep-alive connection, requests one after another, "
        f"{report['requests']} timed per kind after 3 warm-up requests; pages of 50.",
        "",
        f"| request | n | p50 ms | p95 ms | max ms | p95 < {TARGET_P95_MS:.0f} ms |",
        "|---|---:|---:|---:|---:|:---:|",
    ]
    for kind, t in report["timings"]:
        met = "yes" if t["p95"] < TARGET_P95_MS else "**no**"
        lines.append(f"| {kind.name} | {t['n']} | {t['p50']:.1f} | {t['p95']:.1f} | {t['max']:.1f} | {met} |")
    seconds = report["import_seconds"]
    met = "met" if seconds < TARGET_IMPORT_SECONDS else "**missed**"
    lines += [
        "",
        f"- **Import: {report['imported']:,} complaints through `POST /v1/complaints` in batches of "
        f"{IMPORT_BATCH:,} took {seconds:.1f} s** ({report['imported'] / seconds:.0f} complaints/s, each routed "
        f"with explanations, masked, given a due date and stored; {report['import_stored']:,} stored); target "
        f"< {TARGET_IMPORT_SECONDS:.0f} s: {met}.",
        f"- {SEARCH_NOTE}",
    ]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--model-dir", type=Path, help="Trained model directory (default: train one on data/samples).")
    parser.add_argument("--stored", type=int, default=100_000, help="Complaints in the store before timing.")
    parser.add_argument("--requests", type=int, default=50, help="Timed requests per kind.")
    parser.add_argument("--imported", type=int, default=10_000, help="Complaints imported through the API.")
    parser.add_argument("--output", type=Path, default=REPO / "BENCHMARKS.md")
    parser.add_argument("--no-write", action="store_true", help="Print only; leave BENCHMARKS.md alone.")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="disposisi-inbox-") as tmp:
        report = run(
            folder=Path(tmp), model_dir=args.model_dir, stored=args.stored, requests=args.requests,
            imported=args.imported,
        )  # fmt: skip
    command = "python -m benchmarks.inbox" + "".join(
        f" {flag} {value}"
        for flag, value, default in (
            ("--stored", args.stored, 100_000),
            ("--requests", args.requests, 50),
            ("--imported", args.imported, 10_000),
        )
        if value != default
    )
    body = format_report(report, command)
    print(body)
    if not args.no_write:
        write_section(args.output, SECTION, body)
        print(f"\nwrote the {SECTION!r} section of {args.output}")


if __name__ == "__main__":
    main()
