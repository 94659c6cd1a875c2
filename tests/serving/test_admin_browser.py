"""The admin page in a real headless Chromium (Debian's, driven by Playwright) against a real uvicorn.

The server is ``uvicorn serving.api:app_from_env --factory`` on a free loopback port, configured only
through DISPOSISI_* variables, as ``disposisi serve`` runs it.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

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
FLOOD = "Banjir masuk rumah setinggi pinggang di Kampung Fiktif, warga butuh perahu untuk mengungsi"


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


@pytest.fixture
def server(chromium: str, sample_model_dir: Path, feedback_url: str, tmp_path: Path) -> Iterator[str]:
    """A real uvicorn serving the sample model; yields its base URL."""
    del chromium  # only to skip before starting a server when there is no browser
    port = _free_port()
    env = {
        **os.environ,
        "DISPOSISI_MODEL_DIR": str(sample_model_dir),
        "DISPOSISI_FEEDBACK_URL": feedback_url,
        "DISPOSISI_API_KEYS": API_KEY,
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
def page(chromium: str, server: str) -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium, headless=True, args=LAUNCH_ARGS)
        try:
            context = browser.new_context(base_url=server)
            tab = context.new_page()
            tab.set_default_timeout(30_000)
            tab.goto("/admin")
            tab.fill("#kunci", API_KEY)
            tab.click("button[type=submit]")
            tab.wait_for_selector("#form-saran")
            yield tab
        finally:
            browser.close()


def test_admin_submits_sees_suggestions_accepts_and_the_feedback_row_exists(page: object, feedback_url: str) -> None:
    from playwright.sync_api import Page, expect

    assert isinstance(page, Page)
    page.fill("#teks", FLOOD)
    page.fill("#id-pengaduan", "BRW-1")
    page.click("#tombol-sarankan")

    options = page.locator("#daftar-saran input[name=opd_choice]")
    expect(options).to_have_count(4)
    expect(page.locator("#teks-sorot mark.urgency")).to_contain_text("Banjir masuk rumah")
    expect(page.locator("#urgensi")).to_have_text("tinggi")
    top = page.locator("#daftar-saran .opd").first.inner_text()

    page.click("#tombol-terima")
    expect(page.locator("#pemberitahuan")).to_have_text("Keputusan #1 tersimpan.")

    store = FeedbackStore(feedback_url)
    try:
        rows = store.rows()
    finally:
        store.close()
    assert [(r.complaint_id, r.text, r.opd, r.suggested_opd, r.accepted, r.urgency) for r in rows] == [
        ("BRW-1", FLOOD, top, top, True, "tinggi")
    ]


def test_admin_works_through_an_imported_queue_and_corrects_the_opd(
    page: object, feedback_url: str, tmp_path: Path
) -> None:
    from playwright.sync_api import Page, expect

    assert isinstance(page, Page)
    queue = tmp_path / "antrean.csv"
    queue.write_text(
        "id,teks\nQ1,Sampah menumpuk di TPS dekat sekolah telp 081234567890\nQ2,Lampu lalu lintas mati\n",
        encoding="utf-8",
    )
    page.set_input_files("#berkas", str(queue))
    page.click(".impor button[type=submit]")
    expect(page.locator("#antrean-jumlah")).to_have_text("2")

    page.click("#antrean-berikutnya")
    expect(page.locator("#teks-sorot")).to_contain_text("Sampah menumpuk di TPS dekat sekolah telp [TELEPON]")
    expect(page.locator("#antrean-jumlah")).to_have_text("1")
    page.select_option("#opd-lain", "Satpol PP")
    expect(page.locator("#pilih-lain")).to_be_checked()
    page.select_option("select[name=urgency]", "rendah")
    page.click("#tombol-simpan")
    expect(page.locator("#pemberitahuan")).to_have_text("Keputusan #1 tersimpan.")
    expect(page.locator("#antrean-jumlah")).to_have_text("1")

    store = FeedbackStore(feedback_url)
    try:
        [row] = store.rows()
    finally:
        store.close()
    assert (row.complaint_id, row.opd, row.urgency, row.accepted) == ("Q1", "Satpol PP", "rendah", False)
    assert "081234567890" not in row.text
