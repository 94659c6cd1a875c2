"""The /admin inbox through TestClient: login, the list in desk order, one complaint, decisions, undo, bulk
accept, CSRF and escaping."""

from __future__ import annotations

import csv
import html
import io
import re
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from serving.auth import SESSION_COOKIE
from tests.serving.conftest import API_KEY, AUTH, MakeClient

FLOOD = "Banjir masuk rumah setinggi pinggang di Kampung Fiktif, warga butuh perahu untuk mengungsi"
SAME_SITE = {"Origin": "http://testserver"}
COMPLAINTS = [
    ("A-1", "Lampu jalan mati di Jl. Fiktif sejak seminggu, gelap banget kalau malam"),
    ("A-2", FLOOD),
    ("A-3", "Sampah menumpuk di TPS dekat pasar, baunya gak ketulungan, telp 081234567890"),
    ("A-4", "Anak kesetrum kabel yang putus di depan sekolah, tolong segera"),
    ("A-5", "Mohon info jadwal vaksin anak di puskesmas kecamatan"),
]


def _store(client: TestClient, items: list[tuple[str, str]] = COMPLAINTS) -> dict[str, Any]:
    body = {"items": [{"id": i, "text": t} for i, t in items]}
    response = client.post("/v1/complaints", json=body, headers=AUTH)
    assert response.status_code == 200, response.text
    return dict(response.json())


@pytest.fixture
def admin(client: TestClient) -> Iterator[TestClient]:
    response = client.post("/admin/login", data={"key": API_KEY}, headers=SAME_SITE, follow_redirects=False)
    assert response.status_code == 303
    yield client


def _csrf(client: TestClient, path: str = "/admin") -> str:
    found = re.search(r'name="csrf" value="([0-9a-f]{64})"', client.get(path).text)
    assert found, "the page carries no CSRF token"
    return found.group(1)


def _feedback(client: TestClient) -> list[dict[str, str]]:
    export = client.get("/v1/feedback/export", headers=AUTH)
    return list(csv.DictReader(io.StringIO(export.text)))


def _listed_ids(html: str) -> list[str]:
    return re.findall(r'<li class="baris[^"]*" data-id="([^"]+)"', html)


def _api(client: TestClient, complaint_id: str) -> dict[str, Any]:
    return dict(client.get(f"/v1/complaints/{complaint_id}", headers=AUTH).json())


def test_admin_asks_for_a_key_first(client: TestClient) -> None:
    response = client.get("/admin")
    assert response.status_code == 200
    assert 'name="key"' in response.text
    assert "Kotak masuk" in response.text  # the nav
    assert 'id="daftar"' not in response.text


def test_the_front_door_redirects_to_the_inbox(client: TestClient) -> None:
    response = client.get("/", follow_redirects=False)
    assert response.status_code == 307
    assert response.headers["location"] == "/admin"


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


def test_the_inbox_lists_waiting_complaints_in_desk_order_with_counts(admin: TestClient) -> None:
    _store(admin)
    response = admin.get("/admin")
    assert response.status_code == 200
    assert "script-src 'self'" in response.headers["content-security-policy"]
    assert response.headers["cache-control"] == "no-store"
    api_order = [item["id"] for item in admin.get("/v1/complaints?status=baru", headers=AUTH).json()["items"]]
    assert _listed_ids(response.text) == api_order
    assert sorted(api_order) == sorted(i for i, _ in COMPLAINTS)
    assert re.search(r'data-status="baru">Menunggu <span class="jumlah">5</span>', response.text)
    assert re.search(r'data-status="didisposisikan">Didisposisikan <span class="jumlah">0</span>', response.text)
    for link in ("/admin/impor", "/admin/statistik"):
        assert f'href="{link}"' in response.text


def test_the_inbox_filters_and_pages(admin: TestClient) -> None:
    _store(admin)
    everything = _listed_ids(admin.get("/admin").text)
    first, second = admin.get("/admin?limit=2").text, admin.get("/admin?limit=2&offset=2").text
    assert _listed_ids(first) + _listed_ids(second) == everything[:4]
    assert 'id="berikutnya"' in first and 'id="sebelumnya"' in second
    assert _listed_ids(admin.get("/admin?q=kesetrum").text) == ["A-4"]
    top_of_a3 = _api(admin, "A-3")["suggestion"]["suggestions"][0]["opd"]
    by_opd = _listed_ids(admin.get("/admin", params={"opd": top_of_a3}).text)
    assert "A-3" in by_opd
    assert all(_api(admin, i)["suggestion"]["suggestions"][0]["opd"] == top_of_a3 for i in by_opd)
    review = _listed_ids(admin.get("/admin?tinjau=ya").text)
    assert all(_api(admin, i)["suggestion"]["needs_review"] for i in review)


