"""The /admin triage page through TestClient: login, suggestion, decision, queue import, escaping."""

from __future__ import annotations

import html
import json
import re
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from serving.admin import read_queue
from serving.auth import SESSION_COOKIE
from tests.serving.conftest import API_KEY, MakeClient

FLOOD = "Banjir masuk rumah setinggi pinggang di Kampung Fiktif, warga butuh perahu untuk mengungsi"
SAME_SITE = {"Origin": "http://testserver"}


@pytest.fixture
def admin(client: TestClient) -> Iterator[TestClient]:
    response = client.post("/admin/login", data={"key": API_KEY}, headers=SAME_SITE, follow_redirects=False)
    assert response.status_code == 303
    yield client


def _feedback(client: TestClient) -> list[dict[str, str]]:
    import csv
    import io

    export = client.get("/v1/feedback/export", headers={"X-API-Key": API_KEY})
    return list(csv.DictReader(io.StringIO(export.text)))


def test_admin_asks_for_a_key_first(client: TestClient) -> None:
    response = client.get("/admin")
    assert response.status_code == 200
    assert 'name="key"' in response.text
    assert "Masukkan kunci API" in response.text
    assert "Sarankan disposisi" not in response.text


def test_a_wrong_key_does_not_log_in(client: TestClient) -> None:
    response = client.post("/admin/login", data={"key": "kunci-yang-salah"}, headers=SAME_SITE)
    assert response.status_code == 401
    assert "Kunci API tidak valid." in response.text
    assert SESSION_COOKIE not in response.cookies


def test_repeated_failed_logins_make_the_address_wait(make_client: MakeClient) -> None:
    with make_client(admin_login_max_failures=3) as client:
        failed = [client.post("/admin/login", data={"key": f"tebakan-{n}"}, headers=SAME_SITE) for n in range(3)]
        throttled = client.post("/admin/login", data={"key": API_KEY}, headers=SAME_SITE, follow_redirects=False)
    assert [r.status_code for r in failed] == [401, 401, 401]
    assert throttled.status_code == 429
    assert "Terlalu banyak percobaan gagal" in throttled.text
    assert int(throttled.headers["retry-after"]) > 0
    assert SESSION_COOKIE not in throttled.cookies


def test_a_successful_login_clears_the_failures(make_client: MakeClient) -> None:
    with make_client(admin_login_max_failures=3) as client:
        for n in range(2):
            client.post("/admin/login", data={"key": f"tebakan-{n}"}, headers=SAME_SITE)
        ok = client.post("/admin/login", data={"key": API_KEY}, headers=SAME_SITE, follow_redirects=False)
        again = [client.post("/admin/login", data={"key": f"lagi-{n}"}, headers=SAME_SITE) for n in range(2)]
    assert ok.status_code == 303
    assert [r.status_code for r in again] == [401, 401]


def test_without_configured_keys_the_login_page_says_so(make_client: MakeClient) -> None:
    with make_client(api_keys=[]) as client:
        response = client.get("/admin")
    assert "atur DISPOSISI_API_KEYS" in response.text


def test_login_sets_a_strict_http_only_cookie_without_the_key(client: TestClient) -> None:
    response = client.post("/admin/login", data={"key": API_KEY}, headers=SAME_SITE, follow_redirects=False)
    cookie = response.headers["set-cookie"]
    assert response.status_code == 303
    assert response.headers["location"] == "/admin"
    assert "HttpOnly" in cookie
    assert "SameSite=strict" in cookie
    assert API_KEY not in cookie


@pytest.mark.parametrize(("secure_setting", "secure"), [(False, False), (True, True)])
def test_cookie_is_secure_behind_a_tls_proxy_when_asked(
    make_client: MakeClient, secure_setting: bool, secure: bool
) -> None:
    with make_client(admin_cookie_secure=secure_setting) as client:
        response = client.post("/admin/login", data={"key": API_KEY}, headers=SAME_SITE, follow_redirects=False)
    assert response.status_code == 303
    assert ("Secure" in response.headers["set-cookie"]) is secure


