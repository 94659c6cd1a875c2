"""The admin inbox in a real headless Chromium (Debian's, driven by Playwright) against a real uvicorn.

The server is ``uvicorn serving.api:app_from_env --factory`` on a free loopback port, configured only
through DISPOSISI_* variables, as ``disposisi serve`` runs it.
"""

from __future__ import annotations

import csv
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest

from serving.feedback import FeedbackStore
from tests.serving.conftest import API_KEY

pytestmark = pytest.mark.browser

LAUNCH_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]

# Two complaints for a model trained with --unit-column: one with its place (a kelurahan's), one for an OPD.
UNIT_ITEMS = [
    {
        "id": "U-1",
        "text": "Surat pengantar RT untuk kartu keluarga belum ditandatangani pak lurah",
        "kecamatan": "Tanjungsari",
        "kelurahan": "Wonoasri",
    },
    {"id": "U-2", "text": "Lampu lalu lintas di perempatan mati sejak kemarin"},
]


def _chromium_or_skip() -> str:
    path = os.environ.get("DISPOSISI_CHROMIUM", "/usr/bin/chromium")
    if Path(path).is_file():
        return path
    if os.environ.get("DISPOSISI_REQUIRE_SERVICES") == "1":
        pytest.fail(f"Chromium is required here (DISPOSISI_REQUIRE_SERVICES=1) but {path} does not exist")
    pytest.skip(f"Chromium not found at {path}: install Debian's chromium or set DISPOSISI_CHROMIUM")


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def chromium() -> str:
    return _chromium_or_skip()


@pytest.fixture
def feedback_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'feedback.db'}"


@contextmanager
def running_server(model_dir: Path, feedback_url: str, tmp_path: Path) -> Iterator[str]:
    """A real uvicorn serving ``model_dir``; yields its base URL."""
    port = _free_port()
    env = {
        **os.environ,
        "DISPOSISI_MODEL_DIR": str(model_dir),
        "DISPOSISI_FEEDBACK_URL": feedback_url,
        "DISPOSISI_API_KEYS": f"{ADMIN_NAME}:{API_KEY}",
        "DISPOSISI_REQUIRE_KEY_FOR_ROUTING": "false",
    }
    log = open(tmp_path / "uvicorn.log", "wb")  # noqa: SIM115 - closed after the process ends
    command = [sys.executable, "-m", "uvicorn", "serving.api:app_from_env", "--factory"]
    process = subprocess.Popen(
        [*command, "--host", "127.0.0.1", "--port", str(port), "--log-level", "warning"],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while True:
            if process.poll() is not None:
                pytest.fail(
                    f"uvicorn exited with {process.returncode}: {(tmp_path / 'uvicorn.log').read_text()[-2000:]}"
                )
            try:
                if httpx.get(f"{base}/readyz", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                pytest.fail("uvicorn did not become ready within 90 s")
            time.sleep(0.3)
        yield base
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)
        log.close()


@pytest.fixture
def served_model_dir(request: pytest.FixtureRequest, sample_model_dir: Path) -> Path:
    """The sample model, or the model fixture a test names by indirect parametrisation."""
    name = getattr(request, "param", None)
    return Path(request.getfixturevalue(name)) if name else sample_model_dir


@pytest.fixture
def server(chromium: str, served_model_dir: Path, feedback_url: str, tmp_path: Path) -> Iterator[str]:
    """A real uvicorn serving the sample model (or ``served_model_dir``); yields its base URL."""
    del chromium  # only to skip before starting a server when there is no browser
    with running_server(served_model_dir, feedback_url, tmp_path) as base:
        yield base


SAMPLES = Path(__file__).resolve().parents[2] / "data" / "samples" / "complaints.csv"
ADMIN_NAME = "sari"


def _store_samples(base: str, count: int = 200) -> list[str]:
    """The first ``count`` team-written sample complaints, stored through POST /v1/complaints; their ids."""
    with SAMPLES.open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))[:count]
    items = [{"id": row["id"], "text": row["teks"], "tanggal": "2026-11-30T08:00:00"} for row in rows]
    response = httpx.post(f"{base}/v1/complaints", json={"items": items}, headers={"X-API-Key": API_KEY}, timeout=120)
    assert response.status_code == 200, response.text
    assert response.json()["stored"] == count
    again = httpx.post(f"{base}/v1/complaints", json={"items": items[:20]}, headers={"X-API-Key": API_KEY}, timeout=60)
    assert (again.json()["stored"], again.json()["skipped"]) == (0, 20)
    return [row["id"] for row in rows]


