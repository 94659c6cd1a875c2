"""MLflow tracking on a tmp store: the run, its metrics and artifacts, the registry and the champion."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import mlflow
import pytest
from mlflow import MlflowClient

from training.tracking import CONTRACT_METRICS
from training.workflow import train_model


@pytest.fixture()
def first_run(samples_csv: Path, tmp_path: Path) -> dict[str, object]:
    return train_model([samples_csv], tmp_path / "m1", eval_data=samples_csv)


def test_training_run_is_logged_with_contract_metrics(first_run: dict[str, object]) -> None:
    info = first_run["mlflow"]
    assert isinstance(info, dict)
    run = MlflowClient().get_run(info["run_id"])
    for name in CONTRACT_METRICS:
        assert name in run.data.metrics, name
    assert run.data.params["train_rows"] == "420"
    assert len(run.data.params["train_sha256"]) == 64
    artifacts = {a.path for a in MlflowClient().list_artifacts(info["run_id"], "evaluation")}
    assert {"evaluation/classification_report.txt", "evaluation/confusion_matrix.png"} <= artifacts
    assert mlflow.active_run() is None


def test_first_version_becomes_champion(first_run: dict[str, object]) -> None:
    info = first_run["mlflow"]
    assert isinstance(info, dict)
    assert info["version"] == "1"
    assert info["promoted"] is True
    champion = MlflowClient().get_model_version_by_alias("disposisi", "champion")
    assert str(champion.version) == "1"


def test_champion_moves_only_on_merit(first_run: dict[str, object], samples_csv: Path, tmp_path: Path) -> None:
    worse = train_model(
        [samples_csv],
        tmp_path / "m2",
        eval_data=samples_csv,
        params={"word_ngram_range": (1, 1), "char_ngram_range": (1, 1), "C": 1e-4, "min_df": 5},
    )
    first_f1 = first_run["metrics"]["opd_macro_f1"]  # type: ignore[index]
    assert worse["metrics"]["opd_macro_f1"] < first_f1
    assert worse["mlflow"]["version"] == "2"
    assert worse["mlflow"]["promoted"] is False
    assert str(MlflowClient().get_model_version_by_alias("disposisi", "champion").version) == "1"

    forced = train_model(
        [samples_csv], tmp_path / "m3", eval_data=samples_csv, params={"C": 1e-4, "min_df": 5}, promote=True
    )
    assert forced["mlflow"]["promoted"] is True
    assert str(MlflowClient().get_model_version_by_alias("disposisi", "champion").version) == "3"


def test_fresh_process_loads_champion_and_predicts(first_run: dict[str, object]) -> None:
    code = (
        "import mlflow, pandas as pd\n"
        "model = mlflow.pyfunc.load_model('models:/disposisi@champion')\n"
        "print(list(model.predict(pd.DataFrame({'teks': ['air PDAM tidak mengalir sejak kemarin']}))))\n"
    )
    env = {**os.environ}
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "PDAM" in done.stdout


def test_no_tracking_logs_nothing(samples_csv: Path, tmp_path: Path) -> None:
    result = train_model([samples_csv], tmp_path / "m", tracking=False)
    assert "mlflow" not in result
    assert MlflowClient().search_registered_models() == []
