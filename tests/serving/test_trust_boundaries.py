"""Trust boundaries of the service: what it loads, whom it believes, what it accepts and whom it answers.

- A model file is unpickled only after model.json's checksum and format match, and only from the
  configured model directory or a trusted folder (symlinks and ``..`` resolved first).
- API keys and admin sessions are compared in constant time, against every key (no early exit).
- No secret has a default: with a clean environment no key exists and the keyed endpoints refuse.
- CORS headers appear only for configured origins.
(Body size limits: tests/serving/test_api.py; failed-login throttling: tests/serving/test_admin.py.)
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import joblib
import pytest
from fastapi.testclient import TestClient

import serving.auth
from models.artifact import META_FILE, MODEL_FILE, ArtifactError, load_model
from serving.api import create_app
from serving.auth import check_key, new_session_id, session_id_of
from serving.settings import Settings, get_settings
from tests.serving.conftest import AUTH, MakeClient


@pytest.fixture
def no_unpickling(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("joblib.load was called on a model that had not been verified")

    monkeypatch.setattr(joblib, "load", refuse)


@pytest.mark.usefixtures("no_unpickling")
@pytest.mark.parametrize(
    ("spoil", "message"),
    [
        (lambda d: (d / MODEL_FILE).write_bytes(b"cos\nsystem\n(S'echo pwned'\ntR."), "does not match model.json"),
        (lambda d: _set(d, model_sha256="0" * 64), "does not match model.json"),
        (lambda d: _set(d, format_version=99), "has artifact format 99"),
        (lambda d: _set(d, versions={"scikit-learn": "0.1"}), "other library versions"),
    ],
    ids=["replaced pickle", "other checksum", "other format", "other library versions"],
)
def test_a_model_file_is_never_unpickled_before_it_is_verified(model_copy: Path, spoil: object, message: str) -> None:
    spoil(model_copy)  # type: ignore[operator]
    with pytest.raises(ArtifactError, match=message):
        load_model(model_copy)


def _set(model_dir: Path, **values: object) -> None:
    meta = json.loads((model_dir / META_FILE).read_text(encoding="utf-8"))
    meta.update(values)
    (model_dir / META_FILE).write_text(json.dumps(meta), encoding="utf-8")


def test_reload_refuses_a_symlink_out_of_the_trusted_folder(
    make_client: MakeClient, model_copy: Path, tmp_path: Path
) -> None:
    trusted = tmp_path / "trusted"
    trusted.mkdir()
    (trusted / "looks-inside").symlink_to(model_copy, target_is_directory=True)
    with make_client(trusted_model_dirs=[str(trusted)]) as client:
        via_link = client.post("/v1/admin/reload", json={"model_dir": str(trusted / "looks-inside")}, headers=AUTH)
        via_dots = client.post("/v1/admin/reload", json={"model_dir": f"{trusted}/../models/current"}, headers=AUTH)
    for response in (via_link, via_dots):
        assert response.status_code == 403
        assert "outside the trusted model folders" in response.json()["detail"]


def test_every_key_is_compared_in_constant_time_without_early_exit(monkeypatch: pytest.MonkeyPatch) -> None:
    compared: list[tuple[bytes, bytes]] = []

    def recording(a: bytes, b: bytes) -> bool:
        compared.append((a, b))
        return a == b

    monkeypatch.setattr(serving.auth.secrets, "compare_digest", recording)
    keys = ["kunci-pertama-123", "kunci-kedua-4567", "kunci-ketiga-8901"]
    check_key("kunci-pertama-123", keys)  # matches the first key, and still compares with the others
    assert [b for _, b in compared] == [k.encode() for k in keys]


def test_admin_sessions_are_compared_with_hmac_compare_digest(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[int] = []
    original = serving.auth.hmac.compare_digest

    def recording(a: bytes, b: bytes) -> bool:
        calls.append(1)
        return original(a, b)

    monkeypatch.setattr(serving.auth.hmac, "compare_digest", recording)
    session_id = new_session_id()
    token = serving.auth.make_session("kunci-kedua-4567", session_id)
    assert session_id_of(token, ["kunci-pertama-123", "kunci-kedua-4567"]) == session_id
    assert len(calls) == 2


def test_with_a_clean_environment_there_is_no_key_and_keyed_endpoints_refuse(
    monkeypatch: pytest.MonkeyPatch, sample_model_dir: Path
) -> None:
    for name in list(os.environ):
        if name.startswith("DISPOSISI_"):
            monkeypatch.delenv(name)
    get_settings.cache_clear()
    settings = Settings()
    assert settings.api_keys == []
    assert settings.cors_origins == []
    assert settings.trusted_model_dirs == []
    settings = settings.model_copy(update={"model_dir": sample_model_dir})
    with TestClient(create_app(settings)) as client:
        refused = {
            "feedback": client.post("/v1/feedback", json={"text": "banjir", "opd": "BPBD"}, headers=AUTH),
            "export": client.get("/v1/feedback/export", headers=AUTH),
            "reload": client.post("/v1/admin/reload", headers=AUTH),
            "admin login": client.post("/admin/login", data={"key": AUTH["X-API-Key"]}, follow_redirects=False),
        }
        routed = client.post("/v1/route", json={"text": "banjir masuk rumah"})
    for name, response in refused.items():
        assert response.status_code == 401, name
    assert "set DISPOSISI_API_KEYS" in refused["feedback"].json()["detail"]
    assert routed.status_code == 200


def test_no_cors_header_by_default_on_any_answer(client: TestClient, make_client: MakeClient) -> None:
    origin = {"Origin": "https://lapor.example.go.id"}
    answers = [
        client.post("/v1/route", json={"text": "banjir"}, headers=origin),
        client.get("/healthz", headers=origin),
        client.options("/v1/feedback", headers={**origin, "Access-Control-Request-Method": "POST"}),
    ]
    for response in answers:
        assert not any(h.startswith("access-control-") for h in response.headers), response.headers
    with make_client(cors_origins=["https://lapor.example.go.id"]) as allowed:
        simple = allowed.post("/v1/route", json={"text": "banjir"}, headers=origin)
    assert simple.headers["access-control-allow-origin"] == "https://lapor.example.go.id"