def _complaint(base: str, complaint_id: str) -> dict[str, Any]:
    response = httpx.get(f"{base}/v1/complaints/{complaint_id}", headers={"X-API-Key": API_KEY}, timeout=10)
    assert response.status_code == 200, response.text
    return dict(response.json())


def _total(base: str, status: str) -> int:
    query = {"status": status, "limit": 1}
    response = httpx.get(f"{base}/v1/complaints", params=query, headers={"X-API-Key": API_KEY}, timeout=10)
    return int(response.json()["total"])


def _no_overflow(tab: Any) -> None:
    width = tab.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert width[0] <= width[1], f"horizontal overflow: page {width[0]} px wide in a {width[1]} px window"


@pytest.fixture
def page(chromium: str, server: str) -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium, headless=True, args=LAUNCH_ARGS)
        try:
            context = browser.new_context(base_url=server, viewport={"width": 1280, "height": 900})
            tab = context.new_page()
            tab.set_default_timeout(30_000)
            tab.goto("/admin")
            tab.fill("#kunci", API_KEY)
            tab.click("button[type=submit]")
            tab.wait_for_selector("#daftar")
            yield tab
        finally:
            browser.close()


def test_an_admins_day_with_the_keyboard(page: object, server: str, feedback_url: str, tmp_path: Path) -> None:
    """200 stored complaints; 50 triaged with the keyboard alone (1/2/3, u, o, Enter), z undoes, l marks one
    outside authority, bulk accept routes the confident rest; no horizontal overflow at 1280 and 390 px."""
    from playwright.sync_api import Page, expect

    assert isinstance(page, Page)
    _store_samples(server)
    page.goto("/admin")
    expect(page.locator('#tab-status a[data-status="baru"] .jumlah')).to_have_text("200")
    _no_overflow(page)
    page.screenshot(path=str(tmp_path / "inbox-1280.png"))

    with page.expect_navigation():
        page.keyboard.press("Enter")  # opens the first (selected) complaint
    expected: dict[str, tuple[str, str | None]] = {}
    labels = page.locator("#opd-lain option").all_inner_texts()
    for n in range(50):
        complaint_id = page.locator("#aduan").get_attribute("data-id")
        assert complaint_id is not None
        suggestion = _complaint(server, complaint_id)["suggestion"]
        offered = [s["opd"] for s in suggestion["suggestions"]]
        level = (suggestion["urgency"] or {}).get("level")
        kind = n % 5
        if kind == 1:
            page.keyboard.press("2")
            expected[complaint_id] = (offered[1], level)
        elif kind == 2:
            page.keyboard.press("u")  # the select's next option after the suggested level
            options = ["", "tinggi", "sedang", "rendah"]
            expected[complaint_id] = (offered[0], options[(options.index(level or "") + 1) % 4] or level)
        elif kind == 3:
            page.keyboard.press("o")
            page.keyboard.press("End")  # the select is focused: the last label
            expected[complaint_id] = (labels[-1], level)
        elif kind == 4:
            page.keyboard.press("3")
            expected[complaint_id] = (offered[2], level)
        else:
            expected[complaint_id] = (offered[0], level)
        with page.expect_navigation():
            page.keyboard.press("Enter")
        expect(page.locator("#aduan")).not_to_have_attribute("data-id", complaint_id)

    assert _total(server, "didisposisikan") == 50
    for complaint_id, (opd, level) in expected.items():
        decision = _complaint(server, complaint_id)["decision"]
        assert (decision["opd"], decision["urgency"], decision["decided_by"]) == (opd, level, ADMIN_NAME)

    with page.expect_navigation():
        page.keyboard.press("z")  # the last decision is undone and that complaint opens again
    undone = page.locator("#aduan").get_attribute("data-id")
    assert undone == list(expected)[-1]
    assert _complaint(server, undone)["status"] == "baru"
    assert _total(server, "didisposisikan") == 49

    page.keyboard.press("l")
    page.keyboard.type("PLN")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert _complaint(server, undone)["decision"]["outside_authority"] == "PLN"

    page.set_viewport_size({"width": 390, "height": 844})
    _no_overflow(page)
    page.screenshot(path=str(tmp_path / "aduan-390.png"), full_page=True)
    page.goto("/admin")
    _no_overflow(page)
    page.screenshot(path=str(tmp_path / "inbox-390.png"), full_page=True)
    page.set_viewport_size({"width": 1280, "height": 900})

    waiting = _total(server, "baru")
    confident = int(
        httpx.get(
            f"{server}/v1/complaints",
            params={"status": "baru", "needs_review": "false", "limit": 1},
            headers={"X-API-Key": API_KEY},
            timeout=10,
        ).json()["total"]
    )
    page.click("#terima-massal")
    expect(page.locator("#jumlah-massal strong")).to_have_text(str(confident))
    page.click("#tombol-massal")
    expect(page.locator("#pemberitahuan")).to_have_text(f"{confident} pengaduan diterima sesuai saran.")
    assert _total(server, "baru") == waiting - confident
    assert _total(server, "didisposisikan") == 49 + confident
    assert _total(server, "di_luar_kewenangan") == 1

    store = FeedbackStore(feedback_url)
    try:
        rows = store.rows()
    finally:
        store.close()
    assert len(rows) == 49 + confident + 1  # every OPD decision, including the one later undone
    export = httpx.get(f"{server}/v1/complaints/export", headers={"X-API-Key": API_KEY}, timeout=30)
    assert export.text.count("\n") == 1 + 49 + confident + 1


