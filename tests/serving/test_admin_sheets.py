"""The lembar disposisi, the import and the statistics pages through TestClient, and /docs offline."""

from __future__ import annotations

import csv
import io
import re
import zipfile
from collections.abc import Iterator
from datetime import datetime

import pytest
from fastapi.testclient import TestClient
from openpyxl import Workbook

from serving.csrf import csrf_token
from tests.conftest import SAMPLES
from tests.serving.conftest import API_KEY, AUTH, MakeClient

SAME_SITE = {"Origin": "http://testserver"}
PHONE = "081234567890"


def _samples(count: int) -> list[dict[str, str]]:
    with open(SAMPLES, encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))[:count]


def _login(client: TestClient) -> None:
    response = client.post("/admin/login", data={"key": API_KEY}, headers=SAME_SITE, follow_redirects=False)
    assert response.status_code == 303


@pytest.fixture
def desk(make_client: MakeClient) -> Iterator[TestClient]:
    with make_client(api_keys=[f"budi:{API_KEY}"]) as client:
        _login(client)
        yield client


def _token(client: TestClient) -> str:
    match = re.search(r'name="csrf" value="([0-9a-f]{64})"', client.get("/admin/impor").text)
    assert match, "the import form carries a CSRF token"
    return match.group(1)


def _upload(client: TestClient, data: bytes, name: str = "hari-ini.csv", token: str | None = None) -> str:
    response = client.post(
        "/admin/impor",
        data={"csrf": _token(client) if token is None else token},
        files={"berkas": (name, data, "application/octet-stream")},
        headers=SAME_SITE,
    )
    return f"{response.status_code}\n{response.text}"


def _total(client: TestClient, **params: str) -> int:
    return int(client.get("/v1/complaints", params=params, headers=AUTH).json()["total"])


# --- lembar disposisi -------------------------------------------------------------------------------------------


def test_a_routed_complaint_prints_a_lembar_with_the_decision_and_the_admin(desk: TestClient) -> None:
    text = f"Jalan berlubang besar di depan pasar, hubungi saya di {PHONE} <b>segera</b>"
    item = {"id": "LD-1", "text": text, "tanggal": "2026-12-01T09:30:00+07:00", "kanal": "WhatsApp"}
    assert desk.post("/v1/complaints", json={"items": [item]}, headers=AUTH).json()["stored"] == 1
    decided = desk.post(
        "/v1/complaints/LD-1/decision", json={"opd": "Dinas PUPR", "note": "Cek lokasi hari ini"}, headers=AUTH
    )
    assert decided.status_code == 200
    sheet = desk.get("/admin/aduan/LD-1/lembar")
    assert sheet.status_code == 200
    body = sheet.text
    for label in ("LEMBAR DISPOSISI", "Nomor agenda", "Tanggal diterima", "Dari", "Perihal", "Diteruskan kepada",
                  "Sifat / urgensi", "Batas waktu", "Instruksi / catatan", "Tanda tangan"):  # fmt: skip
        assert label in body
    assert re.search(r'id="kepada"><strong>Dinas PUPR</strong>', body)
    assert re.search(r'id="admin">budi<', body)
    assert "1 Desember 2026" in body and "WhatsApp" in body and "Cek lokasi hari ini" in body
    assert PHONE not in body, "the citizen's phone number stays masked"
    assert "<b>segera</b>" not in body and "&lt;b&gt;segera&lt;/b&gt;" in body
    assert "script-src 'self'" in sheet.headers["content-security-policy"]
    assert "@media print" in desk.get("/admin/static/sheets.css").text


def test_a_complaint_outside_authority_prints_who_must_handle_it(desk: TestClient) -> None:
    item = {"id": "LD-2", "text": "Kabel listrik PLN putus menjuntai ke jalan depan rumah"}
    desk.post("/v1/complaints", json={"items": [item]}, headers=AUTH)
    desk.post("/v1/complaints/LD-2/decision", json={"outside_authority": "PLN"}, headers=AUTH)
    body = desk.get("/admin/aduan/LD-2/lembar").text
    assert "Di luar kewenangan Pemda: PLN" in body


