"""``disposisi evaluate``: the metrics of a model directory on a labeled CSV.

A thin wrapper over :func:`training.workflow.evaluate_model`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from disposisi.console import emit, run
from disposisi.options import AsJson, Encoding, IdColumn, OpdColumn, TextColumn, UrgencyColumn, UrgencyLabels

__all__ = ["evaluate"]


def evaluate(
    data: Annotated[Path, typer.Argument(help="Labeled CSV file.")],
    model_dir: Annotated[Path, typer.Option("--model-dir", help="Model directory to evaluate.")],
    text_column: TextColumn = "teks",
    opd_column: OpdColumn = "opd",
    urgency_column: UrgencyColumn = None,
    urgency_labels: UrgencyLabels = None,
    id_column: IdColumn = "id",
    output: Annotated[Path | None, typer.Option(help="Write all metrics as JSON here.")] = None,
    encoding: Encoding = "utf-8",
    as_json: AsJson = False,
) -> None:
    """Macro-F1, accuracy, top-3 accuracy, per-class F1, confusion matrix and urgency metrics."""
    from training.workflow import evaluate_model  # MLflow is slow to import: only when this command runs

    metrics = run(
        lambda: evaluate_model(
            data,
            model_dir,
            text_column=text_column,
            opd_column=opd_column,
            urgency_column=urgency_column,
            urgency_files=urgency_labels or [],
            id_column=id_column,
            output=output,
            encoding=encoding,
        )
    )
    if as_json:
        emit(metrics, True)
        return
    scalars = {k: v for k, v in metrics.items() if isinstance(v, (int, float, str))}
    scalars["per_class_f1"] = metrics["opd_per_class_f1"]
    emit(scalars, False)