@pytest.mark.parametrize(
    ("query", "message"),
    [("status=hilang", "Status 'hilang' tidak dikenal."), ("urgensi=darurat", "Urgensi harus salah satu dari")],
)
def test_a_bad_filter_is_explained_not_a_server_error(admin: TestClient, query: str, message: str) -> None:
    response = admin.get(f"/admin?{query}&offset=abc&limit=-4")
    assert response.status_code == 422
    assert message in html.unescape(response.text)


def test_an_overdue_complaint_stands_out(admin: TestClient) -> None:
    _store(admin, [("LAMA-1", "Jalan berlubang besar di depan kantor kelurahan")])
    admin.post(
        "/v1/complaints",
        json={"items": [{"id": "LAMA-2", "text": "Lampu taman mati", "tanggal": "2020-01-06T08:00:00"}]},
        headers=AUTH,
    )
    html = admin.get("/admin").text
    assert re.search(r'<li class="baris lewat" data-id="LAMA-2">', html)
    assert re.search(r'<li class="baris" data-id="LAMA-1">', html)
    assert "terlambat" in admin.get("/admin/aduan/LAMA-2").text


def test_one_complaint_shows_masked_text_marks_suggestions_and_what_each_opd_handles(admin: TestClient) -> None:
    _store(admin)
    page = admin.get("/admin/aduan/A-3").text
    assert "081234567890" not in page
    assert "[TELEPON]" in page
    suggestion = _api(admin, "A-3")["suggestion"]
    offered = re.findall(r'name="pilihan" value="([^"]+)"', page)
    assert offered == [s["opd"] for s in suggestion["suggestions"]] + ["__lain__"]
    assert re.search(r'<mark class="(opd|urgency)">[^<]+</mark>', page)
    assert "Menangani " in page  # the catalogue's description of a suggested OPD
    flood = admin.get("/admin/aduan/A-2").text
    assert re.search(r'<mark class="urgency">Banjir masuk rumah[^<]*</mark>', flood)
    assert admin.get("/admin/aduan/TIDAK-ADA").status_code == 404


def test_the_inbox_and_the_complaint_say_why_it_needs_review(admin: TestClient) -> None:
    outside = "Sertifikat tanah saya di kantor BPN belum jadi sudah dua tahun"
    _store(admin, [*COMPLAINTS, ("L-1", outside)])
    assert _api(admin, "L-1")["suggestion"]["review_reason"] == "di_luar_cakupan"
    listed = admin.get("/admin").text
    assert re.search(
        r'data-id="L-1">.*?<span class="alasan alasan-di_luar_cakupan">Mungkin di luar kewenangan</span>', listed, re.S
    )
    page = admin.get("/admin/aduan/L-1").text
    assert 'data-alasan="di_luar_cakupan"' in page
    assert "Perlu ditinjau · Mungkin di luar kewenangan: pengaduan ini tidak mirip" in page
    for complaint_id, _ in COMPLAINTS:
        reason = _api(admin, complaint_id)["suggestion"]["review_reason"]
        shown = admin.get(f"/admin/aduan/{complaint_id}").text
        if reason == "ragu":
            assert 'data-alasan="ragu"' in shown and "Perlu ditinjau · Ragu antar OPD: model kurang yakin" in shown
        elif reason == "":
            assert 'id="perlu-tinjau"' not in shown


