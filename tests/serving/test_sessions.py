"""/admin sessions held on the server: a malformed cookie is a login page, logout and key rotation end a session.

The session rows live in the feedback store's database, so every API worker sharing that database sees
a logout at once (two apps on one SQLite file stand for two workers here; PostgreSQL is tested too).
"""

from __future__ import annotations

import asyncio
import re
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient

from serving.api import create_app
from serving.auth import SESSION_COOKIE
from serving.feedback import FeedbackStore
from serving.sessions import AdminSessionRow
from serving.settings import Settings
from tests.serving.conftest import API_KEY, AUTH, OTHER_KEY, MakeClient

SAME_SITE = {"Origin": "http://testserver"}
DECISION = {"pilihan": "Dinas Perhubungan", "csrf": "0" * 64}
DECIDE = "/admin/aduan/S-1/putuskan"


def _login(client: TestClient, key: str = API_KEY) -> str:
    response = client.post("/admin/login", data={"key": key}, headers=SAME_SITE, follow_redirects=False)
    assert response.status_code == 303, response.text
    return response.cookies[SESSION_COOKIE]


def _with_cookie(value: str) -> dict[str, str]:
    return {**SAME_SITE, "Cookie": f"{SESSION_COOKIE}={value}"}


def _logout(client: TestClient, cookie: str) -> None:
    """Log out the way the page does: with the CSRF token of the session's page."""
    client.cookies.clear()
    token = re.search(r'name="csrf" value="([0-9a-f]{64})"', client.get("/admin", headers=_with_cookie(cookie)).text)
    assert token, "the logged-in page has no CSRF token"
    response = client.post("/admin/logout", data={"csrf": token.group(1)}, headers=_with_cookie(cookie))
    assert response.status_code in (200, 303), response.text


def _opens_admin(client: TestClient, cookie: str) -> bool:
    client.cookies.clear()
    page = client.get("/admin", headers=_with_cookie(cookie))
    assert page.status_code == 200, page.text
    return 'name="key"' not in page.text


MALFORMED = [
    b"1" * 5000 + b".abc",  # int() of more than 4,300 digits raised ValueError: a 500
    b"\xb2.abc",  # a superscript two: str.isdigit() said yes, int() said no: a 500
    b"\xb2" * 3 + b"." + b"0" * 64,
    "١٢٣.abc".encode(),  # Arabic-Indic digits, sent as UTF-8
    b"1000000." + b"\xff" * 64,
    b"1.2.3",
    b".",
    b"",
    b"x" * 3000,
    b'"quoted\\"value"',
    b"A" * 43 + b"." + b"g" * 64,
    b"A" * 43 + b"." + b"0" * 64,  # well formed, but signed by no key
]


@pytest.mark.parametrize("cookie", MALFORMED, ids=lambda c: repr(c[:12]))
def test_a_malformed_session_cookie_is_the_login_page_not_a_server_error(api_settings: Settings, cookie: bytes) -> None:
    """Sent byte for byte (TestClient would re-encode the header as UTF-8); app errors are raised, not hidden."""
    app = create_app(api_settings)
    headers = {**SAME_SITE, "Cookie": b"disposisi_admin=" + cookie}

    async def visit() -> list[httpx.Response]:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
            return [
                await client.get("/admin", headers=headers),
                await client.post(DECIDE, data=DECISION, headers=headers),
                await client.post("/admin/logout", headers=headers),
                await client.get("/v1/feedback/export", headers=AUTH),
            ]

    try:
        page, form, logout, export = asyncio.run(visit())
    finally:
        if app.state.feedback is not None:
            app.state.feedback.close()
    assert page.status_code == 200
    assert 'name="key"' in page.text
    assert form.status_code == 401
    assert logout.status_code == 303
    assert export.text.count("\n") == 1  # the header only: nothing was stored


def test_a_cookie_kept_from_before_logout_opens_nothing(client: TestClient) -> None:
    kept = _login(client)
    assert _opens_admin(client, kept)
    _logout(client, kept)

    assert not _opens_admin(client, kept)
    client.cookies.clear()
    decision = client.post(DECIDE, data=DECISION, headers=_with_cookie(kept), follow_redirects=False)
    assert decision.status_code == 401
    assert client.get("/v1/feedback/export", headers=AUTH).text.count("\n") == 1  # nothing was stored


def test_logout_ends_only_its_own_session(client: TestClient) -> None:
    first, second = _login(client), _login(client)
    _logout(client, first)
    assert not _opens_admin(client, first)
    assert _opens_admin(client, second)


def test_a_logout_on_one_worker_ends_the_session_on_every_worker(api_settings: Settings) -> None:
    """Two apps on one database stand for two uvicorn workers: an in-process list would not do."""
    with TestClient(create_app(api_settings)) as one, TestClient(create_app(api_settings)) as other:
        kept = _login(one)
        assert _opens_admin(other, kept)
        _logout(other, kept)
        assert not _opens_admin(one, kept)


def test_removing_a_key_ends_its_sessions_and_keeps_the_others(api_settings: Settings) -> None:
    with TestClient(create_app(api_settings)) as before:
        by_removed, by_kept = _login(before, API_KEY), _login(before, OTHER_KEY)
    rotated = api_settings.model_copy(update={"api_keys": [OTHER_KEY, "kunci-baru-0987654321"]})
    with TestClient(create_app(rotated)) as after:
        assert not _opens_admin(after, by_removed)
        assert _opens_admin(after, by_kept)


def test_a_session_signed_with_a_valid_key_but_unknown_to_the_store_is_refused(
    make_client: MakeClient, tmp_path: Path
) -> None:
    with make_client() as client:
        kept = _login(client)
    with make_client(feedback_url=f"sqlite:///{tmp_path / 'another.db'}") as elsewhere:
        assert not _opens_admin(elsewhere, kept)


def test_a_session_expires_on_the_server_whatever_the_browser_keeps(tmp_path: Path) -> None:
    store = FeedbackStore(f"sqlite:///{tmp_path / 'sessions.db'}")
    try:
        sessions = store.sessions
        session_id = sessions.start(lifetime_seconds=3600, now=1_000_000)
        assert sessions.is_active(session_id, now=1_003_599)
        assert not sessions.is_active(session_id, now=1_003_600)
        assert not sessions.is_active("not-a-session", now=1_000_001)
        later = sessions.start(lifetime_seconds=60, now=1_010_000)  # starting one purges the expired ones
        with store.engine.connect() as connection:
            stored = connection.execute(AdminSessionRow.__table__.select()).all()
        assert len(stored) == 1
        assert later not in repr(stored)  # the table holds a hash of the id, never the id itself
        sessions.end(later)
        assert not sessions.is_active(later, now=1_010_001)
        sessions.end(later)  # ending twice is fine
    finally:
        store.close()


@pytest.mark.postgres
def test_postgres_sessions_end_on_logout_across_workers(api_settings: Settings, postgres_url: str) -> None:
    settings = api_settings.model_copy(update={"feedback_url": postgres_url})
    with TestClient(create_app(settings)) as one, TestClient(create_app(settings)) as other:
        kept, untouched = _login(one), _login(one)
        assert _opens_admin(other, kept)
        _logout(other, kept)
        assert not _opens_admin(one, kept)
        assert _opens_admin(other, untouched)
