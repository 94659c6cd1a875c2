"""The two things a data scientist runs: train (and track) a model, and evaluate one.

Both return plain dictionaries that the CLI prints or writes as JSON.
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from models.artifact import load_model, save_model
from training.data import Dataset, catalogue_summary, load_dataset, load_unit_catalogue
from training.evaluate import evaluate_router, scalar_metrics
from training.fit import train_router

__all__ = ["evaluate_model", "train_model"]

logger = logging.getLogger(__name__)

PathLike = str | os.PathLike[str]


def train_model(
    data: Sequence[PathLike],
    model_dir: PathLike,
    *,
    text_column: str = "teks",
    opd_column: str = "opd",
    urgency_column: str | None = None,
    urgency_files: Sequence[PathLike] = (),
    id_column: str = "id",
    eval_data: PathLike | None = None,
    params: dict[str, Any] | None = None,
    review_target: float = 0.95,
    tracking: bool = True,
    tracking_uri: str | None = None,
    registered_model: str = "disposisi",
    promote: bool = False,
    encoding: str = "utf-8",
    unit_column: str | None = None,
    kecamatan_column: str = "kecamatan",
    kelurahan_column: str = "kelurahan",
    catalogue: PathLike | None = None,
) -> dict[str, Any]:
    """Load and validate data, fit, save the model directory, and log the run to MLflow. With ``unit_column``
    the model also learns the specific unit (:mod:`models.unit`) from it and the location columns, and with a
    ``catalogue`` CSV (``nama``, ``menangani``) it can name units with few or no training rows
    (:mod:`models.fewshot`)."""

    def load(paths: Sequence[PathLike], min_examples: int) -> Dataset:
        return load_dataset(
            paths,
            text_column=text_column,
            opd_column=opd_column,
            urgency_column=urgency_column,
            urgency_files=urgency_files,
            id_column=id_column,
            min_examples=min_examples,
            encoding=encoding,
            unit_column=unit_column,
            kecamatan_column=kecamatan_column,
            kelurahan_column=kelurahan_column,
        )

    train = load(data, 2)
    described = load_unit_catalogue(catalogue, unit_column, encoding=encoding)
    evaluation = load([eval_data], 1) if eval_data is not None else None
    logger.info(
        "training on %d rows (%d with urgency), %d OPD labels",
        len(train),
        train.n_urgency,
        len(set(train.opd)),
    )
    result = train_router(train, evaluation, params=params, review_target=review_target, catalogue=described)
    data_info = {
        "train": train.summary(),
        "train_sources": [Path(s).name for s in train.sources],
        "eval": evaluation.summary() if evaluation else None,
        "metrics_source": result.metrics_source,
        "review_target": review_target,
        "unit_column": unit_column,
        "catalogue": catalogue_summary(catalogue, described),
    }
    meta = save_model(
        result.router, model_dir, data=data_info, metrics=scalar_metrics(result.metrics), reference=result.reference
    )
    summary: dict[str, Any] = {
        "model_dir": str(model_dir),
        "model_version": meta.version,
        "train_rows": len(train),
        "skipped": train.skipped,
        "metrics_source": result.metrics_source,
        "metrics": scalar_metrics(result.metrics),
        "train_seconds": round(result.seconds, 2),
    }
    if tracking:
        from training.tracking import log_training_run

        tracked = log_training_run(
            result,
            meta,
            train,
            evaluation,
            model_dir=Path(model_dir),
            registered_model=registered_model,
            promote=promote,
            tracking_uri=tracking_uri,
        )
        summary["mlflow"] = {
            "run_id": tracked.run_id,
            "model_uri": tracked.model_uri,
            "registered_model": registered_model,
            "version": tracked.registered_version,
            "champion": tracked.champion_version,
            "promoted": tracked.promoted,
            "reason": tracked.reason,
        }
    return summary


def evaluate_model(
    data: PathLike,
    model_dir: PathLike,
    *,
    text_column: str = "teks",
    opd_column: str = "opd",
    urgency_column: str | None = None,
    urgency_files: Sequence[PathLike] = (),
    id_column: str = "id",
    output: PathLike | None = None,
    encoding: str = "utf-8",
) -> dict[str, Any]:
    """Full metrics of a saved model on labeled data; written to ``output`` as JSON when given."""
    router, meta = load_model(model_dir)
    dataset = load_dataset(
        [data],
        text_column=text_column,
        opd_column=opd_column,
        urgency_column=urgency_column,
        urgency_files=urgency_files,
        id_column=id_column,
        min_examples=1,
        encoding=encoding,
    )
    metrics = evaluate_router(router, dataset.texts, dataset.opd, dataset.urgency)
    metrics["model_version"] = meta.version
    metrics["skipped"] = dataset.skipped
    if output is not None:
        Path(output).write_text(json.dumps(metrics, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return metrics