def test_a_decision_routes_stores_feedback_records_the_admin_and_opens_the_next(
    make_client: MakeClient,
) -> None:
    with make_client(api_keys=[f"sari:{API_KEY}"]) as client:
        client.post("/admin/login", data={"key": API_KEY}, headers=SAME_SITE)
        _store(client)
        first = _listed_ids(client.get("/admin").text)[0]
        opened = client.get("/admin/buka?pos=0", follow_redirects=False)
        assert opened.headers["location"].startswith(f"/admin/aduan/{first}?")
        form = {"csrf": _csrf(client), "pilihan": "__lain__", "opd_lain": "Satpol PP", "urgensi": "rendah"}
        decided = client.post(f"/admin/aduan/{first}/putuskan?pos=0", data=form, follow_redirects=False)
        assert decided.status_code == 303
        following = client.get(decided.headers["location"], follow_redirects=False)
        second = _listed_ids(client.get("/admin").text)[0]
        assert following.headers["location"].startswith(f"/admin/aduan/{second}?")
        assert f"terakhir={first}" in following.headers["location"]
        complaint = _api(client, first)
        feedback = _feedback(client)
    assert complaint["status"] == "didisposisikan"
    assert complaint["decision"]["opd"] == "Satpol PP"
    assert complaint["decision"]["urgency"] == "rendah"
    assert complaint["decision"]["decided_by"] == "sari"
    assert [(row["id"], row["opd"], row["urgensi"]) for row in feedback] == [(first, "Satpol PP", "rendah")]


def test_outside_authority_and_undo(admin: TestClient) -> None:
    _store(admin)
    token = _csrf(admin)
    marked = admin.post("/admin/aduan/A-4/luar", data={"csrf": token, "lembaga": "PLN"}, follow_redirects=False)
    assert marked.status_code == 303
    assert _api(admin, "A-4")["decision"]["outside_authority"] == "PLN"
    assert _api(admin, "A-4")["status"] == "di_luar_kewenangan"
    assert _feedback(admin) == []  # not a training row: no OPD of ours
    undone = admin.post("/admin/aduan/A-4/batal", data={"csrf": token}, follow_redirects=False)
    assert undone.status_code == 303
    assert _api(admin, "A-4")["status"] == "baru"
    assert "Keputusan terakhir dibatalkan." in admin.get(undone.headers["location"]).text
    empty = admin.post("/admin/aduan/A-4/luar", data={"csrf": token, "lembaga": " "}, follow_redirects=False)
    assert "salah=lembaga" in empty.headers["location"]
    assert _api(admin, "A-4")["status"] == "baru"


def test_bulk_accept_confirms_the_count_then_routes_only_the_confident(admin: TestClient) -> None:
    _store(admin)
    confident = [i for i, _ in COMPLAINTS if not _api(admin, i)["suggestion"]["needs_review"]]
    confirm = admin.get("/admin/terima-massal?status=baru").text
    assert re.search(rf"untuk <strong>{len(confident)}</strong> pengaduan", confirm)
    token = _csrf(admin)
    done = admin.post("/admin/terima-massal", data={"csrf": token, "status": "baru"}, follow_redirects=False)
    assert done.status_code == 303
    assert f"diterima={len(confident)}" in done.headers["location"]
    for complaint_id, _ in COMPLAINTS:
        complaint = _api(admin, complaint_id)
        if complaint_id in confident:
            assert complaint["status"] == "didisposisikan"
            assert complaint["decision"]["opd"] == complaint["suggestion"]["suggestions"][0]["opd"]
        else:
            assert complaint["status"] == "baru"
    assert sorted(row["id"] for row in _feedback(admin)) == sorted(confident)


@pytest.mark.parametrize(
    ("path", "form"),
    [
        ("/admin/aduan/A-1/putuskan", {"pilihan": "Dinas PUPR"}),
        ("/admin/aduan/A-1/luar", {"lembaga": "PLN"}),
        ("/admin/aduan/A-1/batal", {}),
        ("/admin/terima-massal", {"status": "baru"}),
        ("/admin/logout", {}),
    ],
)
@pytest.mark.parametrize("token", [None, "0" * 64, "salah"])
def test_forms_without_a_valid_csrf_token_are_refused(
    admin: TestClient, path: str, form: dict[str, str], token: str | None
) -> None:
    _store(admin)
    data = form if token is None else {**form, "csrf": token}
    response = admin.post(path, data=data, headers=SAME_SITE, follow_redirects=False)
    assert response.status_code == 403
    assert response.json()["error"] == "forbidden"
    assert _api(admin, "A-1")["status"] == "baru"
    assert 'id="daftar"' in admin.get("/admin").text  # still logged in


