"""``disposisi serve --workers 2 --model-uri models:/disposisi@champion`` on a real local MLflow store: while a
client sends requests without pause (a new connection each, so both workers answer), the alias moves to a new
version and every worker serves it within the poll interval, with no failed request; then a tampered new version
is refused by both and the old one keeps serving."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from mlflow import MlflowClient

from registry.versions import DATA_FOLDER
from tests.conftest import REPO
from training.workflow import train_model

CHAMPION = "models:/disposisi@champion"
POLL_SECONDS = 0.5
# Loading a version (registry look-up, artifact copy, checksum, unpickling, smoke test) on a busy 2-core machine.
SLACK_SECONDS = 20.0

pytestmark = pytest.mark.slow  # about 2 minutes on the shared 2-core machine (three trainings, two workers)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


class Server:
    def __init__(self, tmp_path: Path) -> None:
        self.port = _free_port()
        self.log = tmp_path / "server.log"
        env = {k: v for k, v in os.environ.items() if not k.startswith("DISPOSISI_")}
        env.update(
            PYTHONPATH=str(REPO),
            DISPOSISI_MODEL_POLL_SECONDS=str(POLL_SECONDS),
            DISPOSISI_FEEDBACK_URL=f"sqlite:///{tmp_path / 'feedback.db'}",
        )
        command = [sys.executable, "-m", "disposisi", "serve", "--workers", "2", "--model-uri", CHAMPION]
        with open(self.log, "wb") as out:
            self.process = subprocess.Popen(
                [*command, "--port", str(self.port)],
                cwd=tmp_path,
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # its own process group: stopped below as one, with its workers
            )
        self.url = f"http://127.0.0.1:{self.port}"

    def text(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")

    def wait_ready(self, seconds: float = 120.0) -> None:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            assert self.process.poll() is None, f"the server stopped:\n{self.text()[-3000:]}"
            try:
                # both workers have loaded the model once each has said so
                started = self.text().count("Application startup complete") >= 2
                if started and httpx.get(f"{self.url}/readyz", timeout=5).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.3)
        raise AssertionError(f"the server was not ready in {seconds:.0f} s:\n{self.text()[-3000:]}")

    def wait_for_log(self, line: str, count: int, seconds: float) -> float:
        started = time.monotonic()
        while time.monotonic() - started < seconds:
            if self.text().count(line) >= count:
                return time.monotonic() - started
            time.sleep(0.1)
        raise AssertionError(f"{count} x {line!r} not logged within {seconds:.0f} s:\n{self.text()[-3000:]}")

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=10)


@pytest.fixture
def server(samples_csv: Path, tmp_path: Path) -> Iterator[Server]:
    train_model([samples_csv], tmp_path / "v1", eval_data=samples_csv)  # version 1, the first champion
    started = Server(tmp_path)
    try:
        started.wait_ready()
        yield started
    finally:
        started.stop()


class Traffic:
    """Requests without pause, each on a new connection (no keep-alive), recording failures and versions."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.failures: list[str] = []
        self.versions: list[str | None] = []
        self.sent = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run)

    def __enter__(self) -> Traffic:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(timeout=30)

    def _run(self) -> None:
        limits = httpx.Limits(max_keepalive_connections=0)
        with httpx.Client(base_url=self.url, limits=limits, timeout=30) as client:
            while not self._stop.is_set():
                try:
                    routed = client.post("/v1/route", json={"text": "air PDAM mati tiga hari di kampung kami"})
                    model = client.get("/v1/model")
                except httpx.HTTPError as exc:
                    self.failures.append(f"{type(exc).__name__}: {exc}")
                    continue
                self.sent += 2
                for answer in (routed, model):
                    if answer.status_code != 200:
                        self.failures.append(f"{answer.request.url.path}: {answer.status_code}")
                self.versions.append(model.json().get("registry_version") if model.status_code == 200 else None)


def _served_by_all(url: str, requests: int = 40) -> list[str | None]:
    """The registry version in ``requests`` answers, each on a new connection."""
    limits = httpx.Limits(max_keepalive_connections=0)
    with httpx.Client(base_url=url, limits=limits, timeout=30) as client:
        return [client.get("/v1/model").json()["registry_version"] for _ in range(requests)]


def test_two_workers_follow_the_alias_and_refuse_a_tampered_version(
    server: Server, samples_csv: Path, tmp_path: Path
) -> None:
    assert set(_served_by_all(server.url, 10)) == {"1"}
    with Traffic(server.url) as traffic:
        train_model([samples_csv], tmp_path / "v2", eval_data=samples_csv, promote=True, params={"C": 0.5})
        assert str(MlflowClient().get_model_version_by_alias("disposisi", "champion").version) == "2"
        # each worker's follower says so once it serves version 2
        took = server.wait_for_log("moved: serving version 2", 2, POLL_SECONDS + SLACK_SECONDS)
        assert set(_served_by_all(server.url)) == {"2"}

        # version 3: registered without a merit comparison (no eval data), so the alias stays, then tampered
        train_model([samples_csv], tmp_path / "v3", params={"C": 0.25})
        assert str(MlflowClient().get_model_version_by_alias("disposisi", "champion").version) == "2"
        model_id = MlflowClient().get_model_version("disposisi", "3").source.rstrip("/").rsplit("/", 1)[-1]
        [target] = [p for p in tmp_path.rglob(f"{DATA_FOLDER}/model.joblib") if model_id in str(p)]
        raw = bytearray(target.read_bytes())
        raw[len(raw) // 2] ^= 1
        target.write_bytes(bytes(raw))
        MlflowClient().set_registered_model_alias("disposisi", "champion", "3")
        server.wait_for_log("now names version 3, refused", 2, POLL_SECONDS + SLACK_SECONDS)
        assert set(_served_by_all(server.url)) == {"2"}
    assert traffic.failures == []
    assert traffic.sent > 20
    assert "1" in traffic.versions and "2" in traffic.versions and "3" not in traffic.versions
    assert server.text().count("does not match") >= 2
    print(f"both workers served version 2 {took:.1f} s after the alias moved; {traffic.sent} requests, none failed")
