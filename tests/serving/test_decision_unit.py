"""The unit of a decision: an optional ``unit`` in ``/v1/feedback``, the suggested unit kept when the desk forwards
to the suggested OPD, and both read back as training labels (:func:`store.decisions.latest_decisions`), on SQLite
and on PostgreSQL. Model: data/samples/units.csv trained with ``--unit-column instansi`` (fictional)."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine

from serving.api import create_app
from store.decisions import LabelledDecision, latest_decisions
from tests.serving.conftest import API_KEY, AUTH, make_settings

KELURAHAN_TEXT = "Surat pengantar RT untuk kartu keluarga belum ditandatangani pak lurah"


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "postgresql":
        url: str = request.getfixturevalue("postgres_url")
        return url
    return f"sqlite:///{tmp_path / 'feedback.db'}"


@pytest.fixture
def unit_desk(unit_model_dir: Path, store_url: str) -> Iterator[TestClient]:
    with TestClient(create_app(make_settings(model_dir=unit_model_dir, feedback_url=store_url))) as client:
        yield client


def _decisions(url: str) -> dict[str, LabelledDecision]:
    engine = create_engine(url)
    try:
        return {d.complaint_id: d for d in latest_decisions(engine)}
    finally:
        engine.dispose()


def test_feedback_keeps_the_unit_it_is_given(unit_desk: TestClient, store_url: str) -> None:
    with_unit = {"id": "F1", "text": KELURAHAN_TEXT, "opd": "Kecamatan/Kelurahan", "unit": " Kelurahan Pakis "}
    assert unit_desk.post("/v1/feedback", json=with_unit, headers=AUTH).status_code == 201
    without = {"id": "F2", "text": "Parkir liar di depan toko", "opd": "Dinas Perhubungan"}
    assert unit_desk.post("/v1/feedback", json=without, headers=AUTH).status_code == 201
    masked = {"id": "F3", "text": KELURAHAN_TEXT, "opd": "Lainnya", "unit": "Dinas 0812-3456-7890"}
    assert unit_desk.post("/v1/feedback", json=masked, headers=AUTH).status_code == 201
    decisions = _decisions(store_url)
    assert decisions["F1"].unit == "Kelurahan Pakis"
    assert decisions["F2"].unit is None  # unknown, not ""
    assert decisions["F3"].unit == "Dinas [TELEPON]"  # a typed unit is masked like a typed OPD
    export = unit_desk.get("/v1/feedback/export", headers=AUTH)
    assert export.text.splitlines()[0] == "id,teks,opd,urgensi"  # the export's columns are unchanged
    with_units = unit_desk.get("/v1/feedback/export", params={"with_unit": "true"}, headers=AUTH)
    assert with_units.status_code == 200
    rows = {row["id"]: row for row in csv.DictReader(io.StringIO(with_units.text))}
    assert list(next(iter(rows.values()))) == ["id", "teks", "opd", "urgensi", "unit"]
    assert (rows["F1"]["unit"], rows["F2"]["unit"], rows["F3"]["unit"]) == ("Kelurahan Pakis", "", "Dinas [TELEPON]")


def test_an_export_with_units_is_training_data_with_a_unit_column(unit_desk: TestClient, tmp_path: Path) -> None:
    """What the export says it is for: ``load_dataset(..., unit_column="unit")`` reads it, an empty unit unknown."""
    from training.data import load_dataset

    decisions = [
        {"id": "U1", "text": KELURAHAN_TEXT, "opd": "Kecamatan/Kelurahan", "unit": "Kelurahan Pakis"},
        {"id": "U2", "text": "Parkir liar di depan toko", "opd": "Dinas Perhubungan"},
    ]
    for payload in decisions:
        assert unit_desk.post("/v1/feedback", json=payload, headers=AUTH).status_code == 201
    export = tmp_path / "export.csv"
    export.write_bytes(unit_desk.get("/v1/feedback/export?with_unit=true", headers=AUTH).content)
    data = load_dataset([export], unit_column="unit", min_examples=1)
    assert data.units is not None
    assert dict(zip(data.opd, data.units, strict=True)) == {
        "Kecamatan/Kelurahan": "Kelurahan Pakis",
        "Dinas Perhubungan": "",
    }


@pytest.mark.parametrize(
    ("unit", "message"),
    [
        ("", "unit: must not be empty or only whitespace: leave unit out when the unit is not known"),
        ("   ", "unit: must not be empty or only whitespace"),
        ("K" * 201, "unit: "),
        (7, "unit: must be a string, not a number"),
    ],
)
def test_feedback_refuses_a_bad_unit(unit_desk: TestClient, unit: object, message: str) -> None:
    payload = {"text": KELURAHAN_TEXT, "opd": "Kecamatan/Kelurahan", "unit": unit}
    response = unit_desk.post("/v1/feedback", json=payload, headers=AUTH)
    assert response.status_code == 422
    assert response.json()["detail"].startswith(message)
    if unit == "K" * 201:
        assert "200" in response.json()["detail"]


def test_the_desk_keeps_the_suggested_unit_when_it_forwards_to_the_suggested_opd(
    unit_desk: TestClient, store_url: str
) -> None:
    items = [
        {"id": "A", "text": KELURAHAN_TEXT, "kecamatan": "Sukamaju", "kelurahan": "Mekarsari"},
        {"id": "B", "text": KELURAHAN_TEXT, "kecamatan": "Tanjungsari", "kelurahan": "Wonoasri"},
        {"id": "C", "text": "Lampu lalu lintas di perempatan mati sejak kemarin"},
    ]
    stored = unit_desk.post("/v1/complaints", json={"items": items}, headers=AUTH)
    assert stored.status_code == 200, stored.text
    suggestion = {i: unit_desk.get(f"/v1/complaints/{i}", headers=AUTH).json()["suggestion"] for i in "ABC"}
    assert suggestion["A"]["unit"] == "Kelurahan Mekarsari"
    assert suggestion["C"]["unit"] == "Dinas Perhubungan"
    for complaint_id, opd in (("A", "Kecamatan/Kelurahan"), ("B", "Dinas Perhubungan"), ("C", "Dinas Perhubungan")):
        decided = unit_desk.post(f"/v1/complaints/{complaint_id}/decision", json={"opd": opd}, headers=AUTH)
        assert decided.status_code == 200, decided.text
    decisions = _decisions(store_url)
    assert decisions["A"].unit == "Kelurahan Mekarsari"  # forwarded as suggested: the suggested unit
    assert decisions["B"].unit is None  # another OPD than suggested: its unit is not known
    assert decisions["C"].unit is None  # the unit is the OPD itself: nothing finer to learn


def _feedback_rows(url: str) -> dict[str, tuple[str | None, str | None, str | None]]:
    from serving.feedback import FeedbackStore

    store = FeedbackStore(url)
    try:
        return {str(r.complaint_id): (r.unit, r.kecamatan, r.kelurahan) for r in store.rows()}
    finally:
        store.close()


def test_a_desk_decision_gives_the_unit_keeps_it_on_the_complaint_and_undo_restores_it(
    unit_desk: TestClient, store_url: str
) -> None:
    items = [{"id": "A", "text": KELURAHAN_TEXT, "kecamatan": "Sukamaju", "kelurahan": "Mekarsari"}]
    assert unit_desk.post("/v1/complaints", json={"items": items}, headers=AUTH).status_code == 200
    first = {"opd": "Kecamatan/Kelurahan", "unit": " Kelurahan Wonoasri "}
    decided = unit_desk.post("/v1/complaints/A/decision", json=first, headers=AUTH)
    assert decided.status_code == 200, decided.text
    assert decided.json()["decision"]["unit"] == "Kelurahan Wonoasri"  # the admin's correction, not the suggestion
    assert _decisions(store_url)["A"].unit == "Kelurahan Wonoasri"
    assert _feedback_rows(store_url)["A"] == ("Kelurahan Wonoasri", "Sukamaju", "Mekarsari")  # the place is kept
    second = {"opd": "Kecamatan/Kelurahan", "unit": "Kecamatan 0812-3456-7890"}
    again = unit_desk.post("/v1/complaints/A/decision", json=second, headers=AUTH)
    assert again.json()["decision"]["unit"] == "Kecamatan [TELEPON]"  # typed text is masked like an OPD
    undone = unit_desk.post("/v1/complaints/A/undo", headers=AUTH)
    assert undone.status_code == 200, undone.text
    assert undone.json()["decision"]["unit"] == "Kelurahan Wonoasri"  # the unit of the decision before
    assert unit_desk.get("/v1/complaints/A", headers=AUTH).json()["decision"]["unit"] == "Kelurahan Wonoasri"
    back = unit_desk.post("/v1/complaints/A/undo", headers=AUTH).json()
    assert back["decision"]["unit"] == "Kecamatan [TELEPON]"  # undoing the undo
    assert unit_desk.post("/v1/complaints/A/undo", headers=AUTH).json()["decision"]["unit"] == "Kelurahan Wonoasri"
    assert unit_desk.post("/v1/complaints/A/undo", headers=AUTH).json()["decision"]["unit"] == "Kecamatan [TELEPON]"


def test_without_a_unit_the_desk_shows_the_suggested_unit_as_decided(unit_desk: TestClient, store_url: str) -> None:
    items = [
        {"id": "A", "text": KELURAHAN_TEXT, "kecamatan": "Sukamaju", "kelurahan": "Mekarsari"},
        {"id": "B", "text": KELURAHAN_TEXT, "kecamatan": "Tanjungsari", "kelurahan": "Wonoasri"},
    ]
    assert unit_desk.post("/v1/complaints", json={"items": items}, headers=AUTH).status_code == 200
    kept = unit_desk.post("/v1/complaints/A/decision", json={"opd": "Kecamatan/Kelurahan"}, headers=AUTH).json()
    assert kept["decision"]["unit"] == "Kelurahan Mekarsari"
    other = unit_desk.post("/v1/complaints/B/decision", json={"opd": "Dinas Perhubungan"}, headers=AUTH).json()
    assert other["decision"]["unit"] is None
    rows = _feedback_rows(store_url)
    assert rows["A"] == ("Kelurahan Mekarsari", "Sukamaju", "Mekarsari")
    assert rows["B"] == (None, "Tanjungsari", "Wonoasri")


@pytest.mark.parametrize(
    ("payload", "message"),
    [
        ({"opd": "Kecamatan/Kelurahan", "unit": ""}, "unit: must not be empty or only whitespace: leave unit out"),
        ({"opd": "Kecamatan/Kelurahan", "unit": "  \t"}, "unit: must not be empty or only whitespace"),
        ({"opd": "Kecamatan/Kelurahan", "unit": "K" * 201}, "unit: "),
        ({"opd": "Kecamatan/Kelurahan", "unit": 12}, "unit: must be a string"),
        ({"outside_authority": "PLN", "unit": "Kelurahan Pakis"}, "unit goes with opd, not with outside_authority"),
    ],
)
def test_a_bad_decision_unit_is_422_with_the_reason(
    unit_desk: TestClient, payload: dict[str, object], message: str
) -> None:
    items = [{"id": "A", "text": KELURAHAN_TEXT}]
    assert unit_desk.post("/v1/complaints", json={"items": items}, headers=AUTH).status_code == 200
    response = unit_desk.post("/v1/complaints/A/decision", json=payload, headers=AUTH)
    assert response.status_code == 422
    assert message in response.json()["detail"]
    assert unit_desk.get("/v1/complaints/A", headers=AUTH).json()["status"] == "baru"  # nothing was decided


def test_feedback_keeps_the_place_and_the_export_adds_it_when_asked(unit_desk: TestClient) -> None:
    placed = {
        "id": "F1",
        "text": KELURAHAN_TEXT,
        "opd": "Kecamatan/Kelurahan",
        "unit": "Kelurahan Pakis",
        "kecamatan": " Sukamaju ",
        "kelurahan": "Pakis 0812-3456-7890",
    }
    assert unit_desk.post("/v1/feedback", json=placed, headers=AUTH).status_code == 201
    plain = {"id": "F2", "text": "Parkir liar di depan toko", "opd": "Dinas Perhubungan"}
    assert unit_desk.post("/v1/feedback", json=plain, headers=AUTH).status_code == 201
    default = unit_desk.get("/v1/feedback/export", headers=AUTH).text.splitlines()
    assert default[0] == "id,teks,opd,urgensi"
    both = unit_desk.get("/v1/feedback/export", params={"with_unit": "true", "with_place": "true"}, headers=AUTH)
    rows = {row["id"]: row for row in csv.DictReader(io.StringIO(both.text))}
    assert list(rows["F1"]) == ["id", "teks", "opd", "urgensi", "unit", "kecamatan", "kelurahan"]
    assert (rows["F1"]["kecamatan"], rows["F1"]["kelurahan"]) == ("Sukamaju", "Pakis [TELEPON]")
    assert (rows["F2"]["unit"], rows["F2"]["kecamatan"], rows["F2"]["kelurahan"]) == ("", "", "")
    place_only = unit_desk.get("/v1/feedback/export?with_place=true", headers=AUTH).text.splitlines()
    assert place_only[0] == "id,teks,opd,urgensi,kecamatan,kelurahan"


@pytest.mark.parametrize("field", ["kecamatan", "kelurahan"])
@pytest.mark.parametrize(("value", "message"), [("", "must not be empty"), ("   ", "must not be empty"), (3, "string")])
def test_feedback_refuses_a_bad_place(unit_desk: TestClient, field: str, value: object, message: str) -> None:
    payload = {"text": KELURAHAN_TEXT, "opd": "Kecamatan/Kelurahan", field: value}
    response = unit_desk.post("/v1/feedback", json=payload, headers=AUTH)
    assert response.status_code == 422
    assert response.json()["detail"].startswith(f"{field}: {message}" if message != "string" else f"{field}: ")
    if value == "":
        assert f"leave {field} out when the {field} is not known" in response.json()["detail"]


def test_the_page_form_decides_the_unit_also_without_its_script(unit_desk: TestClient, store_url: str) -> None:
    """The form as a browser without JavaScript posts it: the field's unit is the decision's, blank is unknown,
    and the proposed (suggested) unit left in the field with another OPD is dropped, not taught as that OPD's."""
    origin = {"Origin": "http://testserver"}
    assert unit_desk.post("/admin/login", data={"key": API_KEY}, headers=origin).status_code == 200
    items = [
        {"id": f"W{n}", "text": KELURAHAN_TEXT, "kecamatan": "Tanjungsari", "kelurahan": "Wonoasri"} for n in range(3)
    ]
    assert unit_desk.post("/v1/complaints", json={"items": items}, headers=AUTH).status_code == 200
    shown = unit_desk.get("/admin/aduan/W0").text
    assert re.search(r'id="unit" name="unit" maxlength="200" value="Kelurahan Wonoasri"', shown)
    assert '<option value="Kelurahan Mekarsari">' in shown  # the datalist of the model's units
    token = re.search(r'name="csrf" value="([0-9a-f]{64})"', shown)
    assert token is not None
    forms = {
        "W0": {"pilihan": "Kecamatan/Kelurahan", "unit": "Kelurahan Mekarsari"},  # corrected
        "W1": {"pilihan": "Kecamatan/Kelurahan", "unit": " "},  # emptied: unknown
        "W2": {"pilihan": "Dinas Perhubungan", "unit": "Kelurahan Wonoasri"},  # another OPD, the field left as it was
    }
    for complaint_id, form in forms.items():
        posted = unit_desk.post(
            f"/admin/aduan/{complaint_id}/putuskan", data={"csrf": token.group(1), **form}, follow_redirects=False
        )
        assert posted.status_code == 303, posted.text
    units = {i: unit_desk.get(f"/v1/complaints/{i}", headers=AUTH).json()["decision"]["unit"] for i in forms}
    assert units == {"W0": "Kelurahan Mekarsari", "W1": None, "W2": None}
    assert {i: u for i, (u, _, _) in _feedback_rows(store_url).items()} == units
    assert "Kelurahan Mekarsari</span>" in unit_desk.get("/admin/aduan/W0").text  # the "Keputusan" line
