"""The ``disposisi`` console script: thin typed wrappers over functions of ``training`` and ``serving``.

Every failure a user can cause ends with one line on stderr naming the problem and exit code 1
(2 for usage errors, from Typer); never a traceback.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer

from disposisi.cmd_classify import classify
from disposisi.cmd_serve import serve
from models.logs import configure_logging

app = typer.Typer(
    name="disposisi",
    help="Suggest the OPD and urgency of Indonesian citizen complaints: train, evaluate, serve, classify.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
logger = logging.getLogger("disposisi")

T = TypeVar("T")


def _user_errors() -> tuple[type[BaseException], ...]:
    from models.artifact import ArtifactError
    from training.data import DataError

    return (DataError, ArtifactError, ValueError, OSError, KeyError)


def _run(step: Callable[[], T]) -> T:
    """Run ``step``; a user-caused error becomes one line on stderr and exit code 1."""
    try:
        return step()
    except _user_errors() as exc:
        message = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        typer.echo(f"error: {message}", err=True)
        raise typer.Exit(1) from None


def _emit(result: dict[str, Any], as_json: bool) -> None:
    if as_json:
        typer.echo(json.dumps(result, indent=2, ensure_ascii=False, default=str))
        return
    for key, value in result.items():
        if isinstance(value, dict):
            typer.echo(f"{key}:")
            for sub, item in value.items():
                typer.echo(f"  {sub}: {item:.4f}" if isinstance(item, float) else f"  {sub}: {item}")
        else:
            typer.echo(f"{key}: {value}")


@app.callback()
def _main(
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Log debug detail.")] = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="Log warnings only.")] = False,
) -> None:
    configure_logging(logging.DEBUG if verbose else logging.WARNING if quiet else logging.INFO)


@app.command()
def train(
    data: Annotated[list[Path], typer.Argument(help="Labeled CSV file(s).")],
    model_dir: Annotated[Path, typer.Option("--model-dir", help="Where model.joblib and model.json go.")],
    text_column: Annotated[str, typer.Option(help="Column with the complaint text.")] = "teks",
    opd_column: Annotated[str, typer.Option(help="Column with the OPD that handled it.")] = "opd",
    urgency_column: Annotated[
        str | None,
        typer.Option(help="Urgency column (tinggi/sedang/rendah, may be empty); default: urgensi if present."),
    ] = None,
    urgency_labels: Annotated[
        list[Path] | None,
        typer.Option("--urgency-labels", help="CSV(s) of id + urgency joined on --id-column (repeatable)."),
    ] = None,
    id_column: Annotated[str, typer.Option(help="Id column for --urgency-labels.")] = "id",
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
    encoding: Annotated[str, typer.Option(help="Encoding of the CSV files.")] = "utf-8",
    as_json: Annotated[bool, typer.Option("--json", help="Print the result as JSON.")] = False,
) -> None:
    """Train a model on labeled complaints, save it to --model-dir and log the run to MLflow."""
    from training.workflow import train_model

    result = _run(
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
        )
    )
    _emit(result, as_json)


@app.command()
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
    from training.workflow import evaluate_model

    metrics = _run(
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
        _emit(metrics, True)
        return
    scalars = {k: v for k, v in metrics.items() if isinstance(v, (int, float, str))}
    scalars["per_class_f1"] = metrics["opd_per_class_f1"]
    _emit(scalars, False)


app.command()(classify)
app.command()(serve)


def main() -> None:
    app()


if __name__ == "__main__":
    main()
