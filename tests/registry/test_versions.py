"""The registry holds verified model directories: tampered, replaced or unverifiable versions are refused."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from mlflow import MlflowClient

from models.artifact import META_FILE, MODEL_FILE, load_metadata
from registry.versions import DATA_FOLDER, RegistryError, fetch_model_dir, load_registered
from serving.api import create_app
from tests.serving.conftest import AUTH, make_settings
from training.workflow import train_model

CHAMPION = "models:/disposisi@champion"


@pytest.fixture()
def registered(samples_csv: Path, tmp_path: Path) -> Path:
    """A model trained with tracking (version 1, champion); its model directory."""
    train_model([samples_csv], tmp_path / "m1", eval_data=samples_csv)
    return tmp_path / "m1"


def _stored_file(tmp_path: Path, name: str) -> Path:
    """The copy of ``name`` that the artifact store holds for the registered model (not the training folder)."""
    [path] = [p for p in tmp_path.rglob(f"{DATA_FOLDER}/{name}") if "m1" not in p.relative_to(tmp_path).parts]
    return path


def _flip_middle_byte(path: Path) -> None:
    raw = bytearray(path.read_bytes())
    raw[len(raw) // 2] ^= 0x01
    path.write_bytes(bytes(raw))


def test_a_registered_version_loads_verified(registered: Path) -> None:
    router, meta, version = load_registered(CHAMPION)
    assert version.version == "1"
    assert meta.model_sha256 == load_metadata(registered).model_sha256
    tag = MlflowClient().get_model_version("disposisi", "1").tags["model_sha256"]
    assert tag == meta.model_sha256
    assert router.predict(["air PDAM tidak mengalir"])[0]


def test_a_tampered_registered_file_is_refused_everywhere(registered: Path, tmp_path: Path) -> None:
    _flip_middle_byte(_stored_file(tmp_path, MODEL_FILE))
    with pytest.raises(RegistryError, match=r"version 1 is refused: .*checksum .* does not match"):
        load_registered(CHAMPION)
    # serve: the app starts without a model and says why
    settings = make_settings(model_uri=CHAMPION, model_dir=registered, feedback_url="sqlite://")
    with TestClient(create_app(settings)) as client:
        ready = client.get("/readyz")
        assert ready.status_code == 503
        assert "does not match" in ready.json()["detail"]
    # reload: refused with the reason, the serving model stays
    with TestClient(create_app(make_settings(model_dir=registered, feedback_url="sqlite://"))) as client:
        before = client.get("/readyz").json()["model_version"]
        answer = client.post("/v1/admin/reload", json={"model_uri": CHAMPION}, headers=AUTH)
        assert answer.status_code == 422
        assert "does not match" in answer.json()["detail"]
        assert client.get("/readyz").json()["model_version"] == before


def test_both_files_replaced_consistently_are_refused_by_the_recorded_checksum(
    registered: Path, samples_csv: Path, tmp_path: Path
) -> None:
    """Someone who can write the artifact store swaps in another model with a matching model.json: the
    registry's own record of the version's checksum still tells."""
    train_model([samples_csv], tmp_path / "other", tracking=False, params={"C": 0.01})
    for name in (MODEL_FILE, META_FILE):
        _stored_file(tmp_path, name).write_bytes((tmp_path / "other" / name).read_bytes())
    with pytest.raises(RegistryError, match=r"the registry recorded .* the files were replaced"):
        load_registered(CHAMPION)


def test_a_version_logged_as_a_bare_pickle_is_refused(registered: Path) -> None:
    import mlflow
    import mlflow.sklearn

    from models.artifact import load_model

    router, _ = load_model(registered)
    with mlflow.start_run():
        mlflow.sklearn.log_model(
            router, name="model", registered_model_name="disposisi", serialization_format="cloudpickle"
        )
    with pytest.raises(RegistryError, match="was not logged as a verified disposisi model directory"):
        load_registered("models:/disposisi/2")


@pytest.mark.parametrize(
    ("uri", "message"),
    [
        ("models:/tidak-ada@champion", "not in the registry"),
        ("models:/disposisi/99", "not in the registry"),
        ("models:/disposisi", "names no version"),
        ("runs:/abc/model", "is not a registry URI"),
    ],
)
def test_unknown_or_malformed_uris_are_one_line_errors(registered: Path, uri: str, message: str) -> None:
    with pytest.raises(RegistryError, match=message):
        load_registered(uri)


def test_fetch_gives_a_model_directory_that_loads(registered: Path, tmp_path: Path) -> None:
    fetched = fetch_model_dir(CHAMPION, tmp_path / "download")
    assert (fetched.model_dir / MODEL_FILE).is_file()
    assert json.loads((fetched.model_dir / META_FILE).read_text())["model_sha256"]


def test_pyfunc_in_a_fresh_process_refuses_a_tampered_file(registered: Path, tmp_path: Path) -> None:
    _flip_middle_byte(_stored_file(tmp_path, MODEL_FILE))
    code = "import mlflow\nmlflow.pyfunc.load_model('models:/disposisi@champion')\n"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env={**os.environ}, timeout=300)
    assert done.returncode != 0
    assert "does not match" in done.stderr