def test_a_waiting_or_unknown_complaint_has_no_lembar_yet(desk: TestClient) -> None:
    desk.post(
        "/v1/complaints", json={"items": [{"id": "LD-3", "text": "Sampah menumpuk di pinggir kali"}]}, headers=AUTH
    )
    waiting = desk.get("/admin/aduan/LD-3/lembar")
    assert waiting.status_code == 409
    assert "belum didisposisikan" in waiting.text
    unknown = desk.get("/admin/aduan/TIDAK-ADA/lembar")
    assert unknown.status_code == 404
    assert "Tidak ada pengaduan dengan nomor TIDAK-ADA" in unknown.text


def test_the_sheet_pages_need_a_login(client: TestClient) -> None:
    for path in ("/admin/aduan/X/lembar", "/admin/impor", "/admin/statistik"):
        response = client.get(path)
        assert response.status_code == 401, path
        assert 'name="key"' in response.text


# --- import -------------------------------------------------------------------------------------------------


def _csv(rows: list[list[str]], delimiter: str = ",") -> str:
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=delimiter).writerows(rows)
    return buffer.getvalue()


@pytest.mark.parametrize(("delimiter", "encoding"), [(";", "cp1252"), (",", "utf-8"), (";", "utf-8-sig")])
def test_a_csv_import_stores_the_day_once_whatever_its_delimiter_and_encoding(
    desk: TestClient, delimiter: str, encoding: str
) -> None:
    rows = [["id", "teks", "tanggal", "kecamatan"]]
    rows += [[r["id"], r["teks"], "2026-12-01", "Kecamatan Fiktif"] for r in _samples(30)]
    rows.append(["S-CAFE", "Warung café di trotoar menutup jalan, mohon ditertibkan", "2026-12-01", "Kecamatan Fiktif"])
    data = _csv(rows, delimiter).encode(encoding)
    first = _upload(desk, data)
    assert first.startswith("200")
    assert "<strong>31</strong>" in first
    assert _total(desk) == 31
    page = desk.get("/v1/complaints", params={"q": "café"}, headers=AUTH).json()
    assert [item["id"] for item in page["items"]] == ["S-CAFE"], "cp1252 text is read, not mangled"
    again = _upload(desk, data)
    assert "<strong>0</strong>" in again and "31 sudah ada" in again
    assert _total(desk) == 31


def test_an_xlsx_import_is_read_with_dates_and_numeric_ids(desk: TestClient) -> None:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["ID", "Teks", "Tanggal", "Kanal"])
    for number, row in enumerate(_samples(5), start=1001):
        sheet.append([number, row["teks"], datetime(2026, 12, 1, 8, 15), "portal"])
    buffer = io.BytesIO()
    book.save(buffer)
    answer = _upload(desk, buffer.getvalue(), name="aduan.xlsx")
    assert answer.startswith("200") and "<strong>5</strong>" in answer
    stored = desk.get("/v1/complaints/1003", headers=AUTH).json()
    assert stored["kanal"] == "portal"
    assert stored["tanggal"].startswith("2026-12-01T08:15")


def test_bad_rows_are_named_by_row_and_column_and_the_good_ones_are_stored(desk: TestClient) -> None:
    good = _samples(3)
    rows = [["id", "teks", "tanggal"], [good[0]["id"], good[0]["teks"], ""], ["B-2", "   ", ""]]
    rows += [["", good[1]["teks"], ""], ["B-4", good[2]["teks"], "kemarin sore"]]
    answer = _upload(desk, _csv(rows).encode())
    assert answer.startswith("200")
    assert "Baris 3, kolom teks: kosong" in answer
    assert "Baris 4, kolom id: kosong" in answer
    assert "Baris 5, kolom tanggal: bukan tanggal" in answer
    assert _total(desk) == 1


def _zip_without_a_workbook() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("catatan.txt", "bukan lembar kerja")
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"nomor,isi\n1,jalan rusak\n", "kolom id dan teks tidak ada (kolom yang ada: nomor, isi)"),
        (b"id,teks\n", "hanya berisi judul kolom"),
        (b"", "Berkas kosong"),
        (b"PK\x03\x04 not a workbook", "Berkas XLSX tidak terbaca"),
        (_zip_without_a_workbook(), "Berkas XLSX tidak terbaca"),
    ],
)
def test_an_unreadable_file_gets_a_clear_message_and_stores_nothing(
    desk: TestClient, data: bytes, message: str
) -> None:
    answer = _upload(desk, data)
    assert answer.startswith("422")
    assert message in answer
    assert _total(desk) == 0


