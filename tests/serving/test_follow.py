"""A server on the champion alias follows it: the new champion is served without a restart or a failed
request, and a tampered new version is refused while the old one keeps serving."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from mlflow import MlflowClient

from registry.versions import DATA_FOLDER
from serving.api import create_app
from tests.serving.conftest import make_settings
from training.workflow import train_model

CHAMPION = "models:/disposisi@champion"


def _served(client: TestClient) -> str | None:
    version: str | None = client.get("/v1/model").json()["registry_version"]
    return version


def _wait_for(client: TestClient, version: str, seconds: float = 30.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if _served(client) == version:
            return True
        time.sleep(0.1)
    return False


def test_the_server_follows_the_alias_without_a_failed_request(samples_csv: Path, tmp_path: Path) -> None:
    train_model([samples_csv], tmp_path / "v1", eval_data=samples_csv)
    settings = make_settings(model_uri=CHAMPION, feedback_url="sqlite://", model_poll_seconds=0.2)
    with TestClient(create_app(settings)) as client:
        assert _served(client) == "1"
        failures: list[int] = []
        stop = threading.Event()

        def keep_routing() -> None:
            while not stop.is_set():
                status = client.post("/v1/route", json={"text": "air PDAM mati tiga hari"}).status_code
                if status != 200:
                    failures.append(status)

        router_thread = threading.Thread(target=keep_routing)
        router_thread.start()
        try:
            train_model([samples_csv], tmp_path / "v2", eval_data=samples_csv, promote=True, params={"C": 0.5})
            assert _wait_for(client, "2"), "the server did not follow the alias to version 2"
        finally:
            stop.set()
            router_thread.join()
        assert failures == []


def test_a_tampered_new_champion_is_refused_and_the_old_one_keeps_serving(
    samples_csv: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    train_model([samples_csv], tmp_path / "v1", eval_data=samples_csv)
    settings = make_settings(model_uri=CHAMPION, feedback_url="sqlite://", model_poll_seconds=0.2)
    with TestClient(create_app(settings)) as client:
        train_model([samples_csv], tmp_path / "v2", eval_data=samples_csv, tracking=True, params={"C": 0.5})
        source = MlflowClient().get_model_version("disposisi", "2").source  # models:/m-<logged model id>
        model_id = source.rstrip("/").rsplit("/", 1)[-1]
        [target] = [p for p in tmp_path.rglob(f"{DATA_FOLDER}/model.joblib") if model_id in str(p)]
        raw = bytearray(target.read_bytes())
        raw[len(raw) // 2] ^= 1
        target.write_bytes(bytes(raw))
        MlflowClient().set_registered_model_alias("disposisi", "champion", "2")
        time.sleep(1.5)  # several polls
        assert _served(client) == "1"
        assert client.post("/v1/route", json={"text": "jalan berlubang"}).status_code == 200
    assert "now names version 2, refused" in caplog.text
    assert "does not match" in caplog.text
