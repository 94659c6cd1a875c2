"""The feedback store on a real PostgreSQL server (DISPOSISI_TEST_POSTGRES_URL; .ci/run starts one)."""

from __future__ import annotations

import csv
import io
import threading

import pytest
from fastapi.testclient import TestClient

from serving.feedback import FeedbackStore
from tests.serving.conftest import AUTH, MakeClient

pytestmark = pytest.mark.postgres


def test_postgres_store_keeps_200_concurrent_writes_and_exports_them(postgres_url: str) -> None:
    store = FeedbackStore(postgres_url)
    errors: list[BaseException] = []

    def write(worker: int) -> None:
        try:
            for n in range(10):
                store.add(
                    text=f"Air tidak mengalir {worker}-{n}, telp 0812-3456-7890",
                    opd="PDAM",
                    complaint_id=f"P{worker}-{n}",
                    urgency="sedang",
                    suggested_opd="PDAM" if n % 2 else "Dinas PUPR",
                )
        except BaseException as exc:  # noqa: BLE001 - collected and reported by the assertion below
            errors.append(exc)

    threads = [threading.Thread(target=write, args=(w,)) for w in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    try:
        assert errors == []
        assert store.count() == 200
        rows = list(csv.DictReader(io.StringIO("".join(store.export_csv()))))
        stats = store.stats()
    finally:
        store.close()
    assert len(rows) == 200
    assert all("[TELEPON]" in r["teks"] and "0812" not in r["teks"] for r in rows)
    assert stats["accepted"] == 100
    assert stats["acceptance_rate"] == pytest.approx(0.5)
    assert stats["top_corrections"] == [{"suggested": "Dinas PUPR", "chosen": "PDAM", "count": 100}]


def test_postgres_export_keeps_the_latest_decision_per_complaint(postgres_url: str) -> None:
    store = FeedbackStore(postgres_url)
    try:
        store.add(text="sampah menumpuk", opd="BPBD", complaint_id="K1")
        store.add(text="sampah menumpuk", opd="Dinas Lingkungan Hidup", complaint_id="K1", urgency="sedang")
        store.add(text="KTP hilang", opd="Disdukcapil")
        rows = list(csv.DictReader(io.StringIO("".join(store.export_csv()))))
    finally:
        store.close()
    assert [(r["id"], r["opd"], r["urgensi"]) for r in rows] == [
        ("K1", "Dinas Lingkungan Hidup", "sedang"),
        ("feedback-3", "Disdukcapil", ""),
    ]


def test_the_api_stores_feedback_in_postgres(postgres_url: str, make_client: MakeClient) -> None:
    client: TestClient
    with make_client(feedback_url=postgres_url) as client:
        stored = client.post("/v1/feedback", json={"id": "PG1", "text": "banjir", "opd": "BPBD"}, headers=AUTH)
        export = client.get("/v1/feedback/export", headers=AUTH)
    assert stored.status_code == 201
    assert export.text == "id,teks,opd,urgensi\nPG1,banjir,BPBD,\n"


def test_postgres_store_keeps_a_text_with_nul_characters(postgres_url: str) -> None:
    """PostgreSQL refuses NUL in text (psycopg2 raises ValueError, which was a 500); the store drops them."""
    store = FeedbackStore(postgres_url)
    try:
        stored = store.add(text="air mati\x00 NIK 3578\x00016502930004", opd="PDAM\x00", complaint_id="n\x00ul")
        [row] = store.rows()
    finally:
        store.close()
    assert stored.complaint_id == "nul"
    assert (row.text, row.opd, row.complaint_id) == ("air mati NIK [NIK]", "PDAM", "nul")