def test_admin_page_after_login_has_the_form_and_a_strict_policy(admin: TestClient) -> None:
    response = admin.get("/admin")
    assert "Sarankan disposisi" in response.text
    assert admin.get("/admin/static/admin.js").status_code == 200
    assert "script-src 'self'" in response.headers["content-security-policy"]
    assert response.headers["cache-control"] == "no-store"


def test_suggest_shows_top_three_urgency_and_marked_terms(admin: TestClient) -> None:
    response = admin.post("/admin/suggest", data={"teks": FLOOD, "id": "ADM-1"}, headers=SAME_SITE)
    assert response.status_code == 200
    ranked = re.findall(r'name="opd_choice" value="([^"]+)"', response.text)
    assert len(ranked) == 4  # three suggestions and "OPD lain"
    assert "BPBD" in ranked[:3]
    assert re.search(r'<mark class="urgency">Banjir masuk rumah[^<]*</mark>', response.text)
    assert re.search(r'<mark class="opd">[^<]+</mark>', response.text)
    assert 'id="urgensi" class="urgensi-tinggi"' in response.text


def test_suggest_masks_personal_data_on_the_page(admin: TestClient) -> None:
    text = "Lampu jalan mati di gang 5, telp 0812-3456-7890, NIK 3578012304850001"
    response = admin.post("/admin/suggest", data={"teks": text}, headers=SAME_SITE)
    assert "0812-3456-7890" not in response.text
    assert "3578012304850001" not in response.text
    assert "[TELEPON]" in response.text


@pytest.mark.parametrize(
    "attack",
    [
        "<script>alert('xss')</script> jalan rusak",
        '"><img src=x onerror=alert(1)> banjir masuk rumah',
        "</textarea><script>alert(1)</script> sampah",
    ],
)
def test_everything_the_admin_pastes_is_escaped(admin: TestClient, attack: str) -> None:
    response = admin.post("/admin/suggest", data={"teks": attack, "id": '"><b>id</b>'}, headers=SAME_SITE)
    assert response.status_code == 200
    assert "<script>alert" not in response.text
    assert "<img src=x" not in response.text
    assert "<b>id</b>" not in response.text
    assert "&lt;" in response.text


@pytest.mark.parametrize(
    ("data", "message"),
    [({"teks": "   "}, "Teks pengaduan masih kosong."), ({"teks": "x" * 21}, "Teks terlalu panjang")],
)
def test_suggest_explains_bad_input(make_client: MakeClient, data: dict[str, str], message: str) -> None:
    with make_client(max_text_chars=20) as client:
        client.post("/admin/login", data={"key": API_KEY}, headers=SAME_SITE)
        response = client.post("/admin/suggest", data=data, headers=SAME_SITE)
    assert response.status_code == 422
    assert message in response.text


def test_accepting_the_suggestion_stores_it_as_feedback(admin: TestClient) -> None:
    page = admin.post("/admin/suggest", data={"teks": FLOOD, "id": "ADM-2"}, headers=SAME_SITE).text
    top = re.findall(r'name="suggested_opd" value="([^"]+)"', page)[0]
    level = re.findall(r'name="suggested_urgency" value="([^"]*)"', page)[0]
    form = {"teks": FLOOD, "id": "ADM-2", "suggested_opd": top, "suggested_urgency": level, "action": "terima"}
    saved = admin.post("/admin/feedback", data=form, headers=SAME_SITE, follow_redirects=False)
    assert saved.status_code == 303
    assert saved.headers["location"] == "/admin?tersimpan=1"
    assert "Keputusan #1 tersimpan." in admin.get(saved.headers["location"]).text
    assert _feedback(admin) == [{"id": "ADM-2", "teks": FLOOD, "opd": top, "urgensi": level}]
    assert admin.get("/v1/stats", headers={"X-API-Key": API_KEY}).json()["feedback"]["accepted"] == 1


@pytest.mark.parametrize(
    ("choice", "other", "expected"), [("Dinas Sosial", "", "Dinas Sosial"), ("__lain__", "Satpol PP", "Satpol PP")]
)
def test_choosing_another_opd_and_urgency_is_stored_as_a_correction(
    admin: TestClient, choice: str, other: str, expected: str
) -> None:
    form = {
        "teks": FLOOD,
        "id": "ADM-3",
        "suggested_opd": "BPBD",
        "suggested_urgency": "tinggi",
        "action": "simpan",
        "opd_choice": choice,
        "opd_other": other,
        "urgency": "sedang",
    }
    assert admin.post("/admin/feedback", data=form, headers=SAME_SITE, follow_redirects=False).status_code == 303
    assert _feedback(admin) == [{"id": "ADM-3", "teks": FLOOD, "opd": expected, "urgensi": "sedang"}]
    assert (
        admin.get("/v1/stats", headers={"X-API-Key": API_KEY}).json()["feedback"]["top_corrections"][0]["chosen"]
        == expected
    )


