"""Fixtures of the API tests: settings pointing at the session's sample model and a tmp feedback DB."""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from serving.api import create_app
from serving.feedback import FeedbackStore
from serving.settings import Settings
from tests.conftest import drop_store

API_KEY = "kunci-uji-0123456789"
OTHER_KEY = "kunci-kedua-abcdefgh"
AUTH = {"X-API-Key": API_KEY}

MakeClient = Callable[..., AbstractContextManager[TestClient]]


def make_settings(**overrides: Any) -> Settings:
    """Settings with every field given, so a developer's DISPOSISI_* variables cannot leak into tests."""
    values: dict[str, Any] = {
        "model_dir": Path("does-not-exist"),
        "model_uri": None,
        "trusted_model_dirs": [],
        "feedback_url": "sqlite://",
        "api_keys": [API_KEY, OTHER_KEY],
        "require_key_for_routing": False,
        "max_text_chars": 20_000,
        "max_batch_items": 1_000,
        "max_body_bytes": 2_000_000,
        "max_header_bytes": 16_384,
        "max_header_count": 100,
        "client_timeout_seconds": 20.0,
        "keep_alive_seconds": 5,
        "max_connections": 1_000,
        "max_analysis_seconds": 5.0,
        "model_poll_seconds": 0.0,
        "cors_origins": [],
        "admin_session_hours": 12.0,
        "admin_login_max_failures": 10,
        "api_key_max_failures": 20,
        "monitor_psi_alert": 0.25,
        "monitor_acceptance_drop": 0.10,
        "monitor_review_rise": 0.10,
        "monitor_oov_rise": 0.05,
        "monitor_min_rows": 20,
    }
    values.update(overrides)
    return Settings(**values)


@pytest.fixture
def model_copy(sample_model_dir: Path, tmp_path: Path) -> Path:
    """A private copy of the sample model directory, free to be tampered with."""
    return Path(shutil.copytree(sample_model_dir, tmp_path / "models" / "current"))


@pytest.fixture
def api_settings(sample_model_dir: Path, tmp_path: Path) -> Settings:
    return make_settings(model_dir=sample_model_dir, feedback_url=f"sqlite:///{tmp_path / 'feedback.db'}")


@pytest.fixture
def make_client(api_settings: Settings) -> MakeClient:
    """``with make_client(max_batch_items=3) as client``: a client whose settings differ from the default ones."""

    @contextmanager
    def _make(**overrides: Any) -> Iterator[TestClient]:
        settings = api_settings.model_copy(update=overrides)
        with TestClient(create_app(settings)) as client:
            yield client

    return _make


@pytest.fixture
def client(make_client: MakeClient) -> Iterator[TestClient]:
    with make_client() as c:
        yield c


def service_or_skip(variable: str, what: str) -> str:
    """The value of ``variable``; without it the test skips, or fails when DISPOSISI_REQUIRE_SERVICES=1 (CI)."""
    value = os.environ.get(variable, "")
    if value:
        return value
    if os.environ.get("DISPOSISI_REQUIRE_SERVICES") == "1":
        pytest.fail(f"{what} is required here (DISPOSISI_REQUIRE_SERVICES=1) but {variable} is not set")
    pytest.skip(f"{what} is not available: set {variable} to run this test")


def _drop_store_tables(url: str) -> None:
    store = FeedbackStore(url)
    drop_store(store.engine)
    store.close()


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """The test server's URL (DISPOSISI_TEST_POSTGRES_URL), with the store's tables (feedback, admin
    sessions) dropped before and after the test."""
    url = service_or_skip("DISPOSISI_TEST_POSTGRES_URL", "a PostgreSQL server")
    _drop_store_tables(url)
    yield url
    _drop_store_tables(url)
