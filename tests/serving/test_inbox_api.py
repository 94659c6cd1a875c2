"""The desk API on real databases: complaints kept once, listed in desk order, decided, undone and exported."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, insert, text

from serving.api import create_app
from store.migrate import upgrade
from store.schema import FeedbackRow
from tests.conftest import SAMPLES
from tests.serving.conftest import API_KEY, AUTH, OTHER_KEY, MakeClient, make_settings

NAMED = {"X-API-Key": API_KEY}


def _samples(count: int) -> list[dict[str, str]]:
    with open(SAMPLES, encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))[:count]
    return [{"id": row["id"], "text": row["teks"], "tanggal": "2026-12-01T09:00:00+07:00"} for row in rows]


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def desk(request: pytest.FixtureRequest, make_client: MakeClient) -> Iterator[TestClient]:
    """The desk on a fresh SQLite file, and on the PostgreSQL test server where one is given."""
    overrides: dict[str, object] = {"api_keys": [f"budi:{API_KEY}", OTHER_KEY]}
    if request.param == "postgresql":
        overrides["feedback_url"] = request.getfixturevalue("postgres_url")
    with make_client(**overrides) as client:
        yield client


def test_complaints_are_stored_once_and_resending_stores_nothing(desk: TestClient) -> None:
    items = _samples(200)
    first = desk.post("/v1/complaints", json={"items": items}, headers=AUTH)
    assert first.status_code == 200, first.text
    assert (first.json()["stored"], first.json()["skipped"]) == (200, 0)
    again = desk.post("/v1/complaints", json={"items": [*items[:50], items[0]]}, headers=AUTH)
    assert (again.json()["stored"], again.json()["skipped"]) == (0, 51)
    assert {r["status"] for r in again.json()["results"]} == {"sudah_ada"}
    assert desk.get("/v1/complaints", headers=AUTH).json()["total"] == 200


def test_a_bad_item_is_named_and_nothing_is_stored(desk: TestClient) -> None:
    items = _samples(3)
    items[1]["text"] = "   "
    answer = desk.post("/v1/complaints", json={"items": items}, headers=AUTH)
    assert answer.status_code == 422
    assert "items[1].text" in answer.json()["detail"] or "items.1.text" in answer.json()["detail"]
    assert desk.get("/v1/complaints", headers=AUTH).json()["total"] == 0


def test_the_list_is_in_desk_order_with_counts_and_filters(desk: TestClient) -> None:
    desk.post("/v1/complaints", json={"items": _samples(60)}, headers=AUTH)
    page = desk.get("/v1/complaints", params={"limit": 60}, headers=AUTH).json()
    ranks = {"tinggi": 0, "sedang": 1, "rendah": 2}
    keys = [
        (ranks.get((item["suggestion"]["urgency"] or {}).get("level"), 3), item["due_at"]) for item in page["items"]
    ]
    assert keys == sorted(keys)
    assert page["counts"]["baru"] == 60
    top = page["items"][0]["suggestion"]["suggestions"][0]["opd"]
    by_opd = desk.get("/v1/complaints", params={"opd": top}, headers=AUTH).json()
    assert by_opd["total"] >= 1
    assert all(i["suggestion"]["suggestions"][0]["opd"] == top for i in by_opd["items"])
    flagged = desk.get("/v1/complaints", params={"needs_review": "true"}, headers=AUTH).json()
    assert all(i["suggestion"]["needs_review"] for i in flagged["items"])
    found = desk.get("/v1/complaints", params={"q": "PDAM"}, headers=AUTH).json()
    assert found["total"] >= 1
    assert all("pdam" in i["text"].lower() for i in found["items"])
    assert "0857-2020-3131" not in str(found)  # masked when stored
    assert desk.get("/v1/complaints", params={"status": "selesai"}, headers=AUTH).status_code == 422


def test_decisions_name_the_key_feed_training_and_can_be_undone(desk: TestClient) -> None:
    desk.post("/v1/complaints", json={"items": _samples(5)}, headers=AUTH)
    routed = desk.post("/v1/complaints/S0001/decision", json={"opd": "Diskominfo", "note": "cek"}, headers=NAMED)
    assert routed.status_code == 200, routed.text
    body = routed.json()
    assert (body["status"], body["decision"]["opd"], body["decision"]["decided_by"]) == (
        "didisposisikan",
        "Diskominfo",
        "budi",
    )
    outside = desk.post(
        "/v1/complaints/S0002/decision", json={"outside_authority": "PLN"}, headers={"X-API-Key": OTHER_KEY}
    )
    assert (outside.json()["status"], outside.json()["decision"]["decided_by"]) == ("di_luar_kewenangan", "kunci-2")
    export = desk.get("/v1/feedback/export", headers=AUTH).text
    rows = list(csv.DictReader(io.StringIO(export)))
    assert [(r["id"], r["opd"]) for r in rows] == [("S0001", "Diskominfo")]  # outside authority is no OPD label
    undone = desk.post("/v1/complaints/S0002/undo", headers=AUTH)
    assert (undone.json()["status"], undone.json()["decision"]) == ("baru", None)
    counts = desk.get("/v1/complaints", headers=AUTH).json()["counts"]
    assert (counts["baru"], counts["didisposisikan"], counts["di_luar_kewenangan"]) == (4, 1, 0)


def _export(desk: TestClient, **params: str) -> list[tuple[str, str]]:
    rows = csv.DictReader(io.StringIO(desk.get("/v1/feedback/export", params=params, headers=AUTH).text))
    return [(r["id"], r["opd"]) for r in rows]


def test_an_undone_decision_is_no_longer_training_data(desk: TestClient) -> None:
    """Undo takes the decision's feedback row out of the export and the stats (kept, withdrawn); an undo of the
    undo puts it back; a complaint back at an earlier decision exports that one."""
    desk.post("/v1/complaints", json={"items": _samples(3)}, headers=AUTH)
    desk.post("/v1/complaints/S0001/decision", json={"opd": "Diskominfo"}, headers=AUTH)
    desk.post("/v1/complaints/S0002/decision", json={"opd": "DLH"}, headers=AUTH)
    desk.post("/v1/complaints/S0002/decision", json={"opd": "Dinas PUPR"}, headers=AUTH)
    assert _export(desk) == [("S0001", "Diskominfo"), ("S0002", "Dinas PUPR")]

    assert desk.post("/v1/complaints/S0001/undo", headers=AUTH).json()["status"] == "baru"
    assert desk.post("/v1/complaints/S0002/undo", headers=AUTH).json()["decision"]["opd"] == "DLH"
    assert _export(desk) == [("S0002", "DLH")]  # S0001 undecided again; S0002 back at its first decision
    assert _export(desk, latest_only="false") == [("S0002", "DLH")]
    stats = desk.get("/v1/stats", headers=AUTH).json()
    assert (stats["feedback"]["total"], stats["feedback"]["withdrawn"]) == (1, 2)

    assert desk.post("/v1/complaints/S0001/undo", headers=AUTH).json()["decision"]["opd"] == "Diskominfo"
    assert _export(desk) == [("S0001", "Diskominfo"), ("S0002", "DLH")]  # the undo undone: in force again
    desk.post("/v1/complaints/S0001/decision", json={"outside_authority": "PLN"}, headers=AUTH)
    desk.post("/v1/complaints/S0001/undo", headers=AUTH)  # undoing a decision that stored no row withdraws none
    assert _export(desk) == [("S0001", "Diskominfo"), ("S0002", "DLH")]


@pytest.mark.parametrize(
    ("payload", "message"),
    [
        ({"opd": "DLH", "outside_authority": "PLN"}, "exactly one of them"),
        ({}, "exactly one of them"),
        ({"outside_authority": "PLN", "urgency": "tinggi"}, "urgency goes with opd"),
        ({"opd": "DLH", "urgency": "kilat"}, "urgency"),
    ],
)
def test_a_bad_decision_is_422_with_the_reason(desk: TestClient, payload: dict[str, str], message: str) -> None:
    desk.post("/v1/complaints", json={"items": _samples(1)}, headers=AUTH)
    answer = desk.post("/v1/complaints/S0001/decision", json=payload, headers=AUTH)
    assert answer.status_code == 422
    assert message in answer.json()["detail"]


def test_unknown_ids_are_404_and_no_key_is_401(desk: TestClient) -> None:
    assert desk.post("/v1/complaints/nope/decision", json={"opd": "DLH"}, headers=AUTH).status_code == 404
    assert desk.post("/v1/complaints/nope/undo", headers=AUTH).json()["error"] == "not_found"
    assert desk.get("/v1/complaints/nope", headers=AUTH).status_code == 404
    assert desk.get("/v1/complaints").status_code == 401
    assert desk.post("/v1/complaints", json={"items": _samples(1)}).status_code == 401


def test_export_lists_routed_complaints_for_forwarding(desk: TestClient) -> None:
    desk.post("/v1/complaints", json={"items": _samples(4)}, headers=AUTH)
    desk.post("/v1/complaints/S0003/decision", json={"opd": "=HYPERLINK(1)", "urgency": "tinggi"}, headers=NAMED)
    desk.post("/v1/complaints/S0004/decision", json={"outside_authority": "Polri"}, headers=NAMED)
    answer = desk.get("/v1/complaints/export", headers=AUTH)
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(answer.text)))
    assert [(r["id"], r["opd"], r["urgensi"], r["status"]) for r in rows] == [
        ("S0003", "'=HYPERLINK(1)", "tinggi", "didisposisikan"),
        ("S0004", "", "", "di_luar_kewenangan"),
    ]
    assert rows[0]["decided_by"] == "budi"
    only = desk.get("/v1/complaints/export", params={"status": "di_luar_kewenangan"}, headers=AUTH).text
    assert [r["id"] for r in csv.DictReader(io.StringIO(only))] == ["S0004"]


def test_auto_routing_marks_the_confident_ones_and_an_admin_can_reverse_them(make_client: MakeClient) -> None:
    with make_client(auto_route=True) as client:
        results = client.post("/v1/complaints", json={"items": _samples(40)}, headers=AUTH).json()["results"]
        automatic = [r["id"] for r in results if r["status"] == "otomatis"]
        assert automatic, "the sample model flags every complaint for review"
        page = client.get("/v1/complaints", params={"status": "otomatis"}, headers=AUTH).json()
        assert page["total"] == len(automatic)
        assert all(not i["suggestion"]["needs_review"] for i in page["items"])
        reversed_ = client.post(f"/v1/complaints/{automatic[0]}/decision", json={"opd": "DLH"}, headers=AUTH)
        assert reversed_.json()["status"] == "didisposisikan"


def test_a_feedback_database_from_before_migrations_is_upgraded_in_place(
    sample_model_dir: Path, tmp_path: Path
) -> None:
    url = f"sqlite:///{tmp_path / 'lama.db'}"
    engine = create_engine(url)
    upgrade(engine, "0001_feedback")  # the feedback table as disposisi 0.1 made it, without alembic_version
    with engine.begin() as connection:
        connection.execute(text("DROP TABLE alembic_version"))
        connection.execute(
            insert(FeedbackRow.__table__).values(
                complaint_id="lama", text="jalan rusak", opd="DLH", created_at=__import__("datetime").datetime.now()
            )
        )
    engine.dispose()
    with TestClient(create_app(make_settings(model_dir=sample_model_dir, feedback_url=url))) as client:
        rows = list(csv.DictReader(io.StringIO(client.get("/v1/feedback/export", headers=AUTH).text)))
        assert [r["id"] for r in rows] == ["lama"]
        assert client.post("/v1/complaints", json={"items": _samples(2)}, headers=AUTH).json()["stored"] == 2


OUTSIDE = "Sertifikat tanah saya di kantor BPN belum jadi sudah dua tahun"


def test_auto_routing_never_forwards_a_complaint_outside_the_known_opds(make_client: MakeClient) -> None:
    with make_client(auto_route=True) as client:
        items = [*_samples(20), {"id": "LUAR-1", "text": OUTSIDE}]
        results = client.post("/v1/complaints", json={"items": items}, headers=AUTH).json()["results"]
        assert {r["id"]: r["status"] for r in results}["LUAR-1"] == "baru"
        stored = client.get("/v1/complaints/LUAR-1", headers=AUTH).json()["suggestion"]
        assert (stored["needs_review"], stored["review_reason"]) == (True, "di_luar_cakupan")
        page = client.get("/v1/complaints", params={"limit": 30}, headers=AUTH).json()
        for item in page["items"]:
            answer = item["suggestion"]
            assert answer["review_reason"] in ({"ragu", "di_luar_cakupan"} if answer["needs_review"] else {""})


def test_stored_complaints_carry_the_unit_of_their_place(unit_model_dir: Path, tmp_path: Path) -> None:
    settings = make_settings(model_dir=unit_model_dir, feedback_url=f"sqlite:///{tmp_path / 'desk.db'}")
    text = "Surat pengantar RT untuk kartu keluarga belum ditandatangani pak lurah"
    items = [
        {"id": "W-1", "text": text, "kecamatan": "Tanjungsari", "kelurahan": "Wonoasri"},
        {"id": "W-2", "text": text, "kecamatan": "Sukamaju", "kelurahan": "Mekarsari"},
        {"id": "W-3", "text": "Lampu lalu lintas di perempatan mati sejak kemarin"},
    ]
    with TestClient(create_app(settings)) as client:
        answer = client.post("/v1/complaints", json={"items": items}, headers=AUTH)
        assert answer.status_code == 200, answer.text
        assert answer.json()["stored"] == 3
        stored = [client.get(f"/v1/complaints/{item['id']}", headers=AUTH).json() for item in items]
    units = [s["suggestion"]["unit"] for s in stored]
    assert units == ["Kelurahan Wonoasri", "Kelurahan Mekarsari", "Dinas Perhubungan"]
    assert stored[0]["kelurahan"] == "Wonoasri"
