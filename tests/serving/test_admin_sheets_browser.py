"""The lembar disposisi, import and statistics pages in a real headless Chromium against ``disposisi serve``:
the sheet prints on one A4 page, the import works from the page, and no page scrolls sideways at 1280 or 390 px.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest

from benchmarks.load import LOAD_KEY, free_port, start_server, stop_server, wait_ready
from tests.serving.test_admin_browser import LAUNCH_ARGS, _chromium_or_skip

pytestmark = pytest.mark.browser

AUTH = {"X-API-Key": LOAD_KEY}
LONG = (
    "Jalan utama di depan SD Negeri Fiktif berlubang dalam sepanjang kira-kira dua ratus meter sejak musim hujan. "
    "Sudah tiga pengendara motor jatuh minggu ini, salah satunya anak sekolah. Air menggenang setiap sore dan "
    "lubangnya tidak terlihat. Mohon segera ditambal dan dipasang rambu peringatan sebelum ada korban lagi. "
) * 3


@pytest.fixture(scope="module")
def server(sample_model_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """One server for the module (the tests add to its store but do not depend on each other's additions)."""
    _chromium_or_skip()
    tmp_path = tmp_path_factory.mktemp("sheets-server")
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    process = start_server(sample_model_dir, tmp_path, port, workers=1)
    try:
        wait_ready(base, process, workers=1, log=tmp_path / "server.log")
        items = [
            {"id": "BR-1", "text": LONG, "tanggal": "2026-12-01T08:00:00+07:00", "kanal": "portal"},
            {"id": "BR-2", "text": "Kabel PLN putus menjuntai di gang mawar, bahaya kesetrum"},
            {"id": "BR-3", "text": "Sampah menumpuk di TPS pasar sudah seminggu tidak diangkut"},
        ]
        assert httpx.post(f"{base}/v1/complaints", json={"items": items}, headers=AUTH).status_code == 200
        decision = {"opd": "Dinas PUPR", "urgency": "tinggi", "note": "Tinjau lokasi hari ini dan lapor balik."}
        assert httpx.post(f"{base}/v1/complaints/BR-1/decision", json=decision, headers=AUTH).status_code == 200
        outside = {"outside_authority": "PLN"}
        assert httpx.post(f"{base}/v1/complaints/BR-2/decision", json=outside, headers=AUTH).status_code == 200
        yield base
    finally:
        stop_server(process)


@pytest.fixture
def page(server: str) -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=_chromium_or_skip(), headless=True, args=LAUNCH_ARGS)
        try:
            tab = browser.new_context(base_url=server).new_page()
            tab.set_default_timeout(30_000)
            tab.goto("/admin")
            tab.fill("#kunci", LOAD_KEY)
            tab.click("button[type=submit]")
            tab.wait_for_url(re.compile(r"/admin$"))
            yield tab
        finally:
            browser.close()


def _pdf_pages(pdf: bytes) -> int:
    return len(re.findall(rb"/Type\s*/Page(?![a-zA-Z])", pdf))


def test_the_lembar_disposisi_prints_on_one_a4_page(page: object, tmp_path: Path) -> None:
    from playwright.sync_api import Page, expect

    assert isinstance(page, Page)
    page.goto("/admin/aduan/BR-1/lembar")
    expect(page.locator("#kepada")).to_have_text("Dinas PUPR")
    expect(page.locator("#cetak")).to_be_visible()
    page.emulate_media(media="print")
    expect(page.locator("#cetak")).to_be_hidden()
    expect(page.locator("body > header")).to_be_hidden()
    expect(page.locator("#instruksi")).to_have_text("Tinjau lokasi hari ini dan lapor balik.")
    pdf = page.pdf(format="A4", print_background=True)
    (tmp_path / "lembar.pdf").write_bytes(pdf)
    assert pdf.startswith(b"%PDF")
    assert _pdf_pages(pdf) == 1


def test_a_day_is_imported_from_the_page(page: object, server: str, tmp_path: Path) -> None:
    from playwright.sync_api import Page, expect

    assert isinstance(page, Page)
    day = tmp_path / "hari-ini.csv"
    day.write_bytes(
        "id;teks;tanggal\nIM-1;Lampu jalan mati di depan kantor kelurahan;2026-12-01\n"
        "IM-2;Saluran air tersumbat, café di sebelah kebanjiran;2026-12-01\nIM-3;;2026-12-01\n".encode("cp1252")
    )
    page.goto("/admin/impor")
    page.set_input_files("#berkas", str(day))
    page.click("#tombol-impor")
    expect(page.locator("#hasil")).to_contain_text("3 baris dibaca: 2 pengaduan baru disimpan")
    expect(page.locator("#masalah")).to_contain_text("Baris 4, kolom teks: kosong")
    listed = httpx.get(f"{server}/v1/complaints", params={"q": "café"}, headers=AUTH).json()
    assert [item["id"] for item in listed["items"]] == ["IM-2"]


@pytest.mark.parametrize("width", [1280, 390])
@pytest.mark.parametrize(
    "path",
    ["/admin/aduan/BR-1/lembar", "/admin/aduan/BR-2/lembar", "/admin/impor", "/admin/statistik", "/admin/pantauan"],
)
def test_the_pages_fit_the_screen_without_sideways_scrolling(
    page: object, path: str, width: int, tmp_path: Path
) -> None:
    from playwright.sync_api import Page

    assert isinstance(page, Page)
    page.set_viewport_size({"width": width, "height": 900})
    page.goto(path)
    page.screenshot(path=str(tmp_path / f"{path.strip('/').replace('/', '-')}-{width}.png"), full_page=True)
    overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 0, f"{path} at {width} px scrolls {overflow} px sideways"


def test_the_monitoring_page_shows_the_alert_of_an_opd_the_model_does_not_know(page: object, server: str) -> None:
    from playwright.sync_api import Page, expect

    assert isinstance(page, Page)
    now = datetime.now(UTC).isoformat()  # in the page's window whenever the test runs
    item = {"id": "BR-MON", "text": "Izin usaha baru belum keluar sudah sebulan", "tanggal": now}
    assert httpx.post(f"{server}/v1/complaints", json={"items": [item]}, headers=AUTH).status_code == 200
    decision = {"opd": "Badan Fiktif Baru"}
    assert httpx.post(f"{server}/v1/complaints/BR-MON/decision", json=decision, headers=AUTH).status_code == 200
    page.goto("/admin")
    page.click("nav >> text=Pantauan")
    page.wait_for_url(re.compile(r"/admin/pantauan$"))
    expect(page.locator("#peringatan li[data-kind=unknown_opd]")).to_contain_text("Badan Fiktif Baru")
    expect(page.locator("#grafik-jumlah")).to_be_visible()
    drawn = page.evaluate(
        "[...document.querySelectorAll('#grafik-jumlah rect')].filter(r => r.height.baseVal.value > 0).length"
    )
    assert drawn >= 1, "the day of the new complaint has a bar"
    page.select_option("#hari", "30")
    page.click("form.periode button")
    page.wait_for_url(re.compile(r"hari=30"))
    expect(page.locator("h2")).to_contain_text("30 hari terakhir")
    assert page.locator("#grafik-jumlah g").count() == 30
