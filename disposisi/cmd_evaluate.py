"""``disposisi evaluate``: the metrics of a model directory on a labeled CSV.

A thin wrapper over :func:`training.workflow.evaluate_model`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from disposisi.console import emit, run

__all__ = ["evaluate"]


def evaluate(
    data: Annotated[Path, typer.Argument(help="Labeled CSV file.")],
    model_dir: Annotated[Path, typer.Option("--model-dir", help="Model directory to evaluate.")],
    text_column: Annotated[str, typer.Option(help="Column with the complaint text.")] = "teks",
    opd_column: Annotated[str, typer.Option(help="Column with the true OPD.")] = "opd",
    urgency_column: Annotated[str | None, typer.Option(help="Urgency column; default: urgensi if present.")] = None,
    urgency_labels: Annotated[
        list[Path] | None, typer.Option("--urgency-labels", help="CSV(s) of id + urgency joined on --id-column.")
    ] = None,
    id_column: Annotated[str, typer.Option(help="Id column for --urgency-labels.")] = "id",
    output: Annotated[Path | None, typer.Option(help="Write all metrics as JSON here.")] = None,
    encoding: Annotated[str, typer.Option(help="Encoding of the CSV file.")] = "utf-8",
    as_json: Annotated[bool, typer.Option("--json", help="Print all metrics as JSON.")] = False,
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
