"""MLflow: one run per training, the model registered, the ``champion`` alias moved on merit.

Tracking goes to ``--tracking-uri``, else ``MLFLOW_TRACKING_URI``, else MLflow's local default
``sqlite:///mlflow.db`` in the working directory. Only metrics, parameters, hashes, aggregate
reports and the model are logged, never a complaint text: the input example is written by the team.
"""

from __future__ import annotations

import json
import logging
import os
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from models.artifact import ModelMetadata, library_versions
from registry.versions import RegistryError, load_registered, log_model_dir
from training.data import Dataset
from training.evaluate import evaluate_router
from training.fit import TrainResult

__all__ = ["DEFAULT_TRACKING_URI", "RunInput", "TrackingResult", "configure_tracking", "log_training_run"]

logger = logging.getLogger(__name__)

DEFAULT_TRACKING_URI = "sqlite:///mlflow.db"
EXPERIMENT = "disposisi"
CONTRACT_METRICS = (
    "opd_macro_f1",
    "opd_accuracy",
    "opd_top3_accuracy",
    "urgency_macro_f1",
    "urgency_tinggi_recall",
)
# Written by the team; never a row of real complaints.
INPUT_EXAMPLE = [
    "Jalan di depan SD kami berlubang besar, sudah ada motor jatuh. Mohon segera diperbaiki.",
    "Sampah di TPS belum diangkut seminggu, bau sekali.",
]


@dataclass(frozen=True)
class RunInput:
    """A dataset of the run: a frame of ids, labels and text hashes (no text), its name and its role."""

    name: str
    frame: Any  # pandas.DataFrame
    context: str  # "training" or "evaluation"
    targets: str = "opd"


@dataclass
class TrackingResult:
    run_id: str
    model_uri: str
    registered_version: str | None
    champion_version: str | None
    promoted: bool
    reason: str


def configure_tracking(tracking_uri: str | None = None) -> str:
    import mlflow

    uri = tracking_uri or os.environ.get("MLFLOW_TRACKING_URI") or DEFAULT_TRACKING_URI
    mlflow.set_tracking_uri(uri)
    return uri


def _flat_metrics(metrics: dict[str, Any]) -> dict[str, float]:
    flat = {}
    for key, value in metrics.items():
        if isinstance(value, (int, float)) and not isinstance(value, bool) and np.isfinite(value):
            flat[key] = float(value)
    for label, f1 in metrics.get("opd_per_class_f1", {}).items():
        safe = "".join(ch if ch.isalnum() else "_" for ch in label)[:60]
        flat[f"f1_{safe}"] = float(f1)
    return flat


def _confusion_png(confusion: dict[str, Any], path: Path, title: str) -> None:
    # A Figure of its own (no pyplot): drawing it neither needs nor changes the process's matplotlib backend, so a
    # notebook that retrains keeps showing its own charts.
    from matplotlib.figure import Figure

    labels = confusion["labels"]
    matrix = np.asarray(confusion["matrix"], dtype=float)
    share = matrix / np.maximum(matrix.sum(axis=1, keepdims=True), 1)
    size = max(6.0, 0.45 * len(labels) + 3)
    fig = Figure(figsize=(size, size))
    ax = fig.subplots()
    ax.imshow(share, cmap="Blues", vmin=0, vmax=1)
    short = [label if len(label) <= 28 else label[:26] + "…" for label in labels]
    ax.set_xticks(range(len(labels)), short, rotation=90, fontsize=7)
    ax.set_yticks(range(len(labels)), short, fontsize=7)
    for i in range(len(labels)):
        for j in range(len(labels)):
            if matrix[i, j]:
                ax.text(
                    j,
                    i,
                    str(int(matrix[i, j])),
                    ha="center",
                    va="center",
                    fontsize=6,
                    color="white" if share[i, j] > 0.5 else "black",
                )
    ax.set_xlabel("predicted")
    ax.set_ylabel("true")
    ax.set_title(title)
    fig.tight_layout()
    fig.savefig(path, dpi=110)


def _report_text(metrics: dict[str, Any]) -> str:
    lines = [f"{'OPD':<70} F1", "-" * 76]
    for label, f1 in sorted(metrics.get("opd_per_class_f1", {}).items(), key=lambda kv: -kv[1]):
        lines.append(f"{label:<70} {f1:.3f}")
    lines.append("")
    for key in (*CONTRACT_METRICS, "opd_coverage", "opd_auto_accuracy", "review_threshold"):
        if key in metrics:
            lines.append(f"{key:<30} {metrics[key]:.4f}")
    return "\n".join(lines) + "\n"