def test_a_decision_without_an_opd_is_refused(admin: TestClient) -> None:
    form = {"teks": FLOOD, "action": "simpan", "opd_choice": "", "urgency": "sedang"}
    response = admin.post("/admin/feedback", data=form, headers=SAME_SITE)
    assert response.status_code == 422
    assert "Pilih OPD" in response.text
    assert _feedback(admin) == []


@pytest.mark.parametrize("path", ["/admin/suggest", "/admin/feedback", "/admin/queue"])
def test_admin_forms_need_a_login(client: TestClient, path: str) -> None:
    response = client.post(path, data={"teks": FLOOD, "opd_choice": "BPBD", "action": "simpan"}, headers=SAME_SITE)
    assert response.status_code == 401
    assert 'name="key"' in response.text
    assert _feedback(client) == []


@pytest.mark.parametrize("origin", ["https://jahat.example.com", "null"])
def test_admin_forms_from_another_site_are_refused(admin: TestClient, origin: str) -> None:
    form = {"teks": FLOOD, "suggested_opd": "BPBD", "action": "terima"}
    response = admin.post("/admin/feedback", data=form, headers={"Origin": origin})
    assert response.status_code == 403
    assert response.json()["error"] == "forbidden"
    assert _feedback(admin) == []


def test_logout_ends_the_session(admin: TestClient) -> None:
    admin.post("/admin/logout", headers=SAME_SITE)
    assert 'name="key"' in admin.get("/admin").text


def test_queue_import_embeds_masked_texts_safely(admin: TestClient) -> None:
    body = (
        b"id,teks,opd\n"
        b"Q1,Jalan berlubang di gang 2 telp 081234567890,\n"
        b'Q2,"Sampah menumpuk </script><script>alert(1)</script>",\n'
        b"Q3,   ,\n"
    )
    response = admin.post("/admin/queue", files={"berkas": ("antrean.csv", body, "text/csv")}, headers=SAME_SITE)
    assert response.status_code == 200
    assert "2 pengaduan masuk antrean. 1 baris kosong dilewati." in response.text
    embedded = re.search(r'<script type="application/json" id="antrean-data">(.*?)</script>', response.text, re.S)
    assert embedded is not None
    assert "<script>alert" not in response.text
    assert json.loads(embedded.group(1)) == [
        {"id": "Q1", "teks": "Jalan berlubang di gang 2 telp [TELEPON]"},
        {"id": "Q2", "teks": "Sampah menumpuk </script><script>alert(1)</script>"},
    ]


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b"id,isi\n1,banjir\n", "CSV perlu kolom 'teks' (kolom yang ada: id, isi)."),
        (b"teks\n\xff\xfe banjir\n", "Berkas CSV harus UTF-8"),
        (b"teks\n \n", "CSV tidak berisi pengaduan yang bisa dipakai."),
    ],
)
def test_queue_import_explains_a_bad_file(admin: TestClient, body: bytes, message: str) -> None:
    response = admin.post("/admin/queue", files={"berkas": ("a.csv", body, "text/csv")}, headers=SAME_SITE)
    assert response.status_code == 422
    assert message in html.unescape(response.text)


def test_read_queue_caps_items_and_skips_long_texts() -> None:
    raw = ("text,id\n" + "".join(f"banjir {i},{i}\n" for i in range(5)) + ("x" * 30) + ",9\n").encode("utf-8-sig")
    queue, notes = read_queue(raw, max_items=3, max_chars=20)
    assert [item["id"] for item in queue] == ["0", "1", "2"]
    assert notes == [
        "1 baris lebih dari 20 karakter dilewati.",
        "Antrean dibatasi 3 pengaduan; 2 baris berikutnya tidak dimuat.",
    ]
