"""Duplicates in the API: POST /v1/complaints names the earlier complaint each repeats; /v1/route lists similar."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from tests.serving.conftest import AUTH
from tests.serving.test_inbox_api import desk  # noqa: F401 - the desk on SQLite and PostgreSQL

# Team-written complaints (no real data).
POTHOLE = "Jalan di depan SDN 3 Kenjeran berlubang besar, sudah dua motor jatuh minggu ini, mohon segera diperbaiki"
OTHER = "Sampah di pasar Keputran tidak diangkut sudah seminggu, baunya sampai ke rumah warga"


def _items(*texts: str) -> list[dict[str, str]]:
    return [{"id": f"K{i}", "text": t, "kelurahan": "Kenjeran"} for i, t in enumerate(texts, 1)]


def test_stored_results_carry_the_complaint_they_repeat(desk: TestClient) -> None:  # noqa: F811 - the imported fixture
    items = _items(POTHOLE, OTHER, "selamat pagi, " + POTHOLE.upper(), POTHOLE + " Sudah lapor sebelumnya.")
    answer = desk.post("/v1/complaints", json={"items": items}, headers=AUTH)
    assert answer.status_code == 200, answer.text
    results = {r["id"]: r for r in answer.json()["results"]}
    assert results["K1"]["duplicate_of"] is None and results["K2"]["duplicate_of"] is None
    for repeat in ("K3", "K4"):
        assert results[repeat]["duplicate_of"] == "K1"
        assert results[repeat]["duplicate_kind"] == "ulang"
        assert 0.4 <= results[repeat]["duplicate_score"] <= 1.0
    again = desk.post("/v1/complaints", json={"items": items[:1]}, headers=AUTH).json()["results"][0]
    assert again["status"] == "sudah_ada" and again["duplicate_of"] is None


def test_route_returns_the_most_similar_stored_complaints(desk: TestClient) -> None:  # noqa: F811 - the imported fixture
    desk.post("/v1/complaints", json={"items": _items(POTHOLE, OTHER, POTHOLE + " tolong")}, headers=AUTH)
    answer = desk.post("/v1/route", json={"text": POTHOLE.lower(), "similar": 2}, headers=AUTH)
    assert answer.status_code == 200, answer.text
    similar = answer.json()["similar"]
    assert [s["id"] for s in similar] == ["K1", "K3"]
    assert similar[0] == {"id": "K1", "score": 1.0, "kind": "ulang"}
    plain = desk.post("/v1/route", json={"text": POTHOLE}, headers=AUTH).json()
    assert "similar" not in plain  # the answer keeps its shape unless asked


def test_route_with_nothing_stored_has_an_empty_list(desk: TestClient) -> None:  # noqa: F811 - the imported fixture
    answer = desk.post("/v1/route", json={"text": POTHOLE, "similar": 5}, headers=AUTH)
    assert answer.status_code == 200 and answer.json()["similar"] == []


@pytest.mark.parametrize("k", [0, 21, -1, "3", 2.5, True])
def test_similar_out_of_bounds_is_a_422(desk: TestClient, k: object) -> None:  # noqa: F811 - the imported fixture
    answer = desk.post("/v1/route", json={"text": POTHOLE, "similar": k}, headers=AUTH)
    assert answer.status_code == 422
    assert "similar" in answer.text


def test_empty_text_with_similar_is_a_422(desk: TestClient) -> None:  # noqa: F811 - the imported fixture
    answer = desk.post("/v1/route", json={"text": "  ", "similar": 3}, headers=AUTH)
    assert answer.status_code == 422
