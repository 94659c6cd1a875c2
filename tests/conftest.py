"""Shared fixtures: MLflow pointed at tmp_path, a small model trained once from data/samples, and the
real-corpus Surabaya model trained once per session for the slow tests that need it."""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine

REPO = Path(__file__).resolve().parents[1]
SAMPLES = REPO / "data" / "samples" / "complaints.csv"
SHARED_DATA = REPO.parent / "shared" / "data"


@pytest.fixture(autouse=True)
def _mlflow_in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Every test runs in tmp_path with its own MLflow store there; no run may be left open."""
    monkeypatch.chdir(tmp_path)
    uri = f"sqlite:///{tmp_path / 'mlflow.db'}"
    monkeypatch.setenv("MLFLOW_TRACKING_URI", uri)
    monkeypatch.setenv("MLFLOW_REGISTRY_URI", uri)
    if "mlflow" in sys.modules:
        # mlflow.set_tracking_uri (training.tracking calls it) outlives the environment of the test that set it
        import mlflow

        mlflow.set_tracking_uri(uri)
    yield
    if "mlflow" in sys.modules:
        import mlflow

        active = mlflow.active_run()
        if active is not None:
            mlflow.end_run()
            pytest.fail(f"test left MLflow run {active.info.run_id} open")


@pytest.fixture(scope="session")
def samples_csv() -> Path:
    return SAMPLES


@pytest.fixture(scope="session")
def sample_model_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A router trained once per session from data/samples (no MLflow), saved as a model directory."""
    from training.workflow import train_model

    model_dir = tmp_path_factory.mktemp("sample-model") / "model"
    train_model([SAMPLES], model_dir, tracking=False)
    return model_dir


@pytest.fixture(scope="session")
def sample_router(sample_model_dir: Path):  # type: ignore[no-untyped-def]
    from models.artifact import load_model

    router, _ = load_model(sample_model_dir)
    return router


def shared_data_or_skip() -> Path:
    """The real corpora folder; tests that need it skip with a reason when it is absent, unless
    DISPOSISI_REQUIRE_SHARED_DATA=1 (CI), where its absence fails."""
    if SHARED_DATA.is_dir():
        return SHARED_DATA
    if os.environ.get("DISPOSISI_REQUIRE_SHARED_DATA") == "1":
        pytest.fail(f"real corpora folder {SHARED_DATA} is required here but missing")
    pytest.skip(f"real corpora folder {SHARED_DATA} is absent (it sits beside the checkout in development and CI)")


def drop_store(engine: Engine) -> None:
    """Drop every table of the store and Alembic's version table: the next open migrates from nothing."""
    from sqlalchemy import text

    from store.schema import Base

    Base.metadata.drop_all(engine)
    with engine.begin() as connection:
        connection.execute(text("DROP TABLE IF EXISTS alembic_version"))


UNIT_SAMPLES = REPO / "data" / "samples" / "units.csv"


@pytest.fixture(scope="session")
def unit_model_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A router trained once per session from data/samples/units.csv with ``--unit-column instansi``."""
    from training.workflow import train_model

    model_dir = tmp_path_factory.mktemp("unit-model") / "model"
    train_model([UNIT_SAMPLES], model_dir, tracking=False, unit_column="instansi")
    return model_dir


@dataclass(frozen=True)
class TrainedModel:
    """A model trained by ``disposisi train --json``: its directory, the JSON summary the command printed, and
    the MLflow tracking (and registry) URI the run was logged to."""

    model_dir: Path
    summary: dict[str, Any]
    tracking_uri: str


@pytest.fixture(scope="session")
def surabaya_model(tmp_path_factory: pytest.TempPathFactory) -> TrainedModel:
    """``disposisi train`` on surabaya ``train.csv``, evaluated on ``dev.csv``, with both urgency files (each
    labels only the rows of its own split: the ids are disjoint), trained once per session (over 2 minutes)
    and tracked in an MLflow store of its own. Skips as :func:`shared_data_or_skip` does."""
    data = shared_data_or_skip() / "surabaya"
    from typer.testing import CliRunner

    from disposisi.cli import app

    folder = tmp_path_factory.mktemp("surabaya-model")
    uri = f"sqlite:///{folder / 'mlflow.db'}"
    urgency = ["--urgency-labels", str(data / "urgensi_train.csv"), "--urgency-labels", str(data / "urgensi_dev.csv")]
    arguments = ["-q", "train", str(data / "train.csv"), "--eval", str(data / "dev.csv"), *urgency]
    arguments += ["--model-dir", str(folder / "model"), "--tracking-uri", uri, "--json"]
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(folder)  # MLflow's artifacts go beside its store, not into the checkout
        patch.setenv("MLFLOW_TRACKING_URI", uri)
        patch.setenv("MLFLOW_REGISTRY_URI", uri)
        result = CliRunner().invoke(app, arguments)
    assert result.exit_code == 0, result.stderr
    return TrainedModel(folder / "model", json.loads(result.stdout), uri)