def test_the_admin_sees_why_a_complaint_needs_review(page: object, server: str) -> None:
    """A complaint for a land office (none of the sample model's OPDs) reads "Mungkin di luar kewenangan" in
    the list and on its page; one that mixes three known OPDs' matters reads "Ragu antar OPD"."""
    from playwright.sync_api import Page, expect

    assert isinstance(page, Page)
    items = [
        {"id": "LUAR-1", "text": "Sertifikat tanah saya di kantor BPN belum jadi sudah dua tahun"},
        {"id": "RAGU-1", "text": "Jalan rusak dan sampah menumpuk di depan sekolah, air PDAM juga mati"},
    ]
    stored = httpx.post(f"{server}/v1/complaints", json={"items": items}, headers={"X-API-Key": API_KEY}, timeout=30)
    assert stored.json()["stored"] == 2
    expected = {"LUAR-1": ("di_luar_cakupan", "Mungkin di luar kewenangan"), "RAGU-1": ("ragu", "Ragu antar OPD")}
    for complaint_id, (reason, label) in expected.items():
        assert _complaint(server, complaint_id)["suggestion"]["review_reason"] == reason
        page.goto("/admin")
        row = page.locator(f'li.baris[data-id="{complaint_id}"]')
        expect(row.locator(f".alasan-{reason}")).to_have_text(label)
        with page.expect_navigation():
            row.locator("a.buka").click()
        expect(page.locator("#perlu-tinjau")).to_contain_text(label)
        expect(page.locator("#perlu-tinjau")).to_have_attribute("data-alasan", reason)
        _no_overflow(page)