def test_a_token_of_another_session_is_refused(make_client: MakeClient) -> None:
    with make_client() as first, make_client() as second:
        for client in (first, second):
            client.post("/admin/login", data={"key": API_KEY}, headers=SAME_SITE)
        _store(first)
        stolen = _csrf(second)
        response = first.post("/admin/aduan/A-1/luar", data={"csrf": stolen, "lembaga": "PLN"}, headers=SAME_SITE)
    assert response.status_code == 403


@pytest.mark.parametrize("origin", ["https://jahat.example.com", "null"])
def test_forms_from_another_site_are_refused(admin: TestClient, origin: str) -> None:
    _store(admin)
    form = {"csrf": _csrf(admin), "pilihan": "Dinas PUPR"}
    response = admin.post("/admin/aduan/A-1/putuskan", data=form, headers={"Origin": origin})
    assert response.status_code == 403
    assert _api(admin, "A-1")["status"] == "baru"


def test_forms_need_a_login(client: TestClient) -> None:
    _store(client)
    response = client.post("/admin/aduan/A-1/putuskan", data={"pilihan": "Dinas PUPR"}, headers=SAME_SITE)
    assert response.status_code == 401
    assert 'name="key"' in response.text


def test_logout_ends_the_session(admin: TestClient) -> None:
    admin.post("/admin/logout", data={"csrf": _csrf(admin)}, headers=SAME_SITE)
    assert 'name="key"' in admin.get("/admin").text


@pytest.mark.parametrize(
    "attack",
    [
        "<script>alert('xss')</script> jalan rusak",
        '"><img src=x onerror=alert(1)> banjir masuk rumah',
        "</textarea><script>alert(1)</script> sampah",
    ],
)
def test_a_hostile_complaint_is_escaped_everywhere(admin: TestClient, attack: str) -> None:
    _store(admin, [('"><b>id</b>', attack)])
    token = _csrf(admin)
    admin.post("/admin/aduan/%22%3E%3Cb%3Eid%3C%2Fb%3E/luar", data={"csrf": token, "lembaga": "<i>PLN</i>"})
    pages = [
        admin.get("/admin?status=semua").text,
        admin.get("/admin/aduan/%22%3E%3Cb%3Eid%3C%2Fb%3E").text,
        admin.get("/admin/terima-massal?q=%3Cscript%3E").text,
    ]
    for text in pages:
        assert "<script>alert" not in text
        assert "<img src=x" not in text
        assert "<b>id</b>" not in text
        assert "<i>PLN</i>" not in text
    assert "&lt;" in pages[1]
    assert "di luar kewenangan (&lt;i&gt;PLN&lt;/i&gt;)" in pages[1]


def test_auto_routed_complaints_have_their_own_tab_and_an_admin_can_reverse_one(make_client: MakeClient) -> None:
    with make_client(auto_route=True) as client:
        client.post("/admin/login", data={"key": API_KEY}, headers=SAME_SITE)
        answer = _store(client)
        automatic = [r["id"] for r in answer["results"] if r["status"] == "otomatis"]
        assert automatic, "the sample model routes some of these without review"
        page = client.get("/admin?status=otomatis").text
        assert re.search(rf'data-status="otomatis">Otomatis <span class="jumlah">{len(automatic)}</span>', page)
        assert sorted(_listed_ids(page)) == sorted(automatic)
        assert not set(automatic) & set(_listed_ids(client.get("/admin").text))  # not among the waiting
        reversed_id = automatic[0]
        form = {"csrf": _csrf(client), "pilihan": "__lain__", "opd_lain": "Satpol PP"}
        client.post(f"/admin/aduan/{reversed_id}/putuskan?status=otomatis", data=form)
        complaint = _api(client, reversed_id)
    assert complaint["status"] == "didisposisikan"
    assert complaint["decision"]["opd"] == "Satpol PP"


def test_next_and_previous_keep_the_undo_of_the_last_decision(admin: TestClient) -> None:
    _store(admin)
    page = admin.get("/admin/aduan/A-2?pos=1&terakhir=A-1").text
    assert 'action="/admin/aduan/A-1/batal?status=baru"' in page
    assert 'href="/admin/buka?status=baru&amp;pos=2&amp;terakhir=A-1" id="berikutnya"' in page
    assert 'href="/admin/buka?status=baru&amp;pos=0&amp;terakhir=A-1" id="sebelumnya"' in page
