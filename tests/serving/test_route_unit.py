"""``unit`` in /v1/route and /v1/route/batch, with and without the location fields, on a model trained with
``--unit-column`` (data/samples/units.csv, fictional)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from serving.api import create_app
from tests.serving.conftest import make_settings

KELURAHAN_TEXT = "Surat pengantar RT untuk kartu keluarga belum ditandatangani pak lurah"
KECAMATAN_TEXT = "Izin keramaian di kantor kecamatan belum keluar, legalisir juga ditolak"


@pytest.fixture
def unit_client(unit_model_dir: Path, tmp_path: Path) -> Iterator[TestClient]:
    settings = make_settings(model_dir=unit_model_dir, feedback_url=f"sqlite:///{tmp_path / 'feedback.db'}")
    with TestClient(create_app(settings)) as client:
        yield client


def _route(client: TestClient, **payload: object) -> dict[str, object]:
    response = client.post("/v1/route", json=payload)
    assert response.status_code == 200, response.text
    body: dict[str, object] = response.json()
    return body


@pytest.mark.parametrize(
    ("payload", "unit"),
    [
        ({"text": KELURAHAN_TEXT, "kecamatan": "Sukamaju", "kelurahan": "Mekarsari"}, "Kelurahan Mekarsari"),
        ({"text": KECAMATAN_TEXT, "kecamatan": "Sukamaju", "kelurahan": "Mekarsari"}, "Kecamatan Sukamaju"),
        ({"text": KECAMATAN_TEXT, "kelurahan": "kel. wonoasri"}, "Kecamatan Tanjungsari"),
        # no location fields: the place named in the text
        ({"text": "Surat pengantar RT dari kelurahan Wonoasri belum ditandatangani pak lurah"}, "Kelurahan Wonoasri"),
        # empty fields count as none; an unknown kelurahan is not trusted, the text names the place
        ({"text": KELURAHAN_TEXT + " di kel. Pakis", "kecamatan": "", "kelurahan": "  "}, "Kelurahan Pakis"),
        ({"text": KELURAHAN_TEXT + " di kel. Pakis", "kelurahan": "Atlantis"}, "Kelurahan Pakis"),
        # nothing names a place: the OPD label itself
        ({"text": KELURAHAN_TEXT, "kelurahan": "Atlantis"}, "Kecamatan/Kelurahan"),
        ({"text": "Lampu lalu lintas di perempatan mati sejak kemarin", "kelurahan": "Mekarsari"}, "Dinas Perhubungan"),
    ],
)
def test_route_answers_the_unit(unit_client: TestClient, payload: dict[str, object], unit: str) -> None:
    assert _route(unit_client, **payload)["unit"] == unit


def test_route_batch_answers_each_unit(unit_client: TestClient) -> None:
    items = [
        {"id": "a", "text": KELURAHAN_TEXT, "kecamatan": "Tanjungsari", "kelurahan": "Wonoasri"},
        {"id": "b", "text": KECAMATAN_TEXT, "kecamatan": "Tanjungsari"},
        {"id": "c", "text": "Hidran di ujung gang mati, bagaimana kalau ada kebakaran"},
    ]
    response = unit_client.post("/v1/route/batch", json={"items": items})
    assert response.status_code == 200
    units = [r["unit"] for r in response.json()["results"]]
    assert units == ["Kelurahan Wonoasri", "Kecamatan Tanjungsari", "Dinas Pemadam Kebakaran"]


@pytest.mark.parametrize(
    ("payload", "message"),
    [
        ({"text": KELURAHAN_TEXT, "kelurahan": "x" * 10_000}, "kelurahan: String should have at most 200 characters"),
        ({"text": KELURAHAN_TEXT, "kecamatan": 5}, "kecamatan: must be a string, not a number"),
        ({"text": KELURAHAN_TEXT, "kecamatan": ["Sukamaju"]}, "kecamatan: must be a string, not an array"),
    ],
)
def test_route_rejects_bad_location_fields(unit_client: TestClient, payload: object, message: str) -> None:
    response = unit_client.post("/v1/route", json=payload)
    assert response.status_code == 422
    assert response.json()["detail"] == message


def test_route_batch_rejects_a_long_location_field(unit_client: TestClient) -> None:
    items = [{"text": KELURAHAN_TEXT}, {"text": KELURAHAN_TEXT, "kecamatan": "y" * 10_000}]
    response = unit_client.post("/v1/route/batch", json={"items": items})
    assert response.status_code == 422
    assert "items[1].kecamatan" in response.json()["detail"]


@pytest.fixture(scope="module")
def catalogue_client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    """A model trained with the team's data/samples/opd_catalogue_units.csv, where Dinas Perikanan has a
    catalogue line and no training complaint."""
    from training.workflow import train_model

    samples = Path(__file__).resolve().parents[2] / "data" / "samples"
    tmp = tmp_path_factory.mktemp("catalogue-model")
    train_model(
        [samples / "units.csv"],
        tmp / "model",
        tracking=False,
        unit_column="instansi",
        catalogue=samples / "opd_catalogue_units.csv",
    )
    settings = make_settings(model_dir=tmp / "model", feedback_url=f"sqlite:///{tmp / 'feedback.db'}")
    with TestClient(create_app(settings)) as client:
        yield client


def test_route_names_a_unit_known_only_from_the_catalogue(catalogue_client: TestClient) -> None:
    body = _route(catalogue_client, text="Ikan di tambak warga mati mendadak, nelayan minta bantuan benih ikan")
    top = body["suggestions"]
    assert isinstance(top, list) and top[0]["opd"] == "Lainnya"
    assert body["unit"] == "Dinas Perikanan"
    # the other labels answer as without a catalogue
    assert _route(catalogue_client, text="Lampu lalu lintas di perempatan mati sejak kemarin")["unit"] == (
        "Dinas Perhubungan"
    )
