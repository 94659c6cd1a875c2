"""Settings from DISPOSISI_* environment variables."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from serving.settings import Settings, get_settings


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("API_KEYS", "CORS_ORIGINS", "MODEL_DIR", "MODEL_URI", "TRUSTED_MODEL_DIRS", "MAX_TEXT_CHARS"):
        monkeypatch.delenv(f"DISPOSISI_{name}", raising=False)
    get_settings.cache_clear()


def test_defaults_run_anywhere_and_hold_no_secret() -> None:
    settings = Settings()
    assert settings.model_dir == Path("var") / "model"
    assert settings.feedback_url == "sqlite:///var/feedback.db"
    assert settings.api_keys == []
    assert settings.cors_origins == []
    assert settings.max_text_chars == 20_000
    assert settings.max_batch_items == 1_000


def test_lists_are_read_comma_separated(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DISPOSISI_API_KEYS", " kunci-pertama-123 ,kunci-kedua-456,, ")
    monkeypatch.setenv("DISPOSISI_CORS_ORIGINS", "https://lapor.example.go.id")
    monkeypatch.setenv("DISPOSISI_MAX_TEXT_CHARS", "500")
    settings = get_settings()
    assert settings.api_keys == ["kunci-pertama-123", "kunci-kedua-456"]
    assert settings.cors_origins == ["https://lapor.example.go.id"]
    assert settings.max_text_chars == 500
    assert get_settings() is settings


def test_short_keys_are_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DISPOSISI_API_KEYS", "kunci-panjang-123,abc")
    with pytest.raises(ValidationError, match=r"at least 8 characters; key number\(s\) \[2\]"):
        Settings()


@pytest.mark.parametrize("uri", ["runs:/abc/model", "/srv/model"])
def test_model_uri_must_be_a_registry_uri(monkeypatch: pytest.MonkeyPatch, uri: str) -> None:
    monkeypatch.setenv("DISPOSISI_MODEL_URI", uri)
    with pytest.raises(ValidationError, match="must be an MLflow registry URI"):
        Settings()