def test_an_import_without_the_sessions_csrf_token_is_refused(desk: TestClient) -> None:
    data = _csv([["id", "teks"], ["C-1", "Lampu jalan mati sejak seminggu"]]).encode()
    assert _upload(desk, data, token="").startswith("403")
    assert _upload(desk, data, token=csrf_token("another-session", "impor")).startswith("403")
    assert _total(desk) == 0
    assert _upload(desk, data).startswith("200")
    assert _total(desk) == 1


def test_an_import_posted_from_another_site_is_refused(desk: TestClient) -> None:
    response = desk.post(
        "/admin/impor",
        data={"csrf": _token(desk)},
        files={"berkas": ("a.csv", b"id,teks\nX-1,Jalan rusak\n", "text/csv")},
        headers={"Origin": "https://penyerang.example"},
    )
    assert response.status_code == 403
    assert _total(desk) == 0


# --- statistics ---------------------------------------------------------------------------------------------


def test_the_statistics_page_draws_the_desk_as_svg_with_its_numbers(desk: TestClient) -> None:
    items = [{"id": r["id"], "text": r["teks"]} for r in _samples(12)]
    desk.post("/v1/complaints", json={"items": items}, headers=AUTH)
    listed = desk.get("/v1/complaints", params={"limit": 12}, headers=AUTH).json()["items"]
    top = listed[0]["suggestion"]["suggestions"][0]["opd"]
    desk.post(f"/v1/complaints/{listed[0]['id']}/decision", json={"opd": top}, headers=AUTH)
    desk.post(f"/v1/complaints/{listed[1]['id']}/decision", json={"opd": "OPD Lain"}, headers=AUTH)
    page = desk.get("/admin/statistik", params={"hari": 7})
    assert page.status_code == 200
    assert re.search(r'id="jumlah">12<', page.text)
    assert "50% (1 dari 2)" in page.text
    assert page.text.count("<rect") >= 1 + 2 * 2, "a bar per day and two per OPD"
    assert 'id="grafik-hari"' in page.text and 'id="grafik-opd"' in page.text
    assert "style=" not in page.text, "the CSP forbids inline styles"
    assert desk.get("/admin/statistik", params={"hari": 0}).status_code == 422


# --- /docs offline ------------------------------------------------------------------------------------------


def test_docs_load_only_same_origin_assets(client: TestClient) -> None:
    page = client.get("/docs")
    assert page.status_code == 200
    urls = re.findall(r"""(?:src|href)=["']([^"']+)["']|url: ?["']([^"']+)["']""", page.text)
    assets = [a or b for a, b in urls]
    assert any(a.endswith("swagger-ui-bundle.js") for a in assets)
    assert any(a.endswith("swagger-ui.css") for a in assets)
    for asset in assets:
        assert asset.startswith("/"), f"{asset} is not on this server"
        assert client.get(asset).status_code == 200, asset
    assert "cdn" not in page.text.lower()
    assert client.get("/redoc").status_code == 404


@pytest.mark.postgres
def test_import_lembar_and_statistics_on_postgresql(make_client: MakeClient, postgres_url: str) -> None:
    with make_client(feedback_url=postgres_url, api_keys=[f"sari:{API_KEY}"]) as client:
        _login(client)
        rows = [["id", "teks", "tanggal"]] + [[r["id"], r["teks"], "2026-12-01T10:00"] for r in _samples(20)]
        assert "<strong>20</strong>" in _upload(client, _csv(rows, ";").encode("cp1252"))
        assert "20 sudah ada" in _upload(client, _csv(rows, ";").encode("cp1252"))
        first = rows[1][0]
        client.post(f"/v1/complaints/{first}/decision", json={"opd": "Dinas PUPR"}, headers=AUTH)
        sheet = client.get(f"/admin/aduan/{first}/lembar")
        assert sheet.status_code == 200
        assert re.search(r'id="admin">sari<', sheet.text)
        stats = client.get("/admin/statistik", params={"hari": 365})
        assert stats.status_code == 200
        assert _total(client) == 20