def log_training_run(
    result: TrainResult,
    meta: ModelMetadata,
    train: Dataset,
    eval_data: Dataset | None,
    *,
    model_dir: Path,
    registered_model: str = "disposisi",
    promote: bool = False,
    tracking_uri: str | None = None,
    inputs: Sequence[RunInput] = (),
    extra_params: dict[str, Any] | None = None,
    version_tags: dict[str, str] | None = None,
) -> TrackingResult:
    """Log the run, register the model directory as a new version, and move ``champion`` if it has earned it.

    ``inputs`` are logged as the run's datasets (``mlflow.data``: name, row count, digest, schema; never the texts),
    ``extra_params`` beside the usual ones, and ``version_tags`` on the registered version."""
    import mlflow
    from mlflow import MlflowClient
    from mlflow.data.pandas_dataset import from_pandas
    from mlflow.models import infer_signature

    configure_tracking(tracking_uri)
    mlflow.set_experiment(EXPERIMENT)
    router = result.router
    with mlflow.start_run() as run:
        mlflow.log_params({f"model.{k}": v for k, v in meta.params.items()})
        mlflow.log_params(
            {
                "train_rows": len(train),
                "train_sha256": train.sha256,
                "train_sources": ", ".join(Path(s).name for s in train.sources),
                "eval_rows": len(eval_data) if eval_data else 0,
                "eval_sha256": eval_data.sha256 if eval_data else "holdout",
                "metrics_source": result.metrics_source,
                "review_threshold": round(meta.review_threshold, 6),
            }
        )
        if extra_params:
            mlflow.log_params(extra_params)
        for run_input in inputs:
            dataset = from_pandas(run_input.frame, name=run_input.name, targets=run_input.targets)
            mlflow.log_input(dataset, context=run_input.context)
        mlflow.set_tags({"model_version": meta.version, "model_sha256": meta.model_sha256})
        mlflow.log_metrics(
            _flat_metrics({**result.metrics, **result.threshold_metrics, "train_seconds": result.seconds})
        )
        with tempfile.TemporaryDirectory() as tmp:
            folder = Path(tmp)
            (folder / "classification_report.txt").write_text(_report_text(result.metrics), encoding="utf-8")
            (folder / "metrics.json").write_text(
                json.dumps(result.metrics, indent=2, ensure_ascii=False), encoding="utf-8"
            )
            (folder / "model.json").write_text(
                json.dumps(meta.__dict__, indent=2, ensure_ascii=False), encoding="utf-8"
            )
            _confusion_png(result.metrics["opd_confusion"], folder / "confusion_matrix.png", "OPD confusion")
            mlflow.log_artifacts(tmp, artifact_path="evaluation")
        example = {"teks": INPUT_EXAMPLE}
        import pandas as pd

        frame = pd.DataFrame(example)
        signature = infer_signature(frame, router.predict(frame))
        info = log_model_dir(
            model_dir,
            registered_model=registered_model,
            signature=signature,
            input_example=frame,
            pip_requirements=_requirements(),
        )
        run_id = run.info.run_id
    version = str(info.registered_model_version) if info.registered_model_version is not None else None
    client = MlflowClient()
    promoted, reason = _decide_promotion(client, registered_model, result, eval_data, promote)
    champion = None
    if version is not None:
        client.set_model_version_tag(registered_model, version, "opd_macro_f1", f"{result.metrics['opd_macro_f1']:.4f}")
        for tag, value in (version_tags or {}).items():
            client.set_model_version_tag(registered_model, version, tag, value)
        if promoted:
            client.set_registered_model_alias(registered_model, "champion", version)
            champion = version
        else:
            try:
                champion = str(client.get_model_version_by_alias(registered_model, "champion").version)
            except mlflow.exceptions.MlflowException:
                champion = None
    logger.info("MLflow run %s, %s version %s; champion: %s (%s)", run_id, registered_model, version, champion, reason)
    return TrackingResult(run_id, info.model_uri, version, champion, promoted, reason)


def _requirements() -> list[str]:
    versions = library_versions()
    return [
        f"scikit-learn=={versions['scikit-learn']}",
        f"numpy=={versions['numpy']}",
        f"scipy=={versions['scipy']}",
        f"joblib=={versions['joblib']}",
        f"PySastrawi=={versions['PySastrawi']}",
        "pandas",
    ]


def _decide_promotion(
    client: Any, name: str, result: TrainResult, eval_data: Dataset | None, force: bool
) -> tuple[bool, str]:
    """Promote when forced, when there is no champion, or when the new model is at least as good on
    the same eval data (the champion is re-evaluated on it, not trusted from its own run)."""
    import mlflow

    if force:
        return True, "promoted with --promote"
    try:
        current = client.get_model_version_by_alias(name, "champion")
    except mlflow.exceptions.MlflowException:
        return True, "no champion yet"
    ours = float(result.metrics["opd_macro_f1"])
    if eval_data is None:
        return False, "trained without --eval: champion kept (no common eval data to compare on; use --promote)"
    try:
        champion, _, _ = load_registered(f"models:/{name}@champion")
    except RegistryError as exc:
        logger.warning("champion version %s could not be loaded (%s); promoting the new model", current.version, exc)
        return True, f"champion v{current.version} could not be loaded"
    theirs = float(evaluate_router(champion, eval_data.texts, eval_data.opd)["opd_macro_f1"])
    if ours >= theirs:
        return True, f"opd_macro_f1 {ours:.4f} >= champion v{current.version}'s {theirs:.4f} on the same eval data"
    return False, f"opd_macro_f1 {ours:.4f} < champion v{current.version}'s {theirs:.4f}: champion kept"
