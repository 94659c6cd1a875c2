"""/admin/pantauan: the monitoring figures as server-side SVG, the alerts on top, behind the /admin login."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from fastapi.testclient import TestClient

from tests.serving.conftest import API_KEY, AUTH, MakeClient
from tests.serving.test_admin_sheets import _login, _samples


@pytest.fixture
def desk(make_client: MakeClient) -> Iterator[TestClient]:
    with make_client(api_keys=[f"budi:{API_KEY}"], monitor_min_rows=2) as client:
        _login(client)
        yield client


def test_the_page_draws_the_window_per_day_with_its_alerts(desk: TestClient) -> None:
    now = datetime.now(UTC).isoformat()
    items = [{"id": r["id"], "text": r["teks"], "tanggal": now} for r in _samples(8)]
    desk.post("/v1/complaints", json={"items": items}, headers=AUTH)
    listed = desk.get("/v1/complaints", params={"limit": 8}, headers=AUTH).json()["items"]
    top = listed[0]["suggestion"]["suggestions"][0]["opd"]
    desk.post(f"/v1/complaints/{listed[0]['id']}/decision", json={"opd": top}, headers=AUTH)
    desk.post(f"/v1/complaints/{listed[1]['id']}/decision", json={"opd": "OPD Baru Fiktif"}, headers=AUTH)
    page = desk.get("/admin/pantauan", params={"hari": 7})
    assert page.status_code == 200
    assert re.search(r'id="jumlah">8<', page.text)
    assert "50% (2 diputuskan)" in page.text
    assert 'data-kind="unknown_opd"' in page.text and "OPD Baru Fiktif" in page.text
    report = desk.get("/v1/monitoring", params={"window_days": 7}, headers=AUTH).json()
    assert f"{report['confidence']['psi']:.2f}" in page.text
    for chart in ("grafik-jumlah", "grafik-tinjau", "grafik-diterima", "grafik-oov", "grafik-keyakinan"):
        assert f'id="{chart}"' in page.text
    assert page.text.count("<rect") >= 4 * 7 + 2 * 10, "a bar per day in four charts, per bin in two"
    assert "style=" not in page.text, "the CSP forbids inline styles"
    assert 'href="/admin/pantauan"' in desk.get("/admin").text
    assert desk.get("/admin/pantauan", params={"hari": 0}).status_code == 422
    assert desk.get("/admin/pantauan", params={"hari": 91}).status_code == 422


def test_the_page_needs_a_login(client: TestClient) -> None:
    page = client.get("/admin/pantauan")
    assert page.status_code == 401
    assert 'id="kunci"' in page.text
