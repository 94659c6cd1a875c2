"""What each OPD handles: the sample catalogue, an operator's own, and a missing file."""

from __future__ import annotations

from pathlib import Path

import pytest

from serving.catalogue import load_catalogue
from tests.serving.conftest import API_KEY, MakeClient


def test_the_sample_catalogue_describes_the_sample_opds() -> None:
    catalogue = load_catalogue()
    assert catalogue["Dinas PUPR"].startswith("Menangani jalan, jembatan")
    assert "Dinas Perhubungan" in catalogue


def test_an_operators_catalogue_is_read_and_a_missing_opd_has_no_description(tmp_path: Path) -> None:
    path = tmp_path / "katalog.csv"
    path.write_text("nama,menangani\nPDAM,Air bersih kota fiktif.\n,baris tanpa nama\n", encoding="utf-8")
    catalogue = load_catalogue(path)
    assert dict(catalogue) == {"PDAM": "Air bersih kota fiktif."}
    assert catalogue.get("Dinas PUPR") is None


def test_a_missing_catalogue_is_empty_and_logged(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    assert dict(load_catalogue(tmp_path / "tidak-ada.csv")) == {}
    assert "tidak-ada.csv" in caplog.text


def test_the_page_shows_the_operators_descriptions(make_client: MakeClient, tmp_path: Path) -> None:
    path = tmp_path / "katalog-uji.csv"
    path.write_text("nama,menangani\nBPBD,Urusan bencana di kota uji.\n", encoding="utf-8")
    with make_client(opd_catalogue=path) as client:
        client.post("/admin/login", data={"key": API_KEY}, headers={"Origin": "http://testserver"})
        text = "Banjir masuk rumah setinggi pinggang, warga butuh perahu untuk mengungsi"
        client.post("/v1/complaints", json={"items": [{"id": "K-1", "text": text}]}, headers={"X-API-Key": API_KEY})
        page = client.get("/admin/aduan/K-1").text
    assert "Urusan bencana di kota uji." in page
