"""The desk groups similar complaints, in a real headless Chromium against a real uvicorn: "N laporan serupa"
in the list and on the complaint, and one decision routes the whole group (a trail entry per complaint)."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from serving.feedback import FeedbackStore
from tests.serving.conftest import API_KEY
from tests.serving.test_admin_browser import (  # noqa: F401 - fixtures
    chromium,
    feedback_url,
    page,
    served_model_dir,
    server,
)

pytestmark = pytest.mark.browser

HEADERS = {"X-API-Key": API_KEY}
# Team-written complaints (no real data).
POTHOLE = "Jalan di depan SDN 3 Kenjeran berlubang besar, sudah dua motor jatuh minggu ini, mohon segera diperbaiki"
ITEMS = [
    {"id": "R1", "text": POTHOLE, "kelurahan": "Kenjeran"},
    {"id": "R2", "text": "Sampah di pasar Keputran tidak diangkut sudah seminggu, bau sekali", "kelurahan": "Keputran"},
    {"id": "R3", "text": "selamat pagi pak, " + POTHOLE.upper(), "kelurahan": "Kenjeran"},
    {"id": "R4", "text": POTHOLE + " Sudah lapor sebelumnya tapi belum ada tanggapan.", "kelurahan": "Kenjeran"},
]


def _get(base: str, complaint_id: str) -> dict[str, object]:
    response = httpx.get(f"{base}/v1/complaints/{complaint_id}", headers=HEADERS, timeout=10)
    assert response.status_code == 200, response.text
    return dict(response.json())


def test_a_group_of_similar_complaints_is_routed_in_one_decision(
    page: object,  # noqa: F811 - the fixtures imported above
    server: str,  # noqa: F811
    feedback_url: str,  # noqa: F811
    tmp_path: Path,
) -> None:
    from playwright.sync_api import Page, expect

    assert isinstance(page, Page)
    stored = httpx.post(f"{server}/v1/complaints", json={"items": ITEMS}, headers=HEADERS, timeout=60)
    assert stored.status_code == 200, stored.text
    assert [r["duplicate_of"] for r in stored.json()["results"]] == [None, None, "R1", "R1"]

    page.goto("/admin")
    row = page.locator('li.baris[data-id="R1"]')
    expect(row.locator(".serupa")).to_have_text("2 laporan serupa")
    expect(page.locator('li.baris[data-id="R2"] .serupa')).to_have_count(0)
    page.screenshot(path=str(tmp_path / "serupa-list.png"))

    with page.expect_navigation():
        row.locator("a.buka").click()
    expect(page.locator("#serupa")).to_contain_text("2 laporan serupa")
    chosen = page.locator("input[name=pilihan]:checked").get_attribute("value")
    page.check("#putuskan-kelompok")
    with page.expect_navigation():
        page.click("#tombol-terima")

    for complaint_id in ("R1", "R3", "R4"):
        decided = _get(server, complaint_id)
        assert decided["status"] == "didisposisikan"
        assert decided["decision"]["opd"] == chosen  # type: ignore[index]
    assert _get(server, "R2")["status"] == "baru"
    store = FeedbackStore(feedback_url)
    try:
        trail = {cid: [entry.decided_by for entry in store.complaints.trail(cid)] for cid in ("R1", "R3", "R4")}
        assert trail == {"R1": ["sari"], "R3": ["sari"], "R4": ["sari"]}
    finally:
        store.close()

    page.goto("/admin/aduan/R3")
    expect(page.locator("#serupa")).to_contain_text("mengulang R1")
