"""Training on the real corpora in ../shared/data, as the data scientists do (slow: minutes)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from mlflow import MlflowClient
from typer.testing import CliRunner

from disposisi.cli import app
from tests.conftest import TrainedModel, shared_data_or_skip

pytestmark = pytest.mark.slow


def test_train_surabaya_with_partial_urgency_labels(surabaya_model: TrainedModel) -> None:
    """``disposisi train`` with ``--eval`` and urgency labels for part of train and dev: trained once per session
    by the ``surabaya_model`` fixture (tests/conftest.py), which tests/test_notebooks.py shares."""
    summary = surabaya_model.summary
    metrics = summary["metrics"]
    assert metrics["rows"] == 2084
    assert metrics["urgency_rows"] == 600
    # far above chance (22 classes); the quality targets live in BENCHMARKS.md
    assert metrics["opd_macro_f1"] > 0.5
    assert metrics["opd_top3_accuracy"] > 0.85
    assert metrics["urgency_macro_f1"] > 0.5
    client = MlflowClient(tracking_uri=surabaya_model.tracking_uri, registry_uri=surabaya_model.tracking_uri)
    champion = client.get_model_version_by_alias("disposisi", "champion")
    assert str(champion.version) == summary["mlflow"]["version"]


def test_train_lapor_nasional_with_instansi_column(tmp_path: Path) -> None:
    data = shared_data_or_skip() / "lapor_nasional"
    result = CliRunner().invoke(
        app,
        [
            "-q",
            "train",
            str(data / "train.csv"),
            "--eval",
            str(data / "dev.csv"),
            "--opd-column",
            "instansi",
            "--model-dir",
            str(tmp_path / "model"),
            "--no-tracking",
            "--json",
        ],
    )
    assert result.exit_code == 0, result.stderr
    metrics = json.loads(result.stdout)["metrics"]
    assert metrics["opd_macro_f1"] > 0.85
    assert "urgency_macro_f1" not in metrics
