"""``disposisi train``: fit a router on labeled complaints, save it as a model directory, log the run to MLflow.

A thin wrapper over :func:`training.workflow.train_model`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from disposisi.console import emit, run
from disposisi.options import (
    AsJson,
    Catalogue,
    Encoding,
    IdColumn,
    KecamatanColumn,
    KelurahanColumn,
    OpdColumn,
    TextColumn,
    UnitColumn,
    UrgencyColumn,
    UrgencyLabels,
)

__all__ = ["train"]


def train(
    data: Annotated[list[Path], typer.Argument(help="Labeled CSV file(s).")],
    model_dir: Annotated[Path, typer.Option("--model-dir", help="Where model.joblib and model.json go.")],
    text_column: TextColumn = "teks",
    opd_column: OpdColumn = "opd",
    urgency_column: UrgencyColumn = None,
    urgency_labels: UrgencyLabels = None,
    id_column: IdColumn = "id",
    unit_column: UnitColumn = None,
    kecamatan_column: KecamatanColumn = "kecamatan",
    kelurahan_column: KelurahanColumn = "kelurahan",
    eval_path: Annotated[
        Path | None, typer.Option("--eval", help="Labeled CSV to report metrics on (else a held-out slice).")
    ] = None,
    review_target: Annotated[
        float, typer.Option(help="Accuracy that complaints not flagged for review must reach.")
    ] = 0.95,
    tracking: Annotated[bool, typer.Option("--tracking/--no-tracking", help="Log the run to MLflow.")] = True,
    tracking_uri: Annotated[
        str | None, typer.Option(help="MLflow tracking URI (default: MLFLOW_TRACKING_URI or sqlite:///mlflow.db).")
    ] = None,
    registered_model: Annotated[str, typer.Option(help="MLflow registered model name.")] = "disposisi",
    promote: Annotated[bool, typer.Option(help="Move the champion alias to this version regardless.")] = False,
    catalogue: Catalogue = None,
    encoding: Encoding = "utf-8",
    as_json: AsJson = False,
) -> None:
    """Train a model on labeled complaints, save it to --model-dir and log the run to MLflow."""
    from training.workflow import train_model  # MLflow is slow to import: only when this command runs

    result = run(
        lambda: train_model(
            data,
            model_dir,
            text_column=text_column,
            opd_column=opd_column,
            urgency_column=urgency_column,
            urgency_files=urgency_labels or [],
            id_column=id_column,
            eval_data=eval_path,
            review_target=review_target,
            tracking=tracking,
            tracking_uri=tracking_uri,
            registered_model=registered_model,
            promote=promote,
            encoding=encoding,
            unit_column=unit_column,
            kecamatan_column=kecamatan_column,
            kelurahan_column=kelurahan_column,
            catalogue=catalogue,
        )
    )
    emit(result, as_json)
