"""The served model: no model at start (503), reload and its refusals, loading from the MLflow registry."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from models.artifact import META_FILE, MODEL_FILE, load_metadata, sha256_file
from tests.serving.conftest import AUTH, MakeClient

PDAM_COMPLAINT = "Air PDAM di rumah kami tidak mengalir sudah tiga hari, tagihan tetap datang"


def test_without_a_model_routing_is_503_with_the_reason(make_client: MakeClient, tmp_path: Path) -> None:
    with make_client(model_dir=tmp_path / "empty") as client:
        responses = {
            "route": client.post("/v1/route", json={"text": "banjir"}),
            "batch": client.post("/v1/route/batch", json={"items": [{"text": "banjir"}]}),
            "model": client.get("/v1/model"),
            "readyz": client.get("/readyz"),
        }
        health = client.get("/healthz")
    for name, response in responses.items():
        assert response.status_code == 503, name
        assert response.json()["error"] == "model_unavailable"
        assert "no model.json in model directory" in response.json()["detail"]
    assert health.status_code == 200


def test_reload_brings_a_model_to_an_app_that_started_without_one(
    make_client: MakeClient, sample_model_dir: Path, tmp_path: Path
) -> None:
    target = tmp_path / "later"
    with make_client(model_dir=target) as client:
        assert client.post("/v1/route", json={"text": "banjir"}).status_code == 503
        shutil.copytree(sample_model_dir, target)
        reloaded = client.post("/v1/admin/reload", headers=AUTH)
        routed = client.post("/v1/route", json={"text": "banjir"})
    assert reloaded.status_code == 200
    assert reloaded.json()["previous_version"] is None
    assert reloaded.json()["model_version"] == load_metadata(sample_model_dir).version
    assert routed.status_code == 200


def test_reload_of_a_tampered_model_keeps_the_old_one_serving(make_client: MakeClient, model_copy: Path) -> None:
    version = load_metadata(model_copy).version
    with make_client(model_dir=model_copy) as client:
        with open(model_copy / MODEL_FILE, "ab") as fh:
            fh.write(b"tampered")
        response = client.post("/v1/admin/reload", headers=AUTH)
        routed = client.post("/v1/route", json={"text": "banjir masuk rumah"})
        ready = client.get("/readyz")
    assert response.status_code == 422
    body = response.json()
    assert body["error"] == "model_load_failed"
    assert "does not match model.json" in body["detail"]
    assert body["serving_version"] == version
    assert routed.status_code == 200
    assert routed.json()["model_version"] == version
    assert ready.status_code == 200


def _rehash(model_dir: Path) -> None:
    """Make model.json vouch for whatever model.joblib now holds (a forger's or a careless copy's work)."""
    meta = json.loads((model_dir / META_FILE).read_text(encoding="utf-8"))
    meta["model_sha256"] = sha256_file(model_dir / MODEL_FILE)
    (model_dir / META_FILE).write_text(json.dumps(meta), encoding="utf-8")


def _set_meta(model_dir: Path, **values: object) -> None:
    meta = json.loads((model_dir / META_FILE).read_text(encoding="utf-8"))
    meta.update(values)
    (model_dir / META_FILE).write_text(json.dumps(meta), encoding="utf-8")


def _truncate(model_dir: Path) -> None:
    raw = (model_dir / MODEL_FILE).read_bytes()
    (model_dir / MODEL_FILE).write_bytes(raw[: len(raw) // 2])
    _rehash(model_dir)


def _garbage(model_dir: Path) -> None:
    (model_dir / MODEL_FILE).write_bytes(b"\x00bukan model\x00" * 200)
    _rehash(model_dir)


DAMAGE: dict[str, tuple[Callable[[Path], object], str]] = {
    "truncated pickle, checksum redone": (_truncate, "cannot load model from"),
    "garbage pickle, checksum redone": (_garbage, "its files are damaged"),
    "checksum of the wrong type": (lambda d: _set_meta(d, model_sha256=5), "model_sha256 must be a string"),
    "versions of the wrong type": (lambda d: _set_meta(d, versions=[1]), "versions must be an object"),
    "model.json not an object": (lambda d: (d / META_FILE).write_text("[1, 2]"), "is not valid model metadata"),
    "model.json not UTF-8": (lambda d: (d / META_FILE).write_bytes(b"\xff\xfe{"), "is not valid model metadata"),
    "older artifact format": (lambda d: _set_meta(d, format_version=1), "has artifact format 1"),
    "other library versions": (lambda d: _set_meta(d, versions={"numpy": "0.0.1"}), "other library versions"),
    "model.joblib missing": (lambda d: (d / MODEL_FILE).unlink(), "no model.joblib in model directory"),
}


@pytest.mark.parametrize("damage", DAMAGE, ids=list(DAMAGE))
def test_reload_of_a_damaged_model_keeps_the_old_one_serving(
    make_client: MakeClient, model_copy: Path, damage: str
) -> None:
    spoil, message = DAMAGE[damage]
    version = load_metadata(model_copy).version
    with make_client(model_dir=model_copy) as client:
        spoil(model_copy)
        response = client.post("/v1/admin/reload", headers=AUTH)
        routed = client.post("/v1/route", json={"text": PDAM_COMPLAINT})
    assert response.status_code == 422, response.text
    assert response.json()["error"] == "model_load_failed"
    assert message in response.json()["detail"]
    assert response.json()["serving_version"] == version
    assert routed.status_code == 200
    assert routed.json()["model_version"] == version


@pytest.mark.parametrize("damage", ["garbage pickle, checksum redone", "checksum of the wrong type"])
def test_an_app_started_on_a_damaged_model_answers_503_not_500(
    make_client: MakeClient, model_copy: Path, damage: str
) -> None:
    DAMAGE[damage][0](model_copy)
    with make_client(model_dir=model_copy) as client:
        ready = client.get("/readyz")
        routed = client.post("/v1/route", json={"text": PDAM_COMPLAINT})
        health = client.get("/healthz")
    assert (ready.status_code, routed.status_code, health.status_code) == (503, 503, 200)
    assert DAMAGE[damage][1] in routed.json()["detail"]


def test_reload_refuses_a_model_that_loads_but_cannot_route(
    client: TestClient, monkeypatch: pytest.MonkeyPatch, sample_model_dir: Path
) -> None:
    from models.router import ComplaintRouter

    def broken(self: ComplaintRouter, X: object, *, explain: bool = True) -> list[object]:
        raise AttributeError("'AnalysedText' object has no attribute 'lower'")

    monkeypatch.setattr(ComplaintRouter, "suggest", broken)
    response = client.post("/v1/admin/reload", headers=AUTH)
    assert response.status_code == 422
    assert response.json()["detail"] == (
        f"model from {sample_model_dir} loads but cannot route a complaint "
        "(AttributeError: 'AnalysedText' object has no attribute 'lower'); retrain it with this version of disposisi"
    )
    assert client.get("/readyz").json()["model_version"] == load_metadata(sample_model_dir).version


def test_reload_swaps_in_a_model_from_a_trusted_folder(
    make_client: MakeClient, model_copy: Path, sample_model_dir: Path
) -> None:
    trusted = model_copy.parent
    with make_client(trusted_model_dirs=[str(trusted)]) as client:
        response = client.post("/v1/admin/reload", json={"model_dir": str(model_copy)}, headers=AUTH)
        source = client.get("/v1/model").json()["source"]
    assert response.status_code == 200
    assert response.json()["reloaded"] is True
    assert response.json()["source"] == str(model_copy.resolve())
    assert source == str(model_copy.resolve())


@pytest.mark.parametrize("folder", ["/etc", "/tmp/../etc/ssl"])
def test_reload_refuses_a_folder_outside_the_trusted_ones(client: TestClient, folder: str) -> None:
    response = client.post("/v1/admin/reload", json={"model_dir": folder}, headers=AUTH)
    assert response.status_code == 403
    assert "outside the trusted model folders" in response.json()["detail"]
    assert client.post("/v1/route", json={"text": "banjir"}).status_code == 200


@pytest.mark.parametrize(
    ("payload", "message"),
    [
        ({"model_dir": "a", "model_uri": "models:/disposisi@champion"}, "give model_dir or model_uri, not both"),
        ({"model_uri": "runs:/abc/model"}, "must look like models:/disposisi@champion"),
        ({"model_dir": 3}, "model_dir: must be a string, not a number"),
    ],
)
def test_reload_rejects_a_bad_body(client: TestClient, payload: object, message: str) -> None:
    response = client.post("/v1/admin/reload", json=payload, headers=AUTH)
    assert response.status_code == 422
    assert message in response.json()["detail"]


@pytest.mark.parametrize(
    ("model_dir", "message"),
    [
        ("var/model\x00", "control or invisible character (U+0000) at position 9"),  # a NUL byte was a 500
        ("\x00", "control or invisible character (U+0000) at position 0"),
        ("var/mo\ndel", "(U+000A) at position 6"),
        ("var/\u202emodel", "(U+202E) at position 4"),  # a right-to-left override hides what the path is
        ("var/model\u200b", "(U+200B) at position 9"),
        ("", "must be a folder path, not empty"),
        ("   \t ", "must be a folder path, not empty"),
        ("a/" * 2100, "a folder path has at most 4,096"),
    ],
)
def test_reload_refuses_a_model_dir_that_is_not_a_clean_path(client: TestClient, model_dir: str, message: str) -> None:
    response = client.post("/v1/admin/reload", json={"model_dir": model_dir}, headers=AUTH)
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "model_dir"
    assert message in response.json()["detail"]
    assert client.get("/readyz").status_code == 200


def test_reload_of_an_unknown_registry_model_keeps_the_old_one(client: TestClient) -> None:
    response = client.post("/v1/admin/reload", json={"model_uri": "models:/tidak-ada@champion"}, headers=AUTH)
    assert response.status_code == 422
    assert response.json()["detail"].startswith("cannot load models:/tidak-ada@champion from MLflow")
    assert client.get("/readyz").status_code == 200


def test_the_app_serves_a_model_from_the_mlflow_registry(
    make_client: MakeClient, samples_csv: Path, tmp_path: Path
) -> None:
    from training.workflow import train_model

    summary = train_model([samples_csv], tmp_path / "tracked", tracking=True, params={"calibration_cv": 2})
    with make_client(model_uri="models:/disposisi@champion") as client:
        model = client.get("/v1/model").json()
        routed = client.post("/v1/route", json={"text": PDAM_COMPLAINT})
    assert model["source"] == "models:/disposisi@champion"
    assert model["version"] == summary["model_version"]
    assert routed.status_code == 200
    assert routed.json()["model_version"] == summary["model_version"]