@pytest.mark.parametrize("served_model_dir", ["unit_model_dir"], indirect=True)
def test_the_complaint_view_shows_the_unit(page: object, server: str) -> None:
    """A complaint stored with its kecamatan and kelurahan shows the unit of its suggestion (a model trained with
    --unit-column on data/samples/units.csv); the unit is in the stored suggestion too."""
    from playwright.sync_api import Page, expect

    assert isinstance(page, Page)
    response = httpx.post(
        f"{server}/v1/complaints", json={"items": UNIT_ITEMS}, headers={"X-API-Key": API_KEY}, timeout=60
    )
    assert response.status_code == 200, response.text
    assert _complaint(server, "U-1")["suggestion"]["unit"] == "Kelurahan Wonoasri"
    page.goto("/admin/aduan/U-1")
    expect(page.locator("#unit-saran")).to_contain_text("Kelurahan Wonoasri")
    expect(page.locator("#aduan .meta")).to_contain_text("Kel. Wonoasri")
    page.goto("/admin/aduan/U-2")
    expect(page.locator("#unit-saran")).to_contain_text("Dinas Perhubungan")


@pytest.mark.parametrize("served_model_dir", ["unit_model_dir"], indirect=True)
def test_the_admin_corrects_the_unit(page: object, server: str, feedback_url: str) -> None:
    """The unit field holds the suggested unit with the suggested OPD, offers the model's units, empties when
    another OPD is chosen with the keyboard and comes back with the suggested one; a corrected unit is the
    decision's (on the complaint, in the "Keputusan" line and in the feedback row, with the place), and z undoes it."""
    from playwright.sync_api import Page, expect

    assert isinstance(page, Page)
    response = httpx.post(
        f"{server}/v1/complaints", json={"items": UNIT_ITEMS}, headers={"X-API-Key": API_KEY}, timeout=60
    )
    assert response.status_code == 200, response.text
    page.goto("/admin/aduan/U-1")
    unit = page.locator("#unit")
    expect(unit).to_have_value("Kelurahan Wonoasri")
    known = page.locator("#unit-dikenal option").evaluate_all("options => options.map(o => o.value)")
    assert {"Kelurahan Mekarsari", "Kelurahan Wonoasri", "Kecamatan Tanjungsari"} <= set(known)
    page.keyboard.press("2")  # another OPD than the suggested one: its unit is not that one
    expect(unit).to_have_value("")
    page.keyboard.press("1")
    expect(unit).to_have_value("Kelurahan Wonoasri")
    unit.fill("Kelurahan Mekarsari")
    with page.expect_navigation():
        unit.press("Enter")
    decision = _complaint(server, "U-1")["decision"]
    assert (decision["opd"], decision["unit"], decision["decided_by"]) == (
        "Kecamatan/Kelurahan",
        "Kelurahan Mekarsari",
        ADMIN_NAME,
    )
    store = FeedbackStore(feedback_url)
    try:
        [row] = store.rows()
    finally:
        store.close()
    assert (row.complaint_id, row.opd, row.unit) == ("U-1", "Kecamatan/Kelurahan", "Kelurahan Mekarsari")
    assert (row.kecamatan, row.kelurahan) == ("Tanjungsari", "Wonoasri")
    with page.expect_navigation():
        page.keyboard.press("z")  # undo: U-1 opens again, waiting, without a decided unit
    expect(page.locator("#aduan")).to_have_attribute("data-id", "U-1")
    assert _complaint(server, "U-1")["decision"] is None
    page.goto("/admin/aduan/U-1")
    page.keyboard.press("o")  # "OPD lain": the select is focused, the proposed unit is cleared
    expect(unit).to_have_value("")
    page.keyboard.press("Escape")
    page.keyboard.press("1")
    expect(unit).to_have_value("Kelurahan Wonoasri")
    with page.expect_navigation():
        page.keyboard.press("Enter")  # kept as suggested: the suggested unit is the decision's
    assert _complaint(server, "U-1")["decision"]["unit"] == "Kelurahan Wonoasri"
    page.goto("/admin/aduan/U-1")
    expect(page.locator("#keputusan-unit")).to_have_text("Kelurahan Wonoasri")
    page.goto("/admin/aduan/U-2")
    expect(unit).to_have_value("")  # the unit is the OPD itself: nothing finer to propose
